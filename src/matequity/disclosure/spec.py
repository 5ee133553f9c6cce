"""What a published table holds, declared: its breakdowns (whose 'All' rows are
margins), its counts, and which derived columns come from which counts.

A derived column is recomputed by :func:`matequity.disclosure.release.release`
from the *released* counts of the rows it depends on (the row's own, or the row's
and its reference row's), never copied from the unrounded table: so no report or
analysis has to withhold ratios or excess events itself. A column the spec does
not name, that is not a key and holds non-integer numbers, is refused: the
disclosure layer cannot release what it does not know how to derive.

* :class:`Rates`: ``value``, ``lower_L``/``upper_L`` per level and ``method`` from
  the row's own numerator and denominator (:func:`matequity.stats.rates.add_rates`).
* :class:`Comparison`: ratio, difference, expected events and excess events
  against a reference group (:func:`matequity.stats.compare.compare`) from the
  row's counts and the reference row's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matequity.counts.compute import ALL
from matequity.errors import UserError

#: columns that identify a cell in every count table (with the breakdowns)
KEY_COLUMNS = ("measure", "period", "org_level", "org_code")
#: labels that travel with a cell but are not part of its identity
LABEL_COLUMNS = ("org_name",)
COUNT_COLUMNS = ("numerator", "denominator")
#: text columns the release writes or recomputes (not keys)
META_COLUMNS = ("method", "suppressed", "disclosure_policy", "reliability", "reference")
COMPARISON_COLUMNS = (
    "ref_value",
    "ratio",
    "ratio_lower_95",
    "ratio_upper_95",
    "difference",
    "difference_lower_95",
    "difference_upper_95",
    "expected_at_reference",
    "excess_events",
    "excess_share",
)
#: decimal places of released comparison columns (rates and differences take the
#: policy's rate decimals)
COMPARISON_DECIMALS = {
    "ratio": 2,
    "ratio_lower_95": 2,
    "ratio_upper_95": 2,
    "expected_at_reference": 1,
    "excess_events": 1,
    "excess_share": 3,
}


@dataclass(frozen=True)
class Rates:
    """Rate (or proportion) and its limits, from the row's own counts."""

    levels: tuple[str, ...] = ("95",)
    source: str = "the row's own numerator and denominator"

    def columns(self) -> tuple[str, ...]:
        limits = [c for lv in self.levels for c in (f"lower_{lv}", f"upper_{lv}")]
        return ("value", *limits, "method")


@dataclass(frozen=True)
class Comparison:
    """Each group against ``reference`` (a group of ``by`` or 'best'), from the
    row's counts and the reference row's."""

    by: str
    reference: str = "best"
    min_events: int = 10
    source: str = "the row's counts and its reference row's"

    def columns(self) -> tuple[str, ...]:
        return ("reference", *COMPARISON_COLUMNS)


Derived = Rates | Comparison


@dataclass(frozen=True)
class TableSpec:
    """A published table: ``by`` are its breakdown columns ('All' rows are margins),
    ``derived`` its derived columns; ``statistic``/``multiplier`` for measures that
    are not built in."""

    by: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()
    statistic: str | None = None
    multiplier: float | None = None

    @property
    def rates(self) -> Rates | None:
        return next((d for d in self.derived if isinstance(d, Rates)), None)

    @property
    def comparison(self) -> Comparison | None:
        return next((d for d in self.derived if isinstance(d, Comparison)), None)

    def derived_columns(self) -> tuple[str, ...]:
        return tuple(c for d in self.derived for c in d.columns())


def is_limit(column: str) -> bool:
    return column.startswith(("lower_", "upper_"))


def _numbers(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", np.nan), errors="coerce")


def looks_numeric(s: pd.Series) -> bool:
    """True for a float column, or a text column of numbers with a fraction."""
    if pd.api.types.is_bool_dtype(s):
        return False
    if pd.api.types.is_float_dtype(s):
        return True
    if pd.api.types.is_integer_dtype(s):
        return False
    text = s.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return False
    num = pd.to_numeric(text, errors="coerce")
    return bool(num.notna().all() and (num != np.round(num)).any())


def infer_spec(
    df: pd.DataFrame,
    by: Sequence[str] | None = None,
    statistic: str | None = None,
    multiplier: float | None = None,
) -> TableSpec:
    """The spec of a table from its columns: ``by`` given, else every text column
    holding 'All'; rates when it has ``value`` or limits; a comparison when it has
    comparison columns and a ``reference`` column."""
    if by is None:
        by = [
            c
            for c in df.columns
            if c not in (*COUNT_COLUMNS, *META_COLUMNS) and (df[c].astype(str) == ALL).any()
        ]
    derived: list[Derived] = []
    levels = tuple(c.removeprefix("lower_") for c in df.columns if c.startswith("lower_"))
    if "value" in df.columns or levels:
        derived.append(Rates(levels=levels or ("95",)))
    if any(c in df.columns for c in COMPARISON_COLUMNS):
        derived.append(_comparison(df))
    return TableSpec(tuple(by), tuple(derived), statistic, multiplier)


def _comparison(df: pd.DataFrame) -> Comparison:
    if "reference" not in df.columns:
        raise UserError(
            "the table has comparison columns (ratio, excess_events, ...) but no 'reference' "
            "column naming the reference group: disclosure control cannot rederive them"
        )
    refs = df["reference"].dropna().astype(str)
    refs = refs[refs != ""].unique()
    if len(refs) == 0:
        raise UserError("the 'reference' column is empty: no comparison to rederive")
    label = str(refs[0]) if len(refs) == 1 else "best"
    cols = [
        c
        for c in df.columns
        if c not in (*KEY_COLUMNS, *LABEL_COLUMNS, *COUNT_COLUMNS, *META_COLUMNS)
        and df[c].astype(str).isin(set(map(str, refs))).any()
    ]
    if len(cols) != 1:
        raise UserError(
            "cannot tell which column holds the groups compared with "
            f"'{refs[0]}': found {', '.join(cols) or 'none'}"
        )
    return Comparison(by=cols[0], reference=label)


def identity_columns(df: pd.DataFrame, spec: TableSpec) -> list[str]:
    """The columns that identify a cell of ``df``: keys and breakdowns."""
    derived = set(spec.derived_columns())
    out = []
    for c in df.columns:
        if c in COUNT_COLUMNS or c in META_COLUMNS or c in LABEL_COLUMNS or c in derived:
            continue
        if is_limit(c) or c == "value" or c in COMPARISON_COLUMNS:
            continue
        out.append(c)
    return out


def check_columns(df: pd.DataFrame, spec: TableSpec) -> None:
    """Refuse a table with a statistic column the spec does not declare, or
    without a breakdown column the spec names."""
    for b in spec.by:
        if b not in df.columns:
            raise UserError(
                f"breakdown column '{b}' is not in the table (columns: {', '.join(df.columns)})"
            )
    derived = set(spec.derived_columns())
    for c in df.columns:
        if c in COUNT_COLUMNS or c in META_COLUMNS or c in LABEL_COLUMNS or c in spec.by:
            continue
        known_stat = c == "value" or is_limit(c) or c in COMPARISON_COLUMNS
        if known_stat and c not in derived:
            raise UserError(
                f"column '{c}' is a statistic the table's disclosure spec does not declare: "
                "declare it (Rates or Comparison) so that it is rederived from released counts"
            )
        if not known_stat and c not in KEY_COLUMNS and looks_numeric(df[c]):
            raise UserError(
                f"column '{c}' holds numbers that are neither counts nor a statistic "
                "matequity derives from released counts; it cannot be released: drop it, "
                "or compute it from the released table"
            )
