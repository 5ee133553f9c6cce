"""Inequality summaries for ordered dimensions (e.g. IMD deciles, 1 = most deprived).

Two slope-index methods are offered, because analysts meet both:

* PHE (PHEindicatormethods ``phe_sii``; Fingertips technical guidance): weighted
  least squares of the group values on the mid-points of the cumulative
  population distribution (ridits), weights = population shares. SII = slope,
  RII = (intercept + slope) / intercept. Intervals by simulation: group values
  drawn from normal distributions on the log (rates) or logit (proportions)
  scale with the groups' standard errors, the regression refitted, and the order
  statistics taken (seeded, so reproducible).
* WHO (HEAT technical notes; the ``healthequal`` R package): a logistic model of
  the group counts on the ridit with prior weights equal to the population (as
  healthequal, whose binomial totals are therefore weighted by N^2), SII =
  p(1) - p(0) and RII = p(1) / p(0); HC1 sandwich standard errors and the delta
  method. matequity reports the SII's standard error on the indicator scale
  (healthequal reports it on the 0-1 scale).

Sign convention (both): the fitted value at the least disadvantaged end minus
(or over) the most disadvantaged end, with order 1 = most disadvantaged. For a
mortality rate falling from most to least deprived, SII is negative and RII < 1.

Concentration indices (HEAT): ACI = 2 sum p_j (y_j - mu)(r_j - 1/2) by the
"convenient regression" with its OLS standard error; RCI = ACI / mu.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, logit

from matequity.stats.inequality.result import Summary
from matequity.stats.intervals import z_value


def ridits(pop: np.ndarray) -> np.ndarray:
    """Mid-points of each group's range in the cumulative population (0-1)."""
    share = pop / pop.sum()
    return np.cumsum(share) - share / 2


def wls_line(y: np.ndarray, b: np.ndarray, a: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of y on b, weights a (no-intercept form of PHE)."""
    sa = np.sqrt(a)
    x = np.column_stack([sa, b * sa])
    coef, *_ = np.linalg.lstsq(x, y * sa, rcond=None)
    return float(coef[0]), float(coef[1])


def sii_line(y: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """The fitted slope-index line at each group's ridit: the population-weighted
    least-squares line of y on the ridit behind the SII (PHE method), for drawing."""
    pop = np.asarray(pop, float)
    b = ridits(pop)
    intercept, slope = wls_line(np.asarray(y, float), b, pop / pop.sum())
    return intercept + slope * b


def phe_sii(
    y: np.ndarray,
    pop: np.ndarray,
    se: np.ndarray,
    value_type: str = "rate",
    confidence: float = 0.95,
    repetitions: int = 100_000,
    seed: int = 1,
    transform: bool = False,
) -> tuple[Summary, Summary, float]:
    """SII and RII by the PHE method; returns (sii, rii, intercept).

    ``se`` is on the simulation scale: log for rates, logit for proportions,
    the value scale for ``value_type='normal'``."""
    a = pop / pop.sum()
    b = ridits(pop)
    fwd = {"rate": np.log, "proportion": logit, "normal": lambda v: v}[value_type]
    back = {"rate": np.exp, "proportion": expit, "normal": lambda v: v}[value_type]
    if transform:
        i0, s0 = wls_line(fwd(y), b, a)
        sii = float(back(i0 + s0) - back(i0))
        rii = float(back(i0 + s0) / back(i0))
        intercept = float(back(i0))
    else:
        intercept, s0 = wls_line(y, b, a)
        sii, rii = s0, (intercept + s0) / intercept
    rng = np.random.default_rng(seed)
    draws = rng.normal(fwd(y), se, size=(repetitions, y.size))
    sa = np.sqrt(a)
    x = np.column_stack([sa, b * sa])
    pinv = np.linalg.pinv(x)
    vals = draws if transform else back(draws)
    coef = (vals * sa) @ pinv.T  # (reps, 2): intercept, slope
    if transform:  # limits anchored at the fitted mid-point, as PHE
        mid = i0 + s0 / 2
        s_sii = back(mid + coef[:, 1] / 2) - back(mid - coef[:, 1] / 2)
        s_rii = back(mid + coef[:, 1] / 2) / back(mid - coef[:, 1] / 2)
    else:
        s_sii = coef[:, 1]
        s_rii = (coef[:, 0] + coef[:, 1]) / coef[:, 0]
    lo_i = round(repetitions * (1 - confidence) / 2) - 1
    hi_i = round(repetitions * (1 + confidence) / 2) - 1
    ss, sr = np.sort(s_sii), np.sort(s_rii)
    method = f"PHE: WLS on ridits, simulation CI ({repetitions:,} draws, seed {seed})"
    return (
        Summary("sii_phe", sii, np.nan, float(ss[lo_i]), float(ss[hi_i]), method),
        Summary("rii_phe", rii, np.nan, float(sr[lo_i]), float(sr[hi_i]), method),
        intercept,
    )


def who_sii_rii(
    events: np.ndarray, pop: np.ndarray, scale: float, confidence: float = 0.95
) -> tuple[Summary, Summary]:
    """WHO/HEAT SII and RII from a logistic model on ridits (healthequal's model)."""
    n = np.ceil(pop)
    r = ridits(pop)
    x = np.column_stack([np.ones_like(r), r])
    y = events / n
    w = n * n  # healthequal: prior weights N on binomial totals N
    beta = np.zeros(2)
    beta[0] = logit(np.clip(np.average(y, weights=w), 1e-9, 1 - 1e-9))
    for _ in range(100):
        p = expit(x @ beta)
        grad = x.T @ (w * (y - p))
        info = (x * (w * p * (1 - p))[:, None]).T @ x
        step = np.linalg.solve(info, grad)
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = expit(x @ beta)
    info = (x * (w * p * (1 - p))[:, None]).T @ x
    bread = np.linalg.inv(info)
    u = x * (w * (y - p))[:, None]
    k = len(y)
    hc1 = bread @ (u.T @ u) @ bread * k / (k - 2)
    p0, p1 = expit(beta[0]), expit(beta[0] + beta[1])
    g_sii = np.array([p1 * (1 - p1) - p0 * (1 - p0), p1 * (1 - p1)])
    g_lrii = np.array([(1 - p1) - (1 - p0), 1 - p1])
    se_sii = float(np.sqrt(g_sii @ hc1 @ g_sii))
    se_lrii = float(np.sqrt(g_lrii @ hc1 @ g_lrii))
    z = z_value(confidence)
    rii = p1 / p0
    method = "WHO/HEAT: logistic model on ridits (healthequal weights), HC1 + delta method"
    return (
        Summary(
            "sii_who",
            (p1 - p0) * scale,
            se_sii * scale,
            (p1 - p0 - z * se_sii) * scale,
            (p1 - p0 + z * se_sii) * scale,
            method,
        ),
        Summary(
            "rii_who",
            rii,
            se_lrii,
            rii * np.exp(-z * se_lrii),
            rii * np.exp(z * se_lrii),
            method + " (se on the log scale)",
        ),
    )


def concentration(
    y: np.ndarray, pop: np.ndarray, mu: float | None = None, confidence: float = 0.95
) -> tuple[Summary, Summary]:
    """ACI and RCI by the convenient regression (HEAT)."""
    p = pop / pop.sum()
    r = ridits(pop)
    mu = float(np.sum(p * y)) if mu is None else mu
    var_r = float(np.sum(p * (r - 0.5) ** 2))
    sn = np.sqrt(pop)
    x = np.column_stack([r * sn, sn])
    out = []
    for name, lhs in (("aci", 2 * var_r * y * sn), ("rci", 2 * var_r * (y / mu) * sn)):
        coef, *_ = np.linalg.lstsq(x, lhs, rcond=None)
        resid = lhs - x @ coef
        s2 = float(resid @ resid) / (len(y) - 2)
        cov = s2 * np.linalg.inv(x.T @ x)
        out.append(
            Summary.normal(
                name,
                float(coef[0]),
                float(np.sqrt(cov[0, 0])),
                "HEAT convenient regression, OLS standard error",
                confidence=confidence,
            )
        )
    return out[0], out[1]
