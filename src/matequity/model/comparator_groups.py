"""Neonatal unit levels and the MBRRACE-UK comparator groups of trusts.

MBRRACE-UK compares each trust's stabilised & adjusted mortality with trusts of the
same comparator group, "based on the highest level of complex neonatal care
provision, and for those organisations which do not provide high level complex
neonatal care ... on the number of women who deliver each year" (NDPH news on the
2013 report; HQIP NCAB: five groups). The five groups (MBRRACE-UK 2018 births, as
transcribed in ThomUK/MSDSpipeline ``data-raw/MBRRACE_groups_2018.csv``): level 3
NICU with neonatal surgery; level 3 NICU; 4,000 or more births a year; 2,000-3,999;
under 2,000.

The organisations table's optional ``neonatal_unit_level`` gives each site's unit:
``NICU_surgical`` (level 3 neonatal intensive care with neonatal surgery on site),
``NICU`` (level 3), ``LNU`` (local neonatal unit, level 2), ``SCU`` (special care
unit, level 1), blank when not known or no unit. A trust takes its highest level.
Births per year here are total births (stillbirths and live births from 24 weeks)
divided by the years counted: MBRRACE-UK counts women delivering, about 1.5% fewer
(twins), which can move a trust within a few dozen births of a boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: level code -> description, highest first
NEONATAL_UNIT_LEVELS: dict[str, str] = {
    "NICU_surgical": "Level 3 neonatal intensive care unit with neonatal surgery",
    "NICU": "Level 3 neonatal intensive care unit",
    "LNU": "Local neonatal unit (level 2)",
    "SCU": "Special care unit (level 1)",
}
_RANK = {code: i for i, code in enumerate(reversed(NEONATAL_UNIT_LEVELS))}
_BY_UPPER = {code.upper(): code for code in NEONATAL_UNIT_LEVELS}


@dataclass(frozen=True)
class ComparatorGroup:
    number: int
    label: str
    rule: str


COMPARATOR_GROUPS: tuple[ComparatorGroup, ...] = (
    ComparatorGroup(1, "Level 3 NICU & neonatal surgery", "a site with level NICU_surgical"),
    ComparatorGroup(2, "Level 3 NICU", "a site with level NICU (no surgical NICU)"),
    ComparatorGroup(3, "4,000 or more births a year", "no NICU; 4,000 or more births a year"),
    ComparatorGroup(4, "2,000-3,999 births a year", "no NICU; 2,000 to 3,999 births a year"),
    ComparatorGroup(5, "Under 2,000 births a year", "no NICU; under 2,000 births a year"),
)
GROUP_ORDER: tuple[str, ...] = tuple(g.label for g in COMPARATOR_GROUPS)


def normalise_level(value: object) -> str | None:
    """The level code for ``value`` (case-insensitive); None for blank.
    Raises ValueError for anything else."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    code = _BY_UPPER.get(text.upper())
    if code is None:
        raise ValueError(f"'{text}' is not a neonatal unit level")
    return code


def highest_level(levels: Iterable[object]) -> str | None:
    """The highest level among ``levels`` (blanks ignored); None if all blank."""
    codes = [c for c in (normalise_level(v) for v in levels) if c is not None]
    return max(codes, key=_RANK.__getitem__) if codes else None


def comparator_group(level: str | None, births_per_year: float) -> str:
    """MBRRACE-UK comparator group of a trust from its highest neonatal unit
    level and its births a year."""
    code = normalise_level(level)
    if code == "NICU_surgical":
        return GROUP_ORDER[0]
    if code == "NICU":
        return GROUP_ORDER[1]
    if births_per_year >= 4000:
        return GROUP_ORDER[2]
    if births_per_year >= 2000:
        return GROUP_ORDER[3]
    return GROUP_ORDER[4]


def assign_comparator_groups(
    births: pd.DataFrame,
    site_levels: pd.DataFrame,
    unit: str = "org_code",
    years: float = 1.0,
    births_column: str = "denominator",
    level_unit: str = "trust_code",
) -> pd.DataFrame:
    """Comparator group of each unit of a count table.

    ``births``: a count table with ``unit`` and total births in ``births_column``
    (summed over the period); ``years``: the years it covers. ``site_levels``: the
    organisations table (or any table with ``level_unit`` and
    ``neonatal_unit_level``); a unit takes the highest level of its rows. Returns
    unit, neonatal_unit_level, births_per_year, comparator_group."""
    if years <= 0:
        raise ValueError("years must be positive")
    per = births.groupby(unit, as_index=False)[births_column].sum()
    per["births_per_year"] = per[births_column] / years
    if "neonatal_unit_level" in site_levels.columns:
        lv = (
            site_levels.groupby(level_unit)["neonatal_unit_level"]
            .agg(lambda s: highest_level(s))
            .rename("neonatal_unit_level")
        )
        per["neonatal_unit_level"] = per[unit].map(lv)
    else:
        per["neonatal_unit_level"] = None
    per["comparator_group"] = [
        comparator_group(lvl, b)
        for lvl, b in zip(per["neonatal_unit_level"], per["births_per_year"], strict=True)
    ]
    per["neonatal_unit_level"] = per["neonatal_unit_level"].fillna("")
    return per[[unit, "neonatal_unit_level", "births_per_year", "comparator_group"]]
