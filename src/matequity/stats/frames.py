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


#: the multiplier when a statistic is given without one and the table's measures do
#: not set it: per 100 (a percentage) for a proportion, per 1,000 for a rate (the
#: perinatal convention: MBRRACE-UK and ONS give stillbirth and neonatal mortality per
#: 1,000 births), 1 for a ratio of observed to expected (an SMR-style ratio)
DEFAULT_MULTIPLIERS: dict[str, float] = {"proportion": 100.0, "rate": 1000.0, "ratio": 1.0}
#: breakdowns whose groups are ordered (a social gradient): the inequality verb
#: summarises them with SII/RII unless told otherwise
ORDERED_BREAKDOWNS: frozenset[str] = frozenset({"imd_decile", "imd_quintile"})


def measure_settings(
    df: pd.DataFrame,
    statistic: str | None,
    multiplier: float | None,
    higher_is_better: bool | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per-row statistic, multiplier and polarity: from the options when given,
    else from each row's built-in measure. A statistic given without a
    multiplier takes the measure's multiplier when the measure is of that
    statistic, else :data:`DEFAULT_MULTIPLIERS` (a ratio is always x 1)."""
    n = len(df)
    idx = df.index
    known = "measure" in df.columns and df["measure"].isin(BY_NAME).all()
    if statistic is None and not known:
        raise UserError(
            "the table's measures are not built in: give --statistic (proportion, rate or "
            "ratio); --multiplier then defaults to 100, 1,000 or 1"
        )
    if statistic is not None and statistic not in DEFAULT_MULTIPLIERS:
        raise UserError(f"unknown statistic '{statistic}': expected proportion, rate or ratio")
    if multiplier is not None and not multiplier > 0:
        raise UserError(f"--multiplier {multiplier:g}: expected a number > 0")
    stat = (
        pd.Series([statistic] * n, index=idx)
        if statistic
        else df["measure"].map(lambda m: BY_NAME[m].statistic)
    )
    if multiplier is not None:
        mult = pd.Series([float(multiplier)] * n, index=idx)
    elif known and statistic != "ratio":
        mult = pd.Series(
            [
                float(BY_NAME[m].multiplier)
                if BY_NAME[m].statistic == s
                else DEFAULT_MULTIPLIERS[s]
                for m, s in zip(df["measure"], stat, strict=True)
            ],
            index=idx,
            dtype=float,
        )
    else:
        mult = stat.map(DEFAULT_MULTIPLIERS).astype(float)
    if higher_is_better is not None:
        better = pd.Series([higher_is_better] * n, index=idx)
    elif known:
        better = df["measure"].map(lambda m: BY_NAME[m].higher_is_better)
    else:
        better = pd.Series([False] * n, index=idx)
    return stat, mult, better


def single_setting(
    df: pd.DataFrame, statistic: str | None, multiplier: float | None
) -> tuple[str, float]:
    """One statistic and multiplier for a whole table (a funnel plots one
    measure): as :func:`measure_settings`, and an error if rows differ."""
    stat, mult, _ = measure_settings(df, statistic, multiplier)
    pairs = set(zip(stat, mult, strict=True))
    if len(pairs) != 1:
        raise UserError(
            "the table holds more than one measure: keep one (e.g. filter on 'measure') "
            "or give --statistic and --multiplier"
        )
    s, m = pairs.pop()
    return str(s), float(m)


def ordered_breakdown(by: str, ordered: bool | None) -> bool:
    """Whether ``by`` is summarised as an ordered dimension: as told, else
    True for the deprivation breakdowns (:data:`ORDERED_BREAKDOWNS`)."""
    return by in ORDERED_BREAKDOWNS if ordered is None else ordered


def iter_frames(df: pd.DataFrame, keys: Sequence[str]):
    """Yield (key values as a dict, rows) for each comparison; one frame if no keys."""
    if not keys:
        yield {}, df
        return
    for key, part in df.groupby(list(keys), sort=False, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        yield dict(zip(keys, values, strict=True)), part
