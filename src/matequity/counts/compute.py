"""Count tables: the interface between records and statistics.

A count table is tidy: ``period``, ``org_level``, ``org_code``, ``org_name``, one
column per breakdown, then ``measure``, ``numerator``, ``denominator``. Every
breakdown carries an explicit unknown group, so breakdowns always add up to the
totals. The sums run in the engine; only the small table comes back.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import ibis
import pandas as pd

from matequity import vocabulary as vocab
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.catalogue import MEASURES
from matequity.measures.definition import Measure

#: breakdown name -> derived column
BREAKDOWN_COLUMNS: dict[str, str] = {b.name: b.column for b in vocab.BREAKDOWNS}
PERIODS = vocab.PERIODS
ALL = vocab.ALL
COUNT_COLUMNS = ("measure", "numerator", "denominator")
#: the period of birth a period label is made from
_PERIOD_KEYS: dict[str, tuple[str, ...]] = {
    "year": ("year",),
    "quarter": ("year", "quarter"),
    "month": ("year", "month"),
    "all": (),
}


def category_order(breakdown: str) -> list[str]:
    return list(vocab.breakdown(breakdown).order)


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
    """'2024', '2024 Q1', '2024-01' or 'all', from the period-of-birth keys."""
    if period == "all":
        return pd.Series("all", index=df.index)
    y = df["year"].astype("int64").astype(str)
    if period == "year":
        return y
    if period == "quarter":
        return y + " Q" + df["quarter"].astype("int64").astype(str)
    return y + "-" + df["month"].astype("int64").astype(str).str.zfill(2)


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
    """Numerators and denominators of ``measures`` by ``by`` at ``level``/``period``:
    one GROUP BY per unit (babies, deliveries) over the derived store.
    ``org_codes`` keeps only those organisations of the level (filtered in the
    engine, before the aggregation)."""
    by = list(dict.fromkeys(by))
    _check(by, level, period, grouping)
    lv = vocab.level(level)
    code_col, name_col = lv.code_column, lv.name_column
    if org_codes is not None and not code_col:
        raise UserError(f"org_codes needs an organisation level, not '{level}'")
    frames = []
    for unit in ("babies", "deliveries"):
        ms = [m for m in measures if m.unit == unit]
        if not ms:
            continue
        t = engine.table(f"{unit}_derived")
        if org_codes is not None:
            t = t.filter(t[code_col].isin(list(org_codes)))
        keys = {
            **{k: t[k] for k in _PERIOD_KEYS[period]},
            "org_code": t[code_col] if code_col else ibis.literal(vocab.ENGLAND_CODE),
            "org_name": t[name_col] if name_col else ibis.literal(vocab.ENGLAND_NAME),
            **{b: t[_column(b, grouping)] for b in by},
        }
        flags = {f.name: f for m in ms for f in (m.numerator_flag, m.denominator_flag)}
        agg = t.group_by(**keys).aggregate(**{n: f.value(t).sum() for n, f in flags.items()})
        wide = engine.execute(agg)
        labels = period_labels(wide, period)
        for m in ms:
            part = wide[["org_code", "org_name", *by]].copy()
            part.insert(0, "period", labels)
            part["measure"] = m.name
            part["numerator"] = wide[m.numerator_flag.name].fillna(0).astype("int64")
            part["denominator"] = wide[m.denominator_flag.name].fillna(0).astype("int64")
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "org_level", level)
    out["org_code"] = out["org_code"].fillna(vocab.NOT_KNOWN_ORG).astype(str)
    out["org_name"] = out["org_name"].fillna(vocab.NOT_KNOWN_ORG).astype(str)
    out["period"] = out["period"].astype(str)
    out = complete_categories(out, by)
    if totals and by:
        out = add_totals(out, by)
    return sort_counts(out, by, [m.name for m in measures])


def complete_categories(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Give every (period, organisation, measure) a row for every category of each
    breakdown, with zero counts where nobody fell in it, so that a group with no
    events reads 0 rather than vanishing."""
    if not by or counts.empty:
        return counts
    keys = ["period", "org_level", "org_code", "org_name", "measure"]
    base = counts[keys].drop_duplicates()
    grid = base
    for b in by:
        cats = list(dict.fromkeys([*category_order(b), *counts[b].dropna().unique()]))
        grid = grid.merge(pd.DataFrame({b: cats}), how="cross")
    out = grid.merge(counts, on=[*keys, *by], how="left")
    out[["numerator", "denominator"]] = out[["numerator", "denominator"]].fillna(0).astype("int64")
    return out[counts.columns]


def add_totals(counts: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Append margins: for every non-empty subset of ``by``, rows with that
    subset set to 'All' (sums of counts, so they reconcile by construction)."""
    keys = ["period", "org_level", "org_code", "org_name", "measure"]
    parts = [counts]
    for r in range(1, len(by) + 1):
        for subset in itertools.combinations(by, r):
            rest = [b for b in by if b not in subset]
            g = (
                counts.groupby(keys + rest, dropna=False, sort=False)[["numerator", "denominator"]]
                .sum()
                .reset_index()
            )
            for s in subset:
                g[s] = ALL
            parts.append(g[counts.columns])
    return pd.concat(parts, ignore_index=True)


def sort_counts(
    counts: pd.DataFrame, by: Sequence[str], measure_order: Sequence[str]
) -> pd.DataFrame:
    df = counts.copy()
    sort_keys = ["_m", "period", "org_code"]
    df["_m"] = df["measure"].map({m: i for i, m in enumerate(measure_order)}).fillna(999)
    for b in by:
        order = {v: i for i, v in enumerate([*category_order(b), ALL])}
        df[f"_o_{b}"] = df[b].map(order).fillna(998)
        sort_keys.append(f"_o_{b}")
    df = df.sort_values(sort_keys, kind="stable").drop(columns=[c for c in df if c.startswith("_")])
    cols = ["period", "org_level", "org_code", "org_name", *by, *COUNT_COLUMNS]
    return df[cols].reset_index(drop=True)
