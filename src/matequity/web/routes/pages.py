"""The pages: log-in, the signal inbox and a signal's page with its charts,
history and the critical safety check form. Server-rendered (Jinja2,
autoescaped); every form carries the session's CSRF token."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matequity import audit
from matequity.accounts import login_limits, passwords, sessions, users
from matequity.analyses import queries
from matequity.errors import UserError
from matequity.outputs.charts.moss import cusum_chart, excess_chart
from matequity.signals import register
from matequity.web import authz, signal_views
from matequity.web.auth import csrf
from matequity.web.auth.deps import PageUser, check_form_csrf
from matequity.web.auth.identity import Identity
from matequity.web.auth.session import clear_cookie, set_cookie
from matequity.web.charts import script_json
from matequity.web.context import Ctx, ServiceContext, client_ip

router = APIRouter(include_in_schema=False)

LEVEL_LABELS = {1: "Level 1 (amber)", 2: "Level 2 (red)"}
STATUS_LABELS = {
    "open": "Open (not closed)",
    "new": "New",
    "in_progress": "In progress",
    "check_recorded": "Check recorded",
    "overdue": "Overdue",
    "closed": "Closed",
}


def render(ctx: ServiceContext, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = ctx.templates.get_template(name).render(
        level_labels=LEVEL_LABELS, status_labels=STATUS_LABELS, **values
    )
    return HTMLResponse(html, status_code=status)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //); else the home page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):  # browsers drop tabs/newlines
        return "/"
    return target


def signal_path(sid: str) -> str:
    return f"/signals/{quote(sid, safe='')}"


@router.get("/login")
def login_page(request: Request, ctx: Ctx, next: str | None = None) -> HTMLResponse:
    blank = Response()
    tok = csrf.login_token(request, blank, ctx.settings.secure_cookies)
    return render_login(ctx, blank, tok, safe_next(next), None, 200)


def render_login(ctx, resp, token: str, nxt: str, error: str | None, status: int) -> HTMLResponse:
    out = render(ctx, "login.html.j2", status, user=None, csrf_token=token, next=nxt, error=error)
    for k, v in resp.headers.items():
        if k.lower() == "set-cookie":
            out.headers.append("set-cookie", v)
    return out


@router.post("/login")
def login(
    request: Request,
    ctx: Ctx,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    nxt = safe_next(next)
    blank = Response()
    tok = csrf.login_token(request, blank, ctx.settings.secure_cookies)
    if not csrf.same(csrf_token, request.cookies.get(csrf.LOGIN_COOKIE)):
        return render_login(ctx, blank, tok, nxt, "The form expired: please try again.", 403)
    ip = client_ip(request)
    key = email.strip().lower()[:320]
    wait = login_limits.retry_after(ctx.db, key, ip, ctx.login_limits)
    if wait:
        r = render_login(
            ctx,
            blank,
            tok,
            nxt,
            f"Too many failed attempts: try again in {wait // 60 + 1} minute(s).",
            429,
        )
        r.headers["Retry-After"] = str(wait)
        return r
    found = users.by_email(ctx.db, key)
    stored = found[1] if found else None
    ok = passwords.verify(stored, password) and found is not None and not found[0].disabled
    login_limits.record_attempt(ctx.db, key, ip, ok)
    if not ok:
        audit.record(ctx.db, key or "(blank)", "sign_in_failed", None, None, None, ip)
        return render_login(ctx, blank, tok, nxt, "Email or password not recognised.", 401)
    user = found[0]
    users.rehash_if_needed(ctx.db, user.id, stored, password)
    token, _session = sessions.start(ctx.db, user.id, "password", ctx.session_lifetime, ip)
    audit.record(ctx.db, user.email, "sign_in", None, {"method": "password"}, user.id, ip)
    resp = RedirectResponse(nxt, status_code=303)
    set_cookie(resp, token, int(ctx.session_lifetime.total_seconds()), ctx.settings.secure_cookies)
    resp.delete_cookie(csrf.LOGIN_COOKIE, path="/")
    return resp


@router.post("/logout")
def logout(
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> RedirectResponse:
    check_form_csrf(ident, csrf_token)
    if ident.session_id is not None:
        sessions.end(ctx.db, ident.session_id)
    audit.record(
        ctx.db, ident.user.email, "sign_out", None, None, ident.user.id, client_ip(request)
    )
    resp = RedirectResponse("/login", status_code=303)
    clear_cookie(resp, ctx.settings.secure_cookies)
    return resp


@router.get("/signals")
def inbox_page(
    ident: PageUser,
    ctx: Ctx,
    status: Annotated[str | None, Query(max_length=20)] = None,
    level: Annotated[str | None, Query(max_length=2)] = None,
    site: Annotated[str | None, Query(max_length=32)] = None,
    month_from: Annotated[str | None, Query(max_length=7)] = None,
    month_to: Annotated[str | None, Query(max_length=7)] = None,
) -> HTMLResponse:
    scope = ctx.data.scope(ident.user)
    lv = None
    if level:
        try:
            lv = int(level)
        except ValueError:
            raise UserError("level: expected 1 or 2") from None
    f = signal_views.SignalFilters(
        status or None, lv, site or None, None, month_from or None, month_to or None
    )
    df = signal_views.inbox(ctx.db, scope, f, dt.date.today())
    names = ctx.data.site_records()
    sites = sorted(scope.sites)
    rows = [
        {
            **r,
            "href": signal_path(r["signal_id"]),
            "site_name": names.get(r["site_code"], {}).get("site_name", r["site_code"]),
            "trust_name": names.get(r["site_code"], {}).get("trust_name", ""),
        }
        for r in df.to_dict("records")
    ]
    return render(
        ctx,
        "inbox.html.j2",
        user=ident.user,
        csrf_token=ident.csrf_token,
        rows=rows,
        filters=f,
        sites=[(s, names.get(s, {}).get("site_name", s)) for s in sites],
        oversight=ident.user.role in authz.OVERSIGHT,
        scope_text=_scope_text(ident, ctx),
    )


def _scope_text(ident: Identity, ctx: ServiceContext) -> str:
    u = ident.user
    if u.role in ("admin", "national"):
        return "every site in England"
    n = len(ctx.data.scope(u).sites)
    return f"the {n} site(s) of {u.role.upper() if u.role == 'lmns' else u.role} {u.org_code}"


def _signal_page(
    request: Request,
    ident: Identity,
    ctx: ServiceContext,
    sid: str,
    form_error: str | None = None,
    form: dict | None = None,
    status: int = 200,
) -> HTMLResponse:
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, sid, dt.date.today())
    s = d.signal
    site = ctx.data.site(s["site_code"]) or {
        "site_name": s["site_code"],
        "trust_name": "",
        "lmns_name": "",
    }
    run = register.latest_run(ctx.db)
    rate = run["reference_rate"] if run else None
    charts, lead, note = [], None, None
    try:
        ms = ctx.data.moss_site(s["site_code"], rate)
    except UserError as e:
        note = str(e)
    else:
        for c in (cusum_chart(ms.chart, s["site_code"]), excess_chart(ms.excess, s["site_code"])):
            charts.append(
                {"key": c.key, "title": c.title, "alt": c.alt_text, "spec": script_json(c.spec())}
            )
        lead = queries.months_leading_to(ms.chart, s["month"]).to_dict("records")
    audit.record(
        ctx.db,
        ident.user.email,
        "view",
        s["site_code"],
        {"signal": sid, "via": "page"},
        ident.user.id,
        client_ip(request),
    )
    return render(
        ctx,
        "signal.html.j2",
        status,
        user=ident.user,
        csrf_token=ident.csrf_token,
        s=s,
        site=site,
        path=signal_path(sid),
        charts=charts,
        chart_note=note,
        lead=lead,
        checks=d.checks.to_dict("records"),
        history=d.history.to_dict("records"),
        earlier=[{**r, "href": signal_path(r["signal_id"])} for r in d.earlier.to_dict("records")],
        can_record=authz.can_record(ident.user, scope, s["site_code"]) and s["status"] != "closed",
        outcomes=register.OUTCOMES,
        outcome_labels={**register.OUTCOMES, "not_recorded": "Not recorded (imported)"},
        form_error=form_error,
        form=form or {"check_date": dt.date.today().isoformat()},
        disclosure=queries.EXACT,
        reference_rate=rate,
    )


@router.get("/signals/{signal_id}")
def signal_page(signal_id: str, request: Request, ident: PageUser, ctx: Ctx) -> HTMLResponse:
    return _signal_page(request, ident, ctx, signal_id)


@router.post("/signals/{signal_id}/checks")
def submit_check(
    signal_id: str,
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    checked_by: Annotated[str, Form(max_length=200)] = "",
    check_date: Annotated[str, Form(max_length=10)] = "",
    findings: Annotated[str, Form(max_length=register.MAX_TEXT)] = "",
    actions: Annotated[str, Form(max_length=register.MAX_TEXT)] = "",
    escalated: Annotated[str, Form(max_length=5)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    check_form_csrf(ident, csrf_token)
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, signal_id, dt.date.today())
    authz.require_record(ident.user, scope, d.signal["site_code"])
    form = {
        "checked_by": checked_by,
        "check_date": check_date,
        "findings": findings,
        "actions": actions,
        "escalated": escalated == "yes",
        "outcome": outcome,
    }
    try:
        try:
            day = dt.date.fromisoformat(check_date)
        except ValueError:
            raise UserError("check date: expected a date (YYYY-MM-DD)") from None
        res = register.record_check(
            ctx.db,
            signal_id,
            register.Check(checked_by, day, findings, actions, outcome, escalated == "yes"),
            ident.user.email,
            ident.user.id,
        )
    except UserError as e:
        return _signal_page(request, ident, ctx, signal_id, str(e), form, 400)
    audit.record(
        ctx.db,
        ident.user.email,
        "check_recorded",
        signal_id,
        {"check_no": res.check_no, "outcome": outcome, "escalated": escalated == "yes"},
        ident.user.id,
        client_ip(request),
    )
    return RedirectResponse(signal_path(signal_id) + "#history", status_code=303)


@router.post("/signals/{signal_id}/status")
def submit_status(
    signal_id: str,
    request: Request,
    ident: PageUser,
    ctx: Ctx,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    status: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    check_form_csrf(ident, csrf_token)
    scope = ctx.data.scope(ident.user)
    d = signal_views.detail(ctx.db, scope, signal_id, dt.date.today())
    authz.require_record(ident.user, scope, d.signal["site_code"])
    if status not in ("in_progress", "closed"):
        raise HTTPException(400, "status: expected in_progress or closed")
    try:
        n = register.record(ctx.db, signal_id, status, ident.user.email, None, ident.user.id)
    except UserError as e:
        return _signal_page(request, ident, ctx, signal_id, str(e), None, 400)
    audit.record(
        ctx.db,
        ident.user.email,
        "status_recorded",
        signal_id,
        {"status": status, "event_no": n},
        ident.user.id,
        client_ip(request),
    )
    return RedirectResponse(signal_path(signal_id) + "#history", status_code=303)
