"""The equity dashboard: the home page of a user's scope and the drill-down
pages of England, each region, LMNS, trust and site, with their downloads
(tables as CSV and .xlsx, charts as PNG and SVG, the reports as HTML and PDF).

Everything a page shows is in its URL (``period``, ``measure``,
``breakdown``, ``overdispersion``): plain links and GET forms, so a view can
be bookmarked and back and forward work. Views and exports are audited."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from matequity import audit
from matequity import vocabulary as vocab
from matequity.analyses.exact import EXACT
from matequity.analyses.export import csv_text
from matequity.measures import catalogue as cat
from matequity.outputs.charts import render as chart_render
from matequity.outputs.charts.provenance import with_provenance
from matequity.pipeline import reports as report_pipeline
from matequity.tablefiles import write_counts
from matequity.web import panels, signal_views
from matequity.web.auth.deps import PageUser
from matequity.web.context import Ctx, ServiceContext, client_ip
from matequity.web.dashboard_data import DashboardData
from matequity.web.dashboard_views import (
    BREAKDOWN_CHOICES,
    LEVEL_WORDS,
    Page,
    cached_home_page,
    cached_org_page,
    org_href,
    page_key,
    policy_words,
    signal_rows,
)
from matequity.web.dashboard_views import (
    ViewQuery as View,
)
from matequity.web.data import NotFound
from matequity.web.routes.pages import render

router = APIRouter(include_in_schema=False)

TABLE_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHART_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
REPORT_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
#: the report each level has (pipeline/reports.py)
REPORT_KIND = {"england": "national", "lmns": "lmns", "trust": "board"}
#: an organisation page's panels (templates/panels/), in order
PANELS = (
    "summary",
    "groups",
    "trends",
    "gradient",
    "peers",
    "units",
    "quality",
    "signals",
    "related",
)
#: the panels that show the view alone (not the user's signals): laid out once
#: per store version and view, as the page itself is cached
VIEW_PANELS = tuple(p for p in PANELS if p != "signals")

Period = Annotated[str | None, Query(max_length=9, pattern=r"^\d{4}(:\d{4})?$")]
Year = Annotated[str | None, Query(max_length=4, pattern=r"^\d{4}$")]
Measure = Annotated[str, Query(max_length=64)]
Breakdown = Annotated[str, Query(max_length=32)]
Overdispersion = Annotated[str, Query(max_length=8)]


def dashboard(ctx: ServiceContext) -> DashboardData:
    return DashboardData(ctx.data)


def _period(period: str | None, first: str | None, last: str | None) -> str | None:
    if first or last:
        a, b = first or last, last or first
        return f"{a}:{b}"
    return period


def _audit(ctx, ident, request, action: str, target: str, detail: dict) -> None:
    audit.record(
        ctx.db, ident.user.email, action, target, detail, ident.user.id, client_ip(request)
    )


def _common(ctx: ServiceContext, ident) -> dict:
    return {"user": ident.user, "csrf_token": ident.csrf_token, **_layout()}


def _layout() -> dict:
    """What every page's layout uses that is not the user's."""
    return {
        "policy_words": policy_words,
        "exact_name": EXACT.name,
        "measures": [(m.name, m.title) for m in cat.CATALOGUE],
        "breakdowns": [(b, vocab.BREAKDOWN[b].title) for b in BREAKDOWN_CHOICES],
        "overdispersions": [
            ("none", "exact limits"),
            ("phi", "overdispersed (phi)"),
            ("tau2", "overdispersed (tau²)"),
        ],
        "level_words": LEVEL_WORDS,
        "level_titles": {lv.name: lv.title for lv in vocab.LEVELS},
        "org_href": org_href,
    }


def _canonical(request: Request, period: str | None) -> RedirectResponse:
    """The form's from/to years folded into ``period`` (one canonical URL per view)."""
    params = {k: v for k, v in request.query_params.items() if k not in ("from", "to") and v != ""}
    if period:
        params["period"] = period
    q = urlencode(params)
    return RedirectResponse(f"{request.url.path}{'?' + q if q else ''}", status_code=303)


@router.get("/")
def home(
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    period: Period = None,
    first: Annotated[Year, Query(alias="from")] = None,
    last: Annotated[Year, Query(alias="to")] = None,
) -> Response:
    if first or last:
        return _canonical(request, _period(period, first, last))
    dd = dashboard(ctx)
    scope = ctx.data.scope(ident.user)
    org = dd.home_org(scope)
    q = View(period=period)
    page = cached_home_page(dd, scope, org, q)
    reg = signal_views.inbox(ctx.db, scope, signal_views.SignalFilters(), dt.date.today())
    names = ctx.data.site_records()
    signals = signal_rows(reg, names, sorted(scope.sites))
    _audit(ctx, ident, request, "view", f"{org.level}:{org.code}", {"page": "home"})
    return render(
        ctx,
        "home.html.j2",
        **_common(ctx, ident),
        page=page,
        org=org,
        q=q,
        years=dd.years(),
        signals=signals,
        signals_total=int((reg["status"] != "closed").sum()) if len(reg) else 0,
        download_base="/home/download",
        query_string=urlencode(q.params()),
    )


@router.get("/org/{level}/{code}")
def organisation(
    level: str,
    code: str,
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    period: Period = None,
    measure: Measure = "stillbirth",
    breakdown: Breakdown = "ethnic_group",
    overdispersion: Overdispersion = "none",
    first: Annotated[Year, Query(alias="from")] = None,
    last: Annotated[Year, Query(alias="to")] = None,
) -> Response:
    if first or last:
        return _canonical(request, _period(period, first, last))
    dd = dashboard(ctx)
    scope = ctx.data.scope(ident.user)
    org = dd.find(level, code)
    q = View(period, measure, breakdown, overdispersion)
    page = cached_org_page(dd, scope, org, q)
    sites = [s for s in org.sites if scope.sees_site(s)]
    reg = signal_views.inbox(ctx.db, scope, signal_views.SignalFilters(), dt.date.today())
    names = ctx.data.site_records()
    _audit(
        ctx,
        ident,
        request,
        "view",
        f"{org.level}:{org.code}",
        {"page": "organisation", **q.params(), "disclosure_policy": page.policy},
    )
    kind = REPORT_KIND.get(org.level)
    view = {
        "page": page,
        "org": org,
        "q": q,
        "m": cat.CATALOGUE.get(q.measure),
        "years": page.available_years,
        "download_base": f"/org/{org.level}/{org.code}/download",
        "query_string": urlencode(q.params()),
        "report_kind": kind if kind and page.in_scope else None,
    }
    key = page_key("org_panels", scope, org, q)
    done = ctx.data.cached(key, lambda _e: panels.lay_out(ctx, VIEW_PANELS, {**_layout(), **view}))
    return render(
        ctx,
        "org.html.j2",
        **_common(ctx, ident),
        **view,
        panels=PANELS,
        panel_html=done,
        signals=signal_rows(reg, names, sites),
        site_filter=org.code if org.level == "site" else None,
    )


def _split_name(filename: str, types: dict[str, str]) -> tuple[str, str]:
    stem, _, ext = filename.rpartition(".")
    if not stem or ext not in types:
        raise NotFound(f"no such download {filename!r}: expected NAME.{'|'.join(types)}")
    return stem, ext


def _send(ctx, ident, request, page: Page, filename: str, target: str, q: View) -> Response:
    stem, ext = _split_name(filename, {**TABLE_TYPES, **CHART_TYPES})
    if ext in TABLE_TYPES:
        t = page.tables.get(stem)
        if t is None:
            raise NotFound(f"no table {stem!r} on this page")
        df = t.download()
        if ext == "csv":
            body: bytes = csv_text(df).encode("utf-8")
        else:
            with tempfile.TemporaryDirectory() as tmp:
                body = write_counts(df, Path(tmp) / "table.xlsx").read_bytes()
        policy, period = t.policy, t.period
    else:
        c = page.charts.get(stem)
        if c is None:
            raise NotFound(f"no chart {stem!r} on this page")
        spec = with_provenance(c.spec, policy_words(c.policy), c.period)
        body = chart_render.to_png(spec) if ext == "png" else chart_render.to_svg(spec).encode()
        policy, period = c.policy, c.period
    _audit(
        ctx,
        ident,
        request,
        "export",
        target,
        {"file": filename, "disclosure_policy": policy, "period": period, **q.params()},
    )
    media = {**TABLE_TYPES, **CHART_TYPES}[ext]
    safe = target.replace(":", "_")
    return Response(
        body,
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}_{stem}.{ext}"',
            "X-Disclosure-Policy": "exact" if policy == EXACT.name else policy[:60],
            "X-Data-Period": period,
        },
    )


@router.get("/org/{level}/{code}/download/{filename}")
def organisation_download(
    level: str,
    code: str,
    filename: str,
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    period: Period = None,
    measure: Measure = "stillbirth",
    breakdown: Breakdown = "ethnic_group",
    overdispersion: Overdispersion = "none",
) -> Response:
    dd = dashboard(ctx)
    scope = ctx.data.scope(ident.user)
    org = dd.find(level, code)
    q = View(period, measure, breakdown, overdispersion)
    page = cached_org_page(dd, scope, org, q)
    return _send(ctx, ident, request, page, filename, f"{org.level}:{org.code}", q)


@router.get("/home/download/{filename}")
def home_download(
    filename: str, request: Request, ident: PageUser, ctx: Ctx, period: Period = None
) -> Response:
    dd = dashboard(ctx)
    scope = ctx.data.scope(ident.user)
    org = dd.home_org(scope)
    q = View(period=period)
    page = cached_home_page(dd, scope, org, q)
    return _send(ctx, ident, request, page, filename, f"{org.level}:{org.code}", q)


@router.get("/reports/{kind}/{filename}")
def report_download(
    kind: str, filename: str, request: Request, ident: PageUser, ctx: Ctx, period: Period = None
) -> Response:
    """A report (HTML or PDF) for an organisation in the user's scope, released
    under the publication policy and saying so."""
    code, ext = _split_name(filename, REPORT_TYPES)
    level = {v: k for k, v in REPORT_KIND.items()}.get(kind)
    if level is None:
        raise NotFound(f"no report {kind!r}: expected {', '.join(REPORT_KIND.values())}")
    dd = dashboard(ctx)
    scope = ctx.data.scope(ident.user)
    org = dd.find(level, code)
    if dd.policy_for(scope, org) is not None:
        raise NotFound(f"no report for {code}: reports are for organisations in your scope")
    req = report_pipeline.ReportRequest(
        kind=kind,
        org=org.code,
        policy=dd.publication,
        period=period if kind != "board" else None,
        database=ctx.settings.database_url,
    )

    def make(e) -> bytes:
        rep, _analysis = report_pipeline.build(e, req)
        with tempfile.TemporaryDirectory() as tmp:
            (path,) = report_pipeline.write(rep, Path(tmp), "report", ext)
            return path.read_bytes()

    body = ctx.data.cached(("report", kind, org.code, req.period, ext), make)
    _audit(
        ctx,
        ident,
        request,
        "export",
        f"{level}:{org.code}",
        {"file": filename, "report": kind, "disclosure_policy": dd.publication.name},
    )
    return Response(
        body,
        media_type=REPORT_TYPES[ext],
        headers={
            "Content-Disposition": f'attachment; filename="{kind}_{org.code}.{ext}"',
            "X-Disclosure-Policy": dd.publication.name,
        },
    )
