"""Completeness of ethnicity and deprivation coding, by organisation and by the
other dimension (missing ethnicity is not random: it differs by deprivation, and
missing deprivation by ethnic group).

The engine counts babies by site x ethnic group x IMD quintile (one aggregate);
the rest is arithmetic on that small count table.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from matequity.engine.base import Engine
from matequity.quality.rollup import roll_up
from matequity.stats.missing_bounds import UNRECORDED

COLUMNS = ("dimension", "by", "org_level", "org_code", "category", "known", "total", "percent")


def site_cells(
    engine: Engine, grouping: str = "msds", *, within: tuple[str, Sequence[str]] | None = None
) -> pd.DataFrame:
    """Babies (every row, whatever the outcome) by site x ethnic group (MSDS or
    ONS ``grouping``) x IMD quintile: one GROUP BY in the engine
    (:meth:`~matequity.engine.base.Engine.sums`); ``within`` = (organisation code
    column, codes) counts those organisations' babies only."""
    eth = "ethnic_group_ons" if grouping == "ons" else "ethnic_group"
    rows = engine.sums(
        "babies_derived", ("site_code", eth, "imd_quintile"), (), within=within, count=True
    )
    return pd.DataFrame(rows, columns=["site_code", "ethnic_group", "imd_quintile", "babies"])


def completeness(cells: pd.DataFrame, organisations: pd.DataFrame) -> pd.DataFrame:
    """Percent of babies with a recorded ethnic group / IMD quintile, per
    organisation (``by`` = organisation) and per category of the other dimension
    (``by`` = imd_quintile or ethnic_group, at each organisation level)."""
    df = cells.assign(
        ethnicity_known=(~cells["ethnic_group"].isin(UNRECORDED)) * cells["babies"],
        deprivation_known=(~cells["imd_quintile"].isin(UNRECORDED)) * cells["babies"],
    )
    values = ["babies", "ethnicity_known", "deprivation_known"]
    parts = []
    for dimension, other in (("ethnicity", "imd_quintile"), ("deprivation", "ethnic_group")):
        known = f"{dimension}_known"
        for by in ("organisation", other):
            keys = [] if by == "organisation" else [other]
            r = roll_up(df, organisations, keys, values)
            part = pd.DataFrame(
                {
                    "dimension": dimension,
                    "by": by,
                    "org_level": r["org_level"],
                    "org_code": r["org_code"],
                    "category": "All" if by == "organisation" else r[other],
                    "known": r[known],
                    "total": r["babies"],
                }
            )
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["percent"] = (100 * out["known"] / out["total"].where(out["total"] > 0)).round(1)
    return out[list(COLUMNS)]
