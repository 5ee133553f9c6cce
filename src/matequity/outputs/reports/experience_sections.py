"""Experience beside outcomes, as report sections: staff experience (WRES),
families' experience (CQC maternity survey, Friends and Family Test, a trust's
own survey by ethnic group) and the community profile; and the short panel a
board report carries.

Layout only: every figure comes from :func:`matequity.analyses.experience.experience`,
released under the policy.
"""

from __future__ import annotations

import pandas as pd

from matequity.analyses.experience import Experience
from matequity.outputs.charts.experience import survey_by_group, wres_likelihoods, wres_percentages
from matequity.outputs.reports.document import Section, Table


def _f(v, d: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def _ci(r, pre: str) -> str:
    v, lo, hi = r[f"{pre}_value"], r[f"{pre}_lower_95"], r[f"{pre}_upper_95"]
    return "withheld" if pd.isna(v) else f"{v:.1f} ({lo:.1f} to {hi:.1f})"


def _estimate(r) -> str:
    e, lo, hi = r["estimate"], r["estimate_lower_95"], r["estimate_upper_95"]
    return "withheld" if pd.isna(e) else f"{e:.2f} ({lo:.2f} to {hi:.2f})"


def staff_section(x: Experience) -> Section | None:
    s = x.staff
    if s is None:
        return None
    head = s.headline
    table = Table(
        f"WRES indicators, {s.period}: each group's percentage (95% CI), the estimate, whom "
        "it favours, and the change since the first year",
        (
            "Trust",
            "Indicator",
            "White % (95% CI)",
            "BME % (95% CI)",
            "Estimate (95% CI)",
            "Favours",
            "Since the first year",
        ),
        tuple(
            (
                str(r["org_code"]),
                f"{r['indicator']}: {r['title']}",
                _ci(r, "white"),
                _ci(r, "bme"),
                _estimate(r),
                str(r["favours"] or ""),
                "" if pd.isna(r.get("change_reading")) else str(r["change_reading"]),
            )
            for _, r in head.sort_values(["org_code", "indicator"]).iterrows()
        ),
    )
    bands = s.indicators[(s.indicators["indicator"] == 1) & (s.indicators["band"] != "All")]
    band_table = Table(
        "BME share of staff by Agenda for Change band against the whole workforce (WRES 1)",
        ("Trust", "Band", "BME % (95% CI)", "Workforce %", "Gap (95% CI)"),
        tuple(
            (
                str(r["org_code"]),
                str(r["band"]),
                _ci(r, "bme"),
                _f(r["benchmark_value"]),
                _estimate(r),
            )
            for _, r in bands.sort_values(["org_code", "band"]).iterrows()
        ),
    )
    trusts = sorted(head["org_code"].unique())
    charts = tuple(
        c
        for t in trusts[:3]
        for c in (wres_likelihoods(s.indicators, t), wres_percentages(s.indicators, t))
    )
    return Section(
        "Staff experience",
        (
            "Race equality for maternity and neonatal staff: the nine Workforce Race Equality "
            "Standard indicators of each trust (NHS England WRES technical guidance), with "
            "which group each favours and whether the gap narrowed.",
            *s.notes,
        ),
        tables=(table, band_table),
        charts=charts,
    )


def families_section(x: Experience) -> Section | None:
    f = x.families
    if f is None:
        return None
    tables, charts = [], []
    if f.cqc_summary is not None:
        tables.append(
            Table(
                "CQC maternity survey: questions better or worse than expected, by trust",
                ("Trust", "Year", "Questions", "Better", "About the same", "Worse"),
                tuple(
                    (
                        str(r.org_code),
                        str(r.period),
                        str(r.questions),
                        str(r.better_than_expected),
                        str(r.about_the_same),
                        str(r.worse_than_expected),
                    )
                    for r in f.cqc_summary.itertuples()
                ),
            )
        )
    if f.cqc_national is not None:
        nat = f.cqc_national
        gaps = nat[nat["gap_to_best"].notna()].sort_values("gap_to_best", ascending=False)
        tables.append(
            Table(
                "England, by ethnic group (CQC national subgroup analysis): the largest gaps "
                "to the best group",
                ("Year", "Question", "Ethnic group", "Score", "Best group", "Gap"),
                tuple(
                    (
                        str(r.period),
                        str(r.question_text),
                        str(r.ethnic_group),
                        _f(r.score),
                        str(r.best_group),
                        _f(r.gap_to_best),
                    )
                    for r in gaps.head(10).itertuples()
                ),
            )
        )
    if f.fft is not None:
        latest = f.fft[f.fft["touchpoint"] == "Birth"]
        latest = latest[latest["period"] == latest["period"].max()] if len(latest) else latest
        tables.append(
            Table(
                "Friends and Family Test, birth: share of responses positive (95% CI), "
                "latest month",
                ("Trust", "Month", "Responses", "Positive %"),
                tuple(
                    (
                        str(r.org_code),
                        str(r.period),
                        _f(r.responses, 0),
                        "withheld"
                        if pd.isna(r.value)
                        else f"{r.value:.1f} ({r.lower_95:.1f} to {r.upper_95:.1f})",
                    )
                    for r in latest.itertuples()
                ),
            )
        )
    if f.by_group is not None:
        g = f.by_group
        last = g[g["period"] == g["period"].max()]
        tables.append(
            Table(
                "Families' own survey by ethnic group (latest year): % (95% CI) and the "
                "difference from the best group",
                ("Trust", "Measure", "Ethnic group", "Responses", "%", "Difference from best"),
                tuple(
                    (
                        str(r.org_code),
                        str(r.measure),
                        str(r.ethnic_group),
                        _f(r.denominator, 0),
                        "withheld"
                        if pd.isna(r.value)
                        else f"{r.value:.1f} ({r.lower_95:.1f} to {r.upper_95:.1f})",
                        "" if pd.isna(r.difference) else f"{r.difference:+.1f}",
                    )
                    for r in last.itertuples()
                ),
            )
        )
        for measure, part in list(last.groupby("measure"))[:2]:
            org = sorted(part["org_code"])[0]
            one = part[part["org_code"] == org]
            charts.append(survey_by_group(one, f"{measure} ({org})", list(one["ethnic_group"])))
    return Section(
        "Families' experience",
        (
            "What women and families say of their care, by trust and, where it is collected, by "
            "ethnic group.",
            *f.notes,
        ),
        tables=tuple(tables),
        charts=tuple(charts),
    )


def community_section(x: Experience) -> Section | None:
    c = x.community
    if c is None:
        return None
    t = c.table
    return Section(
        "Births beside the population served",
        (
            f"Each ethnic group's share of births ({c.period}) beside its share of the resident "
            f"population ({c.population_group}; ONS estimates), so that the LMNS sees who its "
            "services reach.",
            *c.notes,
        ),
        tables=(
            Table(
                "Births and resident population by ethnic group",
                (
                    "Ethnic group",
                    "Births",
                    "Births share % (95% CI)",
                    "Population share %",
                    "Ratio (95% CI)",
                ),
                tuple(
                    (
                        str(r["ethnic_group"]),
                        _f(r["births"], 0),
                        "withheld"
                        if pd.isna(r["births_share"])
                        else f"{r['births_share']:.1f} ({r['births_share_lower_95']:.1f} to "
                        f"{r['births_share_upper_95']:.1f})",
                        _f(r["population_share"]),
                        ""
                        if pd.isna(r.get("share_ratio"))
                        else f"{r['share_ratio']:.2f} ({r['share_ratio_lower_95']:.2f} to "
                        f"{r['share_ratio_upper_95']:.2f})",
                    )
                    for _, r in t.iterrows()
                ),
            ),
        ),
    )


def board_panel(x: Experience) -> Section | None:
    """The board's short experience panel: one line per WRES indicator of the
    trust, and the families' headline."""
    lines = []
    if x.staff is not None:
        for _, r in x.staff.headline.sort_values("indicator").iterrows():
            change = "" if pd.isna(r.get("change_reading")) else f" ({r['change_reading']})"
            lines.append(f"WRES {r['indicator']}: {r['reading']}{change}.")
    if x.families is not None:
        f = x.families
        if f.cqc_summary is not None and len(f.cqc_summary):
            r = f.cqc_summary.sort_values("period").iloc[-1]
            lines.append(
                f"CQC maternity survey {r['period']}: {r['better_than_expected']} question(s) "
                f"better and {r['worse_than_expected']} worse than expected."
            )
        if f.fft is not None and len(f.fft):
            b = f.fft[f.fft["touchpoint"] == "Birth"].sort_values("period")
            if len(b) and not pd.isna(b["value"].iloc[-1]):
                lines.append(
                    f"Friends and Family Test, birth, {b['period'].iloc[-1]}: "
                    f"{b['value'].iloc[-1]:.1f}% positive."
                )
        lines += list(f.notes)
    if not lines:
        return None
    return Section("Experience beside safety", tuple(lines))
