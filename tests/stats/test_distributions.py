"""matequity.stats.distributions against scipy.stats itself, bit for bit
(hypothesis), over the values matequity passes and the edges of each domain."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from matequity.stats import distributions as d

PROB = st.one_of(
    st.floats(0, 1, allow_subnormal=False),
    st.sampled_from([0.0, 1.0, 0.025, 0.975, 0.001, 0.999, -0.1, 1.1, float("nan")]),
)
REAL = st.one_of(
    st.floats(-40, 40, allow_subnormal=False),
    st.sampled_from([0.0, float("inf"), float("-inf"), float("nan")]),
)
DF = st.one_of(
    st.floats(0, 4000, allow_subnormal=False),
    st.integers(0, 4000).map(float),
    st.sampled_from([-2.0, 0.0, 2.0, float("nan")]),
)
MU = st.one_of(
    st.floats(0, 500, allow_subnormal=False),
    st.sampled_from([0.0, 1e-6, -1.0, float("nan")]),
)
COUNT = st.one_of(
    st.integers(-5, 800).map(float),
    st.floats(-5, 800, allow_subnormal=False),
    st.sampled_from([float("nan"), float("inf")]),
)


def same(a, b) -> None:
    """Equal bit for bit (NaN where NaN), and scalar where scipy gives a scalar."""
    assert np.ndim(a) == np.ndim(b)
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@settings(max_examples=300, deadline=None)
@given(q=PROB, x=REAL)
def test_normal(q, x):
    same(d.norm_ppf(q), stats.norm.ppf(q))
    same(d.norm_cdf(x), stats.norm.cdf(x))
    same(d.norm_sf(x), stats.norm.sf(x))


@settings(max_examples=300, deadline=None)
@given(p=PROB, df=DF)
def test_chi_squared_quantile(p, df):
    same(d.chi2_ppf(p, df), stats.chi2.ppf(p, df))


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # scipy's, at k = inf
@settings(max_examples=300, deadline=None)
@given(k=COUNT, mu=MU)
def test_poisson(k, mu):
    same(d.poisson_pmf(k, mu), stats.poisson.pmf(k, mu))
    same(d.poisson_cdf(k, mu), stats.poisson.cdf(k, mu))


@settings(max_examples=50, deadline=None)
@given(
    k=st.lists(st.integers(0, 400), min_size=1, max_size=50),
    mu=st.floats(0.01, 300),
    df=st.lists(st.integers(0, 900), min_size=1, max_size=50),
    p=st.floats(0.0001, 0.9999),
)
def test_arrays_as_matequity_passes_them(k, mu, df, p):
    ks = np.array(k)
    same(d.poisson_pmf(np.arange(ks.max() + 1), mu), stats.poisson.pmf(np.arange(ks.max() + 1), mu))
    same(d.poisson_cdf(np.floor(ks / 3), mu), stats.poisson.cdf(np.floor(ks / 3), mu))
    dfs = 2 * np.array(df, dtype=float)
    same(d.chi2_ppf(p, dfs), stats.chi2.ppf(p, dfs))
    same(d.norm_ppf(np.full(len(df), p)), stats.norm.ppf(np.full(len(df), p)))
    # a mean per count, as the data-quality report passes them
    mus = mu * np.linspace(0, 2, len(k))
    same(d.poisson_cdf(ks, mus), stats.poisson.cdf(ks, mus))
