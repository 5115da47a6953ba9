#!/usr/bin/env bash
# Runs every baseline of issue 12 and Inferno in one go, with wrk as the HTTP client, and prints a table of ratios
# (docs/performance.md, "Against the baselines", shows one from the development machine and what limits each row):
#   - raw DJL Predictor on my_classifier in process, batch 1 and 32 (rows/s; io.inferno.torch.bench.RawPredictor,
#     module in inference mode like Inferno's runtime, in its own JVM after each round of HTTP cells, while the
#     servers idle; RAW_OPTS="-Draw.inferenceMode=false" for DJL's plain defaults, 1.2-2x slower);
#   - a bare Javalin endpoint that parses the same JSON body (io.inferno.http.bench.BareJavalin);
#   - the Python comparison server in ../shared/pyref, when its Debian packages are installed (skipped otherwise);
#   - Inferno on the tiny model `torchscript` at 1/8/32/64 connections, and on my_classifier with one connection
#     posting batches of 32 rows and with 64 connections posting single rows.
# The HTTP cells interleave (bare, Inferno, Python for each connection count) and ROUNDS > 1 repeats them; the
# table quotes the median of the rounds.
#
#   bench/compare.sh                          # 8 s per cell, one round
#   ROUNDS=3 SECONDS_PER_CELL=5 bench/compare.sh
#   SKIP_BUILD=1 bench/compare.sh             # reuse the jars and class paths of the last build
#   WARM_SECONDS=20                           # load before the first round (default 20: the JIT needs it)
#   GRAPH_OPTIMIZER=false bench/compare.sh    # libtorch's graph optimizer off, in the server and the raw predictor
#                                             # alike (default true, Inferno's default and DJL's)
#   ATEN_CPU_CAPABILITY= bench/compare.sh     # libtorch's own choice of CPU kernels (AVX-512 where the CPU has it)
#                                             # for every side; default avx2, which on the development machine
#                                             # avoids the AVX-512 slow state (docs/performance.md, "Model execution")
#   SERVER_JAVA_OPTS="-Xmx2g" bench/compare.sh
#   TABLE_ONLY=1 OUT=target/compare bench/compare.sh   # the table of an earlier run again
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_CELL=${SECONDS_PER_CELL:-8}
ROUNDS=${ROUNDS:-1}
WARM_SECONDS=${WARM_SECONDS:-20}
GRAPH_OPTIMIZER=${GRAPH_OPTIMIZER:-true}
# both sides run with the same optimizer setting and the same libtorch CPU kernels
if [[ -n "${ATEN_CPU_CAPABILITY-avx2}" ]]; then
  export ATEN_CPU_CAPABILITY=${ATEN_CPU_CAPABILITY-avx2}
else
  unset ATEN_CPU_CAPABILITY
fi
export SERVER_JAVA_OPTS="${SERVER_JAVA_OPTS:-} -Dai.djl.pytorch.graph_optimizer=$GRAPH_OPTIMIZER"
CONNECTIONS=${CONNECTIONS:-"1 8 32 64"}
PORT=${BENCH_PORT:-18080}
BARE_PORT=${BARE_PORT:-18081}
PY_PORT=${PY_PORT:-18082}
PYREF_DIR=${PYREF_DIR:-../shared/pyref}
OUT=${OUT:-target/compare}
mkdir -p "$OUT"
export DJL_OFFLINE=true
results="$OUT/results.tsv"
if [[ "${TABLE_ONLY:-}" == "1" ]]; then
  # print the table of an earlier run in $OUT again (Python counts as run when its cells are there)
  python=$(grep -q '^python-' "$results" && echo on || echo off)
else
: > "$results"

if ! command -v wrk > /dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get > /dev/null; then
    echo "installing wrk (Debian package)" >&2
    apt-get install -y -q wrk > "$OUT/apt.log" 2>&1 || { echo "apt-get install wrk failed: see $OUT/apt.log" >&2; exit 2; }
  else
    echo "bench/compare.sh needs wrk: sudo apt-get install wrk (or build it from github.com/wg/wrk)" >&2
    exit 2
  fi
fi

if [[ "${SKIP_BUILD:-}" != "1" ]]; then
  echo "building (mvn package, test class paths)" >&2
  mvn -B -q package dependency:build-classpath -DskipTests -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/test-classpath.txt
fi
classpath() { echo "$(cat "$1/target/test-classpath.txt"):$1/target/classes:$1/target/test-classes"; }

# Request bodies: the tiny model's one row, and the classifier's token ids (seq 32) at 1 and 32 rows.
python3 - "$OUT" <<'PY'
import json, random, sys
out = sys.argv[1]
random.seed(42)
for rows in (1, 32):
    data = [[random.randrange(1000) for _ in range(32)] for _ in range(rows)]
    with open(f"{out}/classifier-{rows}.json", "w") as f:
        json.dump({"inputs": {"tokens": {"dtype": "int64", "shape": [rows, 32], "data": data}}}, f)
PY

# record KEY ROUND REQ/S P50_MS ERRORS
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >> "$results"; }

# wrk_cell KEY ROUND PORT CONNECTIONS PATH BODY_FILE [SECONDS]: one wrk run, recorded
wrk_cell() {
  local key=$1 round=$2 port=$3 conns=$4 path=$5 body=$6 secs=${7:-$SECONDS_PER_CELL}
  local threads=$(( conns < 2 ? 1 : 2 ))
  local log="$OUT/$key-$round.wrk"
  BODY_FILE=$body wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s bench/predict.lua \
    "http://127.0.0.1:$port" -- "$path" > "$log" 2>&1 || true
  [[ $round == warm ]] && return 0
  python3 - "$log" "$key" "$round" >> "$results" <<'PY'
import re, sys
log, key, rnd = sys.argv[1:]
text = open(log).read()
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\b", text, re.M)
p50ms = float(p50.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p50.group(2)] if p50 else float("nan")
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
errors = (int(bad.group(1)) if bad else 0) + (sum(map(int, sock.groups())) if sock else 0)
print(f"{key}\t{rnd}\t{float(rps.group(1)) if rps else float('nan')}\t{p50ms}\t{errors}")
PY
}

wait_for() { # wait_for NAME PID CHECK-COMMAND...
  local name=$1 pid=$2; shift 2
  for _ in $(seq 1 120); do
    if "$@" > /dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "$name exited; see $OUT/$name.log" >&2; return 1; fi
    sleep 0.5
  done
  echo "$name not ready; see $OUT/$name.log" >&2
  return 1
}

# raw_cells ROUND: the raw DJL Predictor in its own process (3 cells of 2 s per batch size, alternating), with the
# same thread counts as the server's defaults; run between the rounds of HTTP cells while the servers idle.
raw_cells() {
  # shellcheck disable=SC2086
  java -Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
    -Dai.djl.pytorch.graph_optimizer="$GRAPH_OPTIMIZER" ${RAW_OPTS:-} \
    -cp "$(classpath inferno-torch)" io.inferno.torch.bench.RawPredictor models/my_classifier/1/model.ts 3 2 \
    > "$OUT/raw-$1.log" 2>&1 || true
  grep '^raw-djl' "$OUT/raw-$1.log" > "$OUT/raw-$1.txt" || true
  sed 's/^/  /' "$OUT/raw-$1.txt" >&2
  local b1 b32
  b1=$(sed -n 's/^raw-djl batch=1 rows_per_s=\([0-9]*\).*/\1/p' "$OUT/raw-$1.txt")
  b32=$(sed -n 's/^raw-djl batch=32 rows_per_s=\([0-9]*\).*/\1/p' "$OUT/raw-$1.txt")
  [[ -n $b1 && -n $b32 ]] || { echo "the raw DJL baseline failed: see $OUT/raw-$1.log" >&2; exit 1; }
  record raw-b1 "$1" "$b1" nan 0
  record raw-b32 "$1" "$b32" nan 0
}

# 2. The servers, all up at once (an idle one costs next to nothing), stopped on exit. Inferno first: its start
# (bench/server.sh) sets its own exit trap, replaced here once it is up.
# shellcheck source=bench/server.sh
SKIP_BUILD=1 source bench/server.sh
require_free_port "$BARE_PORT" "the bare endpoint, BARE_PORT"
require_free_port "$PY_PORT" "the Python server, PY_PORT"
start_server "$OUT/inferno.log"
pids=("$server")
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done' EXIT
java -cp "$(classpath inferno-http)" io.inferno.http.bench.BareJavalin "$BARE_PORT" > "$OUT/bare.log" 2>&1 &
pids+=($!)
bare_up() { curl -fsS -X POST -H 'Content-Type: application/json' --data @bench/torchscript-body.json \
  "http://127.0.0.1:$BARE_PORT/v1/models/torchscript:predict"; }
wait_for bare "${pids[-1]}" bare_up

python=off
if [[ -d $PYREF_DIR ]] && /usr/bin/python3 -c 'import fastapi, uvicorn, pydantic, torch' 2>/dev/null; then
  # only the model the comparison uses: the server loads every directory it finds as TorchScript
  mkdir -p "$OUT/pyref-models" && ln -sfn "$PWD/models/torchscript" "$OUT/pyref-models/torchscript"
  pyref_models=$(realpath "$OUT/pyref-models") # OUT may be relative or absolute
  (cd "$PYREF_DIR" && MODELS_DIR="$pyref_models" THREADS=1 exec /usr/bin/python3 -m uvicorn server:app \
    --host 127.0.0.1 --port "$PY_PORT" --log-level warning) > "$OUT/python.log" 2>&1 &
  pids+=($!)
  py_up() { curl -fsS -X POST -H 'Content-Type: application/json' --data @bench/torchscript-body.json \
    "http://127.0.0.1:$PY_PORT/v1/models/torchscript:predict"; }
  wait_for python "${pids[-1]}" py_up && python=on
else
  echo "Python comparison server skipped: needs $PYREF_DIR and /usr/bin/python3 with fastapi, uvicorn," \
    "pydantic and torch (apt-get install -y python3-torch python3-fastapi python3-uvicorn python3-pydantic)" >&2
fi


tiny=/v1/models/torchscript:predict
classifier=/v1/models/my_classifier:predict
# The JVMs need load for a while before their code is compiled: Inferno's requests/s at 32 connections climbed
# from 3,600 to 25,000 over its first 20 s of load (5 s cells, C2 compilations counted with jstat -compiler),
# and the classifier's request path at 458 requests/s is compiled only after the tiny model's warm-up.
echo "warming up the servers (${WARM_SECONDS}s each, the classifier half that)" >&2
wrk_cell warm warm "$BARE_PORT" 32 "$tiny" bench/torchscript-body.json "$WARM_SECONDS"
wrk_cell warm warm "$PORT" 32 "$tiny" bench/torchscript-body.json "$WARM_SECONDS"
wrk_cell warm warm "$PORT" 64 "$classifier" "$OUT/classifier-1.json" $(( WARM_SECONDS / 2 ))
wrk_cell warm warm "$PORT" 1 "$classifier" "$OUT/classifier-32.json" $(( WARM_SECONDS / 2 ))
[[ $python == on ]] && wrk_cell warm warm "$PY_PORT" 32 "$tiny" bench/torchscript-body.json 4

for round in $(seq 1 "$ROUNDS"); do
  for c in $CONNECTIONS; do
    echo "round $round: tiny model, $c connection(s)" >&2
    wrk_cell "bare-c$c" "$round" "$BARE_PORT" "$c" "$tiny" bench/torchscript-body.json
    wrk_cell "inferno-c$c" "$round" "$PORT" "$c" "$tiny" bench/torchscript-body.json
    if [[ $python == on && ( $c == 1 || $c == 32 ) ]]; then
      wrk_cell "python-c$c" "$round" "$PY_PORT" "$c" "$tiny" bench/torchscript-body.json
    fi
  done
  echo "round $round: classifier, then the raw DJL Predictor" >&2
  wrk_cell classifier-b32-c1 "$round" "$PORT" 1 "$classifier" "$OUT/classifier-32.json"
  wrk_cell classifier-b1-c64 "$round" "$PORT" 64 "$classifier" "$OUT/classifier-1.json"
  raw_cells "$round"
done
uptime | sed 's/^/machine: /' >&2
fi # TABLE_ONLY

python3 - "$results" "$python" "$CONNECTIONS" <<'PY'
import math, os, statistics, sys
path, python, conns = sys.argv[1], sys.argv[2] == "on", sys.argv[3].split()
cells = {}
for line in open(path):
    key, rnd, rps, p50, err = line.rstrip("\n").split("\t")
    cells.setdefault(key, []).append((float(rps), float(p50), int(err)))
def med(key, i=0):
    v = [c[i] for c in cells.get(key, []) if not math.isnan(c[i])]
    return statistics.median(v) if v else float("nan")
def errors(key):
    return sum(c[2] for c in cells.get(key, []))
def num(v, unit=""):
    return "-" if math.isnan(v) else (f"{v:,.0f}" if v >= 100 else f"{v:.2f}") + unit
rows = []
def row(what, key, baseline_name, base_key, target, scale=1):
    # the ratio is the median of each round's own ratio: cells measured minutes apart on a shared machine
    # are not comparable, cells of one round are
    pairs = [(a[0] * scale, b[0]) for a, b in zip(cells.get(key, []), cells.get(base_key, []))]
    ratios = [a / b for a, b in pairs if b > 0 and not math.isnan(a / b)]
    r = statistics.median(ratios) if ratios else float("nan")
    per = " (" + ", ".join(f"{x:.2f}" for x in ratios) + ")" if len(ratios) > 1 else ""
    rows.append((what, num(med(key) * scale), f"{baseline_name}: {num(med(base_key))}",
                 "-" if math.isnan(r) else f"{r:.2f}x{per}", target))
raw32, raw1 = med("raw-b32"), med("raw-b1")
row("classifier [32, 32] per request, 1 connection, rows/s", "classifier-b32-c1", "raw DJL Predictor, batch 32",
    "raw-b32", ">= 0.9x", scale=32)
row("classifier, 64 connections of one row, rows/s", "classifier-b1-c64", "raw DJL Predictor, batch 32",
    "raw-b32", ">= 0.75x")
for c in conns:
    target = ">= 0.7x" if c == "32" else ""
    row(f"tiny model, {c} connection{'s' if c != '1' else ''}, requests/s", f"inferno-c{c}",
        "bare Javalin endpoint", f"bare-c{c}", target)
for c in ("1", "32"):
    if python:
        row(f"tiny model, {c} connection{'s' if c != '1' else ''}, requests/s", f"inferno-c{c}",
            "Python stack (pyref)", f"python-c{c}", ">= 4x" if c == "32" else "")
    else:
        rows.append((f"tiny model, {c} connection(s), requests/s", num(med(f"inferno-c{c}")),
                     "Python stack (pyref): skipped", "-", ""))
print()
print("| measurement | Inferno (median) | baseline (median) | ratio: median of the rounds' (each round's) | target |")
print("|---|---|---|---|---|")
for r in rows:
    print("| " + " | ".join(r) + " |")
print()
print(f"raw DJL Predictor in process: batch 1 {num(raw1)} rows/s, batch 32 {num(raw32)} rows/s")
pi, pb = med("inferno-c1", 1), med("bare-c1", 1)
line = f"p50 at one connection, tiny model: Inferno {pi:.3f} ms, bare Javalin {pb:.3f} ms ({pi - pb:+.3f} ms; target <= +0.1 ms)"
if python:
    line += f", Python {med('python-c1', 1):.3f} ms"
print(line)
print(f"p50 at one connection, classifier [32, 32]: Inferno {med('classifier-b32-c1', 1):.2f} ms"
      f" (raw DJL batch 32: {32 / raw32 * 1000:.2f} ms per batch)")
bad = {k: errors(k) for k in cells if errors(k)}
if bad:
    print("ERRORS (non-2xx or socket errors): " + ", ".join(f"{k} {v}" for k, v in bad.items()))
print(f"({len(cells.get('inferno-c1', []))} round(s) for the medians; each round's raw figure is the median of"
      " 3 cells of one process)")
print(f"libtorch CPU kernels on every side: {os.environ.get('ATEN_CPU_CAPABILITY') or 'its own choice'}"
      " (ATEN_CPU_CAPABILITY)")
PY
