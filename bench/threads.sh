#!/usr/bin/env bash
# Where the server's CPU time goes, by thread group, for server settings side by side: starts one server per
# setting (ports 18100, 18101, ...), then for each round and each load runs wrk against each server in turn and
# reads every thread's CPU time from /proc before and after (Java threads and libtorch's native OpenMP workers
# alike). Prints per cell: requests/s, rows/s, mean model compute per batch from /metrics, and CPU ms per request
# by thread group. Needs a build (bench/compare.sh builds; or mvn -B -q package -DskipTests).
#
#   SETTINGS="-Dai.djl.pytorch.num_threads=2|-Dai.djl.pytorch.num_threads=1" bench/threads.sh
#   SETTINGS="-Dx=default|repo=/tmp/models-mc2 -Dx=mc2" bench/threads.sh   # a setting may name its own repository
#   LOADS="b32-c1 b1-c64" ROUNDS=3 SECONDS_PER_CELL=8 bench/threads.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SETTINGS=${SETTINGS:-"-Dai.djl.pytorch.num_threads=2|-Dai.djl.pytorch.num_threads=1"}
LOADS=${LOADS:-"b32-c1 b1-c64"}
ROUNDS=${ROUNDS:-3}
SECONDS_PER_CELL=${SECONDS_PER_CELL:-8}
REPO=${REPO:-models}
OUT=${OUT:-target/threads}
mkdir -p "$OUT"
export DJL_OFFLINE=true
python3 - "$OUT" <<'PY'
import json, random, sys
random.seed(42)
for rows in (1, 32):
    data = [[random.randrange(1000) for _ in range(32)] for _ in range(rows)]
    json.dump({"inputs": {"tokens": {"dtype": "int64", "shape": [rows, 32], "data": data}}},
              open(f"{sys.argv[1]}/classifier-{rows}.json", "w"))
PY
IFS='|' read -r -a settings <<< "$SETTINGS"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done' EXIT
for i in "${!settings[@]}"; do
  repo=$REPO opts=${settings[$i]}
  if [[ $opts == repo=* ]]; then repo=${opts%% *}; repo=${repo#repo=}; opts=${opts#* }; fi
  # shellcheck disable=SC2086
  PORT=$((18100 + i)) GRPC_PORT=off REPO_ROOT=$repo LOG_LEVEL=INFO java $opts \
    -jar inferno-http/target/inferno-server.jar > "$OUT/server-$i.log" 2>&1 &
  pids+=($!)
done
for i in "${!settings[@]}"; do
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$((18100 + i))/health/ready" > /dev/null 2>&1 && break
    kill -0 "${pids[$i]}" 2>/dev/null || { echo "server $i exited: see $OUT/server-$i.log" >&2; exit 1; }
    sleep 0.5
  done
done
cpu() { # thread-name<TAB>ticks for every thread of pid $1
  for t in /proc/"$1"/task/*; do
    awk -v name="$(cat "$t/comm" 2>/dev/null)" '{ sub(/^.*\) /, ""); print name "\t" $12 + $13 }' "$t/stat" 2>/dev/null
  done
}
compute() { # "count sum" of the classifier's compute-time histogram
  curl -s "http://127.0.0.1:$1/metrics" | grep -E '^infer_compute_seconds_(sum|count)\{model="my_classifier"\}' \
    | awk '{print $2}' | tr '\n' ' '
}
cell() { # cell SERVER LOAD ROUND
  local i=$1 load=$2 port=$((18100 + $1)) rows=${2%-*} conns=${2#*-c}
  rows=${rows#b}
  local threads=$(( conns < 2 ? 1 : 2 ))
  cpu "${pids[$i]}" > "$OUT/cpu0"
  local m0; m0=$(compute "$port")
  BODY_FILE=$OUT/classifier-$rows.json wrk -t"$threads" -c"$conns" -d"${SECONDS_PER_CELL}s" -s bench/predict.lua \
    "http://127.0.0.1:$port" -- /v1/models/my_classifier:predict > "$OUT/wrk" 2>&1 || true
  cpu "${pids[$i]}" > "$OUT/cpu1"
  local m1; m1=$(compute "$port")
  python3 - "$OUT" "$i" "$load" "$3" "$rows" "$m0" "$m1" <<'PY'
import collections, re, sys
out, i, load, rnd, rows, m0, m1 = sys.argv[1:]
def read(p):
    c = collections.Counter()
    for line in open(p):
        name, ticks = line.rstrip("\n").split("\t")
        c[re.sub(r"[-#]?\d+$", "", re.sub(r"-\d+(-|$)", r"\1", name)) or name] += int(ticks)
    return c
a, b = read(f"{out}/cpu0"), read(f"{out}/cpu1")
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", open(f"{out}/wrk").read()).group(1))
n0, s0 = map(float, m0.split()); n1, s1 = map(float, m1.split())
secs = float(re.search(r"(\d+\.\d+)s", open(f"{out}/wrk").read().split("requests in")[1]).group(1))
reqs = rps * secs
groups = sorted(((b[k] - a.get(k, 0)) * 10 / reqs, k) for k in b if b[k] - a.get(k, 0) > 0)[::-1]
print(f"server {i} {load} round {rnd}: {rps:,.0f} req/s, {rps * int(rows):,.0f} rows/s, compute "
      f"{(s1 - s0) / max(n1 - n0, 1) * 1000:.2f} ms/batch of {int(rows) * reqs / max(n1 - n0, 1):.1f} rows;"
      " CPU ms/request: "
      + ", ".join(f"{k} {v:.3f}" for v, k in groups[:7]) + f"; total {sum(v for v, _ in groups):.3f}")
PY
}
for i in "${!settings[@]}"; do echo "server $i: ${settings[$i]}"; done
for load in $LOADS; do for i in "${!settings[@]}"; do SECONDS_PER_CELL=4 cell "$i" "$load" warm > /dev/null; done; done
for round in $(seq 1 "$ROUNDS"); do
  for load in $LOADS; do
    for i in "${!settings[@]}"; do cell "$i" "$load" "$round"; done
  done
done
uptime
