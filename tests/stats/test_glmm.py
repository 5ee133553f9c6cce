"""The random-intercept logistic model against R's lme4 (the reference
implementation), plus properties of the likelihood and the fit.

Reference: tests/reference/lme4/ holds data generated with a fixed seed
(``make_data.py``), the R script (``fit_lme4.R``: glmer with nAGQ = 1 and 9) and its
output (``lme4_results.csv``, lme4 1.1-31, R 4.2.2). ``test_live_lme4`` re-runs the
script when Rscript and lme4 are installed.

Tolerances, and why:

* At lme4's own estimates, our log-likelihood and conditional modes are a pure
  function evaluation: the adaptive Gauss-Hermite value agrees to 1e-8 and the modes
  to 1e-8. lme4's Laplace value evaluates log|L|² with the Cholesky factor formed
  before its last PIRLS update of the modes (src/external.cpp,
  ``internal_glmerWrkIter``: updateDecomp, then solve, then updateMu), so it lags the
  exact Laplace value by up to about tolPwrss-sized amounts (observed 1.9e-5); we
  allow 1e-4 there. ``ranef(condVar = TRUE)`` also reads the stored factor, so the
  conditional variances agree to 1e-5 (relative; observed 1.5e-6) for both methods.
* Estimates: lme4's second-stage optimiser (Nelder-Mead) stops when the deviance
  changes by less than FtolAbs = 1e-5 or the steps fall below xt = 5e-4 × its
  initial step (lme4 ``optwrap``). A deviance within 1e-5 of the optimum leaves each
  parameter within about √1e-5 ≈ 0.003 standard errors, so we require the fixed
  effects and the SD within 0.01 standard errors, the conditional modes within 0.01
  conditional SDs and the SMRs within 1e-3 (relative).
* Standard errors: lme4 inverts a finite-difference Hessian (``deriv12``, step
  1e-4) of its (Laplace: lagged) objective; relative agreement 0.5%.
* Our log-likelihood at our optimum must be at least lme4's at its optimum less
  1e-6: our optimiser must find a point at least as good.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import gammaln

from matequity.errors import UserError
from matequity.stats.design import treatment_design
from matequity.stats.glmm import _Problem, conditional_modes, fit_glmm, gauss_hermite
from matequity.stats.stabilised import stabilised_rates

REF = Path(__file__).parents[1] / "reference" / "lme4"
TERMS = {"casemix": ["age_band", "deprivation"], "intercept": [], "nosd": []}
CASES = [(d, k) for d in TERMS for k in (1, 9)]


def _data(dataset: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"data_{dataset}.csv", dtype={"org": str})


def _results(path: Path = REF / "lme4_results.csv") -> pd.DataFrame:
    return pd.read_csv(path, dtype={"name": str}, keep_default_na=False)


def _q(res: pd.DataFrame, dataset: str, nagq: int, quantity: str) -> pd.Series:
    r = res[(res.dataset == dataset) & (res.nagq == nagq) & (res.quantity == quantity)]
    return r.set_index("name")["value"].astype(float)


def _fit(dataset: str, nagq: int):
    d = _data(dataset)
    design = treatment_design(d, TERMS[dataset], d["births"])
    g, orgs = pd.factorize(d["org"], sort=True)
    method = "laplace" if nagq == 1 else "agq"
    f = fit_glmm(d["deaths"], d["births"], design.matrix, g, design.names, method, nagq)
    return d, design, g, list(orgs), f


def _lme4_loglik(res, dataset, nagq) -> float:
    ll = float(_q(res, dataset, nagq, "loglik").iloc[0])
    # lme4 drops the saturated constant from the nAGQ > 1 log-likelihood
    return ll + (float(_q(res, dataset, nagq, "saturated_loglik").iloc[0]) if nagq > 1 else 0)


def _compare(res: pd.DataFrame, dataset: str, nagq: int) -> None:
    d, design, _g, orgs, f = _fit(dataset, nagq)
    fixef = _q(res, dataset, nagq, "fixef")[list(design.names)].to_numpy()
    se = _q(res, dataset, nagq, "se")[list(design.names)].to_numpy()
    sd = float(_q(res, dataset, nagq, "sd").iloc[0])
    ranef = _q(res, dataset, nagq, "ranef")[orgs].to_numpy()
    condvar = _q(res, dataset, nagq, "condvar")[orgs].to_numpy()
    assert f.converged
    assert np.all(np.abs(f.beta - fixef) <= 0.01 * f.se)
    np.testing.assert_allclose(f.se, se, rtol=5e-3)
    if sd == 0:
        assert f.sd == 0.0  # a singular fit, as lme4's
        np.testing.assert_allclose(f.modes, 0.0, atol=1e-12)
    else:
        assert abs(f.sd - sd) <= 0.01 * f.sd_se
        assert np.all(np.abs(f.modes - ranef) <= 0.01 * np.sqrt(f.cond_var))
        np.testing.assert_allclose(f.cond_var, condvar, rtol=1e-3)
    assert f.loglik >= _lme4_loglik(res, dataset, nagq) - 1e-6
    # SMRs (R: predict() with and without the organisation effects)
    cells = d.rename(columns={"deaths": "numerator", "births": "denominator"})
    out = stabilised_rates(
        cells, "org", None, TERMS[dataset], 1000, "laplace" if nagq == 1 else "agq", nagq
    )
    smr = _q(res, dataset, nagq, "smr")[out.units["org"].tolist()].to_numpy()
    np.testing.assert_allclose(out.units["smr"], smr, rtol=1e-3)


@pytest.mark.parametrize(("dataset", "nagq"), CASES)
def test_fit_reproduces_lme4(dataset, nagq):
    _compare(_results(), dataset, nagq)


@pytest.mark.parametrize(("dataset", "nagq"), CASES)
def test_likelihood_and_modes_at_lme4_estimates(dataset, nagq):
    """A pure function evaluation at lme4's parameters (see the module docstring)."""
    res = _results()
    d = _data(dataset)
    design = treatment_design(d, TERMS[dataset], d["births"])
    g, orgs = pd.factorize(d["org"], sort=True)
    beta = _q(res, dataset, nagq, "fixef")[list(design.names)].to_numpy()
    sd = float(_q(res, dataset, nagq, "sd").iloc[0])
    prob = _Problem(
        d["deaths"].to_numpy(float),
        d["births"].to_numpy(float),
        design.matrix,
        g,
        len(orgs),
        nagq,
    )
    value, _ = prob.value_grad(np.concatenate([[sd], beta]))
    tol = 1e-8 if nagq > 1 else 1e-4
    assert -value / 2 == pytest.approx(_lme4_loglik(res, dataset, nagq), abs=tol)
    modes, cvar = conditional_modes(d["deaths"], d["births"], design.matrix, g, beta, sd)
    np.testing.assert_allclose(modes, _q(res, dataset, nagq, "ranef")[orgs], atol=1e-8)
    # lme4's conditional variances come from its stored (lagged) factor L
    np.testing.assert_allclose(cvar, _q(res, dataset, nagq, "condvar")[orgs], rtol=1e-5)


def _lme4_available() -> bool:
    if shutil.which("Rscript") is None:
        return False
    run = subprocess.run(
        ["Rscript", "-e", "quit(status = !requireNamespace('lme4', quietly = TRUE))"],
        capture_output=True,
        check=False,
    )
    return run.returncode == 0


@pytest.mark.skipif(not _lme4_available(), reason="Rscript with lme4 is not installed")
def test_live_lme4(tmp_path):
    """Re-run the committed R script on the committed data and compare live."""
    out = tmp_path / "live.csv"
    subprocess.run(
        ["Rscript", str(REF / "fit_lme4.R"), str(REF), str(out)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    live = _results(out)
    for dataset, nagq in CASES:
        _compare(live, dataset, nagq)


def test_gauss_hermite_rule_integrates_normal_moments():
    z, w = gauss_hermite(9)
    assert w.sum() == pytest.approx(1.0, abs=1e-15)
    # E z^k for the standard normal: 0, 1, 0, 3, 0, 15, 0, 105 (exact up to degree 17)
    for k, m in enumerate([1, 0, 1, 0, 3, 0, 15, 0, 105]):
        assert float(np.sum(w * z**k)) == pytest.approx(m, abs=1e-10)


def _random_cells(seed: int, n_orgs: int, sd: float, case_mix: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    eff = rng.normal(0, sd, n_orgs)
    for j in range(n_orgs):
        for a, ea in (("A", 0.0), ("B", 0.4)) if case_mix else (("A", 0.0),):
            n = int(rng.integers(200, 3000))
            p = 1 / (1 + np.exp(-(-4.0 + ea + eff[j])))
            rows.append((f"U{j:02d}", a, int(rng.binomial(n, p)), n))
    return pd.DataFrame(rows, columns=["unit", "band", "numerator", "denominator"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    theta=st.floats(0.05, 1.5),
    nagq=st.sampled_from([1, 2, 5]),
    shift=st.lists(st.floats(-0.5, 0.5), min_size=2, max_size=2),
)
def test_analytic_gradient_matches_finite_differences(seed, theta, nagq, shift):
    d = _random_cells(seed, 8, 0.3)
    design = treatment_design(d, ["band"], d["denominator"])
    g, orgs = pd.factorize(d["unit"], sort=True)
    prob = _Problem(
        d["numerator"].to_numpy(float),
        d["denominator"].to_numpy(float),
        design.matrix,
        g,
        len(orgs),
        nagq,
    )
    x = np.array([theta, -4.0 + shift[0], 0.4 + shift[1]])
    _, grad = prob.value_grad(x)
    for i in range(3):
        e = np.zeros(3)
        e[i] = 1e-6
        fd = (prob.value_grad(x + e)[0] - prob.value_grad(x - e)[0]) / 2e-6
        assert grad[i] == pytest.approx(fd, rel=1e-5, abs=1e-5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), sd=st.sampled_from([0.0, 0.05, 0.2, 0.6, 1.5]))
def test_no_other_start_finds_a_better_maximum(seed, sd):
    """The fit's two starts (θ = 0.1, then 0.5 if that search ends at 0) miss no
    better optimum: searches started from a grid of SDs, by the same quasi-Newton
    method on the same likelihood, end no higher."""
    from scipy.optimize import minimize

    d = _random_cells(seed, 12, sd)
    design = treatment_design(d, ["band"], d["denominator"])
    g, orgs = pd.factorize(d["unit"], sort=True)
    y, n = d["numerator"].to_numpy(float), d["denominator"].to_numpy(float)
    fit = fit_glmm(y, n, design.matrix, g, design.names)
    for theta0 in (0.02, 0.3, 1.0, 2.0, 4.0):
        prob = _Problem(y, n, design.matrix, g, len(orgs), 1)
        res = minimize(
            prob.value_grad,
            np.array([theta0, -4.0, 0.4]),
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, 10.0), (-50.0, 50.0), (-50.0, 50.0)],
            options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 2000},
        )
        assert fit.loglik >= -res.fun / 2 - 1e-6


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), sds=st.lists(st.floats(0.01, 1.0), min_size=2, max_size=2))
def test_smrs_shrink_towards_one_as_the_sd_falls(seed, sds):
    d = _random_cells(seed, 10, 0.3, case_mix=False)
    g, _ = pd.factorize(d["unit"], sort=True)
    x = np.ones((len(d), 1))
    beta = np.array([-4.0])
    lo, hi = sorted(sds)
    b_lo, _ = conditional_modes(d["numerator"], d["denominator"], x, g, beta, lo)
    b_hi, _ = conditional_modes(d["numerator"], d["denominator"], x, g, beta, hi)
    # the same direction, never further from 0 with the smaller SD
    assert np.all(np.abs(b_lo) <= np.abs(b_hi) + 1e-12)
    assert np.all(np.sign(b_lo) * np.sign(b_hi) >= 0)
    b_0, v_0 = conditional_modes(d["numerator"], d["denominator"], x, g, beta, 0.0)
    np.testing.assert_array_equal(b_0, 0.0)
    np.testing.assert_array_equal(v_0, 0.0)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), which=st.integers(0, 1000))
def test_splitting_a_cell_into_identical_halves_changes_nothing(seed, which):
    d = _random_cells(seed, 12, 0.3)
    d[["numerator", "denominator"]] *= 2  # every cell can be halved exactly
    i = which % len(d)
    half = d.iloc[[i]].assign(
        numerator=d.numerator.iloc[i] // 2, denominator=d.denominator.iloc[i] // 2
    )
    split = pd.concat([d.drop(index=d.index[i]), half, half], ignore_index=True)
    design_a = treatment_design(d, ["band"], d["denominator"])
    design_b = treatment_design(split, ["band"], split["denominator"])
    ga, _ = pd.factorize(d["unit"], sort=True)
    gb, _ = pd.factorize(split["unit"], sort=True)
    a = fit_glmm(d["numerator"], d["denominator"], design_a.matrix, ga, design_a.names)
    b = fit_glmm(split["numerator"], split["denominator"], design_b.matrix, gb, design_b.names)
    np.testing.assert_allclose(a.beta, b.beta, atol=1e-7)
    assert a.sd == pytest.approx(b.sd, abs=1e-7)
    np.testing.assert_allclose(a.modes, b.modes, atol=1e-7)
    # the log-likelihoods differ by the binomial coefficients only
    y, n = d.numerator.iloc[i], d.denominator.iloc[i]

    def lch(n_, y_):
        return gammaln(n_ + 1) - gammaln(y_ + 1) - gammaln(n_ - y_ + 1)

    assert b.loglik - a.loglik == pytest.approx(2 * lch(n / 2, y / 2) - lch(n, y), abs=1e-6)
    # and the stabilised rates are the same whether or not the cell was split
    ra = stabilised_rates(d, "unit", None, ["band"]).units
    rb = stabilised_rates(split, "unit", None, ["band"]).units
    np.testing.assert_allclose(ra["stabilised_rate"], rb["stabilised_rate"], rtol=1e-6)


def test_many_quadrature_nodes_agree_with_few_on_a_well_informed_model():
    """With thousands of births per unit the posterior of each effect is close to
    normal: Laplace, 9 and 25 nodes agree closely (Pinheiro & Bates 2000, §7.2)."""
    d = _random_cells(3, 15, 0.3)
    design = treatment_design(d, ["band"], d["denominator"])
    g, _ = pd.factorize(d["unit"], sort=True)
    fits = [
        fit_glmm(d.numerator, d.denominator, design.matrix, g, design.names, m, k)
        for m, k in (("laplace", 1), ("agq", 9), ("agq", 25))
    ]
    assert fits[1].loglik == pytest.approx(fits[2].loglik, abs=1e-6)
    assert abs(fits[0].loglik - fits[2].loglik) < 0.05
    np.testing.assert_allclose(fits[1].beta, fits[2].beta, atol=1e-6)


def test_bad_arguments():
    d = _random_cells(1, 5, 0.2)
    design = treatment_design(d, ["band"], d["denominator"])
    g, _ = pd.factorize(d["unit"], sort=True)
    with pytest.raises(UserError, match="laplace or agq"):
        fit_glmm(d.numerator, d.denominator, design.matrix, g, design.names, "pql")
    with pytest.raises(UserError, match="2 to 100"):
        fit_glmm(d.numerator, d.denominator, design.matrix, g, design.names, "agq", 1)
    with pytest.raises(UserError, match="at least one event"):
        fit_glmm(d.numerator * 0, d.denominator, design.matrix, g, design.names)


def test_a_rare_high_risk_category_does_not_derail_the_fit():
    """Found on the synthetic store (neonatal deaths by gestation band): 24-27 week
    births are few and die at ~15%, the rest at ~0.1%. Plain IRLS from the overall
    rate diverges; from R's binomial starting values it does not."""
    rng = np.random.default_rng(8)
    rows = []
    for j in range(30):
        for band, n_mean, p in (("term", 3000, 0.001), ("24-27", 8, 0.15), ("28-31", 25, 0.04)):
            n = max(int(rng.poisson(n_mean)), 1)
            rows.append((f"U{j:02d}", band, int(rng.binomial(n, p)), n))
    d = pd.DataFrame(rows, columns=["unit", "band", "numerator", "denominator"])
    design = treatment_design(d, ["band"], d["denominator"])
    g, _ = pd.factorize(d["unit"], sort=True)
    f = fit_glmm(d.numerator, d.denominator, design.matrix, g, design.names)
    assert f.converged and np.all(np.abs(f.beta) < 20)
    y, n = d.numerator.to_numpy(float), d.denominator.to_numpy(float)
    glm = sm.GLM(np.column_stack([y, n - y]), design.matrix, family=sm.families.Binomial()).fit()
    if f.sd == 0:
        np.testing.assert_allclose(f.beta, glm.params, atol=1e-6)
    else:
        np.testing.assert_allclose(f.beta, glm.params, atol=0.1)
