"""The national equity progress analysis as a report: the pledge measures (baby
mortality by ethnicity and deprivation, maternal mortality by ethnicity and
deprivation) and severe maternal morbidity; trends by group against the
national ambition; the most against the least deprived decile; the deprivation
gradient with the slope index of inequality; which LMNS carry the most excess
events; the variation between LMNS.

Layout only: every figure comes from :func:`matequity.analyses.national.national`,
already released under the policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from matequity import __version__
from matequity import vocabulary as vocab
from matequity.analyses.national import LEAST, MOST, NationalAnalysis
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.charts.funnel import funnel_of
from matequity.outputs.charts.small_multiples import small_multiples
from matequity.outputs.charts.trend import gradient_chart, trend_chart
from matequity.outputs.reports.document import Report, Section, Table, measure_definitions
from matequity.outputs.reports.stabilised_section import stabilised_section


def _f(v, d: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def _gradient(data: NationalAnalysis, m: str):
    meas, g = data.catalogue.get(m), data.gradients[m]
    return gradient_chart(
        g.deciles, g.fitted, f"{meas.title} by IMD decile", meas.per, g.sii, g.rii
    )


def report(data: NationalAnalysis, annotations: Sequence[Annotation] = ()) -> Report:
    """The report of the national analysis; ``annotations`` are drawn on the trend charts."""
    label, amb, policy = data.years.label, data.ambition, data.policy
    sections = []
    top = data.excess_lmns
    sections.append(
        Section(
            "Where the excess is",
            (
                "Stillbirths in each LMNS above what its babies of White mothers' rate would give "
                f"(excess events, {label}); the ten largest.",
            ),
            tables=(
                Table(
                    f"LMNS with the most excess stillbirths, {label}",
                    ("LMNS", "Code", "Excess stillbirths"),
                    tuple(
                        (r.org_name, r.org_code, _f(r.excess_events, 0)) for r in top.itertuples()
                    ),
                ),
            ),
        )
    )
    sb = data.catalogue.get("stillbirth")
    outside = [
        (
            data.catalogue.get(m).title,
            r.org_name,
            r.org_code,
            _f(r.denominator, 0),
            _f(r.value, 2),
            pos,
        )
        for m, f in data.funnels.items()
        for pos in ("above", "below")
        for r in f.points[f.points["position_99_8"] == pos].itertuples()
    ]
    sections.append(
        Section(
            "Variation between LMNS",
            (
                f"Each LMNS's rate for {label} against its number of births, with the 95% and "
                "99.8% control limits around the England rate (limits: "
                f"{next(iter(data.funnels.values())).method}), and each LMNS's "
                "stillbirth rate year by year beside England's.",
            ),
            tables=(
                Table(
                    "LMNS outside the 99.8% limits",
                    ("Measure", "LMNS", "Code", "Births (denominator)", "Rate", "Position"),
                    tuple(outside) or (("None", "", "", "", "", ""),),
                ),
            ),
            charts=(
                *(funnel_of(f, data.catalogue.get(m), "LMNS") for m, f in data.funnels.items()),
                small_multiples(
                    data.lmns_years,
                    data.england_years,
                    f"{sb.title} by LMNS and year",
                    sb.per,
                    series_label="LMNS",
                ),
            ),
        )
    )
    for m in data.measures:
        meas = data.catalogue.get(m)
        ry = data.by_year[m]
        order = [c for c in vocab.BREAKDOWN["ethnic_group"].order if c not in vocab.UNKNOWN_GROUPS]
        known = ry[ry["ethnic_group"].isin(order)]
        a = amb[amb["measure"] == m]
        target = float(a["target"].iloc[0]) if len(a) and pd.notna(a["target"].iloc[0]) else None
        paras = []
        if len(a):
            r = a.iloc[0]
            paras.append(
                f"National ambition: {_f(r['target'], 2)} {meas.per}; latest "
                f"{_f(r['latest_value'], 2)}, projected {_f(r['projected_value'], 2)}"
                + f"; year the ambition is reached: {r['year_reached']}."
            )
        years = sorted(ry["period"].unique())
        ml = data.most_least[data.most_least["measure"] == m]
        sections.append(
            Section(
                meas.title,
                tuple(paras),
                tables=(
                    Table(
                        f"{meas.title} ({meas.per}) by ethnic group and year",
                        ("Ethnic group", *years),
                        tuple(
                            (
                                g,
                                *(
                                    _f(
                                        known[
                                            (known["ethnic_group"] == g) & (known["period"] == y)
                                        ]["value"].iloc[0],
                                        2,
                                    )
                                    for y in years
                                ),
                            )
                            for g in order
                            if (known["ethnic_group"] == g).any()
                        ),
                    ),
                    Table(
                        f"{meas.title}: most against least deprived decile",
                        ("Year", "Decile 1 (most deprived)", "Decile 10 (least deprived)"),
                        tuple(
                            (
                                y,
                                _f(
                                    ml[(ml["period"] == y) & (ml["imd_decile"] == MOST)][
                                        "value"
                                    ].iloc[0],
                                    2,
                                ),
                                _f(
                                    ml[(ml["period"] == y) & (ml["imd_decile"] == LEAST)][
                                        "value"
                                    ].iloc[0],
                                    2,
                                ),
                            )
                            for y in years
                        ),
                    ),
                ),
                charts=(
                    trend_chart(
                        known,
                        "ethnic_group",
                        f"{meas.title} by ethnic group",
                        meas.per,
                        order,
                        target,
                        2025 if target is not None else None,
                        annotations,
                    ),
                    _gradient(data, m),
                ),
            )
        )
    if data.stabilised:
        sections.append(stabilised_section(data.stabilised, data.catalogue.get))
    return Report(
        kind="national",
        title="National equity progress report: maternity and neonatal outcomes",
        organisation="England",
        period=f"births {label} (calendar years of birth)",
        source="matequity store: MSDS-aligned birth records",
        definitions=(
            *measure_definitions(data.catalogue.get(m) for m in data.measures),
            "Slope index of inequality (PHE method): the modelled difference between the most "
            "and least deprived ends of the decile distribution.",
        ),
        disclosure=policy.title,
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
