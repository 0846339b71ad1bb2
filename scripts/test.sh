#!/bin/bash
# The whole test run (`npm test`): installs what it needs (npm packages, Kafka jars, CRIU, Chromium),
# builds, type-checks, lints, then runs mocha over test/unit and test/integration, whose global setup
# starts a real Kafka broker and finds or starts Redis. Caches in .cache/ make a second run faster.
# Interrupting it stops everything it started: mocha runs in its own process group, killed on exit, and
# services of earlier runs that were killed outright are reaped through their pidfiles in .cache/run/.
# The last line is "N passed, N failed"; the exit status is non-zero if any step or test failed.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
mkdir -p .cache/run
OUT=".cache/test-output.log"
FAILED_STEPS=()
TIMINGS=()
CHILD=""

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# Runs a step in the background and waits for it, so that a signal reaches our trap at once.
# With "group", the step gets its own process group (setsid), which cleanup kills as a whole.
run() {
  local name="$1" mode="$2"; shift 2
  local start status
  start=$(now)
  echo "==> $name" >&2
  if [ "$mode" = group ]; then setsid "$@" & else "$@" & fi
  CHILD=$!
  wait "$CHILD"; status=$?
  CHILD=""
  TIMINGS+=("$(printf '%-12s %6ss%s' "$name" "$(secs "$start" "$(now)")" "$([ $status -ne 0 ] && echo '  FAILED')")")
  [ $status -ne 0 ] && FAILED_STEPS+=("$name")
  return $status
}

reap() { [ -x node_modules/.bin/tsx ] && node_modules/.bin/tsx scripts/reap-orphans.ts || true; }

cleanup() {
  if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
    local pgid
    pgid=$(ps -o pgid= -p "$CHILD" | tr -d ' ')
    if [ "$pgid" = "$CHILD" ]; then
      # TERM the whole group (mocha stops its broker on TERM; the JVM and redis-server exit on it too),
      # give it 15 s to drain, then KILL whatever is left of it.
      kill -TERM -- "-$CHILD" 2>/dev/null
      for _ in $(seq 1 150); do kill -0 -- "-$CHILD" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$CHILD" 2>/dev/null
    else
      kill -TERM "$CHILD" 2>/dev/null
    fi
  fi
  CHILD=""
  reap
}
trap 'echo "test.sh: interrupted, stopping what it started" >&2; cleanup; exit 130' INT
trap 'echo "test.sh: terminated, stopping what it started" >&2; cleanup; exit 143' TERM

npm_deps() {
  # npm rewrites node_modules/.package-lock.json on each install: older than package-lock.json means stale.
  if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] && [ -x node_modules/.bin/mocha ]; then
    echo "npm packages up to date"; return 0
  fi
  npm install --no-audit --no-fund && touch node_modules/.package-lock.json
}

TOTAL_START=$(now)
run npm-deps plain npm_deps || { echo "npm install failed; cannot go on" >&2; echo "0 passed, 1 failed"; exit 1; }
reap
run kafka-jars plain bash scripts/fetch-kafka.sh
run criu plain bash scripts/install-criu.sh
run browser plain bash scripts/install-browser.sh
# Incremental compiles keep their state in .cache/tsc, so a second run only re-checks what changed.
# tsc does not notice deleted outputs, so a missing dist/ throws the build's state away.
mkdir -p .cache/tsc
[ -f dist/cli/main.js ] || rm -f .cache/tsc/build.tsbuildinfo
run build plain node_modules/.bin/tsc -p tsconfig.build.json --incremental --tsBuildInfoFile .cache/tsc/build.tsbuildinfo
run typecheck plain node_modules/.bin/tsc --noEmit -p tsconfig.json --incremental --tsBuildInfoFile .cache/tsc/typecheck.tsbuildinfo
run lint plain node_modules/.bin/eslint --cache --cache-location .cache/eslint/ src test
# Components log JSON lines at info level; in a test run only warnings and errors are worth reading.
export PRONGHORN_LOG_LEVEL="${PRONGHORN_LOG_LEVEL:-warn}"
# --exit: a test that leaks a socket or timer must not hang the run (the global teardown still runs first).
run mocha group bash -c 'node_modules/.bin/mocha --exit "test/unit/**/*.test.ts" "test/integration/**/*.test.ts" 2>&1 | tee "$1"; exit "${PIPESTATUS[0]}"' mocha "$OUT"
reap

echo
echo "step timings (total $(secs "$TOTAL_START" "$(now)")s):"
printf '  %s\n' "${TIMINGS[@]}"
[ ${#FAILED_STEPS[@]} -gt 0 ] && echo "failed steps: ${FAILED_STEPS[*]}"

PASSED=$(grep -Eo '^ *[0-9]+ passing' "$OUT" | tail -1 | grep -Eo '[0-9]+' || true)
FAILING=$(grep -Eo '^ *[0-9]+ failing' "$OUT" | tail -1 | grep -Eo '[0-9]+' || true)
PASSED=${PASSED:-0}
FAILING=${FAILING:-0}
# mocha exited non-zero without reporting a failing test (e.g. the global setup failed): count that as one.
if [[ " ${FAILED_STEPS[*]} " == *" mocha "* ]] && [ "$FAILING" = 0 ]; then FAILING=1; fi
[ "$PASSED" -gt 0 ] && grep -Eo '^ *[0-9]+ passing.*' "$OUT" | tail -1 | sed 's/^ *//'
echo "$PASSED passed, $FAILING failed"
[ ${#FAILED_STEPS[@]} -eq 0 ] && [ "$FAILING" = 0 ]
