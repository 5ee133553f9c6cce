"""Adjusted disparities against independent derivations: R's glm() (fixtures in
tests/reference/glm/, re-run live when Rscript is present), a Poisson likelihood
maximised with scipy.optimize, a hand-solved 2 x 2 x 2 table, Mantel-Haenszel where
it coincides with the regression, and one stratum (adjusted = crude)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from matequity.errors import UserError
from matequity.stats.disparities import disparities, poisson_fit

REF = Path(__file__).parent / "reference" / "glm"
ADJ = ["imd_quintile", "age_band"]


def _r(path: Path = REF / "glm_results.csv") -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False)


def _check_against_r(res: pd.DataFrame) -> None:
    d = pd.read_csv(REF / "data_disparities.csv")
    for disp in ("poisson", "quasi"):
        r = res[(res.analysis == "disparities") & (res.dispersion == disp)]
        val = r.set_index(["group", "quantity"])["value"].astype(float)
        out = disparities(d, "ethnic_group", "White", ADJ, "rate", 1.0, disp).set_index(
            "ethnic_group"
        )
        df = val[("", "df_resid")]
        q = sps.t.ppf(0.975, df) if disp == "quasi" else sps.norm.ppf(0.975)
        for g in ("Black", "Asian", "Mixed"):
            o = out.loc[g]
            b, se = val[(g, "adjusted_coef")], val[(g, "adjusted_se")]
            assert np.log(o.adjusted_rr) == pytest.approx(b, abs=1e-8)
            assert np.log(o.adjusted_rr_upper_95) - np.log(o.adjusted_rr) == pytest.approx(
                q * se, rel=1e-6
            )
            assert o.adjusted_rr_p_value == pytest.approx(val[(g, "adjusted_p")], rel=1e-5)
            bc, sc = val[(g, "crude_coef")], val[(g, "crude_se")]
            assert np.log(o.crude_rr) == pytest.approx(bc, abs=1e-8)
            qc = q if disp == "poisson" else sps.t.ppf(0.975, len(d) - 4)
            assert np.log(o.crude_rr_upper_95) - np.log(o.crude_rr) == pytest.approx(
                qc * sc, rel=1e-6
            )
            assert o.standardised_rate == pytest.approx(val[(g, "standardised_rate")], rel=1e-7)
            assert o.adjusted_rd == pytest.approx(val[(g, "adjusted_rd")], rel=1e-7)
            half = o.adjusted_rd_upper_95 - o.adjusted_rd
            assert half == pytest.approx(q * val[(g, "adjusted_rd_se")], rel=1e-6)
        assert out.loc["White", "standardised_rate"] == pytest.approx(
            val[("White", "standardised_rate")], rel=1e-7
        )


def test_matches_r_glm():
    _check_against_r(_r())


def _r_available() -> bool:
    return shutil.which("Rscript") is not None


@pytest.mark.skipif(not _r_available(), reason="Rscript is not installed")
def test_live_r_glm(tmp_path):
    out = tmp_path / "glm.csv"
    subprocess.run(
        ["Rscript", str(REF / "fit_glm.R"), str(REF), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    _check_against_r(_r(out))


def _table(seed: int, n_groups: int = 3, n_strata: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for g in range(n_groups):
        for s in range(n_strata):
            n = int(rng.integers(500, 20_000))
            rows.append((f"G{g}", f"S{s}", int(rng.poisson(n * 0.004 * (1 + g) * (1 + s / 3))), n))
    return pd.DataFrame(rows, columns=["group", "stratum", "numerator", "denominator"])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_against_a_scipy_poisson_likelihood(seed):
    """Maximise the Poisson log-likelihood directly (no statsmodels) and compare the
    coefficients, the Fisher-information standard errors and the delta-method
    interval of the standardised difference (numerical gradient)."""
    d = _table(seed)
    out = disparities(d, "group", "G0", ["stratum"], "rate", 1000).set_index("group")
    g = pd.get_dummies(d["group"]).drop(columns="G0").to_numpy(float)
    heaviest = d.groupby("stratum").denominator.sum().idxmax()
    s = pd.get_dummies(d["stratum"]).drop(columns=heaviest).to_numpy(float)
    x = np.column_stack([np.ones(len(d)), g, s])
    y, off = d.numerator.to_numpy(float), np.log(d.denominator.to_numpy(float))

    def nll(b):
        eta = x @ b + off
        return np.sum(np.exp(eta) - y * eta)

    def grad(b):
        return x.T @ (np.exp(x @ b + off) - y)

    b0 = np.zeros(x.shape[1])
    b0[0] = np.log(y.sum() / np.exp(off).sum())
    fit = optimize.minimize(nll, b0, jac=grad, method="BFGS", options={"gtol": 1e-10})
    info = x.T @ (np.exp(x @ fit.x + off)[:, None] * x)
    cov = np.linalg.inv(info)
    for k, name in enumerate(["G1", "G2"], start=1):
        assert np.log(out.loc[name, "adjusted_rr"]) == pytest.approx(fit.x[k], abs=1e-6)
        half = np.log(out.loc[name, "adjusted_rr_upper_95"] / out.loc[name, "adjusted_rr"])
        assert half == pytest.approx(1.959963984540054 * np.sqrt(cov[k, k]), rel=1e-5)
    # standardised difference by a numerical gradient (central differences)
    strata = d.groupby("stratum", sort=True).denominator.sum()
    w = (strata / strata.sum()).to_numpy()
    sx = pd.get_dummies(pd.Series(strata.index)).drop(columns=heaviest).to_numpy(float)

    def rd(b, k):
        gk = np.zeros((len(w), 2))
        if k:
            gk[:, k - 1] = 1
        xr = np.column_stack([np.ones(len(w)), gk, sx])
        x0 = np.column_stack([np.ones(len(w)), np.zeros((len(w), 2)), sx])
        return 1000 * (w @ np.exp(xr @ b) - w @ np.exp(x0 @ b))

    for k, name in enumerate(["G1", "G2"], start=1):
        est = rd(fit.x, k)
        num = np.array(
            [(rd(fit.x + e, k) - rd(fit.x - e, k)) / 2e-6 for e in np.eye(len(fit.x)) * 1e-6]
        )
        se = np.sqrt(num @ cov @ num)
        assert out.loc[name, "adjusted_rd"] == pytest.approx(est, rel=1e-5)
        assert out.loc[name, "adjusted_rd_upper_95"] - est == pytest.approx(
            1.959963984540054 * se, rel=1e-4
        )


def test_hand_solved_2x2x2_table():
    """Two groups x two strata: the main-effects Poisson MLE matches the observed
    group and stratum margins. With E_gs = λ n_gs R^g S^s this gives, for S,
    the quadratic a S² + b S + c = 0 derived below, then R from the group margin."""
    n = {(0, 0): 4000, (0, 1): 1000, (1, 0): 1000, (1, 1): 3000}
    o = {(0, 0): 12, (0, 1): 6, (1, 0): 5, (1, 1): 27}
    d = pd.DataFrame(
        [(f"g{g}", f"s{s}", o[g, s], n[g, s]) for g in (0, 1) for s in (0, 1)],
        columns=["group", "stratum", "numerator", "denominator"],
    )
    og0, og1 = o[0, 0] + o[0, 1], o[1, 0] + o[1, 1]
    os0 = o[0, 0] + o[1, 0]
    # margins: λ(n00 + n01 S) = Og0;  λR(n10 + n11 S) = Og1;  λ(n00 + n10 R) = Os0.
    # From the first two, λ R = Og1 / (n10 + n11 S) and λ = Og0 / (n00 + n01 S); the
    # third then reads Og0 n00 (n10 + n11 S) + n10 Og1 (n00 + n01 S) = Os0 (n00 + n01 S)(n10 + n11 S)
    a = os0 * n[0, 1] * n[1, 1]
    b = (
        os0 * (n[0, 0] * n[1, 1] + n[0, 1] * n[1, 0])
        - og0 * n[0, 0] * n[1, 1]
        - og1 * n[1, 0] * n[0, 1]
    )
    c = os0 * n[0, 0] * n[1, 0] - og0 * n[0, 0] * n[1, 0] - og1 * n[1, 0] * n[0, 0]
    big_s = (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)
    lam = og0 / (n[0, 0] + n[0, 1] * big_s)
    big_r = og1 / (lam * (n[1, 0] + n[1, 1] * big_s))
    out = disparities(d, "group", "g0", ["stratum"], "rate", 1000).set_index("group")
    assert out.loc["g1", "adjusted_rr"] == pytest.approx(big_r, rel=1e-8)
    # marginal standardisation to the pooled strata (5,000 and 4,000 births)
    w0, w1 = 5000 / 9000, 4000 / 9000
    std1 = lam * big_r * (w0 + w1 * big_s) * 1000
    std0 = lam * (w0 + w1 * big_s) * 1000
    assert out.loc["g1", "standardised_rate"] == pytest.approx(std1, rel=1e-8)
    assert out.loc["g1", "adjusted_rd"] == pytest.approx(std1 - std0, rel=1e-8)
    crude_rr = (og1 / 4000) / (og0 / 5000)
    assert out.loc["g1", "crude_rr"] == pytest.approx(crude_rr, rel=1e-10)
    assert out.loc["g1", "share_rr_accounted"] == pytest.approx(
        100 * (crude_rr - big_r) / (crude_rr - 1), rel=1e-8
    )


@settings(max_examples=25, deadline=None)
@given(
    rr=st.sampled_from([1, 2, 3]),
    strata=st.lists(
        st.tuples(st.integers(1, 60), st.integers(1_000, 50_000), st.integers(1, 4)),
        min_size=1,
        max_size=5,
    ),
)
def test_homogeneous_ratio_mantel_haenszel_and_regression_coincide(rr, strata):
    """Counts built so that every stratum's rate ratio is exactly rr: the Poisson
    MLE and the Mantel-Haenszel rate ratio both equal rr exactly."""
    rows = []
    for s, (c, n0, f) in enumerate(strata):
        rows += [("ref", f"s{s}", c, n0), ("exp", f"s{s}", rr * f * c, f * n0)]
    d = pd.DataFrame(rows, columns=["group", "stratum", "numerator", "denominator"])
    out = disparities(d, "group", "ref", ["stratum"], "rate", 1000).set_index("group")
    mh_num = sum(rr * f * c * n0 / (n0 + f * n0) for c, n0, f in strata)
    mh_den = sum(c * f * n0 / (n0 + f * n0) for c, n0, f in strata)
    assert mh_num / mh_den == pytest.approx(rr, rel=1e-12)
    assert out.loc["exp", "adjusted_rr"] == pytest.approx(mh_num / mh_den, rel=1e-7)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_with_one_stratum_adjusted_equals_crude(seed):
    d = _table(seed, n_strata=1)
    out = disparities(d, "group", "G0", ["stratum"], "rate", 1000)
    np.testing.assert_allclose(out.adjusted_rr, out.crude_rr, rtol=1e-8)
    np.testing.assert_allclose(out.adjusted_rd, out.crude_rd, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(out.standardised_rate, out.crude_rate, rtol=1e-8)
    np.testing.assert_allclose(
        out.adjusted_rd_upper_95.fillna(0), out.crude_rd_upper_95.fillna(0), rtol=1e-6
    )
    # crude ratio: exactly the ratio of the crude rates, Wald interval sqrt(1/a + 1/c)
    t = d.set_index("group")
    rr = (t.numerator / t.denominator) / (t.numerator["G0"] / t.denominator["G0"])
    np.testing.assert_allclose(out.set_index("group").crude_rr, rr[out.group], rtol=1e-8)


def test_robust_errors_are_the_sandwich():
    d = _table(5)
    g = pd.get_dummies(d["group"]).drop(columns="G0").to_numpy(float)
    x = np.column_stack([np.ones(len(d)), g])
    y, off = d.numerator.to_numpy(float), np.log(d.denominator.to_numpy(float))
    b, cov, _df = poisson_fit(y, x, off, "robust")
    mu = np.exp(x @ b + off)
    bread = np.linalg.inv(x.T @ (mu[:, None] * x))
    meat = x.T @ (((y - mu) ** 2)[:, None] * x)
    np.testing.assert_allclose(cov, bread @ meat @ bread, rtol=1e-6)


def test_frames_and_errors():
    d = pd.concat([_table(1).assign(measure="a"), _table(2).assign(measure="b")])
    out = disparities(d, "group", "G0", ["stratum"], "rate", 1000)
    assert len(out) == 6 and set(out.measure) == {"a", "b"}
    with pytest.raises(UserError, match="reference group 'G9'"):
        disparities(d, "group", "G9", ["stratum"], "rate", 1000)
    with pytest.raises(UserError, match="no column 'imd'"):
        disparities(d, "group", "G0", ["imd"], "rate", 1000)
    with pytest.raises(UserError, match="both the group and an adjustment"):
        disparities(d, "group", "G0", ["group"], "rate", 1000)
    with pytest.raises(UserError, match="dispersion"):
        disparities(d, "group", "G0", ["stratum"], "rate", 1000, "negbin")
    with pytest.raises(UserError, match="statistic"):
        disparities(d, "group", "G0", ["stratum"])
