"""Helpers shared by the statistics on count tables: which columns frame a
comparison, which groups are unknowns, and the per-row statistic of a measure."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.model import age, deprivation, ethnicity

#: group labels that mean "not recorded": never a reference group, excluded from
#: inequality summaries (their rates are reported beside the known groups)
UNKNOWN_GROUPS: frozenset[str] = frozenset(
    {
        ethnicity.NOT_STATED,
        ethnicity.NOT_KNOWN,
        ethnicity.MISSING,
        deprivation.NOT_KNOWN,
        age.NOT_KNOWN,
        age.OUTSIDE,
        "All",
    }
)
RESULT_COLUMNS = frozenset(
    {
        "numerator",
        "denominator",
        "observed",
        "expected",
        "value",
        "method",
    }
)


def frame_columns(df: pd.DataFrame, by: str | Sequence[str]) -> list[str]:
    """The columns that identify one comparison: everything except the group
    column(s), the counts and any statistics already added."""
    by_cols = [by] if isinstance(by, str) else list(by)
    for b in by_cols:
        if b not in df.columns:
            raise UserError(f"no column '{b}' in the table (columns: {', '.join(df.columns)})")
    return [
        c
        for c in df.columns
        if c not in by_cols and c not in RESULT_COLUMNS and not c.startswith(("lower_", "upper_"))
    ]


def measure_settings(
    df: pd.DataFrame,
    statistic: str | None,
    multiplier: float | None,
    higher_is_better: bool | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per-row statistic, multiplier and polarity: from the options when given,
    else from each row's built-in measure."""
    n = len(df)
    idx = df.index
    if statistic is None or multiplier is None or higher_is_better is None:
        known = "measure" in df.columns and df["measure"].isin(BY_NAME).all()
        if not known and (statistic is None or multiplier is None):
            raise UserError(
                "the table's measures are not built in: give --statistic and --multiplier"
            )
    stat = (
        pd.Series([statistic] * n, index=idx)
        if statistic
        else df["measure"].map(lambda m: BY_NAME[m].statistic)
    )
    mult = (
        pd.Series([float(multiplier)] * n, index=idx)
        if multiplier
        else df["measure"].map(lambda m: float(BY_NAME[m].multiplier))
    )
    if higher_is_better is not None:
        better = pd.Series([higher_is_better] * n, index=idx)
    elif "measure" in df.columns and df["measure"].isin(BY_NAME).all():
        better = df["measure"].map(lambda m: BY_NAME[m].higher_is_better)
    else:
        better = pd.Series([False] * n, index=idx)
    return stat, mult, better


def iter_frames(df: pd.DataFrame, keys: Sequence[str]):
    """Yield (key values as a dict, rows) for each comparison; one frame if no keys."""
    if not keys:
        yield {}, df
        return
    for key, part in df.groupby(list(keys), sort=False, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        yield dict(zip(keys, values, strict=True)), part
