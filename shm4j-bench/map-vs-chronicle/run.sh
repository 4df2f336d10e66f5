#!/usr/bin/env bash
# The map benchmark: shm4j SharedMap vs ConcurrentHashMap + copy vs Chronicle Map 3.25ea6, in one JMH
# run on JDK 25 (Chronicle Map runs there with its --add-opens/--add-exports, set in the @Fork).
# Usage: shm4j-bench/map-vs-chronicle/run.sh [JMH options, e.g. -prof gc]
#        shm4j-bench/map-vs-chronicle/run.sh interleaved [rounds]   (best-of-rounds get ratios, no JMH)
#        shm4j-bench/map-vs-chronicle/run.sh mixed [rounds] [seconds per round]
#          (90 % get / 10 % put from 2 processes on one map, shm4j and Chronicle Map in alternating rounds)
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
# What Chronicle Map 3.25ea6 needs on JDK 17+ (the JMH runs set the same list in MapGetBench's @Fork).
chronicle_flags=(-Dchronicle.analytics.disable=true
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED --add-opens=java.base/jdk.internal.misc=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED)
case "${1:-}" in
  interleaved)
    shift
    exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED "${chronicle_flags[@]}" -cp "$out/classes:$cp" \
      org.shm4j.bench.map.MapGetInterleaved "$@" ;;
  mixed)
    shift
    # The parent starts the worker processes with the same java, flags and class path.
    exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED "${chronicle_flags[@]}" -cp "$out/classes:$cp" \
      org.shm4j.bench.map.MapMixedTwoProcesses "$@" ;;
esac
exec "$java_home/bin/java" --enable-native-access=ALL-UNNAMED -cp "$out/classes:$cp" org.openjdk.jmh.Main \
  MapGetBench "$@"
