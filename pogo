#!/usr/bin/env bash
# Pogo launcher: builds pogo.jar when the sources are newer than it, then runs it.
#   ./pogo up                 run a single node (API on http://127.0.0.1:8080)
#   ./pogo --help             every command
# JVM options: POGO_JAVA_OPTS (e.g. POGO_JAVA_OPTS=-Xmx512m ./pogo up).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JAR="$ROOT/pogo.jar"

die() {
  echo "pogo: $*" >&2
  exit 1
}

# Java 17 or newer: JAVA_HOME first, then the PATH.
if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
  JAVA="$JAVA_HOME/bin/java"
elif command -v java >/dev/null 2>&1; then
  JAVA="$(command -v java)"
else
  die "java not found: install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
fi
version_line="$("$JAVA" -version 2>&1 | head -n 1)"
version="$(sed -E -n 's/.*version "([^"]+)".*/\1/p' <<<"$version_line")"
major="${version%%[.+-]*}"
if [[ "$major" == "1" ]]; then # 1.8.0_x style
  major="$(cut -d. -f2 <<<"$version")"
fi
if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
  die "Java 17 or newer is needed; $JAVA is ${version:-unknown} ($version_line)"
fi

# Rebuild when pogo.jar is missing or older than any source file or pom.xml.
stale() {
  [[ ! -f "$JAR" ]] && return 0
  local newer
  newer="$(find "$ROOT" \( -name target -o -name node_modules -o -name .git -o -name pogo-data \) -prune -o \
    \( -path '*/src/*' -o -name pom.xml \) -type f -newer "$JAR" -print -quit 2>/dev/null)"
  [[ -n "$newer" ]]
}

if stale; then
  echo "pogo: building pogo.jar (sources changed; this takes a minute the first time)..." >&2
  if ! (cd "$ROOT" && ./mvnw -q -B -DskipTests package -pl pogo-node -am >&2); then
    die "build failed; see the Maven output above"
  fi
  cp "$ROOT/pogo-node/target/pogo.jar" "$JAR.tmp" && mv -f "$JAR.tmp" "$JAR"
fi

# shellcheck disable=SC2086 # POGO_JAVA_OPTS is a list of options
exec "$JAVA" ${POGO_JAVA_OPTS:-} -jar "$JAR" "$@"
