"""The authorisation matrix: every API endpoint and signal page x every role x
an organisation in scope and one outside it, on SQLite and PostgreSQL. Figures
in scope must equal the analysis layer's exact count table; outside scope,
the same table released under the nhs policy; signals outside scope do not
exist (404); only the trust's users record checks (403 for the others);
without credentials 401 (API) or the log-in page (pages)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from matequity import engine
from matequity.counts.compute import count_table
from matequity.disclosure.apply import apply_policy
from matequity.disclosure.policy import ANALYST_ONLY, POLICIES
from matequity.measures.catalogue import BY_NAME
from matequity.web.app import create_app
from matequity.web.settings import ServiceSettings
from service_support import BACKENDS, World, bearer, build_world, database_url, login

ROLES = ("admin", "national", "region", "lmns", "trust")


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, synthetic_store, tmp_path_factory):
    with database_url(request.param, tmp_path_factory.mktemp("authz")) as url:
        w = build_world(synthetic_store, url)
        yield w
        w.svc.db.dispose()


@pytest.fixture(scope="module")
def client(world):
    app = create_app(ServiceSettings(store=str(world.store), database_url=world.url), world.svc.db)
    with TestClient(app) as c:
        yield c


def scope_sites(w: World, role: str) -> set[str]:
    """Each role's sites, from the organisations table (independently of the service)."""
    a = w.accounts[role]
    if role in ("admin", "national"):
        return set(w.orgs["site_code"])
    return w.sites_of(role, a.org)


def expected_counts(w: World, level: str, org: str | None, released: bool) -> pd.DataFrame:
    with engine.open("duckdb", w.store) as eng:
        df = count_table(
            eng,
            [BY_NAME["stillbirth"]],
            level=level,
            period="all",
            org_codes=None if org is None else [org],
        )
    return apply_policy(df, POLICIES["nhs"], []) if released else df


def assert_rows(got: list[dict], want: pd.DataFrame, policy: str) -> None:
    assert len(got) == len(want) > 0
    g = pd.DataFrame(got).sort_values(["org_code", "period"]).reset_index(drop=True)
    w = want.sort_values(["org_code", "period"]).reset_index(drop=True)
    assert (g["org_code"] == w["org_code"]).all()
    for c in ("numerator", "denominator"):
        np.testing.assert_array_equal(g[c].to_numpy(float), w[c].to_numpy(float))
    assert set(g["disclosure_policy"]) == {policy}


@pytest.mark.parametrize("role", ROLES)
def test_signals_list_is_exactly_the_scope(world, client, role):
    r = client.get("/api/v1/signals?limit=1000", headers=bearer(world.accounts[role].token))
    assert r.status_code == 200
    got = {s["id"] for s in r.json()["signals"]}
    sites = scope_sites(world, role)
    want = set(world.register.loc[world.register["site_code"].isin(sites), "signal_id"])
    assert got == want and got


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_signal_detail_in_and_out_of_scope(world, client, role, which):
    sid = world.signal_a if which == "a" else world.signal_b
    site = world.site_a if which == "a" else world.site_b
    r = client.get(f"/api/v1/signals/{sid}", headers=bearer(world.accounts[role].token))
    if site in scope_sites(world, role):
        assert r.status_code == 200
        body = r.json()
        assert body["id"] == sid and body["site_code"] == site and isinstance(body["checks"], list)
    else:
        assert r.status_code == 404
        assert r.json()["error"]["message"] == f"no signal {sid!r}"
    page = client.get(f"/signals/{sid}", cookies=None)  # no session: log-in page
    assert page.status_code == 200 and "Sign in" in page.text


CHECK = {
    "checked_by": "Head of Midwifery",
    "findings": "staffing met",
    "actions": "none",
    "outcome": "assured",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["a", "b"])
def test_only_the_trust_records_checks(world, client, role, which):
    sid = world.signal_a if which == "a" else world.signal_b
    site = world.site_a if which == "a" else world.site_b
    r = client.post(
        f"/api/v1/signals/{sid}/checks", json=CHECK, headers=bearer(world.accounts[role].token)
    )
    if site not in scope_sites(world, role):
        assert r.status_code == 404
    elif role == "trust":
        assert r.status_code == 201
        assert r.json()["signal"]["checks"][-1]["checked_by"] == "Head of Midwifery"
    else:
        assert r.status_code == 403
        assert "only the trust's own users" in r.json()["error"]["message"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["counts", "rates"])
@pytest.mark.parametrize("which", ["a", "b"])
def test_figures_exact_in_scope_released_outside(world, client, role, kind, which):
    site = world.site_a if which == "a" else world.site_b
    trust = world.org_of(site, "trust")
    r = client.get(
        f"/api/v1/{kind}?measure=stillbirth&level=trust&org={trust}&period=all",
        headers=bearer(world.accounts[role].token),
    )
    assert r.status_code == 200
    body = r.json()
    inside = world.sites_of("trust", trust) <= scope_sites(world, role)
    want = expected_counts(world, "trust", trust, released=not inside)
    policy = ANALYST_ONLY if inside else "nhs"
    assert body["disclosure_policy"] == policy
    assert_rows(body["rows"], want, policy)
    if not inside:
        assert all(x["numerator"] % 5 == 0 for x in body["rows"])
    if kind == "rates" and inside:
        assert body["rows"][0]["value"] == pytest.approx(
            1000 * want["numerator"].iloc[0] / want["denominator"].iloc[0]
        )


@pytest.mark.parametrize("role", ROLES)
def test_england_exact_only_for_national_users(world, client, role):
    r = client.get(
        "/api/v1/counts?measure=stillbirth&period=all", headers=bearer(world.accounts[role].token)
    )
    assert r.status_code == 200
    national = role in ("admin", "national")
    want = expected_counts(world, "england", None, released=not national)
    assert_rows(r.json()["rows"], want, ANALYST_ONLY if national else "nhs")


@pytest.mark.parametrize("role", ROLES)
def test_all_organisations_of_a_level_split_by_scope(world, client, role):
    r = client.get(
        "/api/v1/counts?measure=stillbirth&level=lmns&period=all&limit=10000",
        headers=bearer(world.accounts[role].token),
    )
    body = r.json()
    rows = pd.DataFrame(body["rows"])
    mine = {world.accounts[role].org} if role == "lmns" else set()
    if role in ("admin", "national"):
        assert set(rows["disclosure_policy"]) == {ANALYST_ONLY}
    elif role == "region":
        lmns_in_region = set(
            world.orgs.loc[world.orgs["region_code"] == world.accounts[role].org, "lmns_code"]
        )
        assert (
            set(rows.loc[rows["disclosure_policy"] == ANALYST_ONLY, "org_code"]) == lmns_in_region
        )
    else:
        exact = set(rows.loc[rows["disclosure_policy"] == ANALYST_ONLY, "org_code"])
        assert exact == mine  # a trust user has no whole LMNS in scope
    assert set(rows["org_code"]) == set(world.orgs["lmns_code"])


@pytest.mark.parametrize("role", ROLES)
def test_quality_exact_in_scope_released_outside(world, client, role):
    h = bearer(world.accounts[role].token)
    for site in (world.site_a, world.site_b):
        trust = world.org_of(site, "trust")
        body = client.get(f"/api/v1/quality?level=trust&org={trust}", headers=h).json()
        inside = site in scope_sites(world, role)
        assert {x["disclosure_policy"] for x in body["rows"]} == {ANALYST_ONLY if inside else "nhs"}
        assert {x["dimension"] for x in body["rows"]} == {"ethnicity", "deprivation"}
        if not inside:
            assert all(x["known"] % 5 == 0 and x["total"] % 5 == 0 for x in body["rows"])


@pytest.mark.parametrize("role", ROLES)
def test_reference_endpoints(world, client, role):
    h = bearer(world.accounts[role].token)
    orgs = client.get("/api/v1/organisations", headers=h).json()["organisations"]
    assert {o["site_code"] for o in orgs if o["in_scope"]} == scope_sites(world, role)
    m = client.get("/api/v1/measures", headers=h).json()
    assert {x["name"] for x in m["measures"]} == set(BY_NAME)
    me = client.get("/api/v1/me", headers=h).json()
    assert set(me["sites"]) == scope_sites(world, role)
    assert me["can_record_checks"] == (role == "trust")


ENDPOINTS = [
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/signals"),
    ("GET", "/api/v1/signals/{sid}"),
    ("POST", "/api/v1/signals/{sid}/checks"),
    ("POST", "/api/v1/signals/{sid}/status"),
    ("GET", "/api/v1/counts"),
    ("GET", "/api/v1/rates"),
    ("GET", "/api/v1/organisations"),
    ("GET", "/api/v1/measures"),
    ("GET", "/api/v1/quality"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize("creds", [None, "Bearer mqt_not-a-real-token", "Basic dXNlcjpwYXNz"])
def test_every_api_endpoint_needs_credentials(world, client, method, path, creds):
    h = {"Authorization": creds} if creds else {}
    r = client.request(method, path.format(sid=world.signal_a), headers=h, json=CHECK)
    assert r.status_code == 401
    assert "authentication required" in r.json()["error"]["message"]


def test_unknown_things_are_404_and_bad_parameters_400(world, client):
    h = bearer(world.accounts["national"].token)
    assert client.get("/api/v1/signals/moss:NOPE:2020-01:L1", headers=h).status_code == 404
    r = client.get("/api/v1/counts?level=trust&org=NOPE", headers=h)
    assert r.status_code == 404 and "no such trust" in r.json()["error"]["message"]
    r = client.get("/api/v1/counts?measure=nope", headers=h)
    assert r.status_code == 400 and "unknown measure 'nope'" in r.json()["error"]["message"]
    r = client.get("/api/v1/counts?level=county", headers=h)
    assert r.status_code == 400 and "unknown level" in r.json()["error"]["message"]
    r = client.get("/api/v1/signals?limit=0", headers=h)
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("limit")
    r = client.post(
        f"/api/v1/signals/{world.signal_a}/checks",
        json={"findings": "x"},
        headers=bearer(world.accounts["trust"].token),
    )
    assert r.status_code == 422 and "checked_by" in r.json()["error"]["message"]


def test_disabled_user_loses_access(world, client, tmp_path):
    from matequity.accounts import tokens, users

    users.add_user(
        world.svc.db, "leaver@test.invalid", "national", None, "a long test password 1", {}
    )
    tok = tokens.create_token(world.svc.db, "leaver@test.invalid")
    assert client.get("/api/v1/me", headers=bearer(tok)).status_code == 200
    users.disable_user(world.svc.db, "leaver@test.invalid")
    assert client.get("/api/v1/me", headers=bearer(tok)).status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_pages_follow_the_same_scope(world, role):
    app = create_app(ServiceSettings(store=str(world.store), database_url=world.url), world.svc.db)
    with TestClient(app) as c:
        assert c.get("/signals", follow_redirects=False).status_code == 303
        assert login(c, world.accounts[role].email).status_code == 303
        inbox = c.get("/signals")
        assert inbox.status_code == 200
        import re

        listed = set(re.findall(r'<tr data-site="([^"]+)"', inbox.text))
        sites = scope_sites(world, role)
        assert listed == set(
            world.register.loc[world.register["site_code"].isin(sites), "site_code"]
        )
        for sid, site in ((world.signal_a, world.site_a), (world.signal_b, world.site_b)):
            page = c.get(f"/signals/{sid}")
            assert page.status_code == (200 if site in sites else 404)
            if page.status_code == 200:
                assert ("Record the critical safety check" in page.text) == (role == "trust")
        # a form post without the session's CSRF token is refused
        r = c.post(f"/signals/{world.signal_a}/checks", data={"checked_by": "x"})
        assert r.status_code == 403
        today = dt.date.today().isoformat()
        assert today  # the form's default check date is today
