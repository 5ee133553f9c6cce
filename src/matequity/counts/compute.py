"""Count tables: the interface between records and statistics.

A count table is tidy: ``period``, ``org_level``, ``org_code``, ``org_name``, one
column per breakdown, then ``measure``, ``numerator``, ``denominator``. Every
breakdown carries an explicit unknown group, so breakdowns always add up to the
totals. The sums run in the engine; only the small table comes back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matequity import vocabulary as vocab
from matequity.counts import tidy
from matequity.counts.tidy import COUNT_COLUMNS, CountRows, category_order
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.catalogue import MEASURES
from matequity.measures.definition import Measure

if TYPE_CHECKING:
    import pandas as pd

#: breakdown name -> derived column
BREAKDOWN_COLUMNS: dict[str, str] = {b.name: b.column for b in vocab.BREAKDOWNS}
PERIODS = vocab.PERIODS
ALL = vocab.ALL
#: the period of birth a period label is made from
_PERIOD_KEYS: dict[str, tuple[str, ...]] = {
    "year": ("year",),
    "quarter": ("year", "quarter"),
    "month": ("year", "month"),
    "all": (),
}

__all__ = [
    "ALL",
    "BREAKDOWN_COLUMNS",
    "COUNT_COLUMNS",
    "add_totals",
    "category_order",
    "count_rows",
    "count_table",
    "period_labels",
]


def _check(by: Sequence[str], level: str, period: str, grouping: str) -> None:
    for b in by:
        vocab.breakdown(b)
    vocab.level(level)
    if period not in PERIODS:
        raise UserError(f"unknown period '{period}': expected one of {', '.join(PERIODS)}")
    if grouping not in vocab.GROUPINGS:
        raise UserError(
            f"unknown grouping '{grouping}': expected one of {', '.join(vocab.GROUPINGS)}"
        )


def _column(breakdown: str, grouping: str) -> str:
    col = BREAKDOWN_COLUMNS[breakdown]
    return "ethnic_group_ons" if breakdown == "ethnic_group" and grouping == "ons" else col


def period_labels(df: pd.DataFrame, period: str) -> pd.Series:
    """:func:`tidy.period_label` of each row of a frame with the period-of-birth
    columns (``year``, and ``quarter`` or ``month``), made once per distinct period."""
    import pandas as pd

    keys = _PERIOD_KEYS[period]
    if not keys:
        return pd.Series("all", index=df.index)
    year = df["year"].astype("int64")
    part = df[keys[1]].astype("int64") if len(keys) > 1 else 0
    code = year * 100 + part
    labels = {
        int(c): tidy.period_label(period, int(c) // 100, int(c) % 100, int(c) % 100)
        for c in code.unique()
    }
    return code.map(labels).astype(object)


def count_rows(
    engine: Engine,
    measures: Sequence[Measure] = MEASURES,
    by: Sequence[str] = (),
    level: str = "england",
    period: str = "year",
    grouping: str = "msds",
    totals: bool = False,
    org_codes: Sequence[str] | None = None,
) -> CountRows:
    """Numerators and denominators of ``measures`` by ``by`` at ``level``/``period``:
    one GROUP BY per unit (babies, deliveries) over the derived store
    (:meth:`Engine.sums`), laid out by :mod:`matequity.counts.tidy`.
    ``org_codes`` keeps only those organisations of the level (filtered in the
    engine, before the aggregation)."""
    by = list(dict.fromkeys(by))
    _check(by, level, period, grouping)
    lv = vocab.level(level)
    code_col, name_col = lv.code_column, lv.name_column
    if org_codes is not None and not code_col:
        raise UserError(f"org_codes needs an organisation level, not '{level}'")
    period_keys = _PERIOD_KEYS[period]
    group = [
        *period_keys,
        *(c for c in (code_col, name_col) if c),
        *(_column(b, grouping) for b in by),
    ]
    n_period = len(period_keys)
    rows: list[tidy.Row] = []
    for unit in ("babies", "deliveries"):
        ms = [m for m in measures if m.unit == unit]
        if not ms:
            continue
        flags = list(
            {f.name: f for m in ms for f in (m.numerator_flag, m.denominator_flag)}.values()
        )
        within = (code_col, list(org_codes)) if org_codes is not None else None
        sums = engine.sums(f"{unit}_derived", group, flags, within=within)
        at = {f.name: len(group) + i for i, f in enumerate(flags)}
        lead = []
        for g in sums:
            keys = dict(zip(period_keys, g, strict=False))
            label = tidy.period_label(
                period, keys.get("year"), keys.get("quarter"), keys.get("month")
            )
            i = n_period
            code = g[i] if code_col else vocab.ENGLAND_CODE
            i += bool(code_col)
            name = g[i] if name_col else vocab.ENGLAND_NAME
            i += bool(name_col)
            org = (
                vocab.NOT_KNOWN_ORG if code is None else str(code),
                vocab.NOT_KNOWN_ORG if name is None else str(name),
            )
            lead.append(((label, level, *org, *g[i : i + len(by)]), g))
        for m in ms:
            num, den = at[m.numerator_flag.name], at[m.denominator_flag.name]
            rows.extend((*head, m.name, g[num], g[den]) for head, g in lead)
    cols = tidy.columns(by)
    rows = tidy.complete(cols, rows, by)
    if totals and by:
        rows = tidy.with_totals(cols, rows, by)
    return CountRows(columns=cols, rows=tidy.ordered(cols, rows, by, [m.name for m in measures]))


def count_table(
    engine: Engine,
    measures: Sequence[Measure] = MEASURES,
    by: Sequence[str] = (),
    level: str = "england",
    period: str = "year",
    grouping: str = "msds",
    totals: bool = False,
    org_codes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """:func:`count_rows` as a pandas frame (counts as int64)."""
    table = count_rows(
        engine,
        measures,
        by=by,
        level=level,
        period=period,
        grouping=grouping,
        totals=totals,
        org_codes=org_codes,
    )
    return frame(table)


def frame(table: CountRows) -> pd.DataFrame:
    """A :class:`CountRows` as a pandas frame: text as objects, counts as int64."""
    import pandas as pd

    df = pd.DataFrame(table.rows, columns=list(table.columns), dtype=object)
    for c in ("numerator", "denominator"):
        if c in df.columns:
            df[c] = df[c].astype("int64")
    return df


def add_totals(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """A count table frame with its margins (:func:`tidy.with_totals`), in its
    own column order."""
    from matequity.engine.base import plain

    cols = tidy.columns(by)
    rows = [tuple(plain(v) for v in r) for r in counts[list(cols)].itertuples(index=False)]
    out = frame(CountRows(columns=cols, rows=tidy.with_totals(cols, rows, by)))
    return out[list(counts.columns)]
