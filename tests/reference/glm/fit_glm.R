# Reference fits with R's glm() for matequity's disparities and its (stats/).
#
#   Rscript tests/reference/glm/fit_glm.R tests/reference/glm [OUT.csv]
#
# Disparities (data_disparities.csv): Poisson and quasi-Poisson regression of the
# counts on ethnic group (reference White), with and without IMD quintile and age
# band, log(denominator) offset; marginal standardisation of the adjusted model to
# the whole population's IMD x age distribution and delta-method standard errors of
# the rate differences, written out here by matrix algebra.
# ITS (data_its.csv, intervention 2020-07): segmented Poisson and quasi-Poisson
# regression per group and the group x (t, post, t_post) model, with and without one
# Fourier pair of the calendar month.
# Output: one long CSV (analysis, dispersion, seasonality, group, quantity, value).
# Base R only. Every fit uses glm.control(epsilon = 1e-12): at R's default (1e-8) the
# standard errors come from the IRLS weights of the iteration before the last update
# and differ from the converged ones by up to about 1e-5 (relative).

args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "."
out <- if (length(args) >= 2) args[2] else file.path(dir, "glm_results.csv")

rows <- list()
add <- function(analysis, dispersion, seasonality, group, quantity, value) {
  rows[[length(rows) + 1]] <<- data.frame(
    analysis = analysis, dispersion = dispersion, seasonality = seasonality,
    group = group, quantity = quantity, value = sprintf("%.17g", value),
    stringsAsFactors = FALSE
  )
}
fam <- list(poisson = poisson(), quasi = quasipoisson())
ctl <- glm.control(epsilon = 1e-12, maxit = 100)

# ---- disparities
d <- read.csv(file.path(dir, "data_disparities.csv"), stringsAsFactors = FALSE)
d <- d[d$denominator > 0, ]
d$ethnic_group <- relevel(factor(d$ethnic_group), ref = "White")
d$imd_quintile <- factor(d$imd_quintile)
d$age_band <- factor(d$age_band)
strata <- aggregate(denominator ~ imd_quintile + age_band, data = d, FUN = sum)
w <- strata$denominator / sum(strata$denominator)
for (disp in names(fam)) {
  crude <- glm(numerator ~ ethnic_group + offset(log(denominator)), family = fam[[disp]], data = d, control = ctl)
  full <- glm(numerator ~ ethnic_group + imd_quintile + age_band + offset(log(denominator)),
              family = fam[[disp]], data = d, control = ctl)
  cs <- summary(crude)$coefficients
  fs <- summary(full)$coefficients
  add("disparities", disp, 0, "", "df_resid", full$df.residual)
  std <- function(g) {
    nd <- strata
    nd$ethnic_group <- factor(g, levels = levels(d$ethnic_group))
    x <- model.matrix(~ ethnic_group + imd_quintile + age_band, data = nd)
    mu <- as.vector(exp(x %*% coef(full)))
    list(rate = sum(w * mu), grad = colSums(w * mu * x))
  }
  ref <- std("White")
  for (g in setdiff(levels(d$ethnic_group), "White")) {
    term <- paste0("ethnic_group", g)
    add("disparities", disp, 0, g, "crude_coef", cs[term, "Estimate"])
    add("disparities", disp, 0, g, "crude_se", cs[term, "Std. Error"])
    add("disparities", disp, 0, g, "adjusted_coef", fs[term, "Estimate"])
    add("disparities", disp, 0, g, "adjusted_se", fs[term, "Std. Error"])
    add("disparities", disp, 0, g, "adjusted_p", fs[term, ncol(fs)])
    s <- std(g)
    gr <- s$grad - ref$grad
    add("disparities", disp, 0, g, "standardised_rate", s$rate)
    add("disparities", disp, 0, g, "adjusted_rd", s$rate - ref$rate)
    add("disparities", disp, 0, g, "adjusted_rd_se", sqrt(as.numeric(t(gr) %*% vcov(full) %*% gr)))
  }
  add("disparities", disp, 0, "White", "standardised_rate", ref$rate)
}

# ---- interrupted time series
s <- read.csv(file.path(dir, "data_its.csv"), stringsAsFactors = FALSE)
ym <- function(x) as.integer(substr(x, 1, 4)) * 12 + as.integer(substr(x, 6, 7)) - 1
s$m <- ym(s$month)
start <- ym("2020-07")
s$t <- s$m - min(s$m)
s$post <- as.numeric(s$m >= start)
s$tpost <- ifelse(s$post == 1, s$m - start, 0)
s$cal <- s$m %% 12 + 1
s$sin1 <- sin(2 * pi * s$cal / 12)
s$cos1 <- cos(2 * pi * s$cal / 12)
for (disp in names(fam)) {
  for (k in c(0, 1)) {
    season <- if (k == 1) " + sin1 + cos1" else ""
    for (g in unique(s$ethnic_group)) {
      f <- glm(as.formula(paste("numerator ~ t + post + tpost", season,
                                "+ offset(log(denominator))")),
               family = fam[[disp]], data = s[s$ethnic_group == g, ], control = ctl)
      cf <- summary(f)$coefficients
      for (term in c("post", "tpost")) {
        add("its_group", disp, k, g, paste0(term, "_coef"), cf[term, "Estimate"])
        add("its_group", disp, k, g, paste0(term, "_se"), cf[term, "Std. Error"])
        add("its_group", disp, k, g, paste0(term, "_p"), cf[term, ncol(cf)])
      }
      add("its_group", disp, k, g, "df_resid", f$df.residual)
      add("its_group", disp, k, g, "pearson_dispersion",
          sum(residuals(f, type = "pearson")^2) / f$df.residual)
    }
    s$g <- as.numeric(s$ethnic_group == "Black")
    f <- glm(as.formula(paste("numerator ~ (t + post + tpost) * g", season,
                              "+ offset(log(denominator))")),
             family = fam[[disp]], data = s, control = ctl)
    cf <- summary(f)$coefficients
    for (term in c("post:g", "tpost:g")) {
      name <- sub(":g", "", term)
      add("its_gap", disp, k, "Black", paste0(name, "_coef"), cf[term, "Estimate"])
      add("its_gap", disp, k, "Black", paste0(name, "_se"), cf[term, "Std. Error"])
      add("its_gap", disp, k, "Black", paste0(name, "_p"), cf[term, ncol(cf)])
    }
    add("its_gap", disp, k, "Black", "df_resid", f$df.residual)
  }
}

res <- do.call(rbind, rows)
write.csv(res, out, row.names = FALSE)
cat(sprintf("%s: %d rows -> %s\n", R.version.string, nrow(res), out))
