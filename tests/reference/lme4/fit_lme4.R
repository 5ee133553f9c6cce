# Reference fits for matequity's random-intercept logistic model (stats/glmm.py).
#
#   Rscript tests/reference/lme4/fit_lme4.R tests/reference/lme4 [OUT.csv]
#
# Reads data_casemix.csv, data_intercept.csv and data_nosd.csv (written by
# make_data.py), fits glmer(cbind(deaths, births - deaths) ~ case mix + (1 | org),
# family = binomial) with nAGQ = 1 (Laplace) and nAGQ = 9 (adaptive Gauss-Hermite),
# and writes one long CSV: dataset, nagq, quantity, name, value. Factor levels are
# ordered with the most populous level (by births) first, so it is the reference.
# Only base R and lme4 are used.

suppressPackageStartupMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "."
out <- if (length(args) >= 2) args[2] else file.path(dir, "lme4_results.csv")

by_size <- function(f, births) {
  tot <- tapply(births, f, sum)
  factor(f, levels = names(sort(tot, decreasing = TRUE)))
}

rows <- list()
add <- function(dataset, nagq, quantity, name, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    dataset = dataset, nagq = nagq, quantity = quantity, name = name,
    value = sprintf("%.17g", value), stringsAsFactors = FALSE
  )
}

fits <- list(
  casemix = list(file = "data_casemix.csv", terms = c("age_band", "deprivation")),
  intercept = list(file = "data_intercept.csv", terms = character(0)),
  nosd = list(file = "data_nosd.csv", terms = character(0))
)

for (dataset in names(fits)) {
  spec <- fits[[dataset]]
  d <- read.csv(file.path(dir, spec$file), stringsAsFactors = FALSE,
                colClasses = c(org = "character"))
  for (term in spec$terms) d[[term]] <- by_size(d[[term]], d$births)
  d$org <- factor(d$org)
  rhs <- if (length(spec$terms)) paste(spec$terms, collapse = " + ") else "1"
  form <- as.formula(paste("cbind(deaths, births - deaths) ~", rhs, "+ (1 | org)"))
  # saturated-model constant: lme4 leaves it out of the log-likelihood when nAGQ > 1
  sat <- sum(dbinom(d$deaths, d$births, d$deaths / d$births, log = TRUE))
  for (nagq in c(1L, 9L)) {
    fit <- glmer(form, data = d, family = binomial, nAGQ = nagq)
    co <- summary(fit)$coefficients
    for (i in seq_len(nrow(co))) {
      add(dataset, nagq, "fixef", rownames(co)[i], co[i, "Estimate"])
      add(dataset, nagq, "se", rownames(co)[i], co[i, "Std. Error"])
    }
    add(dataset, nagq, "sd", "org", getME(fit, "theta")[[1]])
    add(dataset, nagq, "loglik", "", as.numeric(logLik(fit)))
    add(dataset, nagq, "saturated_loglik", "", sat)
    re <- ranef(fit, condVar = TRUE)$org
    pv <- attr(re, "postVar")[1, 1, ]
    for (j in seq_len(nrow(re))) {
      add(dataset, nagq, "ranef", rownames(re)[j], re[j, 1])
      add(dataset, nagq, "condvar", rownames(re)[j], pv[j])
    }
    p_re <- predict(fit, type = "response")
    p_fe <- predict(fit, re.form = NA, type = "response")
    smr <- tapply(d$births * p_re, d$org, sum) / tapply(d$births * p_fe, d$org, sum)
    for (j in seq_along(smr)) add(dataset, nagq, "smr", names(smr)[j], smr[[j]])
    add(dataset, nagq, "singular", "", as.numeric(isSingular(fit)))
  }
}

res <- do.call(rbind, rows)
write.csv(res, out, row.names = FALSE)
cat(sprintf("lme4 %s, %s: %d rows -> %s\n", packageVersion("lme4"),
            R.version.string, nrow(res), out))
