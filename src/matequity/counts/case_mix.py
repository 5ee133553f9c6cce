"""Case-mix count tables from the store: organisation x case-mix cells, one GROUP BY.

The input of stabilised & adjusted rates (:mod:`matequity.stats.stabilised`): for
one measure, the events and the population of every observed combination of an
organisation and the case-mix categories, summed in the engine. Unlike
:func:`matequity.counts.compute.count_table` the cells are *not* completed with
zeros (a full grid of six case-mix variables would be tens of thousands of empty
cells per trust; an empty cell adds nothing to a likelihood).

Case mix by default (MBRRACE-UK, perinatal mortality surveillance: mother's age,
deprivation and ethnicity, baby's sex and multiple birth; neonatal deaths also
gestation at birth; shared/reference/moss_mbrrace.md §2.3): ``age_band``,
``imd_quintile``, ``ethnic_group``, ``baby_sex``, ``multiplicity``, plus
``gestation_band`` for neonatal mortality. Maternal measures (counted per delivery)
use the mother's characteristics and multiple birth only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity import vocabulary as vocab
from matequity.counts.compute import BREAKDOWN_COLUMNS
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.measures.definition import Measure

MOTHER_CASE_MIX: tuple[str, ...] = ("age_band", "imd_quintile", "ethnic_group")
BABY_CASE_MIX: tuple[str, ...] = (*MOTHER_CASE_MIX, "baby_sex", "multiplicity")
#: measures adjusted for gestation at birth as well (MBRRACE-UK: neonatal deaths)
GESTATION_ADJUSTED: frozenset[str] = frozenset({"neonatal_mortality"})


def measure_named(name: str | Measure) -> Measure:
    if isinstance(name, Measure):
        return name
    try:
        return BY_NAME[name]
    except KeyError:
        raise UserError(f"unknown measure '{name}': expected one of {', '.join(BY_NAME)}") from None


def default_case_mix(measure: Measure) -> tuple[str, ...]:
    """The MBRRACE-UK case mix for ``measure``."""
    if measure.unit == "deliveries":
        return (*MOTHER_CASE_MIX, "multiplicity")
    if measure.name in GESTATION_ADJUSTED:
        return (*BABY_CASE_MIX, "gestation_band")
    return BABY_CASE_MIX


def case_mix_counts(
    engine: Engine,
    measure: str | Measure,
    case_mix: Sequence[str] | None = None,
    years: tuple[int, int] | None = None,
    level: str = "trust",
    grouping: str = "msds",
) -> pd.DataFrame:
    """Columns ``org_code, org_name, <case mix...>, numerator, denominator, births``:
    one row per organisation x case-mix cell with a non-zero population, for births
    in ``years`` (inclusive; all years when None). ``births``: total births (from 24
    weeks), or maternities for maternal measures, in the cell (for the comparator
    groups). One aggregation in the engine."""
    m = measure_named(measure)
    mix = list(dict.fromkeys(case_mix if case_mix is not None else default_case_mix(m)))
    for c in mix:
        if c not in BREAKDOWN_COLUMNS:
            raise UserError(
                f"unknown case-mix column '{c}': expected one of {', '.join(BREAKDOWN_COLUMNS)}"
            )
    if level not in ("trust", "site"):
        raise UserError(f"level '{level}': stabilised rates are for trusts or sites")
    lv = vocab.level(level)
    code_col, name_col = lv.code_column, lv.name_column
    assert code_col and name_col
    t = engine.table(f"{m.unit}_derived")
    size = "maternity" if m.unit == "deliveries" else "total_birth"
    if years is not None:
        t = t.filter(t.year.between(int(years[0]), int(years[1])))
    eth = "ethnic_group_ons" if grouping == "ons" else "ethnic_group"
    keys = {
        "org_code": t[code_col],
        "org_name": t[name_col],
        **{c: t[eth if c == "ethnic_group" else BREAKDOWN_COLUMNS[c]] for c in mix},
    }
    agg = t.group_by(**keys).aggregate(
        numerator=m.numerator_flag.value(t).sum(),
        denominator=m.denominator_flag.value(t).sum(),
        births=t[size].sum(),
    )
    agg = agg.filter(agg.denominator > 0)
    out = engine.execute(agg)
    for c in ("numerator", "denominator", "births"):
        out[c] = out[c].fillna(0).astype("int64")
    out["org_code"] = out["org_code"].fillna("Not known").astype(str)
    out["org_name"] = out["org_name"].fillna("Not known").astype(str)
    return out.sort_values(["org_code", *mix], kind="stable").reset_index(drop=True)


def birth_years(engine: Engine, years: tuple[int, int] | None = None) -> list[int]:
    """The years of birth present in the store (within ``years``)."""
    b = engine.table("babies_derived")
    q = b.filter(b.year.between(int(years[0]), int(years[1]))) if years else b
    df = engine.execute(q.select("year").distinct())
    return sorted(int(v) for v in df["year"].dropna())
