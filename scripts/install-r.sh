#!/usr/bin/env bash
# Debian's R with lme4 for the live R comparisons (tests/stats: glm, lme4, ITS);
# the R results stored in tests/reference/ are checked without it.
# Best effort: without root or network those three tests are skipped with a reason.
set -u
if command -v Rscript >/dev/null 2>&1 \
  && Rscript -e "quit(status = !requireNamespace('lme4', quietly = TRUE))" >/dev/null 2>&1; then
  exit 0
fi
exec "$(dirname "$0")/apt-install.sh" "R with lme4" --no-install-recommends r-base-core r-cran-lme4
