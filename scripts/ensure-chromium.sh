#!/usr/bin/env bash
# Makes sure the Chromium that the Playwright tests drive is installed at /usr/bin/chromium.
# Playwright's own browser download (`npx playwright install`) does not work on these machines, so the
# browser comes from the Debian package instead.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$(id -u)" -eq 0 ]]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1; then
  SUDO=(sudo)
else
  echo "ensure-chromium: $CHROMIUM is missing and this user cannot install it (not root, no sudo)." >&2
  echo "ensure-chromium: install it with 'apt-get install -y chromium' as root, then run again." >&2
  exit 1
fi

echo "ensure-chromium: installing chromium with apt-get (one-time)..."
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium >/dev/null

if [[ ! -x "$CHROMIUM" ]]; then
  echo "ensure-chromium: apt-get finished but $CHROMIUM is still missing." >&2
  exit 1
fi
echo "ensure-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) installed."
