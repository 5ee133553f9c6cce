"""How far missing group coding could move each group's rate and each gap.

Worst-case (Manski) bounds: nothing is assumed about which group the babies with
unknown ethnicity (or deprivation) belong to. For group g with O_g events among
N_g, and O_u events among N_u babies whose group is unknown, the true rate of g
lies between

* lower: every unknown baby *without* the event belongs to g, none with it:
  O_g / (N_g + N_u - O_u);
* upper: every unknown baby *with* the event belongs to g, none without it:
  (O_g + O_u) / (N_g + O_u).

(Manski C F. Partial Identification of Probability Distributions. Springer,
2003, ch. 1; applied to missing ethnicity coding as in Horowitz & Manski 1998,
J Econometrics 84:37.) The gap and ratio against the reference group are given
as outer bounds, combining the extremes of both groups independently
([L_g - U_r, U_g - L_r] and [L_g / U_r, U_g / L_r]); they are valid but not
sharp, because one unknown baby cannot be in both groups at once. The rate of
the unknown group itself is reported beside the known groups.

Works on count tables only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.model import deprivation, ethnicity
from matequity.stats.frames import measure_settings

#: labels of babies whose group is not recorded
UNRECORDED: frozenset[str] = frozenset(
    {ethnicity.NOT_STATED, ethnicity.NOT_KNOWN, ethnicity.MISSING, deprivation.NOT_KNOWN}
)
UNKNOWN_LABEL = "Unknown (not stated, not known or missing)"


def _div(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b > 0, a / b, np.nan)


def bounds(
    counts: pd.DataFrame,
    group: str,
    reference: str,
    keys: Sequence[str] = ("org_level", "org_code", "period", "measure"),
) -> pd.DataFrame:
    """Per ``keys`` x group: rate, bounds, and gap/ratio bounds against ``reference``.

    ``counts`` has ``keys``, ``group``, ``numerator``, ``denominator`` (no totals
    rows). Rates are per the measure's multiplier.
    """
    keys = list(keys)
    df = counts[counts[group] != "All"].copy()
    unknown = df[group].isin(UNRECORDED)
    u = df[unknown].groupby(keys, as_index=False)[["numerator", "denominator"]].sum()
    u = u.rename(columns={"numerator": "unknown_numerator", "denominator": "unknown_denominator"})
    known = df[~unknown].merge(u, on=keys, how="left")
    known[["unknown_numerator", "unknown_denominator"]] = (
        known[["unknown_numerator", "unknown_denominator"]].fillna(0).astype("int64")
    )
    unk_rows = u.rename(
        columns={"unknown_numerator": "numerator", "unknown_denominator": "denominator"}
    ).assign(**{group: UNKNOWN_LABEL})
    unk_rows["unknown_numerator"] = unk_rows["numerator"]
    unk_rows["unknown_denominator"] = unk_rows["denominator"]
    out = pd.concat([known, unk_rows], ignore_index=True)
    _stat, mult, _better = measure_settings(out, None, None)
    o, n = out["numerator"].to_numpy(float), out["denominator"].to_numpy(float)
    ou, nu = out["unknown_numerator"].to_numpy(float), out["unknown_denominator"].to_numpy(float)
    is_unknown = (out[group] == UNKNOWN_LABEL).to_numpy()
    m = mult.to_numpy(float)
    out["rate"] = _div(o, n) * m
    out["rate_lower_bound"] = np.where(is_unknown, out["rate"], _div(o, n + nu - ou) * m)
    out["rate_upper_bound"] = np.where(is_unknown, out["rate"], _div(o + ou, n + ou) * m)
    out["unknown_share_percent"] = _div(nu, np.where(is_unknown, nu, n + nu)) * 100
    ref = out[out[group] == reference][
        [*keys, "rate", "rate_lower_bound", "rate_upper_bound"]
    ].rename(columns={"rate": "_r", "rate_lower_bound": "_rl", "rate_upper_bound": "_ru"})
    out = out.merge(ref, on=keys, how="left")
    out["reference_group"] = reference
    out["gap"] = out["rate"] - out["_r"]
    out["gap_lower_bound"] = out["rate_lower_bound"] - out["_ru"]
    out["gap_upper_bound"] = out["rate_upper_bound"] - out["_rl"]
    out["ratio"] = _div(out["rate"], out["_r"])
    out["ratio_lower_bound"] = _div(out["rate_lower_bound"], out["_ru"])
    out["ratio_upper_bound"] = _div(out["rate_upper_bound"], out["_rl"])
    unknown_rows = out[group] == UNKNOWN_LABEL
    cols = ["gap_lower_bound", "gap_upper_bound", "ratio_lower_bound", "ratio_upper_bound"]
    out.loc[unknown_rows, cols] = np.nan
    out = out.drop(columns=["_r", "_rl", "_ru"])
    return out.sort_values([*keys, group], kind="stable").reset_index(drop=True)
