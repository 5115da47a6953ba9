#!/usr/bin/env bash
# Rebuilds models/java/1/softmax-regression.jar from inferno-examples' SoftmaxRegression.java, so the sample
# repository serves a Java-entrypoint model without the examples module on the class path (the standalone server).
# Needs inferno-core built first: mvn -B -q -pl inferno-core -am install -DskipTests
set -euo pipefail
cd "$(dirname "$0")/.."
core=$(ls inferno-core/target/inferno-core-*.jar | grep -v -- '-tests.jar' | head -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac --release 17 -cp "$core" -d "$work/classes" \
  inferno-examples/src/main/java/io/inferno/examples/javamodel/SoftmaxRegression.java
# fixed timestamps and order: the jar's bytes depend only on the class files
find "$work/classes" -exec touch -d '2026-01-01T00:00:00Z' {} +
(cd "$work/classes" && find . -type f | sort | sed 's#^\./##' > "$work/files" \
  && jar --create --file "$work/sample.jar" --date=2026-01-01T00:00:00Z @"$work/files")
cp "$work/sample.jar" models/java/1/softmax-regression.jar
echo "wrote models/java/1/softmax-regression.jar"
