"""The national equity progress report: the pledge measures (baby mortality by
ethnicity and deprivation, maternal mortality by ethnicity and deprivation) and
severe maternal morbidity; trends by group against the national ambition; the
most against the least deprived decile; the deprivation gradient with the slope
index of inequality; and which LMNS carry the most excess events.

Built from API results (counts, rates, trend, compare, inequality, disclosure);
this module arranges them. Every count and rate shown is released under the
policy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from matequity import __version__
from matequity.counts.compute import category_order, count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import Policy
from matequity.engine.backend import duckdb_engine
from matequity.measures.catalogue import BY_NAME
from matequity.model import deprivation, ethnicity
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.charts.small_multiples import small_multiples
from matequity.outputs.charts.spec import ChartSpec
from matequity.outputs.charts.trend import gradient_chart, trend_chart
from matequity.outputs.reports.document import Report, Section, Table, measure_definitions
from matequity.outputs.reports.funnel_section import released_funnel
from matequity.outputs.reports.lmns import _rates, _sum_years, parse_years
from matequity.stats.compare import compare, excess_totals
from matequity.stats.frames import UNKNOWN_GROUPS
from matequity.stats.inequality.ordered import sii_line
from matequity.stats.inequality.table import inequality
from matequity.stats.trend import trend

MEASURES = ("stillbirth", "neonatal_mortality", "maternal_mortality", "severe_maternal_morbidity")
FUNNEL_MEASURES = ("stillbirth", "neonatal_mortality")
MOST, LEAST = deprivation.decile_label(1), deprivation.decile_label(10)
ORG_KEYS = ["org_level", "org_code", "org_name", "measure"]


@dataclass(frozen=True)
class NationalData:
    by_year: dict[str, pd.DataFrame]  # measure -> released rates by year x ethnic group
    deciles: pd.DataFrame  # released rates by decile (pooled years)
    most_least: pd.DataFrame  # per measure and year: decile 1 vs 10 (released)
    inequality: pd.DataFrame
    excess_lmns: pd.DataFrame
    funnels: dict[str, pd.DataFrame]  # measure -> released LMNS funnel positions
    lmns_years: pd.DataFrame  # released stillbirth rates by LMNS and year
    charts: dict[str, ChartSpec]  # prepared charts (funnels, small multiples)


def _f(v, d: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def build(
    store: Path,
    policy: Policy,
    period: str | None = None,
    overdispersion: str = "none",
    annotations: Sequence[Annotation] = (),
) -> tuple[Report, NationalData]:
    engine = duckdb_engine(store)
    ms = [BY_NAME[m] for m in MEASURES]
    eth = count_table(engine, ms, by=["ethnic_group"], level="england", period="year")
    dec = count_table(engine, ms, by=["imd_decile"], level="england", period="year")
    lm = count_table(engine, ms, by=["ethnic_group"], level="lmns", period="year")
    engine.backend.disconnect()
    a, b = parse_years(period, sorted(eth["period"].unique()))
    label = f"{a}-{b}" if a != b else str(a)
    eth = eth[eth["period"].astype(int).between(a, b)]
    dec = dec[dec["period"].astype(int).between(a, b)]
    lm = lm[lm["period"].astype(int).between(a, b)]
    by_year = {
        m: apply_policy(_rates(eth[eth["measure"] == m]), policy, ["ethnic_group"])
        for m in MEASURES
    }
    trends = trend(
        eth[~eth["ethnic_group"].isin(UNKNOWN_GROUPS)], "period", "ethnic_group", ethnicity.WHITE
    )
    pooled = _sum_years(dec, ["org_level", "org_code", "org_name", "imd_decile", "measure"], label)
    deciles = apply_policy(_rates(pooled), policy, ["imd_decile"])
    ineq = inequality(pooled[~pooled["imd_decile"].isin(UNKNOWN_GROUPS)], "imd_decile", True)
    ml = dec[dec["imd_decile"].isin([MOST, LEAST])]
    most_least = apply_policy(_rates(ml), policy, ["imd_decile"])
    lm_pooled = _sum_years(
        lm, ["org_level", "org_code", "org_name", "ethnic_group", "measure"], label
    )
    sb = lm_pooled[
        (lm_pooled["measure"] == "stillbirth") & ~lm_pooled["ethnic_group"].isin(UNKNOWN_GROUPS)
    ]
    excess = excess_totals(compare(sb, "ethnic_group", ethnicity.WHITE), ["org_code", "org_name"])
    # an LMNS's excess is released only when its events reach the policy's minimum
    excess.loc[excess["events"] < policy.min_numerator_for_rate, "excess_events"] = np.nan
    excess = excess.sort_values("excess_events", ascending=False).head(10)
    # every LMNS, all groups: a funnel per pledge baby measure, small multiples by year
    lm_year = lm.groupby(["period", *ORG_KEYS], as_index=False, sort=False)[
        ["numerator", "denominator"]
    ].sum()
    lm_all = _sum_years(lm_year, ORG_KEYS, label)
    funnels, charts = {}, {}
    for m in FUNNEL_MEASURES:
        funnels[m], charts[f"funnel_{m}"] = released_funnel(
            lm_all, m, policy, overdispersion, unit_label="LMNS"
        )
    sb_years = apply_policy(_rates(lm_year[lm_year["measure"] == "stillbirth"]), policy, [])
    eng_sb = apply_policy(
        _rates(
            eth[eth["measure"] == "stillbirth"]
            .groupby(["period", *ORG_KEYS], as_index=False)[["numerator", "denominator"]]
            .sum()
        ),
        policy,
        [],
    )
    sbm = BY_NAME["stillbirth"]
    charts["multiples_stillbirth"] = small_multiples(
        sb_years, eng_sb, f"{sbm.title} by LMNS and year", sbm.per, series_label="LMNS"
    )
    data = NationalData(by_year, deciles, most_least, ineq, excess, funnels, sb_years, charts)
    amb = trends[trends["result"] == "ambition"]
    return _report(label, data, pooled, amb, policy, annotations), data


def _gradient(pooled: pd.DataFrame, deciles: pd.DataFrame, m: str, ineq: pd.DataFrame):
    meas = BY_NAME[m]
    order = [c for c in category_order("imd_decile") if c not in UNKNOWN_GROUPS]
    p = pooled[(pooled["measure"] == m)].set_index("imd_decile").loc[order]
    r = deciles[deciles["measure"] == m].set_index("imd_decile").loc[order].reset_index()
    pop = p["denominator"].to_numpy(float)
    y = (p["numerator"] / p["denominator"]).to_numpy(float) * meas.multiplier
    fitted = pd.DataFrame({"imd_decile": order, "fit": sii_line(y, pop)})
    iq = ineq[ineq["measure"] == m].set_index("summary_measure")["estimate"]
    return gradient_chart(
        r,
        fitted,
        f"{meas.title} by IMD decile",
        meas.per,
        float(iq.get("sii_phe", np.nan)),
        float(iq.get("rii_phe", np.nan)),
    )


def _report(label, data: NationalData, pooled, amb, policy, annotations=()) -> Report:
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
    outside = [
        (BY_NAME[m].title, r.org_name, r.org_code, _f(r.denominator, 0), _f(r.value, 2), pos)
        for m, f in data.funnels.items()
        for pos in ("above", "below")
        for r in f[f["position_99_8"] == pos].itertuples()
    ]
    sections.append(
        Section(
            "Variation between LMNS",
            (
                f"Each LMNS's rate for {label} against its number of births, with the 95% and "
                "99.8% control limits around the England rate (limits: "
                f"{next(iter(data.funnels.values()))['limits'].iloc[0]}), and each LMNS's "
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
                *(data.charts[f"funnel_{m}"] for m in FUNNEL_MEASURES),
                data.charts["multiples_stillbirth"],
            ),
        )
    )
    for m in MEASURES:
        meas = BY_NAME[m]
        ry = data.by_year[m]
        order = [c for c in category_order("ethnic_group") if c not in UNKNOWN_GROUPS]
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
                    _gradient(pooled, data.deciles, m, data.inequality),
                ),
            )
        )
    return Report(
        kind="national",
        title="National equity progress report: maternity and neonatal outcomes",
        organisation="England",
        period=f"births {label} (calendar years of birth)",
        source="matequity store: MSDS-aligned birth records",
        definitions=(
            *measure_definitions(MEASURES),
            "Slope index of inequality (PHE method): the modelled difference between the most "
            "and least deprived ends of the decile distribution.",
        ),
        disclosure=policy.title,
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
