#!/usr/bin/env bash
# Install Debian packages, best effort: waits for apt's locks (another install may
# be running) rather than failing, and never fails the build.
#   scripts/apt-install.sh WHAT [APT-OPTION...] PACKAGE...
# WHAT names what the packages are for in the one-line message printed when they
# cannot be installed (the tests that need them are then skipped with a reason).
set -u
what=$1
shift
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "$what: not installed and cannot install (need root and apt-get); the tests that need it will be skipped"
  exit 0
fi
wait=(-o DPkg::Lock::Timeout=900)
for _ in $(seq 1 180); do apt-get "${wait[@]}" update -qq 2>/dev/null && break; sleep 5; done
DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq "$@" \
  >/dev/null || echo "$what: install failed; the tests that need it will be skipped"
exit 0
