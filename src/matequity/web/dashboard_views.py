"""The dashboard pages as tables and charts: each page is a :class:`Page` of
named :class:`Table` and :class:`Chart` views laid out from the analyses'
released frames (no arithmetic here: columns are chosen, labelled and
formatted). The same page object serves the HTML, the table downloads (CSV,
.xlsx) and the chart downloads (PNG, SVG), so a download is exactly what the
page shows, with its disclosure policy and data period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import pandas as pd

from matequity import vocabulary as vocab
from matequity.accounts.scope import Scope
from matequity.analyses.exact import EXACT
from matequity.errors import UserError
from matequity.measures import catalogue as cat
from matequity.outputs.charts.funnel import funnel_of
from matequity.outputs.charts.rates import rates_by_group
from matequity.outputs.charts.spec import ChartSpec
from matequity.outputs.charts.trend import gradient_chart, trend_chart
from matequity.stats.ambitions import AMBITIONS
from matequity.web.dashboard_data import DashboardData, Link

P = TypeVar("P", bound="Page")
BREAKDOWN_CHOICES = ("ethnic_group", "imd_quintile")
LEVEL_WORDS = {
    "england": "England",
    "region": "region",
    "lmns": "LMNS",
    "trust": "trust",
    "site": "site",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: text, count, rate, ratio, percent, excess, flag
    kind: str = "text"
    #: the column holding this cell's link (a page of the dashboard)
    href: str | None = None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    frame: pd.DataFrame
    columns: tuple[Column, ...]
    policy: str
    period: str
    note: str = ""
    #: columns that identify a row (data attributes for tests and scripts)
    keys: tuple[str, ...] = ()

    def rows(self) -> list[dict]:
        return self.frame.to_dict("records")

    def download(self) -> pd.DataFrame:
        """The columns shown, with each row's disclosure policy and the data period."""
        cols = [c.key for c in self.columns if c.key in self.frame.columns]
        out = self.frame[cols].copy()
        out["disclosure_policy"] = self.frame.get("disclosure_policy", self.policy)
        out["data_period"] = self.period
        return out


@dataclass(frozen=True)
class Chart:
    name: str
    spec: ChartSpec
    #: the table holding the chart's data (its table view)
    table: str
    policy: str
    period: str


@dataclass
class Page:
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)

    def add_table(self, t: Table) -> Table:
        self.tables[t.name] = t
        return t

    def add_chart(self, c: Chart) -> Chart:
        self.charts[c.name] = c
        return c


@dataclass(frozen=True)
class ViewQuery:
    """What a dashboard page shows, all of it in the URL."""

    period: str | None = None
    measure: str = "stillbirth"
    breakdown: str = "ethnic_group"
    overdispersion: str = "none"

    def validated(self) -> ViewQuery:
        if self.measure not in cat.CATALOGUE.names:
            raise UserError(
                f"measure {self.measure!r}: expected one of {', '.join(cat.CATALOGUE.names)}"
            )
        if self.breakdown not in BREAKDOWN_CHOICES:
            raise UserError(
                f"breakdown {self.breakdown!r}: expected {' or '.join(BREAKDOWN_CHOICES)}"
            )
        if self.overdispersion not in vocab.OVERDISPERSION:
            raise UserError(
                f"overdispersion {self.overdispersion!r}: expected "
                f"{', '.join(vocab.OVERDISPERSION)}"
            )
        if self.period is not None:
            parts = self.period.split(":")
            if not (1 <= len(parts) <= 2 and all(p.isdigit() and len(p) == 4 for p in parts)):
                raise UserError(f"period {self.period!r}: expected YYYY:YYYY")
        return self

    def params(self, **over: str | None) -> dict[str, str]:
        d = {
            "period": self.period,
            "measure": self.measure,
            "breakdown": self.breakdown,
            "overdispersion": self.overdispersion,
        }
        d.update(over)
        defaults = ViewQuery()
        return {k: v for k, v in d.items() if v is not None and v != getattr(defaults, k, object())}


def policy_words(policy: str) -> str:
    if policy == EXACT.name:
        return "exact figures (management information within your scope, not for publication)"
    if policy.startswith("mixed"):
        return "exact within your scope, released under the publication policy outside it"
    return f"released under the '{policy}' disclosure policy"


def _measure(name: str):
    return cat.CATALOGUE.get(name)


def _unit(m) -> str:
    return f"{m.title} ({m.per})"


def _group_title(by: str) -> str:
    return vocab.BREAKDOWN[by].title


def org_href(level: str, code: str, q: ViewQuery | None = None, **over: str) -> str:
    from urllib.parse import urlencode

    params = (q or ViewQuery()).params(**over) if (q or over) else {}
    base = f"/org/{level}/{code}"
    return f"{base}?{urlencode(params)}" if params else base


# -- the organisation page -----------------------------------------------------


@dataclass
class OrgPage(Page):
    org: object = None
    query: ViewQuery = field(default_factory=ViewQuery)
    years: object = None
    policy: str = ""
    in_scope: bool = False
    breadcrumbs: list[Link] = field(default_factory=list)
    children: list[Link] = field(default_factory=list)
    siblings: list[Link] = field(default_factory=list)
    child_level: str | None = None
    sii: dict = field(default_factory=dict)
    england_value: float | None = None
    available_years: list[str] = field(default_factory=list)


def _summary_tables(page: OrgPage, s, q: ViewQuery, org) -> None:
    rates = s.rates.assign(
        measure_title=s.rates["measure"].map(lambda m: _measure(m).title),
        per=s.rates["measure"].map(lambda m: _measure(m).per),
        href=s.rates["measure"].map(lambda m: org_href(org.level, org.code, q, measure=m)),
    )
    page.add_table(
        Table(
            "summary",
            f"Every measure, births {s.years.label}",
            rates,
            (
                Column("measure_title", "Measure", href="href"),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("lower_95", "95% lower", "rate"),
                Column("upper_95", "95% upper", "rate"),
                Column("per", "Unit"),
            ),
            s.policy,
            s.years.label,
            keys=("measure",),
        )
    )
    page.add_table(
        _gaps_table(
            s.gaps,
            org=org,
            q=q,
            title="The widest gap for each measure: the worst group against the best group",
            note="Excess events: the events that would not have happened at the best "
            "group's rate. The best group needs at least 10 events.",
            policy=s.policy,
            years=s.years,
        )
    )


GAP_COLUMNS = (
    Column("measure_title", "Measure", href="href"),
    Column("breakdown", "By"),
    Column("group", "Worst group"),
    Column("value", "Its rate", "rate"),
    Column("best", "Best group"),
    Column("best_value", "Best rate", "rate"),
    Column("ratio", "Rate ratio", "ratio"),
    Column("ratio_lower_95", "95% lower", "ratio"),
    Column("ratio_upper_95", "95% upper", "ratio"),
    Column("significance", "Significance"),
    Column("excess_events", "Excess events in the group", "excess"),
    Column("excess_all_groups", "Excess events, all groups", "excess"),
)


def _gaps_table(
    gaps: pd.DataFrame, *, org, q: ViewQuery, title: str, note: str, policy: str, years
) -> Table:
    """The widest gaps (worst group against best, per measure and breakdown), each
    linking to its measure's groups on the organisation's page."""
    shown = gaps.assign(
        measure_title=gaps["measure"].map(lambda m: _measure(m).title),
        breakdown=gaps["by"].map(_group_title),
        href=[
            org_href(org.level, org.code, q, measure=m, breakdown=b) + "#groups"
            for m, b in zip(gaps["measure"], gaps["by"], strict=True)
        ],
        significance=gaps["clear"].map(
            lambda c: "interval excludes no difference" if c else "interval includes 1"
        ),
    )
    return Table(
        name="gaps",
        title=title,
        frame=shown,
        columns=GAP_COLUMNS,
        policy=policy,
        period=years.label,
        note=note,
        keys=("measure", "by"),
    )


def _group_tables(page: OrgPage, cmp_, detail, q: ViewQuery, m) -> None:
    for by in BREAKDOWN_CHOICES:
        g = detail.groups[by]
        t = cmp_.groups[by].merge(
            g.table[[by, "ratio", "ratio_lower_95", "ratio_upper_95", "excess_events"]], on=by
        )
        t = t.assign(group=t[by])
        best = g.best
        best_name = best["best"].iloc[0] if len(best) else None
        note = f"Reference group: {g.reference}." + (
            f" Best group: {best_name}; {_excess_words(best)}." if best_name else ""
        )
        page.add_table(
            Table(
                f"groups_{by}",
                f"{m.title} by {_group_title(by).lower()}, births {detail.years.label}",
                t,
                (
                    Column("group", _group_title(by)),
                    Column("numerator", "Events", "count"),
                    Column("denominator", "Of", "count"),
                    Column("value", "Rate", "rate"),
                    Column("lower_95", "95% lower", "rate"),
                    Column("upper_95", "95% upper", "rate"),
                    Column("england_value", "England", "rate"),
                    Column("vs_england", "Against England"),
                    Column("ratio", f"Ratio to {g.reference}", "ratio"),
                    Column("ratio_lower_95", "95% lower", "ratio"),
                    Column("ratio_upper_95", "95% upper", "ratio"),
                    Column("excess_events", f"Excess events at the {g.reference} rate", "excess"),
                ),
                detail.policy,
                detail.years.label,
                note=note,
                keys=("group",),
            )
        )
        c = rates_by_group(
            t[~t[by].isin(vocab.UNKNOWN_GROUPS)],
            by,
            f"{m.title} by {_group_title(by).lower()}",
            _unit(m),
            None if pd.isna(cmp_.england_value) else float(cmp_.england_value),
            "England",
            list(vocab.BREAKDOWN[by].order),
        )
        page.add_chart(
            Chart(
                f"groups_{by}",
                ChartSpec(f"chart_groups_{by}", c.title, c.alt_text, c.chart),
                f"groups_{by}",
                detail.policy,
                detail.years.label,
            )
        )


def _excess_words(best: pd.DataFrame) -> str:
    v = best["excess_events"].iloc[0]
    if pd.isna(v):
        return "excess events at its rate withheld (too few events)"
    return f"{v:,.1f} excess events had every group had its rate"


def _trend_tables(page: OrgPage, cmp_, detail, q: ViewQuery, m, org_name: str) -> None:
    by_year = cmp_.by_year.assign(year=cmp_.by_year["period"])
    page.add_table(
        Table(
            "by_year",
            f"{m.title} by year of birth",
            by_year,
            (
                Column("year", "Year"),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("lower_95", "95% lower", "rate"),
                Column("upper_95", "95% upper", "rate"),
                Column("england_value", "England", "rate"),
            ),
            detail.policy,
            detail.years.label,
            keys=("year",),
        )
    )
    series = pd.concat(
        [
            by_year[["period", "value"]].assign(series=org_name),
            by_year[["period", "england_value"]]
            .rename(columns={"england_value": "value"})
            .assign(series="England"),
        ]
        if detail.organisation.level != "england"
        else [by_year[["period", "value"]].assign(series=org_name)],
        ignore_index=True,
    )
    amb = AMBITIONS.get(m.name)
    c = trend_chart(
        series,
        "series",
        f"{m.title} by year",
        _unit(m),
        [org_name, "England"],
        amb.target if amb else None,
        amb.year if amb else None,
    )
    page.add_chart(
        Chart(
            "by_year",
            ChartSpec("chart_by_year", c.title, c.alt_text, c.chart),
            "by_year",
            detail.policy,
            detail.years.label,
        )
    )
    if len(detail.ambition):
        page.add_table(
            Table(
                "ambition",
                f"Against the {amb.year if amb else 2025} national ambition",
                detail.ambition,
                (
                    Column("target", "Ambition", "rate"),
                    Column("latest_value", "Latest year", "rate"),
                    Column("projected_value", "Projected at the current trend", "rate"),
                    Column("year_reached", "Year the ambition is reached"),
                ),
                detail.policy,
                detail.years.label,
                note=f"{amb.source if amb else ''}. Rates {m.per}.",
            )
        )
    by = q.breakdown
    gy = detail.group_years[by].assign(group=detail.group_years[by][by])
    c = trend_chart(
        gy,
        by,
        f"{m.title} by {_group_title(by).lower()} and year",
        _unit(m),
        list(vocab.BREAKDOWN[by].order),
    )
    gy_table = gy.assign(year=gy["period"])
    page.add_table(
        Table(
            f"group_years_{by}",
            f"{m.title} by {_group_title(by).lower()} and year",
            gy_table,
            (
                Column("year", "Year"),
                Column("group", _group_title(by)),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("lower_95", "95% lower", "rate"),
                Column("upper_95", "95% upper", "rate"),
            ),
            detail.policy,
            detail.years.label,
            keys=("year", "group"),
        )
    )
    page.add_chart(
        Chart(
            f"group_years_{by}",
            ChartSpec(f"chart_group_years_{by}", c.title, c.alt_text, c.chart),
            f"group_years_{by}",
            detail.policy,
            detail.years.label,
        )
    )
    tr = detail.trends[by]
    page.add_table(
        Table(
            f"trends_{by}",
            f"Trends and gaps by {_group_title(by).lower()}",
            tr.assign(
                what=tr["result"].map(
                    {
                        "trend": "annual percentage change (%)",
                        "gap": "yearly change in the rate ratio",
                    }
                )
            ),
            (
                Column("group", _group_title(by)),
                Column("what", "Estimate"),
                Column("reference", "Against"),
                Column("estimate", "Value", "ratio"),
                Column("lower_95", "95% lower", "ratio"),
                Column("upper_95", "95% upper", "ratio"),
                Column("direction", "The gap is"),
            ),
            detail.policy,
            detail.years.label,
            note="A gap is widening when the yearly change in the rate ratio moves it away "
            "from 1 (p < 0.05); trends need at least three years.",
            keys=("group", "result"),
        )
    )


def _gradient(page: OrgPage, detail, m) -> None:
    g = detail.gradient
    if g is None:
        return
    t = g.deciles.merge(g.fitted, on="imd_decile", how="left")
    page.add_table(
        Table(
            "gradient",
            f"{m.title} by IMD decile (1 = most deprived)",
            t,
            (
                Column("imd_decile", "IMD decile"),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("lower_95", "95% lower", "rate"),
                Column("upper_95", "95% upper", "rate"),
                Column("fit", "Slope-index line", "rate"),
            ),
            detail.policy,
            detail.years.label,
            note=f"Slope index of inequality {g.sii:.2f} {m.per} (the modelled difference "
            f"between the most and least deprived); relative index {g.rii:.2f}.",
            keys=("imd_decile",),
        )
    )
    c = gradient_chart(
        g.deciles, g.fitted, f"{m.title}: deprivation gradient", _unit(m), g.sii, g.rii
    )
    page.add_chart(
        Chart(
            "gradient",
            ChartSpec("chart_gradient", c.title, c.alt_text, c.chart),
            "gradient",
            detail.policy,
            detail.years.label,
        )
    )
    page.sii = {"sii": g.sii, "rii": g.rii}


def _peers(page: OrgPage, p, m, q: ViewQuery) -> None:
    if p is None:
        return
    word = {"region": "regions", "lmns": "LMNS", "trust": "trusts", "site": "sites"}[
        p.organisation.level
    ]
    pts = p.funnel.points.assign(
        href=[org_href(p.organisation.level, c, q) for c in p.funnel.points["org_code"]],
        position=p.funnel.points["position_99_8"].map(
            {"above": "above the 99.8% limit", "below": "below the 99.8% limit", "within": "within"}
        ),
        this=(p.funnel.points["org_code"] == p.organisation.code).map({True: "this one"}),
    )
    page.add_table(
        Table(
            "peers",
            f"{m.title}: every {LEVEL_WORDS[p.organisation.level]} compared",
            pts,
            (
                Column("org_name", "Organisation", href="href"),
                Column("org_code", "Code"),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("position", "Position (99.8% limits)"),
                Column("this", "Highlighted"),
                Column("disclosure_policy", "Figures", "policy"),
            ),
            p.funnel.policy,
            p.years.label,
            note=f"Limits: {p.funnel.method}.",
            keys=("org_code",),
        )
    )
    c = funnel_of(p.funnel, m, word)
    page.add_chart(
        Chart(
            "peers",
            ChartSpec("chart_peers", c.title, c.alt_text, c.chart),
            "peers",
            p.funnel.policy,
            p.years.label,
        )
    )


def _units(page: OrgPage, u, m, q: ViewQuery) -> None:
    if u is None:
        return
    t = u.table[u.table["measure"] == m.name]
    t = t.assign(href=[org_href(u.level, c, q) for c in t["org_code"]])
    page.add_table(
        Table(
            "units",
            f"{m.title} in each {LEVEL_WORDS[u.level]} within",
            t,
            (
                Column("org_name", "Organisation", href="href"),
                Column("org_code", "Code"),
                Column("numerator", "Events", "count"),
                Column("denominator", "Of", "count"),
                Column("value", "Rate", "rate"),
                Column("lower_95", "95% lower", "rate"),
                Column("upper_95", "95% upper", "rate"),
                Column("excess_events", "Excess events at its White rate", "excess"),
                Column("disclosure_policy", "Figures", "policy"),
            ),
            t_policy(t, u.policy),
            u.years.label,
            keys=("org_code",),
        )
    )


def t_policy(t: pd.DataFrame, fallback: str) -> str:
    pols = set(t["disclosure_policy"]) if len(t) else {fallback}
    return pols.pop() if len(pols) == 1 else "mixed"


def _quality(page: OrgPage, qa) -> None:
    p, y = qa.policy, qa.years.label
    page.add_table(
        Table(
            "completeness",
            "Coding completeness",
            qa.completeness,
            (
                Column("dimension", "Recorded"),
                Column("known", "Babies with it recorded", "count"),
                Column("total", "Babies", "count"),
                Column("percent", "Percent", "percent"),
            ),
            p,
            "all years held",
            keys=("dimension",),
        )
    )
    page.add_table(
        Table(
            "mis",
            f"MIS safety action 2: ethnicity recorded for at least {qa.mis_threshold:g}% of "
            "women booked",
            qa.mis_summary,
            (
                Column("trust_code", "Trust"),
                Column("months", "Booking months checked", "count"),
                Column("months_passing", "Months passing", "count"),
                Column("latest_month", "Latest month"),
                Column("latest_percent", "Latest percent", "percent"),
            ),
            p,
            y,
            note="Booking month derived from the birth date and the gestations (docs/quality.md).",
            keys=("trust_code",),
        )
    )
    page.add_table(
        Table(
            "plausibility",
            "Plausibility checks",
            qa.plausibility,
            (
                Column("check", "Check"),
                Column("flagged", "Records flagged", "count"),
                Column("periods_flagged", "Periods flagged", "count"),
                Column("detail", "Rule"),
            ),
            p,
            y,
            keys=("check",),
        )
    )
    page.add_table(
        Table(
            "quarantine",
            "Rows quarantined at ingest",
            qa.quarantine,
            (Column("reason", "Reason"), Column("rows", "Rows", "count")),
            p,
            y,
            keys=("reason",),
        )
    )


def org_page(dd: DashboardData, scope: Scope, org, q: ViewQuery) -> OrgPage:
    q = q.validated()
    m = _measure(q.measure)
    s = dd.summary(scope, org, q.period)
    detail = dd.detail(scope, org, q.period, q.measure)
    cmp_ = dd.comparison(scope, org, q.period, q.measure)
    page = OrgPage(
        org=org,
        query=q,
        years=s.years,
        policy=s.policy,
        in_scope=dd.policy_for(scope, org) is None,
        breadcrumbs=dd.breadcrumbs(org),
        children=dd.children(org),
        siblings=dd.siblings(org),
        england_value=None if pd.isna(cmp_.england_value) else float(cmp_.england_value),
        available_years=dd.years(),
    )
    _summary_tables(page, s, q, org)
    _group_tables(page, cmp_, detail, q, m)
    _trend_tables(page, cmp_, detail, q, m, org.name)
    _gradient(page, detail, m)
    _peers(page, dd.peers(scope, org, q.period, q.measure, q.overdispersion), m, q)
    u = dd.units(scope, org, q.period, cat.CATALOGUE.names)
    if u is not None:
        page.child_level = u.level
    _units(page, u, m, q)
    _quality(page, dd.quality(scope, org, q.period))
    return page


def page_key(kind: str, scope: Scope, org, q: ViewQuery) -> tuple:
    """What a page's content depends on, besides the store's version: its kind,
    the scope (a role and its organisation), the organisation and the view."""
    return (kind, scope.role, scope.org_code, org.level, org.code, q)


def cached_org_page(dd: DashboardData, scope: Scope, org, q: ViewQuery) -> OrgPage:
    """:func:`org_page`, built once per store version and :func:`page_key`: a
    warm page is laid out from the cache, its charts' specs already built."""
    key = page_key("org_page", scope, org, q)
    return dd.data.cached(key, lambda _e: _built(org_page(dd, scope, org, q)))


def cached_home_page(dd: DashboardData, scope: Scope, org, q: ViewQuery) -> HomePage:
    """:func:`home_page`, cached as :func:`cached_org_page`."""
    key = page_key("home_page", scope, org, q)
    return dd.data.cached(key, lambda _e: _built(home_page(dd, scope, org, q)))


def _built(page: P) -> P:
    for c in page.charts.values():
        c.spec.spec()
    return page


# -- the home page ------------------------------------------------------------------


@dataclass
class HomePage(Page):
    org: object = None
    query: ViewQuery = field(default_factory=ViewQuery)
    years: object = None
    policy: str = ""
    unit_level: str | None = None


def home_page(dd: DashboardData, scope: Scope, org, q: ViewQuery) -> HomePage:
    q = q.validated()
    h = dd.home(scope, org, q.period)
    page = HomePage(org=org, query=q, years=h.years, policy=h.policy)
    page.add_table(
        _gaps_table(
            h.gaps,
            org=org,
            q=q,
            title="The widest gaps: the worst group against the best group",
            note="Excess events: the events that would not have happened at the best group's rate.",
            policy=h.policy,
            years=h.years,
        )
    )
    if h.units is not None:
        page.unit_level = h.units.level
        ex = h.excess.assign(
            measure_title=h.excess["measure"].map(lambda m: _measure(m).title),
            href=[
                org_href(h.units.level, c, q, measure=m)
                for c, m in zip(h.excess["org_code"], h.excess["measure"], strict=True)
            ],
        )
        page.add_table(
            Table(
                "excess",
                f"The {LEVEL_WORDS[h.units.level]} carrying most excess stillbirths and "
                "neonatal deaths",
                ex,
                (
                    Column("measure_title", "Measure"),
                    Column("org_name", "Organisation", href="href"),
                    Column("org_code", "Code"),
                    Column("excess_events", "Excess events at its White rate", "excess"),
                    Column("numerator", "Events", "count"),
                    Column("value", "Rate", "rate"),
                    Column("disclosure_policy", "Figures", "policy"),
                ),
                t_policy(ex, h.units.policy),
                h.years.label,
                note="Excess events: the deaths that would not have happened had every "
                "ethnic group had the organisation's White rate (the national equity "
                "analysis's count); withheld below the policy's minimum events.",
                keys=("measure", "org_code"),
            )
        )
    wid = h.widening.assign(
        measure_title=h.widening["measure"].map(lambda m: _measure(m).title),
        breakdown=h.widening["by"].map(_group_title),
        href=[
            org_href(org.level, org.code, q, measure=m, breakdown=b) + "#trends"
            for m, b in zip(h.widening["measure"], h.widening["by"], strict=True)
        ],
    )
    page.add_table(
        Table(
            "widening",
            "Widening gaps",
            wid,
            (
                Column("measure_title", "Measure", href="href"),
                Column("breakdown", "By"),
                Column("group", "Group"),
                Column("reference", "Against"),
                Column("estimate", "Yearly change in the rate ratio", "ratio"),
                Column("lower_95", "95% lower", "ratio"),
                Column("upper_95", "95% upper", "ratio"),
            ),
            h.policy,
            h.years.label,
            note="Gaps whose rate ratio moves away from 1 year on year (group x year "
            "interaction in a Poisson model, p < 0.05).",
            keys=("measure", "by", "group"),
        )
    )
    return page


def signal_rows(df: pd.DataFrame, names: dict, sites: Sequence[str], limit: int = 20) -> list:
    """The register's rows for ``sites`` needing action (not closed), overdue first."""
    part = df[df["site_code"].isin(list(sites)) & (df["status"] != "closed")].head(limit)
    return [
        {**r, "site_name": names.get(r["site_code"], {}).get("site_name", r["site_code"])}
        for r in part.to_dict("records")
    ]
