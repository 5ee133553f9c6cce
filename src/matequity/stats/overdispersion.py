"""Overdispersion for funnel plots (Spiegelhalter 2005; FunnelPlotR).

Spiegelhalter DJ (2005) "Handling over-dispersion of performance indicators",
Qual Saf Health Care 14:347-351; Spiegelhalter et al. (2012) "Statistical methods
for healthcare regulation", JRSS A 175:1-47; nhs-r-community/FunnelPlotR.

Each unit gets a z-score on a variance-stabilising scale:

* ratio (observed/expected): y = ln(O/E), s = 1/sqrt(E) (FunnelPlotR's "SHMI"
  method), target ln 1 = 0; the most extreme 10% at each end are *truncated*
  (dropped) before estimating dispersion;
* proportion: y = arcsin(sqrt(O/N)), s = 1/(2 sqrt(N)), target arcsin(sqrt(p));
  z-scores *winsorised* at the 10th and 90th percentiles;
* rate: y = sqrt(O/N), s = 1/(2 sqrt(N)), target sqrt(r) (square-root transform
  for Poisson counts, Spiegelhalter 2005); winsorised likewise.

phi = mean of the (trimmed) squared z-scores: the multiplicative dispersion
factor, with limits target +/- z sqrt(phi) s. tau^2 = max(0, (n phi - (n - 1)) /
(sum w - sum w^2 / sum w)), w = 1/s^2 (DerSimonian-Laird): the additive
random-effects variance, with limits target +/- z sqrt(s^2 + tau^2). Limits are
transformed back to the original scale: exp for ratios, sin^2 for proportions,
squaring for rates. FunnelPlotR's CQC ratio limits are not squared back; this
module always transforms back to the scale of the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TRIM = 0.10


@dataclass(frozen=True)
class Dispersion:
    statistic: str
    n_units: int
    n_used: int
    phi: float
    tau2: float
    trimming: str


def transform(statistic: str, o, n, target: float):
    """(y, s, theta): transformed values, their standard errors and target."""
    o = np.asarray(o, float)
    n = np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if statistic == "ratio":
            return np.log(o / n) - np.log(target), 1 / np.sqrt(n), 0.0
        if statistic == "proportion":
            return (
                np.arcsin(np.sqrt(o / n)),
                1 / (2 * np.sqrt(n)),
                float(np.arcsin(np.sqrt(target))),
            )
        if statistic == "rate":
            return np.sqrt(o / n), 1 / (2 * np.sqrt(n)), float(np.sqrt(target))
    raise ValueError(statistic)


def back_transform(statistic: str, y, target: float):
    y = np.asarray(y, float)
    if statistic == "ratio":
        return target * np.exp(y)
    if statistic == "proportion":
        return np.sin(np.clip(y, 0, np.pi / 2)) ** 2
    return np.clip(y, 0, None) ** 2


def _truncate(z: np.ndarray) -> np.ndarray:
    """FunnelPlotR's SHMI truncation: rank (average ties); keep units whose
    floor(rank x 10 / (n + 1)) lies strictly between 0 and 9."""
    n = z.size
    # pandas' average ranks are scipy.stats.rankdata's (which takes a quarter of
    # a second to import)
    ranks = pd.Series(z).rank(method="average").to_numpy(float)
    sp = np.floor(ranks * 10 / (n + 1))
    return (sp > 0) & (sp < 9)


def _winsorise(z: np.ndarray) -> np.ndarray:
    lo, hi = np.quantile(z, [TRIM, 1 - TRIM])  # numpy's default = R's type 7
    return np.clip(z, lo, hi)


def estimate(statistic: str, o, n, target: float) -> tuple[Dispersion, np.ndarray]:
    """Dispersion estimates and the z-scores (unadjusted) of every unit."""
    y, s, theta = transform(statistic, o, n, target)
    z = (y - theta) / s
    ok = np.isfinite(z)
    zz, ss = z[ok], s[ok]
    if statistic == "ratio":
        keep = _truncate(zz)
        zz, ss = zz[keep], ss[keep]
        how = "truncated: most extreme 10% at each end dropped (FunnelPlotR SHMI method)"
    else:
        zz = _winsorise(zz) if zz.size else zz
        how = "winsorised at the 10th and 90th percentiles"
    m = zz.size
    phi = float(np.mean(zz**2)) if m else float("nan")
    w = 1 / ss**2
    denom = w.sum() - (w**2).sum() / w.sum() if m else float("nan")
    tau2 = max(0.0, (m * phi - (m - 1)) / denom) if m > 1 and denom > 0 else 0.0
    return Dispersion(statistic, len(z), m, phi, tau2, how), z


def limits(statistic: str, n, target: float, z: float, disp: Dispersion | None, how: str):
    """Lower and upper limits at denominators (or expected counts) ``n``."""
    _y, s, theta = transform(statistic, np.ones_like(np.asarray(n, float)), n, target)
    if how == "phi" and disp is not None and disp.phi > 1:
        half = z * np.sqrt(disp.phi) * s
    elif how == "tau2" and disp is not None and disp.tau2 > 0:
        half = z * np.sqrt(s**2 + disp.tau2)
    else:
        half = z * s
    return back_transform(statistic, theta - half, target), back_transform(
        statistic, theta + half, target
    )
