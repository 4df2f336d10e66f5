#!/usr/bin/env bash
# The map benchmark: shm4j SharedMap vs ConcurrentHashMap + copy vs Chronicle Map 3.25ea6, in one JMH
# run on JDK 25 (Chronicle Map runs there with its --add-opens/--add-exports, set in the @Fork).
# Usage: shm4j-bench/map-vs-chronicle/run.sh [JMH options, e.g. -prof gc]
#        shm4j-bench/map-vs-chronicle/run.sh interleaved [rounds]   (best-of-rounds get ratio, no JMH)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/target"
# shellcheck source=../../bin/find-jdk.sh
. "$root/bin/find-jdk.sh"
java_home="$JAVA_HOME"
mkdir -p "$out/classes"
(cd "$root" && ./mvnw -B -q -pl shm4j-core -am compile)
"$root/mvnw" -B -q -f "$here/pom.xml" dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
cp="$(cat "$out/cp.txt"):$root/shm4j-core/target/classes"
"$java_home/bin/javac" --release 25 -proc:full -processorpath "$cp" -cp "$cp" -d "$out/classes" \
  $(find "$here/src" -name '*.java')
if [[ "${1:-}" == interleaved ]]; then
  shift
  exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$out/classes:$cp" \
    org.shm4j.bench.map.MapGetInterleaved "$@"
fi
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$out/classes:$cp" org.openjdk.jmh.Main \
  MapGetBench "$@"
