"""The few distribution functions matequity uses, straight from ``scipy.special``.

``scipy.stats`` takes most of a second to import (it builds every distribution
and rewrites their docstrings), and every report, MOSS run and statistics verb
paid for it to call six functions. Each one here is what ``scipy.stats``
itself computes for it (SciPy 1.17, ``scipy/stats/_continuous_distns.py`` and
``_discrete_distns.py``: ``norm._ppf`` is ``ndtri``, ``norm._cdf`` is ``ndtr``,
``norm._sf`` is ``ndtr(-x)``, ``chi2._ppf`` is ``2 gammaincinv(df/2, p)``,
``poisson._logpmf`` is ``xlogy(k, mu) - gammaln(k + 1) - mu`` and
``poisson._cdf`` is ``pdtr(floor(k), mu)``), with the edges of its generic
wrappers (NaN outside a shape's domain, 0 below a support): the same numbers
bit for bit, which ``tests/stats/test_distributions.py`` checks against
``scipy.stats`` itself.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def _out(x: np.ndarray) -> np.ndarray | np.float64:
    """An array, or a NumPy scalar for scalar arguments (as ``scipy.stats`` gives)."""
    x = np.asarray(x, dtype=float)
    return x[()] if x.ndim == 0 else x


def norm_ppf(q):
    """Standard normal quantile (``scipy.stats.norm.ppf``)."""
    return _out(special.ndtri(q))


def norm_cdf(x):
    """Standard normal distribution function (``scipy.stats.norm.cdf``)."""
    return _out(special.ndtr(x))


def norm_sf(x):
    """Standard normal upper tail, 1 - cdf (``scipy.stats.norm.sf``)."""
    return _out(special.ndtr(-np.asarray(x, dtype=float)))


def chi2_ppf(p, df):
    """Chi-squared quantile (``scipy.stats.chi2.ppf``): NaN unless ``df`` > 0."""
    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        q = 2 * special.gammaincinv(df / 2, p)
    return _out(np.where(df > 0, q, np.nan))


def poisson_pmf(k, mu):
    """Poisson probability of ``k`` (``scipy.stats.poisson.pmf``): 0 for ``k``
    negative or not whole, NaN for ``k`` NaN or ``mu`` < 0."""
    k = np.asarray(k, dtype=float)
    whole = (k >= 0) & (np.floor(k) == k)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.exp(special.xlogy(k, mu) - special.gammaln(k + 1) - mu)
    return _out(np.where((mu >= 0) & ~np.isnan(k), np.where(whole, p, 0.0), np.nan))


def poisson_cdf(k, mu):
    """Poisson probability of at most ``k`` (``scipy.stats.poisson.cdf``): 0 for
    ``k`` < 0, NaN for ``k`` NaN or ``mu`` < 0."""
    k = np.asarray(k, dtype=float)
    with np.errstate(invalid="ignore"):
        p = special.pdtr(np.floor(np.maximum(k, 0)), mu)
    return _out(np.where((mu >= 0) & ~np.isnan(k), np.where(k >= 0, p, 0.0), np.nan))
