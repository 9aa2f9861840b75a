#!/usr/bin/env bash
# npm test: every check the project has, in order, stopping at the first failure:
#   types → lint → unit/integration tests on PGlite → the integration tests (*.int.test.ts, the ones that touch a
#   database) again on PostgreSQL 15 → browser tests.
# Ends with one line per stage (ok / FAILED / skipped, and how long it took).
set -euo pipefail
cd "$(dirname "$0")/.."

export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
# npm's own chatter ("Unknown user config ...") is noise in a test log.
export npm_config_loglevel="${npm_config_loglevel:-error}"

STAGES=(
  "typecheck|npx tsc --noEmit"
  "lint|npx eslint ."
  "tests (PGlite)|npx vitest run"
  "tests (PostgreSQL)|bash scripts/with-postgres.sh npx vitest run .int.test."
  "browser tests|bash scripts/e2e.sh"
)
# Only for the script's own test (scripts/test-all.test.ts): other stages, one "name|command" per line.
if [[ -n "${WARRANT_TEST_ALL_STAGES:-}" ]]; then
  mapfile -t STAGES <<<"$WARRANT_TEST_ALL_STAGES"
fi

declare -a SUMMARY=()
FAILED=""
PASSED_TESTS=0
FAILED_TESTS=0
LOG="$(mktemp)"

# Adds the test counts a stage printed: Vitest's summary line ("Tests  154 passed (154)", "Tests  1 failed |
# 153 passed (154)") and Playwright's ("7 passed (36s)", "1 failed").
count_tests() {
  local clean lines p f
  clean="$(sed -E 's/\x1b\[[0-9;]*m//g' "$LOG")"
  lines="$(grep -E '^ *Tests +[0-9]|^ *[0-9]+ (passed|failed)' <<<"$clean" || true)"
  p="$( (grep -oE '[0-9]+ passed' <<<"$lines" || true) | awk '{s+=$1} END {print s+0}')"
  f="$( (grep -oE '[0-9]+ failed' <<<"$lines" || true) | awk '{s+=$1} END {print s+0}')"
  PASSED_TESTS=$((PASSED_TESTS + p))
  FAILED_TESTS=$((FAILED_TESTS + f))
}
START_ALL=$SECONDS

# Stops a stage's whole process group: TERM, a few seconds to finish, then KILL.
stop_stage() {
  local pid=$1 i
  kill -TERM -- "-$pid" 2>/dev/null || return 0
  for i in $(seq 1 50); do
    kill -0 -- "-$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
}

print_summary() {
  local status=$?
  # Whatever happened, no stage may outlive this script.
  [[ -n "$STAGE_PID" ]] && stop_stage "$STAGE_PID"
  echo
  echo "──────── npm test summary ────────"
  local i=0 entry name
  for entry in "${STAGES[@]}"; do
    name="${entry%%|*}"
    if [[ $i -lt ${#SUMMARY[@]} ]]; then
      echo "${SUMMARY[$i]}"
    else
      printf '  %-20s %s\n' "$name" "skipped"
    fi
    i=$((i + 1))
  done
  if [[ -n "$INTERRUPTED" ]]; then
    # An interrupted run proves nothing, whatever the stages so far said.
    echo "INTERRUPTED by $INTERRUPTED during: ${CURRENT:-start-up} ($((SECONDS - START_ALL)) s in all). Not every check ran."
    [[ $status -eq 0 ]] && status=130
  elif [[ -n "$FAILED" ]]; then
    echo "FAILED at: $FAILED ($((SECONDS - START_ALL)) s in all)"
  elif [[ $status -eq 0 && ${#SUMMARY[@]} -eq ${#STAGES[@]} ]]; then
    echo "All checks passed in $((SECONDS - START_ALL)) s."
  else
    echo "Stopped before every check ran ($((SECONDS - START_ALL)) s in all)."
    [[ $status -eq 0 ]] && status=1
  fi
  rm -f "$LOG"
  echo
  echo "${PASSED_TESTS} passed, ${FAILED_TESTS} failed"
  exit "$status"
}
trap print_summary EXIT

# A signal (CI timeout, Ctrl-C) ends the run at once: the running stage (its own process group) is stopped,
# and the summary says the run was interrupted and exits non-zero.
INTERRUPTED=""
CURRENT=""
STAGE_PID=""
on_signal() {
  INTERRUPTED="$1"
  exit "$2"
}
trap 'on_signal SIGTERM 143' TERM
trap 'on_signal SIGINT 130' INT
trap 'on_signal SIGHUP 129' HUP

for entry in "${STAGES[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  CURRENT="$name"
  echo
  echo "════════ $name: $cmd"
  t0=$SECONDS
  # In the background and in a session of its own, so a signal reaches this script at once (`wait` is
  # interruptible, a foreground command is not) and the whole stage can be stopped as one group.
  setsid bash -c "set -o pipefail; { $cmd; } 2>&1 | tee '$LOG'" &
  STAGE_PID=$!
  stage_status=0
  wait "$STAGE_PID" || stage_status=$?
  STAGE_PID=""
  if [[ $stage_status -eq 0 ]]; then
    count_tests
    SUMMARY+=("$(printf '  %-20s ok      %4d s' "$name" $((SECONDS - t0)))")
  else
    code=$stage_status
    count_tests
    SUMMARY+=("$(printf '  %-20s FAILED  %4d s  (exit %d)' "$name" $((SECONDS - t0)) "$code")")
    FAILED="$name"
    exit "$code"
  fi
done
