"""The LMNS equity and equality analysis (health outcomes): population profile,
each measure by ethnic group and by deprivation against England and a reference
group, gaps as ratios and excess events, what change the LMNS could detect, data
quality and ethnicity completeness, and a short plain-English summary whose
every number comes from the tables.

Built from API results (counts, rates, compare, power, quality, disclosure);
this module arranges them. Every count and rate shown is released under the
policy; ratios and excess events are withheld with the group's rate.
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
from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME
from matequity.model import deprivation, ethnicity
from matequity.outputs.charts.annotations import Annotation
from matequity.outputs.charts.rates import rates_by_group
from matequity.outputs.charts.spec import ChartSpec
from matequity.outputs.charts.trend import trend_chart
from matequity.outputs.reports.document import Report, Section, Table, measure_definitions
from matequity.outputs.reports.funnel_section import released_funnel
from matequity.quality.completeness import completeness, site_cells
from matequity.stats.compare import compare, excess_totals
from matequity.stats.frames import UNKNOWN_GROUPS, measure_settings
from matequity.stats.power_table import power_table
from matequity.stats.rates import add_rates

MEASURES = (
    "stillbirth",
    "neonatal_mortality",
    "extended_perinatal_mortality",
    "preterm_birth",
    "low_birthweight_term",
    "booked_by_10_weeks",
)
BREAKDOWNS = {"ethnic_group": ethnicity.WHITE, "imd_quintile": deprivation.quintile_label(5)}
RATIO_COLS = ("ratio", "ratio_lower_95", "ratio_upper_95", "excess_events")
LABELS = {"ethnic_group": "Ethnic group", "imd_quintile": "IMD quintile"}
IN_TEXT = {"ethnic_group": "ethnic group", "imd_quintile": "IMD quintile"}
#: measures whose gaps are shown year by year: single years of one LMNS need
#: measures with enough events for the rates to be released
#: (deaths by group in one LMNS-year are too few to publish)
TREND_MEASURES = ("preterm_birth", "booked_by_10_weeks")
FUNNEL_MEASURES = ("stillbirth", "neonatal_mortality")


@dataclass(frozen=True)
class LmnsData:
    released: dict[str, pd.DataFrame]  # by breakdown: released rates + comparisons
    england: pd.DataFrame  # released England rates
    profile: pd.DataFrame
    power: pd.DataFrame
    completeness: pd.DataFrame
    best: pd.DataFrame  # per breakdown and measure: the best group and excess events
    trend: dict[tuple[str, str], pd.DataFrame]  # (measure, by) -> released gaps by year
    funnels: dict[str, pd.DataFrame]  # measure -> released LMNS funnel positions
    charts: dict[str, ChartSpec]  # prepared charts (funnels)


def parse_years(text: str | None, available: list[str]) -> tuple[int, int]:
    years = sorted(int(y) for y in available)
    if not text:
        return years[-3] if len(years) >= 3 else years[0], years[-1]
    try:
        a, b = (int(x) for x in text.split(":"))
    except ValueError:
        raise UserError(f"--period {text!r}: expected YYYY:YYYY") from None
    if a > b or b < years[0] or a > years[-1]:
        raise UserError(f"--period {text}: the data hold births {years[0]} to {years[-1]}")
    return a, b


def _sum_years(counts: pd.DataFrame, keys: list[str], label: str) -> pd.DataFrame:
    out = counts.groupby(keys, as_index=False, sort=False)[["numerator", "denominator"]].sum()
    out["period"] = label
    return out


def _rates(counts: pd.DataFrame) -> pd.DataFrame:
    stat, mult, _ = measure_settings(counts, None, None)
    return add_rates(counts, stat, mult, levels=("95",))


def released_comparison(
    counts: pd.DataFrame, by: str, reference: str, policy: Policy
) -> pd.DataFrame:
    """Released rates by group with the comparison against ``reference``; ratios
    and excess events are withheld with the group's or the reference's rate."""
    rates = _rates(counts)
    cmp_ = compare(counts[~counts[by].isin(UNKNOWN_GROUPS)], by, reference)
    keys = [c for c in ("period", by, "measure") if c in counts.columns]
    rel = apply_policy(rates, policy, [by])
    rel = rel.merge(cmp_[[*keys, *RATIO_COLS]], on=keys, how="left")
    refs = rel.loc[rel[by] == reference, ["period", "measure", "value"]]
    rel = rel.merge(refs.rename(columns={"value": "_ref"}), on=["period", "measure"], how="left")
    hide = rel["value"].isna() | rel["_ref"].isna()
    rel.loc[hide, list(RATIO_COLS)] = np.nan
    return rel.drop(columns=["_ref"])


def best_group(counts: pd.DataFrame, by: str, policy: Policy) -> pd.DataFrame:
    """Per measure: the group with the best rate (``compare``'s 'best') and the
    events that would not have happened had every known group had its rate. The
    total is withheld when the events behind it are fewer than the policy's
    minimum for a rate."""
    known = counts[~counts[by].isin(UNKNOWN_GROUPS)]
    out = excess_totals(compare(known, by, "best"), ["measure"]).rename(
        columns={"reference": "best"}
    )
    out.loc[out["events"] < policy.min_numerator_for_rate, ["excess_events", "excess_share"]] = (
        np.nan
    )
    out.insert(0, "by", by)
    return out.drop(columns=["events"])


def build(
    store: Path,
    lmns: str,
    policy: Policy,
    period: str | None = None,
    overdispersion: str = "none",
    annotations: Sequence[Annotation] = (),
) -> tuple[Report, LmnsData]:
    engine = duckdb_engine(store)
    orgs = engine.execute(engine.table("organisations"))
    mine = orgs[orgs["lmns_code"] == lmns]
    if mine.empty:
        raise UserError(f"unknown LMNS '{lmns}': not in the organisations table")
    name = mine["lmns_name"].iloc[0]
    ms = [BY_NAME[m] for m in MEASURES]
    eng_year = count_table(engine, ms, level="england", period="year")
    a, b = parse_years(period, sorted(eng_year["period"].unique()))
    label = f"{a}-{b}" if a != b else str(a)
    in_years = eng_year["period"].astype(int).between(a, b)
    england = _rates(
        _sum_years(eng_year[in_years], ["org_level", "org_code", "org_name", "measure"], label)
    )
    released, yearly, best = {}, {}, []
    for by, ref in BREAKDOWNS.items():
        c = count_table(engine, ms, by=[by], level="lmns", period="year", org_codes=[lmns])
        c = c[c["period"].astype(int).between(a, b)]
        yearly[by] = c
        tot = _sum_years(c, ["org_level", "org_code", "org_name", by, "measure"], label)
        released[by] = released_comparison(tot, by, ref, policy)
        best.append(best_group(tot, by, policy))
    trend_rel = {
        (m, by): released_comparison(
            yearly[by][yearly[by]["measure"] == m], by, BREAKDOWNS[by], policy
        )
        for m in TREND_MEASURES
        for by in BREAKDOWNS
    }
    fms = [BY_NAME[m] for m in FUNNEL_MEASURES]
    all_lmns = count_table(engine, fms, level="lmns", period="year")
    all_lmns = _sum_years(
        all_lmns[all_lmns["period"].astype(int).between(a, b)],
        ["org_level", "org_code", "org_name", "measure"],
        label,
    )
    funnels, charts = {}, {}
    for m in FUNNEL_MEASURES:
        funnels[m], charts[f"funnel_{m}"] = released_funnel(
            all_lmns, m, policy, overdispersion, lmns, "LMNS"
        )
    cells = site_cells(engine)
    engine.backend.disconnect()
    comp = completeness(cells, orgs)
    comp = comp[(comp["org_level"] == "lmns") & (comp["org_code"] == lmns)]
    prof = released["ethnic_group"][released["ethnic_group"]["measure"] == "stillbirth"]
    sb_year = yearly["ethnic_group"][yearly["ethnic_group"]["measure"] == "stillbirth"]
    pw = power_table(
        sb_year[~sb_year["ethnic_group"].isin(UNKNOWN_GROUPS)], "ethnic_group", ethnicity.WHITE
    )
    data = LmnsData(
        released,
        apply_policy(england, policy, []),
        prof,
        pw,
        comp,
        pd.concat(best, ignore_index=True),
        trend_rel,
        funnels,
        charts,
    )
    return _report(lmns, name, label, data, policy, annotations), data


def _f(v, d: int = 1) -> str:
    return "withheld" if pd.isna(v) else f"{v:,.{d}f}"


def _ratio(r) -> str:
    if pd.isna(r["ratio"]):
        return ""
    return f"{r['ratio']:.2f} ({r['ratio_lower_95']:.2f} to {r['ratio_upper_95']:.2f})"


def narrative(data: LmnsData) -> tuple[str, ...]:
    """Plain-English sentences; every number is a cell of the tables below."""
    out = []
    for by, ref in BREAKDOWNS.items():
        rel = data.released[by]
        for m in ("stillbirth", "neonatal_mortality", "preterm_birth"):
            part = rel[(rel["measure"] == m) & (rel[by] != ref) & rel["ratio"].notna()]
            part = part[~part[by].isin(UNKNOWN_GROUPS) & (part[by] != "All")]
            if part.empty:
                continue
            top = part.sort_values("ratio", ascending=False).iloc[0]
            who = (
                f"babies of {top[by]} mothers"
                if by == "ethnic_group"
                else f"babies in IMD quintile {top[by]}"
            )
            base = (
                f"babies of {ref} mothers" if by == "ethnic_group" else f"babies in quintile {ref}"
            )
            clear = top["ratio_lower_95"] > 1
            out.append(
                f"{BY_NAME[m].title} among {who} was {top['ratio']:.1f} times (95% CI "
                f"{top['ratio_lower_95']:.1f} to {top['ratio_upper_95']:.1f}) that among {base}"
                + ("." if clear else "; the interval includes no difference.")
            )
    return tuple(out)


def best_sentences(data: LmnsData, measure: str) -> list[str]:
    """Against the best group: its released rate (a table cell) and the events
    that would not have happened had every group had that rate."""
    meas = BY_NAME[measure]
    out = []
    for r in data.best[data.best["measure"] == measure].itertuples():
        rel = data.released[r.by]
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


def _trend_section(data: LmnsData, label: str, annotations=()) -> Section:
    tables, charts = [], []
    for (m, by), t in data.trend.items():
        meas, ref = BY_NAME[m], BREAKDOWNS[by]
        order = [c for c in category_order(by) if c not in UNKNOWN_GROUPS]
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
            "the yearly gaps are shown for preterm birth and early booking.",
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


def _report(lmns, name, label, data: LmnsData, policy: Policy, annotations=()) -> Report:
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
    for m in MEASURES:
        meas = BY_NAME[m]
        tables, charts = [], []
        for by, ref in BREAKDOWNS.items():
            rel = data.released[by]
            part = rel[rel["measure"] == m]
            order = [c for c in category_order(by) if c in set(part[by])]
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
            charts=tuple(data.charts[f"funnel_{m}"] for m in FUNNEL_MEASURES),
        )
    )
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
                    if np.isfinite(r.detectable_decrease_3y_pct)
                    else " (but no fall, however large)"
                )
                + " over three years could be detected (80% power, 5% significance)."
                for r in pw.itertuples()
                if np.isfinite(r.detectable_increase_3y_pct)
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
        definitions=measure_definitions(MEASURES),
        disclosure=policy.title,
        version=__version__,
        generated=dt.date.today().isoformat(),
        sections=tuple(sections),
    )
