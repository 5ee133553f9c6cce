"""The analysis functions the web service needs: released counts and rates,
organisations, measures, a data-quality summary and a site's MOSS charts.

Each returns a frozen dataclass of small DataFrames that names its disclosure
policy: a published policy (:mod:`matequity.disclosure.policy`, e.g. ``nhs``)
or :data:`EXACT` for exact figures (management information within a user's
scope, never for publication). Organisation filters go to the engine
(``count_table(org_codes=...)``, ``filter`` before the aggregation), so figures
outside the requested organisations are never computed, let alone returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from matequity import vocabulary as vocab
from matequity.analyses.organisations import table as org_table
from matequity.counts.compute import COUNT_COLUMNS, count_table
from matequity.disclosure import policy as policies
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.columns import release_columns
from matequity.engine.base import Engine
from matequity.errors import UserError
from matequity.measures.catalogue import BY_NAME, MEASURES
from matequity.model import schema
from matequity.quality.completeness import completeness, site_cells
from matequity.signals.from_store import daily_events, monthly_events
from matequity.signals.moss import moss, signal_summary
from matequity.signals.vlad import vlad
from matequity.stats.frames import measure_settings
from matequity.stats.rates import LEVELS, add_rates

#: what exact (unrounded, unsuppressed) figures say in place of a policy name
EXACT = policies.ANALYST_ONLY
#: reference data and definitions: nothing derived from records
NOT_RECORD_DERIVED = "not applicable: not derived from records"


def _policy(name: str | None) -> policies.Policy | None:
    return None if name is None else policies.get(name)


def _measures(names: Sequence[str]) -> list:
    if not names:
        return list(MEASURES)
    out = []
    for n in names:
        if n not in BY_NAME:
            raise UserError(f"unknown measure '{n}': expected one of {', '.join(BY_NAME)}")
        out.append(BY_NAME[n])
    return out


@dataclass(frozen=True)
class CountsResult:
    """A count table (``rates`` adds value and limits), released under
    ``disclosure_policy`` (or exact: :data:`EXACT`)."""

    table: pd.DataFrame
    disclosure_policy: str
    measures: tuple[str, ...]
    by: tuple[str, ...]
    level: str
    period: str
    org_codes: tuple[str, ...] | None = None


def _count_table(engine, measures, by, level, period, org_codes) -> pd.DataFrame:
    if org_codes is not None and len(org_codes) == 0:
        return pd.DataFrame(
            columns=["period", "org_level", "org_code", "org_name", *by, *COUNT_COLUMNS]
        )
    return count_table(
        engine,
        measures,
        by=list(by),
        level=level,
        period=period,
        org_codes=None if org_codes is None else list(org_codes),
    )


def counts(
    engine: Engine,
    *,
    measures: Sequence[str] = (),
    by: Sequence[str] = (),
    level: str = "england",
    org_codes: Sequence[str] | None = None,
    period: str = "year",
    policy: str | None = "nhs",
) -> CountsResult:
    """Numerators and denominators of ``measures`` (default all) by ``by`` at
    ``level`` and ``period``, for ``org_codes`` (None: every organisation of the
    level), released under ``policy`` (None: exact)."""
    ms = _measures(measures)
    pol = _policy(policy)
    df = _count_table(engine, ms, by, level, period, org_codes)
    if pol is None:
        df = df.assign(suppressed="", disclosure_policy=EXACT)
    else:
        df = apply_policy(df, pol, list(by))
    return CountsResult(
        df.reset_index(drop=True),
        EXACT if pol is None else pol.name,
        tuple(m.name for m in ms),
        tuple(by),
        level,
        period,
        None if org_codes is None else tuple(org_codes),
    )


def rates(
    engine: Engine,
    *,
    measures: Sequence[str] = (),
    by: Sequence[str] = (),
    level: str = "england",
    org_codes: Sequence[str] | None = None,
    period: str = "year",
    policy: str | None = "nhs",
    confidence: Sequence[str] = ("95",),
) -> CountsResult:
    """:func:`counts` with each measure's statistic (rate per 1,000 or
    percentage) and confidence limits (``confidence``: keys of
    :data:`matequity.stats.rates.LEVELS`), computed from the unrounded counts
    and then released under ``policy`` (None: exact)."""
    for c in confidence:
        if c not in LEVELS:
            raise UserError(f"confidence {c!r}: expected one of {', '.join(LEVELS)}")
    ms = _measures(measures)
    pol = _policy(policy)
    df = _count_table(engine, ms, by, level, period, org_codes)
    if len(df):
        stat, mult, _better = measure_settings(df, None, None)
        df = add_rates(df, stat, mult, levels=tuple(confidence))
    else:
        df = df.assign(
            value=pd.Series(dtype=float),
            **{f"{b}_{c}": pd.Series(dtype=float) for c in confidence for b in ("lower", "upper")},
            method=pd.Series(dtype=object),
        )
    if pol is None:
        df = df.assign(suppressed="", disclosure_policy=EXACT)
    else:
        df = apply_policy(df, pol, list(by))
    return CountsResult(
        df.reset_index(drop=True),
        EXACT if pol is None else pol.name,
        tuple(m.name for m in ms),
        tuple(by),
        level,
        period,
        None if org_codes is None else tuple(org_codes),
    )


@dataclass(frozen=True)
class Organisations:
    """The organisation hierarchy (site -> trust -> LMNS -> region)."""

    table: pd.DataFrame
    disclosure_policy: str = NOT_RECORD_DERIVED


def organisations(engine: Engine) -> Organisations:
    o = org_table(engine)
    cols = list(schema.ORGANISATION_COLUMNS)
    return Organisations(o[cols].sort_values("site_code").reset_index(drop=True))


@dataclass(frozen=True)
class Measures:
    """The built-in measures and their definitions."""

    table: pd.DataFrame
    disclosure_policy: str = NOT_RECORD_DERIVED


def measures() -> Measures:
    rows = [
        {
            "name": m.name,
            "title": m.title,
            "statistic": m.statistic,
            "multiplier": m.multiplier,
            "per": m.per,
            "numerator": m.numerator_text,
            "denominator": m.denominator_text,
            "unit": m.unit,
            "higher_is_better": m.higher_is_better,
            "source": m.source,
        }
        for m in MEASURES
    ]
    return Measures(pd.DataFrame(rows))


@dataclass(frozen=True)
class QualitySummary:
    """Completeness of ethnicity and deprivation coding per organisation."""

    completeness: pd.DataFrame
    disclosure_policy: str
    level: str


def quality_summary(
    engine: Engine,
    *,
    level: str = "trust",
    org_codes: Sequence[str] | None = None,
    policy: str | None = "nhs",
) -> QualitySummary:
    """Percent of babies with a recorded ethnic group and IMD quintile, per
    organisation of ``level`` (docs/quality.md, completeness), counted in the
    engine for ``org_codes`` only; counts released under ``policy`` (None:
    exact), percentages from the unrounded counts (the NHS convention)."""
    code_col = vocab.level(level).code_column
    pol = _policy(policy)
    cols = ["dimension", "org_level", "org_code", "known", "total", "percent"]
    if org_codes is not None and not code_col:
        raise UserError(f"org_codes needs an organisation level, not '{level}'")
    if org_codes is not None and len(org_codes) == 0:
        df = pd.DataFrame(columns=cols)
    else:
        within = None if org_codes is None else (code_col, list(org_codes))
        cells = site_cells(engine, within=within)
        orgs = org_table(engine)
        if org_codes is not None:
            orgs = orgs[orgs[code_col].isin(list(org_codes))]
        full = completeness(cells, orgs) if len(cells) else pd.DataFrame(columns=[*cols, "by"])
        df = full[(full["by"] == "organisation") & (full["org_level"] == level)][cols]
    df = df.sort_values(["dimension", "org_code"]).reset_index(drop=True)
    if pol is None:
        df = df.assign(disclosure_policy=EXACT)
    else:
        df = release_columns(df, pol, ("known", "total"))
    return QualitySummary(df, EXACT if pol is None else pol.name, level)


@dataclass(frozen=True)
class MossCharts:
    """The MOSS chart of every site (NHS England MOSS; :mod:`matequity.signals.moss`),
    exact: only shown for sites in a user's scope."""

    chart: pd.DataFrame
    reference_rate: float | None
    disclosure_policy: str = EXACT


def moss_charts(
    engine: Engine, *, reference_rate: float | None = None, **options: object
) -> MossCharts:
    """Term events and births by site-month from the engine, then the MOSS
    CUSUM for every site (the national reference rate needs every site);
    ``options``: per-site reference rates and the year-change mode of
    :func:`matequity.signals.moss.moss`."""
    return MossCharts(moss(monthly_events(engine), reference_rate, **options), reference_rate)


@dataclass(frozen=True)
class MossSite:
    """One site's MOSS chart, its excess-events chart and its signal summary."""

    site_code: str
    chart: pd.DataFrame
    excess: pd.DataFrame
    summary: pd.DataFrame
    disclosure_policy: str = EXACT
    signals: pd.DataFrame = field(default_factory=pd.DataFrame)


def moss_site(engine: Engine, charts: MossCharts, *, site_code: str) -> MossSite:
    """The site's months of ``charts``, its daily excess events (MOSS annex 4:
    cumulative observed minus expected, never reset) and its signal counts."""
    chart = charts.chart[charts.chart["site_code"] == site_code].reset_index(drop=True)
    if chart.empty:
        raise UserError(f"site {site_code!r}: no MOSS chart (no births at this site)")
    excess = vlad(daily_events(engine, [site_code]), chart)
    sig = chart[chart["level"].fillna(0).astype(int) > 0]
    return MossSite(site_code, chart, excess, signal_summary(chart), signals=sig)


def months_leading_to(chart: pd.DataFrame, month: str) -> pd.DataFrame:
    """The chart's months that built up to ``month``'s signal: from the month
    after the CUSUM last stood at zero (or was reset) up to ``month``."""
    c = chart[chart["month"] <= month].sort_values("month").reset_index(drop=True)
    if c.empty:
        return c
    start = 0
    for i in range(len(c) - 1):
        if (c.loc[i, "cusum"] == 0) or bool(c.loc[i + 1, "reset"]):
            start = i + 1
    return c.iloc[start:].reset_index(drop=True)
