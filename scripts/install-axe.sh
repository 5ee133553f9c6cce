#!/usr/bin/env bash
# axe-core (Deque's accessibility engine, MPL-2.0) for the accessibility tests,
# from the npm registry into .tools/axe (git-ignored). The tests inject
# .tools/axe/node_modules/axe-core/axe.min.js into each page (tests/test_dashboard_axe.py).
# Idempotent: nothing to do when the pinned version is there. Best effort: without
# npm or the registry the accessibility tests are skipped, saying why
# (MATEQUITY_REQUIRE_AXE=1 makes them fail instead).
set -u
VERSION=4.14.1
DIR="$(cd "$(dirname "$0")/.." && pwd)/.tools/axe"
PKG="$DIR/node_modules/axe-core/package.json"
if [ -f "$PKG" ] && grep -q "\"version\": \"$VERSION\"" "$PKG"; then exit 0; fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    wait=(-o DPkg::Lock::Timeout=900)
    for _ in $(seq 1 180); do apt-get "${wait[@]}" update -qq 2>/dev/null && break; sleep 5; done
    apt-get "${wait[@]}" install -y -qq npm >/dev/null || true
  fi
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "axe-core: npm not available; accessibility tests will be skipped"
  exit 0
fi
mkdir -p "$DIR"
# npm keeps its own cache lock: retry a few times if another install holds it
for i in 1 2 3 4 5; do
  if npm install --prefix "$DIR" --no-save --no-audit --no-fund --loglevel=error "axe-core@$VERSION" >/dev/null; then
    exit 0
  fi
  sleep $((i * 5))
done
echo "axe-core: install failed; accessibility tests will be skipped"
exit 0
