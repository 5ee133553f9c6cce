#!/usr/bin/env bash
# Debian's R with lme4 for the live R comparisons (tests/stats: glm, lme4, ITS);
# the R results stored in tests/reference/ are checked without it.
# Best effort: without root or network those three tests are skipped with a reason.
set -u
if command -v Rscript >/dev/null 2>&1 \
  && Rscript -e "quit(status = !requireNamespace('lme4', quietly = TRUE))" >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  # wait for apt's locks (another install may be running) rather than fail
  wait=(-o DPkg::Lock::Timeout=900)
  for _ in $(seq 1 180); do apt-get "${wait[@]}" update -qq 2>/dev/null && break; sleep 5; done
  DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -qq --no-install-recommends \
    r-base-core r-cran-lme4 >/dev/null \
    || echo "R: install failed; the live R comparisons will be skipped"
else
  echo "R: not installed and cannot install (need root and apt-get); the live R comparisons will be skipped"
fi
exit 0
