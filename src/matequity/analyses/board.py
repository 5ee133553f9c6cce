"""The trust board safety analysis: for each site of the trust the MOSS CUSUM
and the excess-events chart, the signals in the last 6 and 12 months, the signal
register, and Making Data Count SPC of the measures the catalogue places on the
board (preterm birth, early booking), released under the policy.

MOSS (NHS England SOP annex 4): term stillbirths and term neonatal deaths by
site and month of birth against England's reference rate (or one given). The
CUSUM and excess-events data describe small numbers of deaths: as in MOSS they
are for the board's private session and the trust's perinatal team, marked
"management information" and not rounded (rounding a CUSUM is meaningless and
differences of the excess-events line reveal monthly counts). The SPC points
are rates released under the policy; the limits use every month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from matequity.analyses import organisations, periods
from matequity.analyses.experience import Experience, experience
from matequity.analyses.stabilised_rates import StabilisedSet, stabilised_set
from matequity.analyses.tables import rates
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import ANALYST_ONLY, Policy
from matequity.engine.base import Engine
from matequity.measures import catalogue as cat
from matequity.signals.from_store import daily_events, monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.signals.vlad import vlad
from matequity.spc.chart import spc

#: the register's columns a board analysis shows
REGISTER_COLUMNS = (
    "signal_id",
    "site_code",
    "month",
    "level",
    "first_detected",
    "due_date",
    "status",
)


@dataclass(frozen=True, kw_only=True)
class BoardAnalysis:
    trust: organisations.Organisation
    months: periods.Months
    policy: Policy
    catalogue: cat.Catalogue
    #: MOSS chart rows (site-month) of the trust's sites in the period
    moss: pd.DataFrame
    #: daily excess events of the trust's sites
    excess: pd.DataFrame
    #: signals per site in the last 6 and 12 months
    summary: pd.DataFrame
    #: the register's signals at the trust's sites, newest first
    register: pd.DataFrame
    #: measure -> SPC points (released values)
    spc: dict[str, pd.DataFrame]
    #: staff and families' experience of the trust (None: not in the store)
    experience: Experience | None = None
    #: measure -> stabilised & adjusted rates of every trust (None: not asked for)
    stabilised: StabilisedSet | None = None
    #: what the MOSS data are released as
    moss_disclosure: str = ANALYST_ONLY


def board(
    engine: Engine,
    trust: str,
    policy: Policy,
    period: str | None = None,
    reference_rate: float | None = None,
    register: Callable[[Engine, list[str]], pd.DataFrame] | None = None,
    catalogue: cat.Catalogue = cat.CATALOGUE,
    with_stabilised: bool = True,
) -> BoardAnalysis:
    """The analysis of trust ``trust`` over ``period`` (``YYYY-MM:YYYY-MM``;
    default the last 24 months). ``register(engine, sites)`` reads the signal
    register's rows for the sites (:data:`REGISTER_COLUMNS`; default: none)."""
    orgs = organisations.table(engine)
    org = organisations.find(orgs, "trust", trust)
    sites = list(org.sites)
    monthly = monthly_events(engine)
    span = periods.months(period, monthly["month"])
    chart = moss(monthly, reference_rate, sites=sites)
    chart = chart[span.holds(chart["month"])]
    excess = vlad(daily_events(engine, sites), chart)
    ms = catalogue.shown_in(cat.BOARD_SPC)
    counts = count_table(engine, ms, level="trust", period="month", org_codes=[trust])
    counts = counts[span.holds(counts["period"])]
    r = rates(counts, catalogue)
    released = apply_policy(r, policy, [])
    points = {}
    for m in ms:
        rm = r[r["measure"] == m.name].sort_values("period")
        rel = released[released["measure"] == m.name].sort_values("period")
        rm, rel = rm[rm["denominator"] > 0], rel[rm["denominator"].to_numpy() > 0]
        if rm.empty:  # no births counted for this measure at the trust in the period
            continue
        pts = spc(
            pd.DataFrame({"date": rm["period"] + "-01", "value": rm["value"].to_numpy()}),
            "increase" if m.higher_is_better else "decrease",
        )
        pts["value"] = rel["value"].to_numpy()  # published: withheld months are blank
        pts["numerator"] = rel["numerator"].to_numpy()
        pts["denominator"] = rel["denominator"].to_numpy()
        pts["disclosure_policy"] = policy.name
        points[m.name] = pts
    years = periods.Years(int(span.first[:4]), int(span.last[:4]))
    reg = register(engine, sites) if register else pd.DataFrame(columns=list(REGISTER_COLUMNS))
    return BoardAnalysis(
        trust=org,
        months=span,
        policy=policy,
        catalogue=catalogue,
        moss=chart,
        excess=excess,
        summary=signal_summary(chart),
        register=reg,
        spc=points,
        experience=experience(engine, org, years, policy, orgs),
        stabilised=stabilised_set(
            engine,
            [m.name for m in catalogue.shown_in(cat.FUNNEL)],
            (years.first, years.last),
            policy,
        )
        if with_stabilised
        else None,
    )
