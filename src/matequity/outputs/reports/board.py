"""The trust board safety report: for each site of the trust, the MOSS CUSUM and
excess-events charts, the signal register with due dates and status, and Making
Data Count SPC charts of key measures.

Everything shown comes from the API (signals, spc, counts, rates, disclosure);
this module arranges the results into a :class:`Report`.

Disclosure: SPC points are rates released under the policy (withheld where the
month's numerator is under the policy's minimum; the limits are computed on the
full series). The MOSS charts describe small numbers of deaths: as in NHS
England's MOSS, they are for the board and its perinatal team, and the report
says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from matequity import __version__
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.engine.backend import duckdb_engine
from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.outputs.charts.moss import cusum_chart, excess_chart
from matequity.outputs.charts.spc import spc_chart
from matequity.outputs.reports.document import Report, Section, Table
from matequity.signals.from_store import daily_events, monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.signals.vlad import vlad
from matequity.spc.chart import spc
from matequity.stats.rates import add_rates

SPC_MEASURES = ("preterm_birth", "booked_by_10_weeks")


@dataclass(frozen=True)
class BoardData:
    chart: pd.DataFrame
    summary: pd.DataFrame
    register: pd.DataFrame
    spc: dict[str, pd.DataFrame]


def _register(store: Path, sites: list[str], database: str | None = None) -> pd.DataFrame:
    """The register from the service database (next to the store unless
    ``database`` is given); a store from before the service: its own tables."""
    from matequity.servicedb import default_url, open_database
    from matequity.signals import register as signal_register

    url = database or default_url(store)
    if database or Path(url.removeprefix("sqlite:///")).exists():
        db = open_database(url)
        try:
            reg = signal_register.listing(db, site_codes=sites)
        finally:
            db.dispose()
        cols = ["signal_id", "site_code", "month", "level", "first_detected", "due_date", "status"]
        reg = reg.sort_values(["month", "site_code"], ascending=[False, True])
        return reg[cols].reset_index(drop=True)
    con = duckdb.connect(str(store), read_only=True)
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        if "signals" not in tables:
            return pd.DataFrame(
                columns=[
                    "signal_id",
                    "site_code",
                    "month",
                    "level",
                    "first_detected",
                    "due_date",
                    "status",
                ]
            )
        return con.execute(
            "SELECT s.signal_id, s.site_code, s.month, s.level, s.first_detected, s.due_date, "
            "e.status FROM signals s JOIN (SELECT *, row_number() OVER (PARTITION BY signal_id "
            "ORDER BY event_no DESC) AS rn FROM signal_events) e "
            "ON e.signal_id = s.signal_id AND e.rn = 1 WHERE list_contains(?, s.site_code) "
            "ORDER BY s.month DESC, s.site_code",
            [sites],
        ).df()
    finally:
        con.close()


def parse_period(text: str | None, months: pd.Series) -> tuple[str, str]:
    """'YYYY-MM:YYYY-MM' (inclusive); default the last 24 months in the data."""
    if text:
        try:
            a, b = text.split(":")
            pd.Period(a, "M"), pd.Period(b, "M")
        except ValueError:
            raise UserError(f"--period {text!r}: expected YYYY-MM:YYYY-MM") from None
        return a, b
    last = pd.Period(months.max(), "M")
    return str(last - 23), str(last)


def build(
    store: Path,
    trust: str,
    policy: Policy,
    period: str | None = None,
    reference_rate: float | None = None,
    database: str | None = None,
) -> tuple[Report, BoardData]:
    engine = duckdb_engine(store)
    orgs = engine.execute(engine.table("organisations"))
    mine = orgs[orgs["trust_code"] == trust]
    if mine.empty:
        raise UserError(f"unknown trust '{trust}': not in the organisations table")
    sites = sorted(mine["site_code"])
    trust_name = mine["trust_name"].iloc[0]
    monthly = monthly_events(engine)
    start, end = parse_period(period, monthly["month"])
    chart_all = moss(monthly, reference_rate)
    chart = chart_all[chart_all["site_code"].isin(sites)]
    chart = chart[(chart["month"] >= start) & (chart["month"] <= end)]
    daily = daily_events(engine)
    excess = vlad(daily[daily["site_code"].isin(sites)], chart)
    summary = signal_summary(chart)
    counts = count_table(engine, [BY_NAME[m] for m in SPC_MEASURES], level="trust", period="month")
    engine.backend.disconnect()
    counts = counts[
        (counts["org_code"] == trust) & (counts["period"] >= start) & (counts["period"] <= end)
    ]
    rates = add_rates(
        counts,
        counts["measure"].map(lambda m: BY_NAME[m].statistic),
        counts["measure"].map(lambda m: float(BY_NAME[m].multiplier)),
        levels=("95",),
    )
    released = apply_policy(rates, policy, [])
    spc_out = {}
    for m in SPC_MEASURES:
        r = rates[rates["measure"] == m].sort_values("period")
        rel = released[released["measure"] == m].sort_values("period")
        pts = spc(
            pd.DataFrame({"date": r["period"] + "-01", "value": r["value"].to_numpy()}),
            "increase" if BY_NAME[m].higher_is_better else "decrease",
        )
        pts["value"] = rel["value"].to_numpy()  # published: withheld months are blank
        pts["numerator"] = rel["numerator"].to_numpy()
        pts["denominator"] = rel["denominator"].to_numpy()
        pts["disclosure_policy"] = policy.name
        spc_out[m] = pts
    register = _register(store, sites, database)
    data = BoardData(chart, summary, register, spc_out)
    return _report(trust, trust_name, sites, start, end, data, excess, policy), data


def _fmt(v, digits: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{digits}f}"


def _report(trust, trust_name, sites, start, end, data: BoardData, excess, policy) -> Report:
    sections = []
    summ = data.summary
    sections.append(
        Section(
            "Safety signals at a glance",
            (
                "MOSS (NHS England's Maternity Outcomes Signal System) monitors term stillbirths "
                "and term neonatal deaths at each site of birth. A level 1 (amber) or level 2 "
                "(red) signal requires a critical safety check within 8 working days.",
            ),
            tables=(
                Table(
                    f"Signal months per site in the last 6 and 12 months to {end}",
                    (
                        "Site",
                        "Amber, 6 months",
                        "Red, 6 months",
                        "Amber, 12 months",
                        "Red, 12 months",
                    ),
                    tuple(
                        (
                            r.site_code,
                            str(r.level1_last_6_months),
                            str(r.level2_last_6_months),
                            str(r.level1_last_12_months),
                            str(r.level2_last_12_months),
                        )
                        for r in summ.itertuples()
                    ),
                ),
            ),
        )
    )
    for site in sites:
        if not ((data.chart["site_code"] == site) & data.chart["level"].notna()).any():
            continue  # no thresholds yet (fewer than three reference years)
        sections.append(
            Section(
                f"Site {site}",
                charts=(cusum_chart(data.chart, site), excess_chart(excess, site)),
            )
        )
    reg = data.register
    sections.append(
        Section(
            "Signal register",
            (
                f"{len(reg)} signal(s) registered for the trust's sites; "
                f"{int((reg['status'] == 'open').sum())} open.",
            ),
            tables=(
                Table(
                    "Signals, newest first: the critical safety check is due 8 England working "
                    "days after notification",
                    ("Signal", "Site", "Month", "Level", "First detected", "Check due", "Status"),
                    tuple(
                        (
                            r.signal_id,
                            r.site_code,
                            r.month,
                            str(r.level),
                            str(r.first_detected)[:10],
                            str(r.due_date)[:10],
                            r.status,
                        )
                        for r in reg.itertuples()
                    ),
                ),
            ),
        )
    )
    for m, pts in data.spc.items():
        meas = BY_NAME[m]
        sections.append(
            Section(
                f"{meas.title} (SPC)",
                (
                    f"Variation: {pts['variation_type'].iloc[-1].replace('_', ' ')}. Months whose "
                    f"numerator is under {policy.min_numerator_for_rate} are withheld "
                    f"({policy.name} policy); the limits use every month.",
                ),
                tables=(
                    Table(
                        f"{meas.title} ({meas.per}) by month",
                        ("Month", "Events", "Population", "Value", "Point type"),
                        tuple(
                            (
                                r.date[:7],
                                _fmt(r.numerator, 0),
                                _fmt(r.denominator, 0),
                                _fmt(r.value, 2),
                                r.point_type.replace("_", " "),
                            )
                            for r in pts.itertuples()
                        ),
                    ),
                ),
                charts=(spc_chart(pts, meas.title, f"{meas.title} ({meas.per})"),),
            )
        )
    return Report(
        kind="board",
        title=f"Maternity and neonatal safety report: {trust_name}",
        organisation=f"{trust_name} ({trust}); sites {', '.join(sites)}",
        period=f"births {start} to {end} (month of birth)",
        source="matequity store: MSDS-aligned birth records; MOSS per NHS England SOP annex 4",
        definitions=(
            "MOSS event: a term (37+0 weeks or more) stillbirth or a term neonatal death "
            "(before 28 days), by site and month of birth.",
            "Expected events: national reference rate (England, three previous calendar years) "
            "x the site's mean monthly term births in the previous year.",
            "Level 1 / level 2: the CUSUM reaches the threshold giving one false signal per 20 / "
            "100 months on average when the site's rate equals the reference rate.",
            "SPC: Making Data Count XmR chart, limits at mean +/- 2.66 x mean moving range.",
        ),
        disclosure=(
            f"SPC tables and charts: {policy.title}. MOSS charts and the register show "
            "information on small numbers of deaths for the board's private session "
            "(not rounded; not for publication)."
        ),
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
