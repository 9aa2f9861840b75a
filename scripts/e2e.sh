#!/usr/bin/env bash
# Browser tests: bash scripts/e2e.sh [playwright test args...]   e.g. bash scripts/e2e.sh e2e/signin-oidc.spec.ts
# Makes sure Chromium is installed, then runs Playwright (playwright.config.ts starts and stops the servers).
# Runs in this checkout share .next, .data/e2e-pglite and the server records, so they take turns (a lock).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-chromium.sh

mkdir -p .data
exec 9>.data/e2e.lock
if ! flock -n 9; then
  echo "e2e: another browser-test run is using this checkout; waiting for it to finish..."
  flock 9
fi

export NEXT_TELEMETRY_DISABLED=1
status=0
# A throwaway PostgreSQL cluster is the target system of the postgres connector (e2e/configure-target.ts).
bash scripts/with-postgres.sh npx playwright test "$@" || status=$?
exit "$status"
