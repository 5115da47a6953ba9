#!/usr/bin/env bash
# Runs the JMH micro-benchmarks of every module that has them (codecs, validation, engine overhead in
# inferno-core; the TorchScript runtime in inferno-torch). Extra arguments go to JMH, for example a name filter:
#
#   bench/jmh.sh                         # everything, 1 fork, 3 warmup and 5 measured iterations
#   bench/jmh.sh CodecBenchmark          # one benchmark class
set -euo pipefail
cd "$(dirname "$0")/.."
args=${*:-}
mvn -B -q install -DskipTests
for module in inferno-core inferno-torch; do
  echo "== $module"
  mvn -B -q -Pbench -pl "$module" verify -DskipTests -Djmh.args="-f 1 -wi 3 -i 5 $args" \
    || echo "($module: no benchmark matched, or JMH failed: see above)"
done
