#!/usr/bin/env bash
# npm test: every check the project has, in order, stopping at the first failure:
#   types → lint → unit/integration tests on PGlite → the same tests on PostgreSQL 15 → browser tests.
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
  "tests (PostgreSQL)|bash scripts/with-postgres.sh npx vitest run"
  "browser tests|bash scripts/e2e.sh"
)

declare -a SUMMARY=()
FAILED=""
PASSED_TESTS=0
FAILED_TESTS=0
LOG="$(mktemp)"

# Adds the test counts a stage printed (Vitest: "Tests  154 passed (154)", Playwright: "7 passed (36s)").
count_tests() {
  local clean p f
  clean="$(sed -E 's/\x1b\[[0-9;]*m//g' "$LOG")"
  p="$( (grep -E '^ *(Tests +)?[0-9]+ passed' <<<"$clean" || true) | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}' || true)"
  f="$( (grep -E '^ *(Tests +)?([0-9]+ passed.*)?[0-9]+ failed' <<<"$clean" || true) | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}' || true)"
  PASSED_TESTS=$((PASSED_TESTS + p))
  FAILED_TESTS=$((FAILED_TESTS + f))
}
START_ALL=$SECONDS

print_summary() {
  local status=$?
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
  if [[ -n "$FAILED" ]]; then
    echo "FAILED at: $FAILED ($((SECONDS - START_ALL)) s in all)"
  elif [[ $status -eq 0 ]]; then
    echo "All checks passed in $((SECONDS - START_ALL)) s."
  else
    echo "Interrupted ($((SECONDS - START_ALL)) s in all)."
  fi
  rm -f "$LOG"
  echo
  echo "${PASSED_TESTS} passed, ${FAILED_TESTS} failed"
}
trap print_summary EXIT

for entry in "${STAGES[@]}"; do
  name="${entry%%|*}"
  cmd="${entry#*|}"
  echo
  echo "════════ $name: $cmd"
  t0=$SECONDS
  if bash -c "set -o pipefail; $cmd 2>&1 | tee '$LOG'"; then
    count_tests
    SUMMARY+=("$(printf '  %-20s ok      %4d s' "$name" $((SECONDS - t0)))")
  else
    code=$?
    count_tests
    SUMMARY+=("$(printf '  %-20s FAILED  %4d s  (exit %d)' "$name" $((SECONDS - t0)) "$code")")
    FAILED="$name"
    exit "$code"
  fi
done
