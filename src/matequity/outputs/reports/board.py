"""The trust board safety analysis as a report: for each site of the trust the
MOSS CUSUM and excess-events charts, the signal register with due dates and
status, and Making Data Count SPC charts of the board's measures.

Layout only: every figure comes from :func:`matequity.analyses.board.board`.
The MOSS charts and the register show small numbers of deaths for the board's
private session (management information, as in NHS England's MOSS); the SPC
points are released under the policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from matequity import __version__
from matequity.analyses.board import BoardAnalysis
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.charts.moss import cusum_chart, excess_chart
from matequity.outputs.charts.spc import spc_chart
from matequity.outputs.reports.document import Report, Section, Table
from matequity.outputs.reports.experience_sections import board_panel
from matequity.outputs.reports.stabilised_section import stabilised_section


def _fmt(v, digits: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{digits}f}"


def report(data: BoardAnalysis, annotations: Sequence[Annotation] = ()) -> Report:
    """The report of a board analysis; ``annotations`` are drawn on every chart."""
    trust, trust_name, sites = data.trust.code, data.trust.name, data.trust.sites
    start, end, policy, excess = data.months.first, data.months.last, data.policy, data.excess
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
        if not ((data.moss["site_code"] == site) & data.moss["level"].notna()).any():
            continue  # no thresholds yet (fewer than three reference years)
        sections.append(
            Section(
                f"Site {site}",
                charts=(
                    cusum_chart(data.moss, site, annotations),
                    excess_chart(excess, site, annotations),
                ),
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
        meas = data.catalogue.get(m)
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
                charts=(
                    spc_chart(
                        pts, meas.title, f"{meas.title} ({meas.per})", annotations=annotations
                    ),
                ),
            )
        )
    if data.stabilised:
        sections.append(
            stabilised_section(
                data.stabilised,
                data.catalogue.get,
                trusts=[trust],
                highlight=trust,
            )
        )
    panel = board_panel(data.experience) if data.experience is not None else None
    if panel is not None:
        sections.insert(1, panel)
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
