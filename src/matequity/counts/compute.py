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

from matequity.engine import derive
from matequity.engine.backend import Engine
from matequity.errors import UserError
from matequity.measures.catalogue import MEASURES
from matequity.measures.definition import Measure
from matequity.model import age, baby, deprivation
from matequity.model.ethnicity import ETHNIC_CATEGORY_LABELS, GROUPINGS, MISSING

#: breakdown name -> derived column
BREAKDOWN_COLUMNS: dict[str, str] = {
    "ethnic_group": "ethnic_group",
    "ethnic_category": "ethnic_category_label",
    "imd_decile": "imd_decile_label",
    "imd_quintile": "imd_quintile",
    "age_band": "age_band",
    "baby_sex": "baby_sex",
    "multiplicity": "multiplicity",
    "gestation_band": "gestation_band",
}
PERIODS = ("year", "quarter", "month", "all")
ALL = "All"
COUNT_COLUMNS = ("measure", "numerator", "denominator")


def category_order(breakdown: str) -> list[str]:
    return {
        "ethnic_group": list(GROUPINGS["msds"].order),
        "ethnic_category": [*ETHNIC_CATEGORY_LABELS.values(), MISSING],
        "imd_decile": list(deprivation.DECILE_ORDER),
        "imd_quintile": list(deprivation.QUINTILE_ORDER),
        "age_band": list(age.AGE_BAND_ORDER),
        "baby_sex": list(baby.SEX_ORDER),
        "multiplicity": list(baby.MULTIPLICITY_ORDER),
        "gestation_band": list(baby.GESTATION_ORDER),
    }[breakdown]


def _check(by: Sequence[str], level: str, period: str) -> None:
    for b in by:
        if b not in BREAKDOWN_COLUMNS:
            raise UserError(
                f"unknown breakdown '{b}': expected one of {', '.join(BREAKDOWN_COLUMNS)}"
            )
    if level not in derive.LEVELS:
        raise UserError(f"unknown level '{level}': expected one of {', '.join(derive.LEVELS)}")
    if period not in PERIODS:
        raise UserError(f"unknown period '{period}': expected one of {', '.join(PERIODS)}")


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
    """Numerators and denominators of ``measures`` by ``by`` at ``level``/``period``;
    ``org_codes`` keeps only those organisations of the level (filtered in the
    engine, before the aggregation)."""
    by = list(dict.fromkeys(by))
    _check(by, level, period)
    code_col, name_col = derive.LEVELS[level]
    if org_codes is not None and not code_col:
        raise UserError(f"org_codes needs an organisation level, not '{level}'")
    babies = derive.babies_derived(
        engine.table("babies"),
        engine.table("organisations"),
        engine.table("imd_lookup"),
        grouping=grouping,
    )
    units = {"babies": babies}
    if any(m.unit == "deliveries" for m in measures):
        # a delivery takes its first baby's site: derive it from every baby, then filter
        units["deliveries"] = derive.deliveries_derived(babies)
    if org_codes is not None:
        units = {u: t.filter(t[code_col].isin(list(org_codes))) for u, t in units.items()}
    frames = []
    for unit, t in units.items():
        ms = [m for m in measures if m.unit == unit]
        if not ms:
            continue
        keys = {
            "period": derive.period_label(t.birth_date, period),
            "org_code": t[code_col] if code_col else ibis.literal(derive.ENGLAND_CODE),
            "org_name": t[name_col] if name_col else ibis.literal(derive.ENGLAND_NAME),
            **{b: t[BREAKDOWN_COLUMNS[b]] for b in by},
        }
        flags = sorted({f for m in ms for f in (m.numerator, m.denominator)})
        agg = t.group_by(**keys).aggregate(**{f: t[f].sum() for f in flags})
        wide = engine.execute(agg)
        for m in ms:
            part = wide[["period", "org_code", "org_name", *by]].copy()
            part["measure"] = m.name
            part["numerator"] = wide[m.numerator].fillna(0).astype("int64")
            part["denominator"] = wide[m.denominator].fillna(0).astype("int64")
            frames.append(part)
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "org_level", level)
    out["org_code"] = out["org_code"].fillna("Not known").astype(str)
    out["org_name"] = out["org_name"].fillna("Not known").astype(str)
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
