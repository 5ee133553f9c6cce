"""The service over HTTP (TestClient) on SQLite and PostgreSQL: log-in with
CSRF, rate limits and expiring sessions, bearer tokens, security headers and
request limits, safe errors, pagination, the audit log, the check form and
the JSON escaping of chart blocks."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from matequity import audit
from matequity.servicedb import schema as t
from matequity.web.app import create_app
from matequity.web.auth.session import COOKIE
from matequity.web.charts import script_json
from matequity.web.security import CSP
from matequity.web.settings import ServiceSettings
from service_support import BACKENDS, PASSWORD, bearer, build_world, database_url, form_token, login


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, synthetic_store, tmp_path_factory):
    with database_url(request.param, tmp_path_factory.mktemp("http")) as url:
        w = build_world(synthetic_store, url)
        yield w
        w.svc.db.dispose()


def make_client(world, **settings):
    s = ServiceSettings(store=str(world.store), database_url=world.url, **settings)
    return TestClient(create_app(s, world.svc.db))


@pytest.fixture
def client(world):
    with make_client(world) as c:
        yield c


def test_healthz_and_security_headers(client):
    r = client.get("/healthz")
    body = r.json()
    assert r.status_code == 200 and body.pop("worker") == client.get("/healthz").json()["worker"]
    assert body == {"status": "ok", "database": "ok", "store": "ok"}
    for path in ("/healthz", "/login", "/api/v1/me", "/static/js/charts.js", "/nowhere"):
        h = client.get(path).headers
        assert h["content-security-policy"] == CSP
        assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
        assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "no-referrer"
        assert h["x-frame-options"] == "DENY"
    assert client.get("/login").headers["cache-control"] == "no-store"
    assert "max-age" in client.get("/static/vendor/vega-embed-bundle.js").headers["cache-control"]


def test_https_settings_mark_cookies_secure_and_send_hsts(world):
    with make_client(world, secure_cookies=True) as c:
        page = c.get("/login")
        assert "strict-transport-security" in page.headers
        assert "secure" in page.headers["set-cookie"].lower()


def test_log_in_sets_a_safe_session_cookie_and_log_out_ends_it(world, client):
    r = login(client, world.accounts["trust"].email)
    assert r.status_code == 303 and r.headers["location"] == "/signals"
    cookie = next(
        v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith(COOKIE)
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert "secure" not in cookie.lower()  # not behind HTTPS in this test
    page = client.get("/signals")
    assert page.status_code == 200 and world.accounts["trust"].email in page.text
    token = form_token(page.text)
    # the session cookie reaches the API too, but changes need the CSRF header
    assert client.get("/api/v1/me").json()["email"] == world.accounts["trust"].email
    body = {"checked_by": "x", "findings": "f", "actions": "a", "outcome": "assured"}
    r = client.post(f"/api/v1/signals/{world.signal_a}/checks", json=body)
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    r = client.post(
        f"/api/v1/signals/{world.signal_a}/checks", json=body, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201
    assert client.post("/logout", data={"csrf_token": "wrong"}).status_code == 403
    r = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    stolen = client.cookies.get(COOKIE)
    assert stolen is None
    assert client.get("/signals", follow_redirects=False).status_code == 303


def test_wrong_passwords_are_refused_and_rate_limited(world, client):
    email = world.accounts["lmns"].email
    page = client.get("/login")
    tok = form_token(page.text)
    for _ in range(5):
        r = client.post(
            "/login", data={"email": email, "password": "not it at all", "csrf_token": tok}
        )
        assert r.status_code == 401 and "not recognised" in r.text
    r = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": tok})
    assert (
        r.status_code == 429
        and int(r.headers["retry-after"]) > 0
        and "Too many failed attempts" in r.text
    )
    # an unknown account gets the same answer as a wrong password
    r = client.post(
        "/login", data={"email": "nobody@test.invalid", "password": "x" * 12, "csrf_token": tok}
    )
    assert r.status_code == 401 and "not recognised" in r.text
    # without the log-in form's CSRF token nothing is checked
    r = client.post(
        "/login",
        data={"email": world.accounts["trust"].email, "password": PASSWORD, "csrf_token": "forged"},
    )
    assert r.status_code == 403
    a = audit.entries(world.svc.db, "sign_in_failed")
    assert (a["actor"] == email).sum() >= 5


def test_sessions_expire(world):
    with make_client(world, idle_minutes=30) as c:
        assert login(c, world.accounts["national"].email).status_code == 303
        assert c.get("/api/v1/me").status_code == 200
        stale = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=31)
        with world.svc.db.begin() as con:
            con.execute(t.sessions.update().values(last_seen_at=stale))
        assert c.get("/api/v1/me").status_code == 401
        assert (
            c.get("/signals", follow_redirects=False).headers["location"].startswith("/login?next=")
        )


def test_request_size_limit_and_safe_errors(world, client):
    h = bearer(world.accounts["trust"].token)
    big = {"checked_by": "x", "findings": "f" * 70_000, "actions": "a", "outcome": "assured"}
    r = client.post(f"/api/v1/signals/{world.signal_a}/checks", json=big, headers=h)
    assert r.status_code == 413 and "too large" in r.json()["error"]["message"]
    r = client.post(
        f"/api/v1/signals/{world.signal_a}/checks",
        content=b"{not json",
        headers={**h, "Content-Type": "application/json"},
    )
    assert r.status_code == 422 and "Traceback" not in r.text
    r = client.get("/nowhere")
    assert r.status_code == 404 and "Traceback" not in r.text and "no such page" in r.text
    r = client.delete("/api/v1/signals", headers=h)
    assert r.status_code == 405 and r.json()["error"]["message"] == "DELETE is not allowed here"


def test_pagination_of_signals_and_counts(world, client):
    h = bearer(world.accounts["national"].token)
    full = client.get("/api/v1/signals?limit=1000", headers=h).json()
    assert full["total"] == len(world.register) == len(full["signals"])
    pages, nxt = [], "/api/v1/signals?limit=4"
    while nxt:
        p = client.get(nxt, headers=h).json()
        pages.extend(s["id"] for s in p["signals"])
        nxt = p["next"]
    assert pages == [s["id"] for s in full["signals"]]
    c = client.get(
        "/api/v1/counts?level=lmns&period=all&measure=stillbirth&limit=10&offset=10", headers=h
    ).json()
    assert (
        c["total"] == 42 and len(c["rows"]) == 10 and c["offset"] == 10 and "offset=20" in c["next"]
    )
    r = client.get("/api/v1/signals?status=open&level=2", headers=h).json()
    assert all(s["level"] == 2 and s["status"] != "closed" for s in r["signals"])
    r = client.get("/api/v1/signals?status=bogus", headers=h)
    assert r.status_code == 400 and "status 'bogus'" in r.json()["error"]["message"]


def test_views_and_exports_are_audited(world, client):
    h = bearer(world.accounts["lmns"].token)
    trust = world.org_of(world.site_a, "trust")
    r = client.get(
        f"/api/v1/rates?measure=stillbirth&level=trust&org={trust}&period=all&format=csv", headers=h
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("period,org_level,org_code")
    client.get(f"/api/v1/signals/{world.signal_a}", headers=h)
    a = audit.entries(world.svc.db)
    mine = a[a["actor"] == world.accounts["lmns"].email]
    export = mine[mine["action"] == "export"].iloc[0]
    assert export["target"] == f"trust:{trust}" and json.loads(export["detail"])["kind"] == "rates"
    view = mine[(mine["action"] == "view") & (mine["target"] == world.site_a)]
    assert len(view) >= 1 and json.loads(view.iloc[0]["detail"])["signal"] == world.signal_a


def test_the_check_form_keeps_every_submission_and_closing_needs_a_check(
    world, synthetic_store, tmp_path
):
    with database_url("sqlite", tmp_path) as url:
        w = build_world(synthetic_store, url)
        with make_client(w) as c:
            assert login(c, w.accounts["trust"].email).status_code == 303
            path = f"/signals/{w.signal_a}"
            page = c.get(path)
            assert (
                "No check recorded yet" in page.text
                and "can be closed once a check is recorded" in page.text
            )
            tok = form_token(page.text)
            r = c.post(f"{path}/status", data={"csrf_token": tok, "status": "closed"})
            assert (
                r.status_code == 400
            )  # the page has no close button yet; a forged post is refused
            form = {
                "csrf_token": tok,
                "checked_by": "Head of Midwifery",
                "check_date": "2026-01-05",
                "findings": "",
                "actions": "a",
                "escalated": "no",
                "outcome": "assured",
            }
            r = c.post(f"{path}/checks", data=form)
            assert (
                r.status_code == 400
                and "findings: required" in r.text
                and 'value="Head of Midwifery"' in r.text
            )
            for i in (1, 2):
                r = c.post(
                    f"{path}/checks",
                    data={
                        **form,
                        "findings": f"finding <b>{i}</b>",
                        "escalated": "yes" if i == 2 else "no",
                    },
                    follow_redirects=False,
                )
                assert r.status_code == 303 and r.headers["location"].endswith("#history")
            page = c.get(path)
            assert page.text.count('data-testid="check"') == 2
            assert "finding &lt;b&gt;1&lt;/b&gt;" in page.text  # autoescaped
            assert "escalated" in page.text and "Close the signal" in page.text
            r = c.post(
                f"{path}/status",
                data={"csrf_token": tok, "status": "closed"},
                follow_redirects=False,
            )
            assert r.status_code == 303
            page = c.get(path)
            assert (
                'data-testid="status">closed' in page.text
                and "Record the critical safety check" not in page.text
            )
            with w.svc.db.engine.connect() as con:
                n = con.execute(
                    sa.select(sa.func.count()).select_from(t.signal_checks)
                ).scalar_one()
            assert n == 2
            a = audit.entries(w.svc.db, "check_recorded")
            assert len(a) == 2 and set(a["target"]) == {w.signal_a}
        w.svc.db.dispose()


def test_chart_blocks_cannot_break_out_of_their_script_element(world, client):
    hostile = {"title": "</script><script>alert(1)</script>&\u2028\u2029"}
    text = str(script_json(hostile))
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == hostile
    assert login(client, world.accounts["national"].email).status_code == 303
    page = client.get(f"/signals/{world.signal_a}").text
    blocks = re.findall(
        r'<script type="application/json" data-chart-for="([^"]+)">(.*?)</script>', page, re.S
    )
    assert len(blocks) == 2
    for key, body in blocks:
        spec = json.loads(body)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert f'<div class="chart" id="{key}"' in page
    assert "<script>" not in page  # no inline script at all
    assert re.findall(r"<script src=\"([^\"]+)\"", page) == [
        "/static/vendor/vega-embed-bundle.js",
        "/static/js/charts.js",
    ]
    assert 'style="' not in page


def test_months_that_led_to_the_signal_and_earlier_signals(world, client):
    from matequity import engine
    from matequity.signals.from_store import monthly_events
    from matequity.signals.moss import moss

    assert login(client, world.accounts["national"].email).status_code == 303
    page = client.get(f"/signals/{world.signal_a}").text
    with engine.open("duckdb", world.store) as eng:
        chart = moss(monthly_events(eng), 0.002)
    month = world.signal_a.split(":")[2]
    site = chart[(chart["site_code"] == world.site_a) & (chart["month"] <= month)].reset_index(
        drop=True
    )
    # independently: walk back from the signal month while the CUSUM was above zero
    i = len(site) - 1
    while i > 0 and site.loc[i - 1, "cusum"] > 0 and not site.loc[i, "reset"]:
        i -= 1
    lead = re.search(r'data-testid="lead">(.*?)</table>', page, re.S).group(1)
    assert re.findall(r"<tr><td>(\d{4}-\d\d)</td>", lead) == site.loc[i:, "month"].tolist()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/x",
        "/\t/evil.example",
        "https://evil.example",
        "/\\evil.example",
        "",
        None,
        "signals",
    ],
)
def test_log_in_never_sends_you_off_site(target):
    from matequity.web.routes.pages import safe_next

    assert safe_next(target) == "/"  # the home page (the dashboard)
    assert (
        safe_next("/signals/moss%3AA%3A2024-01%3AL2?x=1") == "/signals/moss%3AA%3A2024-01%3AL2?x=1"
    )


def test_raw_json_placeholders_cannot_be_forged():
    from matequity.web.jsonable import RawJSON, json_response

    r = json_response({"rows": RawJSON('[{"a":1}]'), "note": "__raw_0__", "nan": float("nan")})
    assert json.loads(r.body) == {"rows": [{"a": 1}], "note": "__raw_0__", "nan": None}
