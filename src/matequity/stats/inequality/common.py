"""Measures for any dimension (HEAT technical notes; healthequal).

Difference D and ratio R between two groups; population attributable risk
(PAR = y_ref - mu) and fraction (PAF = 100 PAR / mu), zero when the reference
does worse than the average. PAF's standard error is Greenland's, from a pseudo
2x2 table; matequity puts it on the percentage scale of the estimate (healthequal
reports a 0-1 scale standard error beside a percentage, so its interval is 100
times too narrow).
"""

from __future__ import annotations

import numpy as np

from matequity.stats.inequality.result import Summary


def difference_ratio(
    y1: float, se1: float, y2: float, se2: float, label: str, confidence: float = 0.95
) -> tuple[Summary, Summary]:
    d = Summary.normal(
        "difference", y1 - y2, float(np.hypot(se1, se2)), "normal approximation", label, confidence
    )
    if y1 <= 0 or y2 <= 0:  # no ratio of, or to, a zero rate
        return d, Summary(
            "ratio", np.nan, np.nan, np.nan, np.nan, "not defined: a zero rate", label
        )
    r = y1 / y2
    se_log = float(np.sqrt((se1**2 + r**2 * se2**2) / y2**2) / r)
    lr = Summary.normal("ratio", float(np.log(r)), se_log, "", label, confidence)
    ratio = Summary(
        "ratio",
        r,
        se_log,
        float(np.exp(lr.lower)),
        float(np.exp(lr.upper)),
        "log-scale normal approximation (se on the log scale)",
        label,
    )
    return d, ratio


def paf_par(
    y_ref: float,
    n_ref: float,
    mu: float,
    n_total: float,
    scale: float,
    higher_is_better: bool,
    reference: str,
    confidence: float = 0.95,
) -> tuple[Summary, Summary]:
    worse = y_ref < mu if higher_is_better else y_ref > mu
    par = 0.0 if worse else y_ref - mu
    paf = 0.0 if worse else 100 * (y_ref - mu) / mu
    c = y_ref / scale * n_ref
    d = n_ref - c
    a = mu / scale * n_total - c
    b = n_total - a - n_ref
    t = a + b + c + d
    se_frac = float(np.sqrt(c * t * (a * d * (t - c) + b * c**2) / ((a + c) ** 3 * (c + d) ** 3)))
    return (
        Summary.normal(
            "paf", paf, 100 * se_frac, "Greenland SE (percentage scale)", reference, confidence
        ),
        Summary.normal("par", par, mu * se_frac, "Greenland SE", reference, confidence),
    )
