#!/usr/bin/env bash
# Debian's Chromium for the rendering tests (Playwright drives it by path).
# Best effort: without root or network the tests that need it are skipped with a reason.
set -u
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  # wait for apt's locks (another install may be running) rather than fail
  wait=(-o DPkg::Lock::Timeout=900)
  for _ in $(seq 1 180); do apt-get "${wait[@]}" update -qq 2>/dev/null && break; sleep 5; done
  apt-get "${wait[@]}" install -y -qq chromium >/dev/null \
    || echo "chromium: install failed; browser tests will be skipped"
else
  echo "chromium: not installed and cannot install (need root and apt-get); browser tests will be skipped"
fi
exit 0
