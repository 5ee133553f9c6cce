"""The count tables the dashboard's analyses share, computed once per engine.

Every dashboard page is made of the same few count tables: every measure by
ethnic group and by IMD decile, by year of birth, for every organisation of a
level (England, regions, LMNS, trusts, sites), and the store-wide data-quality
tables (coding completeness cells, the MIS ethnicity check, plausibility
checks, quarantine reasons). Each is one engine aggregation (one GROUP BY per
unit: babies, deliveries) over the derived store; this module remembers them
for as long as the engine is open. A new ingest swaps in a new store file and
the caller opens a new engine (:mod:`matequity.web.data`), so nothing here is
ever stale.

The tables are unreleased counts: they stay inside the analysis layer. The
dashboard's analyses (:mod:`.organisation_view`, :mod:`.peers`,
:mod:`.org_quality`, :mod:`.home`) release what they return.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import pandas as pd

from matequity.analyses.organisations import table as org_table
from matequity.counts.compute import count_table
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.model import deprivation
from matequity.quality.completeness import completeness, site_cells
from matequity.quality.mis import mis_ethnicity
from matequity.quality.plausibility import plausibility
from matequity.quality.report import quarantine_reasons

#: the breakdowns computed in the engine (IMD quintiles are summed from deciles)
ENGINE_BREAKDOWNS = ("ethnic_group", "imd_decile")

_MEMO: weakref.WeakKeyDictionary[Any, dict] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


def memo(engine: Engine, key: tuple, make: Callable[[], Any]) -> Any:
    """``make()``, computed once per engine and ``key`` (for the dashboard's analyses)."""
    with _LOCK:
        store = _MEMO.setdefault(engine, {})
        if key not in store:
            store[key] = make()
        return store[key]


def level_counts(
    engine: Engine, level: str, by: str, catalogue: cat.Catalogue = cat.CATALOGUE
) -> pd.DataFrame:
    """Every measure of ``catalogue`` by ``by`` and year for every organisation
    of ``level`` (``imd_quintile`` is summed from the deciles: each decile lies
    in one quintile, :func:`matequity.model.deprivation.decile_to_quintile`)."""
    if by == "imd_quintile":
        return memo(
            engine,
            ("level", level, by, catalogue.names),
            lambda: quintiles(level_counts(engine, level, "imd_decile", catalogue)),
        )
    return memo(
        engine,
        ("level", level, by, catalogue.names),
        lambda: count_table(engine, list(catalogue), by=[by], level=level, period="year"),
    )


def quintiles(deciles: pd.DataFrame) -> pd.DataFrame:
    """A count table by ``imd_decile`` summed to ``imd_quintile`` (quintiles in order)."""
    to_q = {
        deprivation.decile_label(d): deprivation.quintile_label(deprivation.decile_to_quintile(d))
        for d in range(1, 11)
    }
    to_q[deprivation.NOT_KNOWN] = deprivation.NOT_KNOWN
    q = deciles.assign(imd_quintile=deciles["imd_decile"].map(to_q)).drop(columns="imd_decile")
    keys = ["period", "org_level", "org_code", "org_name", "measure", "imd_quintile"]
    out = q.groupby(keys, as_index=False, sort=False)[["numerator", "denominator"]].sum()
    out["_o"] = out["imd_quintile"].map({v: i for i, v in enumerate(deprivation.QUINTILE_ORDER)})
    out = out.sort_values(["period", "org_code", "measure", "_o"], kind="stable")
    cols = ["period", "org_level", "org_code", "org_name", "imd_quintile", "measure"]
    return out[[*cols, "numerator", "denominator"]].reset_index(drop=True)


def organisations(engine: Engine) -> pd.DataFrame:
    return memo(engine, ("organisations",), lambda: org_table(engine))


def years(engine: Engine) -> list[str]:
    """The years of birth the store holds."""
    eng = level_counts(engine, "england", "ethnic_group")
    return sorted(eng["period"].unique())


def coding_completeness(engine: Engine) -> pd.DataFrame:
    """:func:`matequity.quality.completeness.completeness` at every level."""
    return memo(
        engine,
        ("completeness",),
        lambda: completeness(site_cells(engine), organisations(engine)),
    )


def mis(engine: Engine):
    """The MIS safety action 2 ethnicity check per trust and booking month."""
    return memo(engine, ("mis",), lambda: mis_ethnicity(engine))


def plausibility_checks(engine: Engine) -> pd.DataFrame:
    """Plausibility checks per site and period (the internal birthweight reference)."""
    return memo(engine, ("plausibility",), lambda: plausibility(engine, None))


def quarantine(engine: Engine) -> pd.DataFrame:
    """Rows quarantined at ingest by organisation, month and reason (every level)."""
    return memo(
        engine,
        ("quarantine",),
        lambda: (
            quarantine_reasons(engine, organisations(engine))
            if engine.has_table("quarantine")
            else pd.DataFrame(columns=["org_level", "org_code", "month", "reason", "rows"])
        ),
    )
