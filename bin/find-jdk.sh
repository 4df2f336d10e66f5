# Sourced by ./mvnw and ./shm4j: points JAVA_HOME at a JDK 25 or newer.
# Order: JAVA_HOME, then the java on PATH, then /usr/lib/jvm/*. Prints what to install when none is found.
shm4j_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}
shm4j_is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  major=$(shm4j_java_major "$1")
  [ -n "$major" ] && [ "$major" -ge 25 ]
}
shm4j_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && shm4j_is_jdk25 "$JAVA_HOME"; then return 0; fi
  if command -v javac >/dev/null 2>&1; then
    candidate=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    if shm4j_is_jdk25 "$candidate"; then JAVA_HOME=$candidate; export JAVA_HOME; return 0; fi
  fi
  for candidate in $(find /usr/lib/jvm -mindepth 1 -maxdepth 1 2>/dev/null | sort -r); do
    if shm4j_is_jdk25 "$candidate"; then JAVA_HOME=$candidate; export JAVA_HOME; return 0; fi
  done
  echo "shm4j needs a JDK 25 or newer and found none (looked at JAVA_HOME=${JAVA_HOME:-unset}, the PATH, /usr/lib/jvm)." >&2
  echo "Install one, e.g. 'apt install temurin-25-jdk' (Adoptium repository) or from https://adoptium.net, then set JAVA_HOME." >&2
  return 1
}
shm4j_find_jdk || exit 1
