#!/usr/bin/env bash
# Debian's Chromium for the rendering tests (Playwright drives it by path).
# Best effort: without root or network the tests that need it are skipped with a reason.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
exec "$(dirname "$0")/apt-install.sh" chromium chromium
