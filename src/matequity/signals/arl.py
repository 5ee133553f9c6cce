"""Average run length of a zero-start upward Poisson CUSUM, by Markov chain.

The chart S_t = max(0, S_{t-1} + X_t - k), X_t ~ Poisson(mu), signals when
S_t >= h. With k = K/d and h = H/d on the grid of step 1/d (see
:mod:`matequity.signals.grid`) the states 0, 1/d, ..., (H-1)/d form a Markov
chain absorbed at h, and the run length from state 0 solves (I - Q) L = 1
(Brook & Evans 1972, Biometrika 59:539; Hawkins & Olwell 1998, *Cumulative Sum
Charts and Charting for Quality Improvement*, ch. 3; CUSUMdesign's ``CUSRLG``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from matequity.stats.distributions import poisson_cdf, poisson_pmf


def transition_matrix(mu: float, k_steps: int, h_steps: int, d: int) -> np.ndarray:
    """Q[i, j]: probability of moving from state i/d to j/d without signalling.

    A move from i/d to j/d > 0 needs a count x with i + d x - K = j, so
    Q[i, j] = P(X = (j - i + K) / d) where that is a whole number >= 0; the move
    to 0 needs i + d x - K <= 0, so Q[i, 0] = P(X <= floor((K - i) / d)). The
    whole matrix is made at once from one table of Poisson probabilities."""
    n = h_steps
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    num = j - i + k_steps
    ok = (num >= 0) & (num % d == 0) & (j > 0)
    x = np.where(ok, num // d, 0)
    pmf = poisson_pmf(np.arange(int(x.max()) + 1), mu)
    q = np.where(ok, pmf[x], 0.0)
    top = np.floor((k_steps - np.arange(n)) / d)
    q[:, 0] = poisson_cdf(top, mu)  # 0 where top < 0
    return q


@lru_cache(maxsize=65536)
def arl(mu: float, k_steps: int, h_steps: int, d: int) -> float:
    """Zero-start ARL for counts with mean ``mu``; k = k_steps/d, h = h_steps/d.

    Kept per design: the searches for the level-1 and level-2 thresholds of a
    site-year walk the same grid of h from its start."""
    if h_steps <= 0:
        return 1.0
    q = transition_matrix(mu, k_steps, h_steps, d)
    lengths = np.linalg.solve(np.eye(h_steps) - q, np.ones(h_steps))
    return float(lengths[0])
