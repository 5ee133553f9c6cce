"""The API, ``/api/v1`` (OpenAPI at ``/docs``), with the same scope and
disclosure as the pages: signals and their checks, counts and rates,
organisations, measures and a data-quality summary. Errors are JSON
``{"error": {"status": ..., "message": ...}}``; lists that grow are paginated
(``limit``, ``offset``, ``total``, ``next``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from matequity import audit
from matequity.analyses import queries
from matequity.analyses.export import csv_text
from matequity.errors import UserError
from matequity.signals import register
from matequity.web import authz, signal_views
from matequity.web.auth.deps import ApiUser
from matequity.web.context import Ctx, client_ip
from matequity.web.jsonable import frame_json, json_response, records

router = APIRouter(prefix="/api/v1")

MAX_LIMIT = 10_000
SIGNAL_FIELDS = (
    "id",
    "site_code",
    "trust_code",
    "month",
    "level",
    "notified",
    "due_date",
    "status",
)


def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out.extend(x.strip() for x in v.split(",") if x.strip())
    return out


def _page_info(request: Request, total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = None
    if offset + limit < total:
        params = dict(request.query_params)
        params.update(offset=str(offset + limit), limit=str(limit))
        nxt = f"{request.url.path}?{urlencode(params)}"
    return {"total": total, "limit": limit, "offset": offset, "next": nxt}


def _signal(rec: dict, sites: dict[str, str]) -> dict[str, Any]:
    """A signal's API record (:func:`signal_views.api_record`) with its site's name."""
    return {**rec, "site_name": sites.get(rec["site_code"])}


class Me(BaseModel):
    email: str
    role: str
    org_code: str | None
    sees_everything: bool
    sites: list[str]
    can_record_checks: bool


@router.get("/me", tags=["accounts"])
def me(ident: ApiUser, ctx: Ctx) -> Me:
    """Who you are and which sites are in your scope."""
    scope = ctx.data.scope(ident.user)
    return Me(
        email=ident.user.email,
        role=ident.user.role,
        org_code=ident.user.org_code,
        sees_everything=scope.everything,
        sites=sorted(scope.sites),
        can_record_checks=ident.user.role in authz.RECORDERS,
    )


@router.get("/signals", tags=["signals"])
def list_signals(
    request: Request,
    ident: ApiUser,
    ctx: Ctx,
    status: Annotated[
        str | None,
        Query(description="open (not closed), new, in_progress, check_recorded, overdue, closed"),
    ] = None,
    level: Annotated[int | None, Query(description="1 (amber) or 2 (red)")] = None,
    site: str | None = None,
    trust: str | None = None,
    month_from: Annotated[str | None, Query(description="YYYY-MM")] = None,
    month_to: Annotated[str | None, Query(description="YYYY-MM")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The signals of the sites in your scope, overdue checks first."""
    scope = ctx.data.scope(ident.user)
    f = signal_views.SignalFilters(status, level, site, trust, month_from, month_to)
    df = signal_views.inbox(ctx.db, scope, f, dt.date.today())
    names = ctx.data.site_names()
    page = df.iloc[offset : offset + limit]
    return json_response(
        {
            "signals": [_signal(a, names) for a in page["api"]],
            **_page_info(request, len(df), limit, offset),
        }
    )


def _detail(ctx, ident, signal_id: str) -> dict[str, Any]:
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, signal_id, dt.date.today())
    names = ctx.data.site_names()
    out = _signal(d.signal["api"], names)
    out["checks"] = records(d.checks.drop(columns=["signal_id"]))
    out["history"] = records(d.history.drop(columns=["signal_id"]))
    out["earlier_signals"] = [_signal(a, names) for a in d.earlier["api"]]
    out["can_record_checks"] = authz.can_record(ident.user, scope, d.signal["site_code"])
    return out


@router.get("/signals/{signal_id}", tags=["signals"])
def get_signal(signal_id: str, request: Request, ident: ApiUser, ctx: Ctx) -> dict[str, Any]:
    """One signal with every check submitted and its history."""
    out = _detail(ctx, ident, signal_id)
    audit.record(
        ctx.db,
        ident.user.email,
        "view",
        out["site_code"],
        {"signal": signal_id, "via": "api"},
        ident.user.id,
        client_ip(request),
    )
    return json_response(out)


class CheckIn(BaseModel):
    checked_by: str = Field(min_length=1, max_length=200, description="Who carried out the check")
    findings: str = Field(min_length=1, max_length=register.MAX_TEXT)
    actions: str = Field(min_length=1, max_length=register.MAX_TEXT)
    outcome: Literal["assured", "assured_with_actions", "not_assured"]
    check_date: dt.date | None = Field(None, description="Date of the check (default today)")
    escalated: bool = False


@router.post("/signals/{signal_id}/checks", status_code=201, tags=["signals"])
def post_check(
    signal_id: str, body: CheckIn, request: Request, ident: ApiUser, ctx: Ctx
) -> dict[str, Any]:
    """Record a critical safety check (every submission is kept)."""
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, signal_id, dt.date.today())
    authz.require_record(ident.user, scope, d.signal["site_code"])
    res = register.record_check(
        ctx.db,
        signal_id,
        register.Check(
            body.checked_by,
            body.check_date or dt.date.today(),
            body.findings,
            body.actions,
            body.outcome,
            body.escalated,
        ),
        ident.user.email,
        ident.user.id,
    )
    audit.record(
        ctx.db,
        ident.user.email,
        "check_recorded",
        signal_id,
        {"check_no": res.check_no, "outcome": body.outcome, "escalated": body.escalated},
        ident.user.id,
        client_ip(request),
    )
    return json_response(
        {
            "check_no": res.check_no,
            "event_no": res.event_no,
            "signal": _detail(ctx, ident, signal_id),
        },
        201,
    )


class StatusIn(BaseModel):
    status: Literal["in_progress", "escalated", "closed"]
    note: str | None = Field(None, max_length=register.MAX_TEXT)


@router.post("/signals/{signal_id}/status", status_code=201, tags=["signals"])
def post_status(
    signal_id: str, body: StatusIn, request: Request, ident: ApiUser, ctx: Ctx
) -> dict[str, Any]:
    """Mark a signal in progress, escalated or closed (closing needs a recorded check)."""
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, signal_id, dt.date.today())
    authz.require_record(ident.user, scope, d.signal["site_code"])
    n = register.record(ctx.db, signal_id, body.status, ident.user.email, body.note, ident.user.id)
    audit.record(
        ctx.db,
        ident.user.email,
        "status_recorded",
        signal_id,
        {"status": body.status, "event_no": n},
        ident.user.id,
        client_ip(request),
    )
    return json_response({"event_no": n, "signal": _detail(ctx, ident, signal_id)}, 201)


def _figures(
    kind: str,
    request: Request,
    ident,
    ctx,
    measure: list[str] | None,
    by: list[str] | None,
    level: str,
    org: list[str] | None,
    period: str,
    limit: int,
    offset: int,
    fmt: str,
):
    scope = ctx.data.scope(ident.user)
    orgs = _split(org)
    fig = ctx.data.figures(
        kind,
        scope,
        measures=_split(measure),
        by=_split(by),
        level=level,
        org_codes=orgs or None,
        period=period,
    )
    detail = {
        "kind": kind,
        "measures": _split(measure),
        "by": _split(by),
        "period": period,
        "exact": list(fig.exact)[:50],
        "released": len(fig.released),
        "disclosure_policy": fig.disclosure_policy,
    }
    target = f"{level}:{','.join(orgs) if orgs else 'all'}"[:300]
    if fmt == "csv":
        audit.record(
            ctx.db, ident.user.email, "export", target, detail, ident.user.id, client_ip(request)
        )
        return Response(
            csv_text(fig.rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'},
        )
    audit.record(
        ctx.db, ident.user.email, "view", target, detail, ident.user.id, client_ip(request)
    )
    page = fig.rows.iloc[offset : offset + limit]
    return json_response(
        {
            "rows": frame_json(page),
            "disclosure_policy": fig.disclosure_policy,
            "exact_for": list(fig.exact),
            "released_for": list(fig.released),
            **_page_info(request, len(fig.rows), limit, offset),
        }
    )


FIGURE_DOC = (
    "Exact figures for organisations in your scope (disclosure_policy "
    f"'{queries.EXACT}'); outside it, figures released under the publication policy "
    "(default 'nhs'). Each row says which."
)


@router.get("/counts", tags=["figures"], description=FIGURE_DOC)
def get_counts(
    request: Request,
    ident: ApiUser,
    ctx: Ctx,
    measure: Annotated[
        list[str] | None, Query(description="measure name(s), comma-separated; default all")
    ] = None,
    by: Annotated[
        list[str] | None, Query(description="breakdowns, e.g. ethnic_group,imd_quintile")
    ] = None,
    level: Annotated[str, Query(description="england, region, lmns, trust or site")] = "england",
    org: Annotated[list[str] | None, Query(description="organisation code(s) of the level")] = None,
    period: Annotated[str, Query(description="year, quarter, month or all")] = "year",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
):
    """Count-table rows: numerators and denominators."""
    return _figures(
        "counts", request, ident, ctx, measure, by, level, org, period, limit, offset, format
    )


@router.get("/rates", tags=["figures"], description=FIGURE_DOC)
def get_rates(
    request: Request,
    ident: ApiUser,
    ctx: Ctx,
    measure: Annotated[
        list[str] | None, Query(description="measure name(s), comma-separated; default all")
    ] = None,
    by: Annotated[
        list[str] | None, Query(description="breakdowns, e.g. ethnic_group,imd_quintile")
    ] = None,
    level: Annotated[str, Query(description="england, region, lmns, trust or site")] = "england",
    org: Annotated[list[str] | None, Query(description="organisation code(s) of the level")] = None,
    period: Annotated[str, Query(description="year, quarter, month or all")] = "year",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
):
    """Count-table rows with each measure's rate or percentage and 95% limits."""
    return _figures(
        "rates", request, ident, ctx, measure, by, level, org, period, limit, offset, format
    )


@router.get("/organisations", tags=["reference"])
def get_organisations(
    ident: ApiUser,
    ctx: Ctx,
    level: Annotated[
        str | None, Query(description="site, trust, lmns or region; default site rows")
    ] = None,
) -> dict[str, Any]:
    """The organisation hierarchy, each marked whether it is in your scope."""
    scope = ctx.data.scope(ident.user)
    o = ctx.data.organisations()
    if level in (None, "site"):
        rows = records(o)
        for r in rows:
            r["in_scope"] = scope.in_scope("site", r["site_code"])
        return {
            "level": "site",
            "organisations": rows,
            "disclosure_policy": queries.NOT_RECORD_DERIVED,
        }
    if level not in ("trust", "lmns", "region"):
        raise UserError(f"level {level!r}: expected site, trust, lmns or region")
    parents = {"trust": ["lmns_code", "region_code"], "lmns": ["region_code"], "region": []}[level]
    cols = [f"{level}_code", f"{level}_name", *parents]
    u = o[cols].drop_duplicates(f"{level}_code").sort_values(f"{level}_code")
    rows = [
        {
            "code": r[cols[0]],
            "name": r[cols[1]],
            **{p: r[p] for p in parents},
            "in_scope": scope.in_scope(level, r[cols[0]]),
        }
        for r in u.to_dict("records")
    ]
    return {"level": level, "organisations": rows, "disclosure_policy": queries.NOT_RECORD_DERIVED}


@router.get("/measures", tags=["reference"])
def get_measures(ident: ApiUser) -> dict[str, Any]:
    """The built-in measures and their definitions."""
    m = queries.measures()
    return {"measures": records(m.table), "disclosure_policy": m.disclosure_policy}


@router.get("/quality", tags=["figures"])
def get_quality(
    request: Request,
    ident: ApiUser,
    ctx: Ctx,
    level: Annotated[str, Query(description="england, region, lmns, trust or site")] = "trust",
    org: Annotated[list[str] | None, Query(description="organisation code(s) of the level")] = None,
) -> dict[str, Any]:
    """Completeness of ethnicity and deprivation coding per organisation (exact in
    scope, released outside it)."""
    scope = ctx.data.scope(ident.user)
    orgs = _split(org)
    fig = ctx.data.quality(scope, level=level, org_codes=orgs or None)
    audit.record(
        ctx.db,
        ident.user.email,
        "view",
        f"{level}:{','.join(orgs) if orgs else 'all'}"[:300],
        {"kind": "quality", "exact": list(fig.exact)[:50], "released": len(fig.released)},
        ident.user.id,
        client_ip(request),
    )
    return json_response(
        {
            "rows": frame_json(fig.rows),
            "disclosure_policy": fig.disclosure_policy,
            "exact_for": list(fig.exact),
            "released_for": list(fig.released),
        }
    )
