#!/usr/bin/env bash
# A chaos run (not CI): starts the server on the sample models and, for a minute, lets valid clients share it with
# poison requests, amplifying and oversized bodies, slow clients and hot swaps (io.inferno.loadtest.Chaos). Prints
# the valid requests' success rate and latency, every other kind's answers, the health probe's worst latency and
# the server's RSS at the start and the end. See docs/performance.md.
#
#   bench/chaos.sh                       # 60 s, 16 valid clients, 4 poison, 250 slow
#   SECONDS_PER_RUN=20 CHAOS_ARGS="--slow 400" bench/chaos.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=${SECONDS_PER_RUN:-60}
PORT=${BENCH_PORT:-18081}
OUT=${OUT:-target/bench}
mkdir -p "$OUT"

# shellcheck source=bench/server.sh
source bench/server.sh
start_server "$OUT/chaos-server.log"

java -cp inferno-loadtest/target/inferno-loadtest.jar io.inferno.loadtest.Chaos --host "http://127.0.0.1:$PORT" \
  --pid "$server" --seconds "$SECONDS_PER_RUN" ${CHAOS_ARGS:-}
