"""The LMNS equity and equality analysis as a report: population profile, each
measure by ethnic group and by deprivation against England and a reference
group, gaps as ratios and excess events, the gaps over time, the LMNS among all
LMNS, what change it could detect, coding completeness, and a plain-English
summary whose every number is a cell of the tables.

Layout only: every figure comes from :func:`matequity.analyses.lmns.lmns`,
already released under the policy.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pandas as pd

from matequity import __version__
from matequity import vocabulary as vocab
from matequity.analyses.lmns import BREAKDOWNS, LmnsAnalysis
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.charts.funnel import funnel_of
from matequity.outputs.charts.rates import rates_by_group
from matequity.outputs.charts.trend import trend_chart
from matequity.outputs.reports.document import Report, Section, Table, measure_definitions
from matequity.outputs.reports.experience_sections import (
    community_section,
    families_section,
    staff_section,
)
from matequity.outputs.reports.stabilised_section import stabilised_section

UNKNOWN_GROUPS = vocab.UNKNOWN_GROUPS
LABELS = {b: vocab.BREAKDOWN[b].title for b in BREAKDOWNS}
IN_TEXT = {"ethnic_group": "ethnic group", "imd_quintile": "IMD quintile"}


def _order(by: str) -> list[str]:
    return list(vocab.BREAKDOWN[by].order)


def _f(v, d: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def _ratio(r) -> str:
    if pd.isna(r["ratio"]):
        return ""
    return f"{r['ratio']:.2f} ({r['ratio_lower_95']:.2f} to {r['ratio_upper_95']:.2f})"


def narrative(data: LmnsAnalysis) -> tuple[str, ...]:
    """Plain-English sentences; every number is a cell of the tables below."""
    out = []
    for top in data.headlines.itertuples():
        by, ref = top.by, top.reference
        who = (
            f"babies of {top.group} mothers"
            if by == "ethnic_group"
            else f"babies in IMD quintile {top.group}"
        )
        base = f"babies of {ref} mothers" if by == "ethnic_group" else f"babies in quintile {ref}"
        title = data.catalogue.get(top.measure).title
        out.append(
            f"{title} among {who} was {top.ratio:.1f} times (95% CI "
            f"{top.ratio_lower_95:.1f} to {top.ratio_upper_95:.1f}) that among {base}"
            + ("." if top.clear else "; the interval includes no difference.")
        )
    return tuple(out)


def best_sentences(data: LmnsAnalysis, measure: str) -> list[str]:
    """Against the best group: its released rate (a table cell) and the events
    that would not have happened had every group had that rate."""
    meas = data.catalogue.get(measure)
    out = []
    best = pd.concat([g.best for g in data.groups.values()], ignore_index=True)
    for r in best[best["measure"] == measure].itertuples():
        rel = data.groups[r.by].table
        rate = rel.loc[(rel["measure"] == measure) & (rel[r.by] == r.best), "value"]
        if rate.empty or pd.isna(rate.iloc[0]) or pd.isna(r.excess_events):
            continue
        # groups too small to be 'best' can do better still: then no saving to state
        if (r.excess_events >= 0) == meas.higher_is_better:
            continue
        who = f"babies of {r.best} mothers" if r.by == "ethnic_group" else f"quintile {r.best}"
        verb = "more" if meas.higher_is_better else "fewer"
        out.append(
            f"Best {IN_TEXT[r.by]}: {who} ({rate.iloc[0]:.2f} {meas.per}). Had every "
            f"{IN_TEXT[r.by]} had that rate there would have been "
            f"{abs(r.excess_events):,.0f} {verb} events ({abs(r.excess_share) * 100:.0f}% of all)."
        )
    return out


def _trend_section(data: LmnsAnalysis, label: str, annotations=()) -> Section:
    tables, charts = [], []
    for (m, by), t in data.yearly.items():
        meas, ref = data.catalogue.get(m), vocab.BREAKDOWN[by].reference
        order = [c for c in _order(by) if c not in UNKNOWN_GROUPS]
        known = t[t[by].isin(order)]
        years = sorted(known["period"].unique())
        groups = [g for g in order if g != ref and (known[by] == g).any()]
        cell = known.set_index([by, "period"])
        tables.append(
            Table(
                f"{meas.title} by {IN_TEXT[by]}: ratio to {ref} (95% CI); excess events, by year",
                (LABELS[by], *years),
                tuple(
                    (g, *(_gap(cell.loc[(g, y)]) if (g, y) in cell.index else "" for y in years))
                    for g in groups
                ),
            )
        )
        charts.append(
            trend_chart(
                known,
                by,
                f"{meas.title} by {IN_TEXT[by]}, by year",
                meas.per,
                order,
                annotations=annotations,
            )
        )
    return Section(
        "Gaps over time",
        (
            f"Each year of {label}: the ratio of each group's rate to the reference group's "
            "(babies of White mothers; the least deprived quintile) and the excess events "
            "(observed minus expected at the reference rate). Cells with too few events are "
            "withheld; a dash marks a year with no ratio (the reference's rate withheld, or no "
            "events). Deaths by group in a single year of one LMNS are too few to publish, so "
            "the yearly gaps are shown for "
            + " and ".join(data.catalogue.get(m).title.lower() for m in data.yearly_measures)
            + ".",
        ),
        tables=tuple(tables),
        charts=tuple(charts),
    )


def _gap(r) -> str:
    if pd.isna(r["value"]):
        return "withheld"
    if pd.isna(r["ratio"]):
        return "-"
    return f"{_ratio(r)}; {r['excess_events']:+.1f}"


def report(data: LmnsAnalysis, annotations: Sequence[Annotation] = ()) -> Report:
    """The report of an LMNS analysis; ``annotations`` are drawn on the trend charts."""
    lmns, name, label, policy = data.lmns.code, data.lmns.name, data.years.label, data.policy
    sections = [Section("Summary", narrative(data) or ("No group had enough events to compare.",))]
    prof = data.profile
    sections.append(
        Section(
            "Population profile",
            tables=(
                Table(
                    f"Total births by ethnic group, {label}",
                    ("Ethnic group", "Births"),
                    tuple((r.ethnic_group, _f(r.denominator, 0)) for r in prof.itertuples()),
                ),
            ),
        )
    )
    eng = data.england.set_index("measure")
    for m in data.measures:
        meas = data.catalogue.get(m)
        tables, charts = [], []
        for by in BREAKDOWNS:
            ref = vocab.BREAKDOWN[by].reference
            rel = data.groups[by].table
            part = rel[rel["measure"] == m]
            order = [c for c in _order(by) if c in set(part[by])]
            part = part.set_index(by).loc[order].reset_index()
            tables.append(
                Table(
                    f"{meas.title} ({meas.per}) by {LABELS[by]}; ratio and excess "
                    f"events against {ref}",
                    (
                        LABELS[by],
                        "Events",
                        "Population",
                        "Rate",
                        "95% CI",
                        "Ratio (95% CI)",
                        "Excess events",
                    ),
                    tuple(
                        (
                            str(r[by]),
                            _f(r["numerator"], 0),
                            _f(r["denominator"], 0),
                            _f(r["value"], 2),
                            ""
                            if pd.isna(r["value"])
                            else f"{r['lower_95']:.2f} to {r['upper_95']:.2f}",
                            _ratio(r),
                            "" if pd.isna(r["excess_events"]) else f"{r['excess_events']:.1f}",
                        )
                        for _, r in part.iterrows()
                    ),
                )
            )
            known = part[~part[by].isin(UNKNOWN_GROUPS)]
            charts.append(
                rates_by_group(
                    known,
                    by,
                    f"{meas.title} by {LABELS[by]}",
                    meas.per,
                    float(eng.loc[m, "value"]) if m in eng.index else None,
                    "England",
                    [c for c in order if c not in UNKNOWN_GROUPS],
                )
            )
        paras = [f"England: {_f(eng.loc[m, 'value'], 2)} {meas.per}."] if m in eng.index else []
        paras += best_sentences(data, m)
        sections.append(
            Section(meas.title, tuple(paras), tables=tuple(tables), charts=tuple(charts))
        )
    sections.append(_trend_section(data, label, annotations))
    sections.append(
        Section(
            "Compared with the other LMNS",
            (
                f"Each LMNS's rate for {label} against its number of births, with the 95% and "
                "99.8% control limits around the England rate; this LMNS is marked. A point "
                "outside the 99.8% limits is unlikely to be chance alone.",
            ),
            charts=tuple(
                funnel_of(f, data.catalogue.get(m), "LMNS") for m, f in data.funnels.items()
            ),
        )
    )
    if data.stabilised:
        sections.append(
            stabilised_section(
                data.stabilised,
                data.catalogue.get,
                trusts=data.trusts,
                title="Its trusts' stabilised and adjusted rates",
            )
        )
    community = community_section(data.experience)
    if community is not None:
        sections.insert(2, community)  # beside the population profile
    for part in (staff_section(data.experience), families_section(data.experience)):
        if part is not None:
            sections.append(part)
    pw = data.power
    sections.append(
        Section(
            "What change could the LMNS detect?",
            tuple(
                f"With about {r.births_per_year:,.0f} births a year among babies of "
                f"{r.ethnic_group} mothers, a rise in stillbirth of "
                f"{r.detectable_increase_3y_pct:.0f}%"
                + (
                    f" or a fall of {r.detectable_decrease_3y_pct:.0f}%"
                    if math.isfinite(r.detectable_decrease_3y_pct)
                    else " (but no fall, however large)"
                )
                + " over three years could be detected (80% power, 5% significance)."
                for r in pw.itertuples()
                if math.isfinite(r.detectable_increase_3y_pct)
            ),
        )
    )
    comp = data.completeness
    sections.append(
        Section(
            "Data quality: ethnicity and deprivation coding",
            tables=(
                Table(
                    "Babies with a recorded ethnic group / IMD quintile",
                    ("Dimension", "By", "Category", "Percent recorded"),
                    tuple(
                        (r.dimension, r.by, str(r.category), _f(r.percent, 1))
                        for r in comp.itertuples()
                    ),
                ),
            ),
        )
    )
    return Report(
        kind="lmns",
        title=f"Equity and equality analysis: {name}",
        organisation=f"{name} ({lmns}), local maternity and neonatal system",
        period=f"births {label} (calendar years of birth)",
        source="matequity store: MSDS-aligned birth records (site of birth)",
        definitions=measure_definitions(data.catalogue.get(m) for m in data.measures),
        disclosure=policy.title,
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
