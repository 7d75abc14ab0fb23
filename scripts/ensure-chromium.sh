#!/usr/bin/env bash
# Runs before `npm test`: the end-to-end tests drive Debian's Chromium. Installs it when missing and this user can
# (root with apt-get); otherwise says how, and the tests that need it fail with the same advice.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ -z "${CHROMIUM_PATH:-}" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "pretest: installing Debian's chromium for the end-to-end tests (once)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >/dev/null || { apt-get update -qq && apt-get install -y --no-install-recommends chromium >/dev/null; }
  exit 0
fi
echo "pretest: no Chromium at $browser; install Debian's chromium package or set CHROMIUM_PATH (the end-to-end tests need it)" >&2
