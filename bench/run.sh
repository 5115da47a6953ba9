#!/usr/bin/env bash
# Builds the server and the load-test tool, starts the server on the sample models, drives each sample at
# 1, 8, 32 and 64 connections, and prints one table. See docs/performance.md for how to read it.
#
#   bench/run.sh                 # 15 s per cell
#   SECONDS_PER_RUN=5 bench/run.sh
#   MODELS="torchscript my_classifier" USERS="1 64" bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${SECONDS_PER_RUN:-15}
MODELS=${MODELS:-"torchscript java multi_io my_classifier"}
USERS=${USERS:-"1 8 32 64"}
PORT=${BENCH_PORT:-18080}
WARMUP=${WARMUP:-200}
OUT=${OUT:-target/bench}
mkdir -p "$OUT"

# shellcheck source=bench/server.sh
source bench/server.sh
start_server "$OUT/server.log"
LOADTEST_JAR=inferno-loadtest/target/inferno-loadtest.jar

printf '%-14s %5s %10s %9s %9s %9s %9s %7s %10s %10s %8s\n' \
  model users "req/s" "p50 ms" "p90 ms" "p99 ms" "max ms" errors "queue ms" "compute ms" "rows/b"
for model in $MODELS; do
  for users in $USERS; do
    json="$OUT/$model-$users.json"
    java -jar "$LOADTEST_JAR" --host "http://127.0.0.1:$PORT" --model-name "$model" -u "$users" \
      -t "${SECONDS_PER_RUN}s" --warmup "$WARMUP" --verify-response --headless --json --dim seq=32 \
      > "$json" 2> "$OUT/$model-$users.err" || true
    python3 - "$json" "$model" "$users" <<'PY'
import json, sys
path, model, users = sys.argv[1], sys.argv[2], sys.argv[3]
try:
    r = json.load(open(path))
except Exception as e:
    print(f"{model:<14} {users:>5}  failed: see {path[:-5]}.err"); sys.exit(0)
l, s = r["latency_ms"], r.get("server", {})
f = lambda v: "-" if v is None or v != v else f"{v:.2f}"
print(f"{model:<14} {users:>5} {r['requests_per_s']:>10.1f} {f(l['p50']):>9} {f(l['p90']):>9} {f(l['p99']):>9} "
      f"{f(l['max']):>9} {r['failed']:>7} {f(s.get('mean_queue_ms')):>10} {f(s.get('mean_compute_ms')):>10} "
      f"{f(s.get('mean_batch_size')):>8}")
PY
  done
done
