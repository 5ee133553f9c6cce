"""Did an intervention change a rate, and did it narrow a gap? Interrupted time
series by segmented Poisson regression (Bernal, Cummins & Gasparrini, Int J
Epidemiol 2017;46:348-355; Wagner et al., J Clin Pharm Ther 2002).

Monthly counts y_t with denominators n_t:

    log E[y_t] = log n_t + β0 + β1 t + β2 post_t + β3 t_post_t  [+ seasonality]

t = months since the first month; post = 1 from the intervention month on (0
before); t_post = months since the intervention month when post (0 before, 0 in
the intervention month). ``level_change`` = exp(β2): the rate ratio at the
intervention, against the pre-intervention trend projected; ``slope_change`` =
exp(12 β3): the change in the yearly rate ratio trend (after vs before).

Gap against a reference group: both series in one model with a group indicator g
and its interactions with t, post and t_post (seasonal terms shared):
``level_change`` = exp(coefficient of g × post): how much the rate ratio of the
group to the reference jumped at the intervention; ``slope_change`` = exp(12 ×
coefficient of g × t_post): how the yearly trend of that ratio changed. Below 1 for
a group with a higher rate means the gap narrowed.

Dispersion: ``poisson`` (model-based standard errors, normal quantiles) or
``quasi`` (standard errors × √φ, φ = Pearson χ²/residual df, not floored; p-values
and intervals from the t distribution with the residual df, as R's
``glm(family = quasipoisson)`` and ``summary.glm``).

Seasonality (``seasonality`` = K > 0): K Fourier pairs sin(2πk m/12), cos(2πk m/12)
of the calendar month m (Bhaskaran et al., Int J Epidemiol 2013). Autocorrelation
check on each group model's Pearson residuals in time order: the Durbin-Watson
statistic (about 2 without lag-1 autocorrelation) and the Ljung-Box test p-value at
min(12, months // 4) lags (statsmodels); a small p-value says the residuals are
autocorrelated, so the intervals are too narrow (consider quasi, seasonality, or a
model with autoregressive errors). Neither check changes the estimates.

Group rows also give the fitted rate in the last month and the rate the
pre-intervention trend projects for it (``counterfactual_rate_end``: the same model
with the level and slope changes set to 0), × the multiplier.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats as sps
from statsmodels.stats.diagnostic import acorr_ljungbox
from statsmodels.stats.stattools import durbin_watson
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.stats.frames import UNKNOWN_GROUPS, frame_columns, iter_frames, measure_settings

DISPERSIONS = ("poisson", "quasi")
TERMS = ("level_change", "slope_change")
OUTPUT_COLUMNS = (
    "group",
    "model",
    "term",
    "reference",
    "estimate",
    "lower_95",
    "upper_95",
    "p_value",
    "dispersion",
    "durbin_watson",
    "ljung_box_p",
    "months_pre",
    "months_post",
    "fitted_rate_end",
    "counterfactual_rate_end",
    "note",
)
_MONTH = re.compile(r"(\d{4})-(\d{2})")


def month_index(label: object, what: str = "month") -> int:
    """'2024-07' -> 2024 x 12 + 6."""
    m = _MONTH.fullmatch(str(label).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise UserError(f"{what} '{label}': expected YYYY-MM")
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def design(months: np.ndarray, first: int, start: int, seasonality: int) -> np.ndarray:
    """Columns: 1, t, post, t_post, then the Fourier pairs."""
    t = (months - first).astype(float)
    post = (months >= start).astype(float)
    t_post = np.where(post == 1, months - start, 0).astype(float)
    cols = [np.ones_like(t), t, post, t_post]
    cal = months % 12 + 1
    for k in range(1, seasonality + 1):
        cols += [np.sin(2 * np.pi * k * cal / 12), np.cos(2 * np.pi * k * cal / 12)]
    return np.column_stack(cols)


def _fit(y, x, offset, dispersion):
    model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        # a saturated model has no residual df: statsmodels' internal WLS scale warns
        warnings.simplefilter("ignore", RuntimeWarning)
        res = model.fit(tol=1e-12, maxiter=200)
    df = float(res.df_resid)
    phi = float(res.pearson_chi2) / df if df > 0 else float("nan")
    se = np.sqrt(np.diag(np.asarray(res.cov_params())))
    if dispersion == "quasi":
        se = se * np.sqrt(phi)
    return np.asarray(res.params), se, df, phi, np.asarray(res.resid_pearson)


def _terms(params, se, df, dispersion, i_post, i_tpost) -> list[dict]:
    q = float(sps.t.ppf(0.975, df)) if dispersion == "quasi" else float(sps.norm.ppf(0.975))
    out = []
    for term, i, scale in (("level_change", i_post, 1.0), ("slope_change", i_tpost, 12.0)):
        b, s = params[i] * scale, se[i] * scale
        z = b / s if s > 0 else np.nan
        p = 2 * sps.t.sf(abs(z), df) if dispersion == "quasi" else 2 * sps.norm.sf(abs(z))
        with np.errstate(over="ignore"):
            out.append(
                {
                    "term": term,
                    "estimate": float(np.exp(b)),
                    "lower_95": float(np.exp(b - q * s)),
                    "upper_95": float(np.exp(b + q * s)),
                    "p_value": float(p),
                }
            )
    return out


def _autocorrelation(resid: np.ndarray) -> tuple[float, float]:
    n = len(resid)
    lags = min(12, n // 4)
    if lags < 1:
        return float("nan"), float("nan")
    lb = acorr_ljungbox(resid, lags=[lags], return_df=True)
    return float(durbin_watson(resid)), float(lb["lb_pvalue"].iloc[0])


def its(
    df: pd.DataFrame,
    time: str,
    intervention: str,
    by: str | None = None,
    reference: str | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
    dispersion: str = "poisson",
    seasonality: int = 0,
) -> pd.DataFrame:
    """Level and slope change at ``intervention`` ('YYYY-MM') for each group of
    ``by`` (and 'All' groups together), and for each group against ``reference``.
    ``time`` holds 'YYYY-MM' months. Other columns (e.g. measure) frame separate
    analyses. The multiplier only labels the rates; the ratios do not depend on it."""
    if dispersion not in DISPERSIONS:
        raise UserError(f"--dispersion '{dispersion}': expected poisson or quasi")
    if not 0 <= seasonality <= 6:
        raise UserError("--seasonality: expected 0 to 6 Fourier pairs")
    if time not in df.columns:
        raise UserError(f"no time column '{time}'")
    if by is not None and by not in df.columns:
        raise UserError(f"no column '{by}' in the table")
    if reference is not None and by is None:
        raise UserError("--reference needs --by")
    start = month_index(intervention, "--intervention")
    months = []
    for i, v in enumerate(df[time].tolist(), start=1):
        try:
            months.append(month_index(v, time))
        except UserError:
            raise UserError(f"row {i}, column '{time}': '{v}' is not a month YYYY-MM") from None
    if multiplier is None and "measure" in df.columns and df["measure"].isin(BY_NAME).all():
        mult = measure_settings(df, statistic or "rate", None)[1].to_numpy()
    else:
        mult = np.full(len(df), float(multiplier or 1.0))
    keys = frame_columns(df, [time, *([by] if by else [])])
    t_all = df.assign(_m=months, _mult=mult)
    rows: list[dict] = []
    for kv, part in iter_frames(t_all, keys):
        m = float(part["_mult"].iloc[0])
        rows.extend(
            {**kv, **r} for r in _frame(part, by, reference, start, dispersion, seasonality, m)
        )
    return pd.DataFrame(rows).reindex(columns=[*keys, *OUTPUT_COLUMNS])


def _series(part: pd.DataFrame) -> pd.DataFrame:
    s = part.groupby("_m")[["numerator", "denominator"]].sum().sort_index()
    return s[s["denominator"] > 0]


def _check(s: pd.DataFrame, start: int, n_params: int, name: str) -> str | None:
    pre = int((s.index < start).sum())
    post = int((s.index >= start).sum())
    if pre < 2 or post < 2:
        return f"needs at least 2 months before and 2 from the intervention ({name})"
    if len(s) < n_params:
        return f"too few months for the model ({name})"
    if s["numerator"].sum() == 0:
        return f"no events ({name})"
    return None


def _frame(part, by, reference, start, dispersion, seasonality, mult) -> list[dict]:
    first = int(part["_m"].min())
    n_params = 4 + 2 * seasonality
    series: dict[str, pd.DataFrame] = {}
    if by:
        for g, gp in part.groupby(by, sort=False):
            if str(g) not in UNKNOWN_GROUPS:
                series[str(g)] = _series(gp)
    series["All"] = _series(part)
    if not (part["_m"].min() < start <= part["_m"].max()):
        raise UserError(
            "--intervention: the month must fall after the first month of the table "
            "and no later than its last"
        )
    out = []
    for g, s in series.items():
        base = {"group": g, "model": "group", "reference": ""}
        problem = _check(s, start, n_params, g)
        if problem:
            out.append({**base, "term": "level_change", "note": problem})
            continue
        m = s.index.to_numpy()
        x = design(m, first, start, seasonality)
        params, se, df, phi, resid = _fit(
            s["numerator"].to_numpy(float), x, np.log(s["denominator"].to_numpy(float)), dispersion
        )
        dw, lb = _autocorrelation(resid) if df > 0 else (float("nan"), float("nan"))
        last = x[-1]
        counterfactual = last.copy()
        counterfactual[2:4] = 0.0  # no level or slope change
        extra = {
            "fitted_rate_end": float(np.exp(last @ params)) * mult,
            "counterfactual_rate_end": float(np.exp(counterfactual @ params)) * mult,
            "dispersion": phi,
            "durbin_watson": dw,
            "ljung_box_p": lb,
            "months_pre": int((m < start).sum()),
            "months_post": int((m >= start).sum()),
            "note": _note(dispersion, seasonality),
        }
        for r in _terms(params, se, df, dispersion, 2, 3):
            out.append({**base, **r, **extra})
    if by and reference is not None:
        if reference not in series:
            raise UserError(f"reference group '{reference}' is not in column '{by}'")
        ref = series[reference]
        for g, s in series.items():
            if g in (reference, "All"):
                continue
            base = {"group": g, "model": "gap", "reference": reference}
            j = s.join(ref, lsuffix="_g", rsuffix="_r", how="inner")
            problem = _check(j.rename(columns={"numerator_g": "numerator"}), start, n_params, g)
            if problem is None and j["numerator_r"].sum() == 0:
                problem = f"no events ({reference})"
            if problem:
                out.append({**base, "term": "level_change", "note": problem})
                continue
            m = j.index.to_numpy()
            xg = design(m, first, start, seasonality)
            core = xg[:, :4]
            season = xg[:, 4:]
            zeros = np.zeros_like(core)
            x = np.vstack(
                [
                    np.column_stack([core, core, season]),  # the group: g = 1
                    np.column_stack([core, zeros, season]),  # the reference: g = 0
                ]
            )
            y = np.concatenate([j["numerator_g"], j["numerator_r"]]).astype(float)
            off = np.log(np.concatenate([j["denominator_g"], j["denominator_r"]]).astype(float))
            params, se, df, phi, _resid = _fit(y, x, off, dispersion)
            extra = {
                "dispersion": phi,
                "months_pre": int((m < start).sum()),
                "months_post": int((m >= start).sum()),
                "note": "ratio of the group's rate to the reference's: "
                + _note(dispersion, seasonality),
            }
            for r in _terms(params, se, df, dispersion, 6, 7):
                out.append({**base, **r, **extra})
    return out


def _note(dispersion: str, seasonality: int) -> str:
    s = f"; {seasonality} Fourier pair(s)" if seasonality else ""
    d = (
        "quasi-Poisson (SE x sqrt(Pearson dispersion), t intervals)"
        if dispersion == "quasi"
        else ("Poisson")
    )
    return f"segmented {d} regression{s}; slope_change per year"
