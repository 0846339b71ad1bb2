#!/bin/bash
# Fetches the Kafka broker jars (org.apache.kafka:kafka_2.13 and its runtime dependencies) from Maven
# Central into .cache/kafka/libs, as pinned by scripts/kafka/pom.xml. Does nothing when the jars for the
# current pom are already there (a stamp holds the pom's checksum).
# Usage: scripts/fetch-kafka.sh [LIBS_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
POM="$ROOT/scripts/kafka/pom.xml"
LIBS="${1:-${PRONGHORN_KAFKA_LIBS:-$ROOT/.cache/kafka/libs}}"
case "$LIBS" in /*) ;; *) LIBS="$ROOT/$LIBS" ;; esac
SUM="$(sha256sum "$POM" | cut -d' ' -f1)"
if [ -f "$LIBS/.pom.sha256" ] && [ "$(cat "$LIBS/.pom.sha256")" = "$SUM" ] && ls "$LIBS"/kafka_2.13-*.jar >/dev/null 2>&1; then
  echo "kafka jars already in $LIBS"; exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "fetch-kafka: Maven (mvn) is not installed; install it (apt-get install maven) to fetch the Kafka jars" >&2
  exit 3
fi
# Fetch into a fresh directory and swap it in, so jars of an older pinned version never linger on the classpath
# and a run interrupted half-way leaves the previous set intact.
TMP="$LIBS.tmp.$$"
trap 'rm -rf "$TMP"' EXIT
rm -rf "$TMP"; mkdir -p "$TMP"
# Maven 3.8 prints stray colour resets even in quiet batch mode: strip escape sequences from its output.
mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$TMP" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
ls "$TMP"/kafka_2.13-*.jar >/dev/null 2>&1 || { echo "fetch-kafka: Maven did not fetch kafka_2.13 (see its output above)" >&2; exit 1; }
echo "$SUM" > "$TMP/.pom.sha256"
rm -rf "$LIBS.old"; [ -d "$LIBS" ] && mv "$LIBS" "$LIBS.old"
mv "$TMP" "$LIBS"; rm -rf "$LIBS.old"
echo "kafka jars fetched into $LIBS ($(ls "$LIBS"/*.jar | wc -l) jars)"
