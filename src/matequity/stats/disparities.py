"""Disparities between groups adjusted for other characteristics (deprivation, age).

Matthews et al. (BMJ Open 2022;12:e057412) report stillbirth rate differences by
ethnic group "adjusted" for deprivation and maternal age. Here, on a count table
with a group column, adjustment columns and events/denominators (their exact
estimator was not retrieved, so this is the standard construction, not a copy):

* **Adjusted rate ratio**: Poisson regression of the events on the group and the
  adjustment variables (main effects, treatment coded) with log(denominator) as
  offset (statsmodels GLM): RR_g = exp(γ_g) against the reference group, Wald 95%
  interval and p-value. The crude RR is the same model with the group only (it is
  exactly the ratio of the crude rates).
* **Adjusted rate difference** by marginal standardisation (Greenland 2004; Muller &
  MacLehose 2014): each group's rate if the whole population, with its own
  distribution of the adjustment variables (N_s births in stratum s, all groups
  together), had that group's fitted rates, R_g = Σ_s N_s exp(η_gs) / Σ_s N_s;
  RD_g = (R_g − R_ref) × multiplier. Its 95% interval by the delta method: the
  gradient of RD with respect to the coefficients, ∂R_g/∂β = Σ_s N_s exp(η_gs) x_gs /
  Σ_s N_s, with the model's covariance. (R_g / R_ref equals the adjusted RR exactly:
  the model is log-linear without interactions.) The crude RD is (a/n₁ − c/n₀) ×
  multiplier with Wald interval √(a/n₁² + c/n₀²).
* **Share of the gap accounted for** by the adjustment: on the ratio scale
  100 (RR_crude − RR_adj)/(RR_crude − 1) (the "percentage of excess risk explained",
  e.g. Szklo & Nieto, Epidemiology: Beyond the Basics), and on the difference scale
  100 (RD_crude − RD_adj)/RD_crude; missing when the crude gap is 0. Negative when
  the adjusted gap is wider than the crude one.

Dispersion: ``poisson`` (model-based), ``quasi`` (standard errors × √φ, φ = Pearson
χ²/df, t-distribution with the residual df, as R's quasipoisson) or ``robust``
(sandwich, HC0: the modified Poisson of Zou 2004, for proportions). Cells with a
zero denominator are left out. Unknown groups (Not stated, ...) are kept in the
model as groups of their own and reported, but never the reference.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from matequity.errors import UserError
from matequity.stats.design import INTERCEPT, treatment_design
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns, iter_frames, measure_settings
from matequity.stats.intervals import z_value

DISPERSIONS = ("poisson", "quasi", "robust")

OUTPUT_COLUMNS = (
    "reference",
    "numerator",
    "denominator",
    "crude_rate",
    "standardised_rate",
    "crude_rr",
    "crude_rr_lower_95",
    "crude_rr_upper_95",
    "adjusted_rr",
    "adjusted_rr_lower_95",
    "adjusted_rr_upper_95",
    "adjusted_rr_p_value",
    "crude_rd",
    "crude_rd_lower_95",
    "crude_rd_upper_95",
    "adjusted_rd",
    "adjusted_rd_lower_95",
    "adjusted_rd_upper_95",
    "share_rr_accounted",
    "share_rd_accounted",
    "adjusted_for",
    "method",
)


def poisson_fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray, dispersion: str):
    """Coefficients, covariance, residual df and the quantile function for intervals."""
    if dispersion not in DISPERSIONS:
        raise UserError(f"dispersion '{dispersion}': expected poisson, quasi or robust")
    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        # a saturated model has no residual df: statsmodels' internal WLS scale warns
        warnings.simplefilter("ignore", RuntimeWarning)
        # converged tightly: the covariance is from the final weights (tol on the deviance)
        kw = {"tol": 1e-12, "maxiter": 200}
        res = model.fit(cov_type="HC0", **kw) if dispersion == "robust" else model.fit(**kw)
    cov = np.asarray(res.cov_params())
    df = float(res.df_resid)
    if dispersion == "quasi":
        phi = float(res.pearson_chi2) / df if df > 0 else float("nan")
        cov = cov * phi
    return np.asarray(res.params), cov, df


def _quantile(dispersion: str, df: float) -> float:
    return float(sps.t.ppf(0.975, df)) if dispersion == "quasi" else z_value(0.95)


def _p(dispersion: str, z: float, df: float) -> float:
    if dispersion == "quasi":
        return float(2 * sps.t.sf(abs(z), df))
    return float(2 * sps.norm.sf(abs(z)))


def disparities(
    df: pd.DataFrame,
    by: str,
    reference: str,
    adjust: Sequence[str] = (),
    statistic: str | None = None,
    multiplier: float | None = None,
    dispersion: str = "poisson",
) -> pd.DataFrame:
    """One row per group (per comparison frame): crude and adjusted rate ratios and
    differences against ``reference``, and the share of each gap the adjustment for
    ``adjust`` accounts for."""
    adjust = list(dict.fromkeys(adjust))
    for c in (by, *adjust):
        if c not in df.columns:
            raise UserError(f"no column '{c}' in the table (columns: {', '.join(df.columns)})")
    if by in adjust:
        raise UserError(f"'{by}' cannot be both the group and an adjustment column")
    if dispersion not in DISPERSIONS:
        raise UserError(f"--dispersion '{dispersion}': expected poisson, quasi or robust")
    _stat, mult, _b = measure_settings(df, statistic, multiplier)
    t = df.assign(_mult=mult.to_numpy())
    keys = frame_columns(df, [by, *adjust])
    rows = []
    for kv, part in iter_frames(t, keys):
        m = float(part["_mult"].iloc[0])
        rows.extend({**kv, **r} for r in _frame(part, by, reference, adjust, m, dispersion))
    return pd.DataFrame(rows).reindex(columns=[*keys, by, *OUTPUT_COLUMNS])


def _frame(part, by, reference, adjust, mult, dispersion) -> list[dict]:
    cells = part.assign(**{c: part[c].astype(str).str.strip() for c in (by, *adjust)})
    cells = cells.groupby([by, *adjust], as_index=False, sort=True)[
        ["numerator", "denominator"]
    ].sum()
    cells = cells[cells["denominator"] > 0].reset_index(drop=True)
    if reference not in set(cells[by]):
        raise UserError(f"reference group '{reference}' is not in column '{by}' (with births)")
    if str(reference) in UNKNOWN_GROUPS:
        raise UserError(f"'{reference}' is an unknown group and cannot be the reference")
    groups = cells.groupby(by, sort=False)[["numerator", "denominator"]].sum()
    # rows in the order the groups first appear in the input
    order = [g for g in pd.unique(part[by].astype(str).str.strip()) if g in groups.index]
    groups = groups.loc[order]
    a0, n0 = groups.loc[reference, "numerator"], groups.loc[reference, "denominator"]
    y = cells["numerator"].to_numpy(float)
    off = np.log(cells["denominator"].to_numpy(float))
    w = cells["denominator"]
    crude_d = treatment_design(cells, [by], w, references={by: reference})
    full_d = treatment_design(cells, [by, *adjust], w, references={by: reference})
    if y.sum() == 0:
        raise UserError("no events in the table: nothing to compare")
    bc, vc, dfc = poisson_fit(y, crude_d.matrix, off, dispersion)
    ba, va, dfa = poisson_fit(y, full_d.matrix, off, dispersion)
    qc, qa = _quantile(dispersion, dfc), _quantile(dispersion, dfa)
    # standardisation: every stratum of the adjustment variables, all groups' births
    strata = (
        cells.groupby(adjust, as_index=False, sort=True)["denominator"].sum()
        if adjust
        else (pd.DataFrame({"denominator": [w.sum()]}))
    )
    weights = strata["denominator"].to_numpy(float) / strata["denominator"].sum()

    def standardised(g: str) -> tuple[float, np.ndarray]:
        grid = strata.assign(**{by: g})
        x = _rows(grid, full_d)
        mu = np.exp(x @ ba)
        return float(weights @ mu), (weights * mu) @ x

    r_ref, d_ref = standardised(reference)
    idx_a = {t.level: j for j, t in enumerate(full_d.terms) if t.column == by}
    idx_c = {t.level: j for j, t in enumerate(crude_d.terms) if t.column == by}
    label = ", ".join(adjust) or "none"
    method = f"Poisson regression ({dispersion}); marginal standardisation, delta method"
    out = []
    for g, (a, n) in groups.iterrows():
        g = str(g)
        r = {
            by: g,
            "reference": reference,
            "numerator": a,
            "denominator": n,
            "crude_rate": a / n * mult,
            "adjusted_for": label,
            "method": method,
        }
        r_g, d_g = standardised(g)
        r["standardised_rate"] = r_g * mult
        if g == reference:
            r.update(crude_rr=1.0, adjusted_rr=1.0, crude_rd=0.0, adjusted_rd=0.0)
            out.append(r)
            continue
        crude_rd = (a / n - a0 / n0) * mult
        se_crd = np.sqrt(a / n**2 + a0 / n0**2) * mult
        r.update(
            crude_rd=crude_rd,
            crude_rd_lower_95=crude_rd - z_value(0.95) * se_crd,
            crude_rd_upper_95=crude_rd + z_value(0.95) * se_crd,
        )
        rr_c = rr_a = np.nan
        if g in idx_c and a > 0 and a0 > 0:
            j = idx_c[g]
            se = np.sqrt(vc[j, j])
            rr_c = float(np.exp(bc[j]))
            r.update(
                crude_rr=rr_c,
                crude_rr_lower_95=float(np.exp(bc[j] - qc * se)),
                crude_rr_upper_95=float(np.exp(bc[j] + qc * se)),
            )
        if g in idx_a and a > 0 and a0 > 0:
            j = idx_a[g]
            se = np.sqrt(va[j, j])
            rr_a = float(np.exp(ba[j]))
            r.update(
                adjusted_rr=rr_a,
                adjusted_rr_lower_95=float(np.exp(ba[j] - qa * se)),
                adjusted_rr_upper_95=float(np.exp(ba[j] + qa * se)),
                adjusted_rr_p_value=_p(dispersion, ba[j] / se, dfa),
            )
        rd = (r_g - r_ref) * mult
        grad = (d_g - d_ref) * mult
        se_rd = float(np.sqrt(grad @ va @ grad))
        r.update(
            adjusted_rd=rd,
            adjusted_rd_lower_95=rd - qa * se_rd,
            adjusted_rd_upper_95=rd + qa * se_rd,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            r["share_rr_accounted"] = (
                100 * (rr_c - rr_a) / (rr_c - 1) if np.isfinite(rr_c) and rr_c != 1 else np.nan
            )
            r["share_rd_accounted"] = 100 * (crude_rd - rd) / crude_rd if crude_rd != 0 else np.nan
        out.append(r)
    return out


def _rows(grid: pd.DataFrame, design) -> np.ndarray:
    """Design rows for new data with the fitted design's terms."""
    cols = []
    for t in design.terms:
        if t.column == INTERCEPT:
            cols.append(np.ones(len(grid)))
        else:
            cols.append((grid[t.column].astype(str) == t.level).to_numpy(float))
    return np.column_stack(cols)
