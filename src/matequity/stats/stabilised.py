"""Stabilised (and adjusted) mortality rates as MBRRACE-UK publishes them.

MBRRACE-UK (perinatal mortality surveillance; Atlas of Birth quoting its data
viewer): "calculated by multiplying the appropriate 'comparator' mortality rate by
an organisation-specific standardised mortality ratio ... estimated using a
multilevel logistic regression model ... births clustered within organisations",
whose shrunken ("stabilised") organisation terms "reduce the likelihood of
organisations being falsely identified as outliers by chance alone".

Here, on a count table of cells (unit x case-mix categories, with events and
births):

1. fit the random-intercept logistic model logit p = case mix + b_unit
   (:func:`matequity.stats.glmm.fit_glmm`; Laplace or adaptive Gauss-Hermite);
   without case mix, logit p = intercept + b_unit (the stabilised, unadjusted rate);
2. SMR_j = Σ_i n_i expit(x_iβ + b̂_j) / Σ_i n_i expit(x_iβ) over the unit's cells,
   b̂_j its conditional mode; ``expected`` is the denominator of that ratio (the
   events expected for the unit's case mix at an average organisation);
3. stabilised rate = the comparator group's crude rate (Σ events / Σ births over its
   units) × SMR_j × multiplier;
4. 95% interval: the SMR at b̂_j ± 1.96 √v_j, v_j the conditional variance of b_j
   (lme4's ``condVar``); the SMR is increasing in b_j so this maps the interval for
   b_j onto the rate. It treats β and θ as known (it does not carry their
   uncertainty), as conditional-mode intervals do;
5. band: the rate against the comparator group's average (:mod:`matequity.stats.bands`).

Separation: a non-reference case-mix category with no events (or only events) has
no finite maximum-likelihood coefficient; its cells are set aside with a fitted risk
of exactly 0 (or 1), which is the limit of the fit, and the model table says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from matequity.errors import UserError
from matequity.stats.bands import MBRRACE_2013_15, BandScheme
from matequity.stats.design import INTERCEPT, treatment_design
from matequity.stats.glmm import GlmmFit, fit_glmm
from matequity.stats.intervals import z_value

UNIT_COLUMNS = (
    "observed",
    "denominator",
    "crude_rate",
    "expected",
    "smr",
    "smr_lower_95",
    "smr_upper_95",
    "comparator_rate",
    "stabilised_rate",
    "lower_95",
    "upper_95",
    "band",
    "method",
)
MODEL_COLUMNS = ("component", "term", "level", "estimate", "std_error", "note")
ALL_UNITS = "All units"


@dataclass(frozen=True)
class StabilisedRates:
    units: pd.DataFrame  # one row per unit
    model: pd.DataFrame  # fixed effects, organisation SD, fit summary
    fit: GlmmFit


def _whole_counts(cells: pd.DataFrame, numerator: str, denominator: str) -> None:
    for c in (numerator, denominator):
        if c not in cells.columns:
            raise UserError(f"no '{c}' column in the table")
        v = pd.to_numeric(cells[c], errors="coerce")
        bad = v.isna() | (v < 0) | (v != np.round(v))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise UserError(f"row {row}, column '{c}': expected a whole number >= 0")
    over = cells[numerator].to_numpy(float) > cells[denominator].to_numpy(float)
    if over.any():
        row = int(np.flatnonzero(over)[0]) + 1
        raise UserError(
            f"row {row}: {numerator} exceeds {denominator} (a binomial count table is needed)"
        )


def _stripped_text(values: pd.Series) -> np.ndarray:
    """``values`` as text without surrounding blanks (as ``astype(str).str.strip()``),
    working on the distinct values: a count table has few, repeated over many cells."""
    codes, uniques = pd.factorize(values.astype(str))
    text = pd.Index(uniques).str.strip().to_numpy(dtype=object)
    return text[codes]


def stabilised_rates(
    df: pd.DataFrame,
    unit: str,
    comparator: str | None = None,
    case_mix: Sequence[str] = (),
    multiplier: float = 1000.0,
    method: str = "laplace",
    nagq: int = 9,
    bands: BandScheme = MBRRACE_2013_15,
    numerator: str = "numerator",
    denominator: str = "denominator",
) -> StabilisedRates:
    """Stabilised (with ``case_mix``: stabilised & adjusted) rates per ``unit``.

    ``df``: a count table, one row per cell (unit x case-mix categories), with
    events in ``numerator`` and births in ``denominator``; rows of the same cell
    are summed. ``comparator``: the column naming each unit's comparator group
    (one per unit); without it every unit is compared with all units."""
    case_mix = list(dict.fromkeys(case_mix))
    needed = [unit, *([comparator] if comparator else []), *case_mix]
    for c in needed:
        if c not in df.columns:
            raise UserError(f"no column '{c}' in the table (columns: {', '.join(df.columns)})")
    if unit in case_mix or (comparator and comparator in case_mix):
        raise UserError("a case-mix column cannot also be the unit or the comparator")
    if multiplier <= 0:
        raise UserError("--multiplier must be positive")
    _whole_counts(df, numerator, denominator)
    cells = pd.DataFrame({c: _stripped_text(df[c]) for c in needed})
    if (cells[unit] == "").any():
        row = int(np.flatnonzero((cells[unit] == "").to_numpy())[0]) + 1
        raise UserError(f"row {row}, column '{unit}': blank unit")
    cells["_y"] = df[numerator].to_numpy(float)
    cells["_n"] = df[denominator].to_numpy(float)
    comp = comparator or "_comparator"
    if comparator:
        blank = cells[comparator] == ""
        if blank.any():
            row = int(np.flatnonzero(blank.to_numpy())[0]) + 1
            raise UserError(f"row {row}, column '{comparator}': blank comparator group")
        per_unit = cells.groupby(unit)[comparator].nunique()
        if (per_unit > 1).any():
            raise UserError(
                f"unit '{per_unit[per_unit > 1].index[0]}' is in more than one "
                f"comparator group (column '{comparator}')"
            )
    else:
        cells[comp] = ALL_UNITS
    cells = cells.groupby([unit, comp, *case_mix], as_index=False, sort=True)[["_y", "_n"]].sum()
    cells = cells[cells["_n"] > 0].reset_index(drop=True)
    if cells.empty:
        raise UserError("no cell has a denominator above 0")
    design = treatment_design(cells, case_mix, cells["_n"])
    for c, ref in design.references.items():
        if cells.loc[cells[c] == ref, "_y"].sum() == 0:
            raise UserError(
                f"column '{c}': its most common category '{ref}' has no events; "
                f"too few events to adjust for '{c}'"
            )
    x = design.matrix
    y, n = cells["_y"].to_numpy(), cells["_n"].to_numpy()
    # categories with no events (or only events): fitted risk 0 (or 1), set aside
    fixed = np.full(len(cells), np.nan)
    separated: dict[int, str] = {}
    for j, t in enumerate(design.terms):
        if t.column == INTERCEPT:
            continue
        m = x[:, j] == 1
        if y[m].sum() == 0:
            separated[j] = "no events in this category: coefficient -infinity (fitted risk 0)"
            fixed[m & np.isnan(fixed)] = 0.0
        elif (n[m] - y[m]).sum() == 0:
            separated[j] = "only events in this category: coefficient +infinity (fitted risk 1)"
            fixed[m & np.isnan(fixed)] = 1.0
    free = np.isnan(fixed)
    cols = [j for j in range(x.shape[1]) if j not in separated]
    codes, units = pd.factorize(cells[unit], sort=True)
    fit_units = np.unique(codes[free])
    remap = np.full(len(units), -1)
    remap[fit_units] = np.arange(len(fit_units))
    fit = fit_glmm(
        y[free],
        n[free],
        x[free][:, cols],
        remap[codes[free]],
        [design.terms[j].name for j in cols],
        method=method,
        nagq=nagq,
    )
    beta = np.zeros(x.shape[1])
    beta[cols] = fit.beta
    eta = x[:, cols] @ fit.beta
    mode = np.zeros(len(units))
    cvar = np.zeros(len(units))
    mode[fit_units] = fit.modes
    cvar[fit_units] = fit.cond_var
    z = z_value(0.95)
    b = mode[codes]
    sdb = np.sqrt(cvar)[codes]

    def risk(shift: np.ndarray) -> np.ndarray:
        return np.where(free, expit(eta + shift), np.nan_to_num(fixed))

    p0, p_hat = risk(np.zeros(len(cells))), risk(b)
    p_lo, p_hi = risk(b - z * sdb), risk(b + z * sdb)
    cells["_e"] = n * p0
    cells["_o_hat"] = n * p_hat
    cells["_lo"] = n * p_lo
    cells["_hi"] = n * p_hi
    per = cells.groupby([unit, comp], sort=True)[["_y", "_n", "_e", "_o_hat", "_lo", "_hi"]].sum()
    per = per.reset_index()
    grp = cells.groupby(comp)[["_y", "_n"]].sum()
    comp_rate = (grp["_y"] / grp["_n"]).reindex(per[comp]).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        smr = (per["_o_hat"] / per["_e"]).to_numpy()
        smr_lo = (per["_lo"] / per["_e"]).to_numpy()
        smr_hi = (per["_hi"] / per["_e"]).to_numpy()
    label = "stabilised & adjusted" if case_mix else "stabilised"
    out = pd.DataFrame(
        {
            unit: per[unit],
            **({comparator: per[comparator]} if comparator else {}),
            "observed": per["_y"].astype("int64"),
            "denominator": per["_n"].astype("int64"),
            "crude_rate": per["_y"] / per["_n"] * multiplier,
            "expected": per["_e"],
            "smr": smr,
            "smr_lower_95": smr_lo,
            "smr_upper_95": smr_hi,
            "comparator_rate": comp_rate * multiplier,
            "stabilised_rate": comp_rate * smr * multiplier,
            "lower_95": comp_rate * smr_lo * multiplier,
            "upper_95": comp_rate * smr_hi * multiplier,
            "band": bands.band(smr),
            "method": f"{label}: random-intercept logistic model, {fit.label}; bands {bands.name}"
            + (
                "; organisation SD estimated as 0 (no variation beyond chance): every SMR is 1"
                if fit.sd == 0
                else ""
            ),
        }
    )
    model = _model_table(fit, design, beta, separated, case_mix)
    return StabilisedRates(out, model, fit)


def _model_table(fit, design, beta, separated, case_mix) -> pd.DataFrame:
    se = dict(zip(fit.names, fit.se, strict=True))
    rows = []
    for c, ref in design.references.items():
        rows.append(
            {"component": "fixed", "term": c, "level": ref, "estimate": 0.0, "note": "reference"}
        )
    for j, t in enumerate(design.terms):
        if j in separated:
            est = -np.inf if "no events" in separated[j] else np.inf
            rows.append(
                {
                    "component": "fixed",
                    "term": t.column,
                    "level": t.level,
                    "estimate": est,
                    "note": separated[j],
                }
            )
            continue
        rows.append(
            {
                "component": "fixed",
                "term": t.column,
                "level": t.level,
                "estimate": float(beta[j]),
                "std_error": float(se[t.name]),
                "note": "log-odds" if t.column == INTERCEPT else "log odds ratio vs reference",
            }
        )
    for t in design.dropped:
        rows.append(
            {
                "component": "fixed",
                "term": t.column,
                "level": t.level,
                "note": "aliased with earlier terms: dropped",
            }
        )
    rows.append(
        {
            "component": "random",
            "term": "organisation sd",
            "level": "",
            "estimate": fit.sd,
            "std_error": fit.sd_se,
            "note": "standard deviation of the organisation effects (log-odds); "
            "Wald standard error, unreliable near 0",
        }
    )
    fit_rows = [
        ("log_likelihood", fit.loglik, "maximised; full binomial likelihood"),
        ("units", fit.n_groups, "organisations in the fit"),
        ("cells", fit.n_cells, "cells in the fit"),
        ("converged", float(fit.converged), f"largest |gradient| {fit.gradient_max:.2g}"),
    ]
    for term, est, note in fit_rows:
        rows.append({"component": "fit", "term": term, "level": "", "estimate": est, "note": note})
    rows.append(
        {
            "component": "fit",
            "term": "method",
            "level": fit.label,
            "note": f"case mix: {', '.join(case_mix) or 'none'}",
        }
    )
    return pd.DataFrame(rows).reindex(columns=list(MODEL_COLUMNS))
