"""Disclosure control for tables that are not numerator/denominator count
tables (data-quality counts, completeness): every named count column is released
through the policy's count rule, and statistics computed from a count below the
policy's minimum are withheld. Statistics are computed from the unrounded counts
before release (the NHS convention) and kept; the ``disclosure_policy`` column
names the policy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from matequity.disclosure.policy import ANALYST_ONLY, Policy


def release_columns(
    df: pd.DataFrame,
    policy: Policy | None,
    counts: Sequence[str],
    statistics: Sequence[str] = (),
    small: str | None = None,
) -> pd.DataFrame:
    """``df`` with ``counts`` released under ``policy`` and ``statistics``
    withheld (NaN) where column ``small`` is under the policy's minimum
    numerator. ``policy=None``: unchanged, marked analyst-only."""
    out = df.copy()
    if policy is None:
        out["disclosure_policy"] = ANALYST_ONLY
        return out
    raw_small = pd.to_numeric(out[small], errors="coerce").to_numpy(float) if small else None
    for c in counts:
        x = pd.to_numeric(out[c], errors="coerce").to_numpy(float)
        out[c] = pd.array(policy.count(x)).astype("Float64").round().astype("Int64")
    if raw_small is not None:
        hide = raw_small < policy.min_numerator_for_rate
        for c in statistics:
            out[c] = out[c].astype("float64")
            out.loc[np.asarray(hide), c] = np.nan
    out["disclosure_policy"] = policy.name
    return out
