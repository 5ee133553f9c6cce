"""The dashboard over HTTP: every page type for every role, in and out of scope,
with the figures on the page equal to the analysis's (exact within scope,
released under nhs outside it, every table and row saying which); log-in
required; bookmarkable URLs; bad parameters answered clearly; downloads (CSV,
.xlsx, PNG, SVG, reports) saying their policy and period, audited; and a new
ingest seen without a restart (the store swapped in by an atomic rename)."""

from __future__ import annotations

import html
import io
import json
import re
import shutil

import numpy as np
import pytest
from fastapi.testclient import TestClient

from conftest import baby, write_csv
from matequity import audit, engine
from matequity.analyses import organisation_view, organisations
from matequity.analyses.exact import EXACT
from matequity.disclosure.policy import POLICIES
from matequity.ingest.load import ingest
from matequity.servicedb import default_url
from matequity.web.app import create_app
from matequity.web.settings import ServiceSettings
from service_support import build_world, login

ROLES = ("admin", "national", "region", "lmns", "trust")
LEVELS = ("england", "region", "lmns", "trust", "site")
NHS = POLICIES["nhs"]


@pytest.fixture(scope="module")
def world(dashboard_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("dashhttp") / "store.duckdb"
    shutil.copy(dashboard_store, store)
    w = build_world(store, default_url(store))
    yield w
    w.svc.db.dispose()


@pytest.fixture(scope="module")
def app(world):
    return create_app(ServiceSettings(store=str(world.store)), world.svc.db)


@pytest.fixture(scope="module")
def clients(world, app):
    out = {}
    for role in ROLES:
        c = TestClient(app)
        assert login(c, world.accounts[role].email).status_code == 303
        out[role] = c
    yield out
    for c in out.values():
        c.close()


def table(page: str, name: str) -> list[dict]:
    """The rows of table ``name``: the row's data attributes and each cell's raw value."""
    m = re.search(rf'<table class="data" data-table="{name}"[^>]*>(.*?)</table>', page, re.S)
    assert m, f"no table {name!r} on the page"
    rows = []
    for attrs, body in re.findall(r"<tr ([^>]*)>(.*?)</tr>", m.group(1), re.S):
        r = {k: html.unescape(v) for k, v in re.findall(r'data-([\w-]+)="([^"]*)"', attrs)}
        for col, v in re.findall(r'data-col="(\w+)" data-value="([^"]*)"', body):
            r[col] = html.unescape(v)
        rows.append(r)
    return rows


def num(v: str) -> float:
    return float("nan") if v == "" else float(v)


def org_of(world, which: str, level: str) -> organisations.Organisation:
    site = world.site_a if which == "a" else world.site_b
    code = "E92000001" if level == "england" else world.org_of(site, level)
    return organisations.find(world.orgs, level, code)


def in_scope(world, role: str, org) -> bool:
    if role in ("admin", "national"):
        return True
    if org.level == "england":
        return False
    mine = world.sites_of(role, world.accounts[role].org)
    return set(org.sites) <= mine


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_shows_the_analysis_figures_its_scope_allows(world, clients, role, level):
    with engine.open("duckdb", world.store) as eng:
        for which in ("a", "b"):
            org = org_of(world, which, level)
            r = clients[role].get(f"/org/{level}/{org.code}")
            assert r.status_code == 200
            inside = in_scope(world, role, org)
            assert ("In your scope" in r.text) == inside
            policy = None if inside else NHS
            want = organisation_view.organisation_summary(eng, org, None, policy=policy).rates
            got = {row["measure"]: row for row in table(r.text, "summary")}
            assert set(got) == set(want["measure"])
            for w in want.itertuples():
                g = got[w.measure]
                assert g["policy"] == (EXACT.name if inside else "nhs")
                assert num(g["numerator"]) == w.numerator
                np.testing.assert_equal(num(g["value"]), w.value)
            if not inside:
                # the exact figures appear nowhere in the table where they differ
                exact = organisation_view.organisation_summary(eng, org, None, policy=None).rates
                for e in exact.itertuples():
                    if NHS.count(np.array([e.numerator]))[0] != e.numerator:
                        assert num(got[e.measure]["numerator"]) != e.numerator


@pytest.mark.parametrize("role", ("region", "lmns", "trust"))
def test_out_of_scope_groups_and_peers_are_released(world, clients, role):
    org = org_of(world, "b", "lmns")
    r = clients[role].get(f"/org/lmns/{org.code}")
    with engine.open("duckdb", world.store) as eng:
        d = organisation_view.measure_detail(eng, org, None, "stillbirth", NHS)
    rows = {x["group"]: x for x in table(r.text, "groups_ethnic_group")}
    for w in d.groups["ethnic_group"].table.itertuples():
        assert num(rows[w.ethnic_group]["numerator"]) == w.numerator
        np.testing.assert_equal(num(rows[w.ethnic_group]["value"]), w.value)
        assert rows[w.ethnic_group]["policy"] == "nhs"
    peers = table(r.text, "peers")
    mine = {c for c in world.orgs["lmns_code"] if in_scope(world, role, org_of_code(world, c))}
    for p in peers:
        assert p["policy"] == (EXACT.name if p["org-code"] in mine else "nhs")


def org_of_code(world, code):
    return organisations.find(world.orgs, "lmns", code)


@pytest.mark.parametrize("role", ROLES)
def test_the_home_page_leads_with_the_scope_s_gaps_and_signals(world, clients, role):
    r = clients[role].get("/")
    assert r.status_code == 200
    a = world.accounts[role]
    if role in ("admin", "national"):
        assert "<h1>Equity in maternity care: England</h1>" in r.text
    else:
        code = a.org
        assert f"/org/{role}/{code}" in r.text
    gaps = table(r.text, "gaps")
    assert gaps and {g["policy"] for g in gaps} == {EXACT.name}
    sites = set(re.findall(r'<tr data-site="([^"]+)"', r.text))
    mine = (
        set(world.orgs["site_code"])
        if role in ("admin", "national")
        else world.sites_of(role, a.org)
    )
    assert sites <= mine
    if role != "trust":
        excess = table(r.text, "excess")
        assert all(x["policy"] in (EXACT.name, "nhs") for x in excess)


def test_pages_need_a_session(app):
    with TestClient(app) as c:
        for path in ("/", "/org/england/E92000001", "/home/download/gaps.csv"):
            r = c.get(path, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_bad_requests_are_answered_clearly(clients):
    c = clients["national"]
    r = c.get("/org/county/X")
    assert r.status_code == 404 and "no such level" in r.text
    r = c.get("/org/trust/NOPE")
    assert r.status_code == 404 and "unknown trust" in r.text
    r = c.get("/org/england/E92000001?measure=nope")
    assert r.status_code == 400 and "measure" in r.text
    r = c.get("/org/england/E92000001?breakdown=age")
    assert r.status_code == 400 and "breakdown" in r.text
    r = c.get("/org/england/E92000001?period=20x0")
    assert r.status_code == 422
    r = c.get("/org/england/E92000001?period=2030:2031")
    assert r.status_code == 400 and "the data hold births 2020 to 2023" in r.text
    r = c.get("/org/england/E92000001/download/nope.csv")
    assert r.status_code == 404
    r = c.get("/org/england/E92000001/download/summary.exe")
    assert r.status_code == 404


def test_every_view_is_a_url(world, clients):
    c = clients["national"]
    org = org_of(world, "a", "lmns")
    r = c.get(
        f"/org/lmns/{org.code}?from=2021&to=2023&measure=preterm_birth&breakdown=imd_quintile",
        follow_redirects=False,
    )
    assert r.status_code == 303
    loc = r.headers["location"]
    assert loc.startswith(f"/org/lmns/{org.code}?") and "period=2021%3A2023" in loc
    page = c.get(loc)
    assert "Preterm birth by ethnic group and by deprivation" in page.text
    assert 'name="measure"' in page.text and 'value="preterm_birth" selected' in page.text
    assert "births 2021-2023" in page.text
    # links keep the view: a child's link carries the measure and period
    assert "measure=preterm_birth" in page.text and "period=2021%3A2023" in page.text


def test_downloads_say_their_policy_and_period_and_are_audited(world, clients):
    import openpyxl

    c = clients["trust"]
    lm = org_of(world, "b", "lmns")
    assert c.get(f"/org/lmns/{lm.code}").status_code == 200
    base = f"/org/lmns/{lm.code}/download"
    r = c.get(f"{base}/groups_ethnic_group.csv?period=2020:2023")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.text.splitlines()
    assert lines[0].endswith("disclosure_policy,data_period")
    assert all(line.endswith(",nhs,2020-2023") for line in lines[1:])
    r = c.get(f"{base}/summary.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    header = [x.value for x in next(wb.active.iter_rows(max_row=1))]
    assert header[-2:] == ["disclosure_policy", "data_period"]
    r = c.get(f"{base}/groups_ethnic_group.png")
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert r.headers["x-disclosure-policy"] == "nhs"
    r = c.get(f"{base}/peers.svg")
    assert r.status_code == 200 and "<svg" in r.text
    assert "Disclosure: released under the" in r.text and "Births 2020-2023" in r.text
    trust = org_of(world, "a", "trust")
    r = c.get(f"/org/trust/{trust.code}/download/summary.csv")
    import pandas as pd

    got = pd.read_csv(io.StringIO(r.text))
    assert set(got["disclosure_policy"]) == {EXACT.name} and len(got) > 0
    a = audit.entries(world.svc.db, "export", limit=100_000)
    mine = a[a["actor"] == world.accounts["trust"].email]
    files = [json.loads(d)["file"] for d in mine["detail"]]
    assert {"groups_ethnic_group.csv", "summary.xlsx", "groups_ethnic_group.png"} <= set(files)
    assert {"peers.svg", "summary.csv"} <= set(files)
    views = audit.entries(world.svc.db, "view", limit=100_000)
    assert (views["target"] == f"lmns:{lm.code}").any()


def test_reports_for_organisations_in_scope_only(world, clients):
    c = clients["trust"]
    mine = org_of(world, "a", "trust")
    other = org_of(world, "b", "trust")
    r = c.get(f"/reports/board/{mine.code}.html")
    assert r.status_code == 200 and r.headers["x-disclosure-policy"] == "nhs"
    assert "attachment" in r.headers["content-disposition"] and mine.code in r.text
    assert c.get(f"/reports/board/{other.code}.html").status_code == 404
    assert c.get(f"/reports/lmns/{org_of(world, 'a', 'lmns').code}.pdf").status_code == 404
    r = clients["lmns"].get(f"/reports/lmns/{org_of(world, 'a', 'lmns').code}.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    page = c.get(f"/org/trust/{mine.code}")
    assert f"/reports/board/{mine.code}.html" in page.text
    page = c.get(f"/org/trust/{other.code}")
    assert "/reports/board/" not in page.text


def test_a_new_ingest_is_seen_while_the_service_runs(world, tmp_path):
    store = tmp_path / "store.duckdb"
    shutil.copy(world.store, store)
    app = create_app(ServiceSettings(store=str(store)), world.svc.db)
    site = world.site_a
    lmns = world.org_of(site, "lmns")
    with TestClient(app) as c:
        assert login(c, world.accounts["national"].email).status_code == 303
        before = {r["measure"]: r for r in table(c.get(f"/org/lmns/{lmns}").text, "summary")}
        fp = app.state.ctx.data.source.fingerprint()
        rows = [
            baby(
                baby_id=f"extra{i}",
                delivery_id=f"extrad{i}",
                mother_id=f"extram{i}",
                site_code=site,
                birth_date="2023-06-0" + str(i + 1),
                outcome="still",
                lsoa_code="",
            )
            for i in range(3)
        ]
        ingest(store, [write_csv(tmp_path / "extra.csv", rows)])
        assert app.state.ctx.data.source.fingerprint() != fp
        after = {r["measure"]: r for r in table(c.get(f"/org/lmns/{lmns}").text, "summary")}
        assert num(after["stillbirth"]["numerator"]) == num(before["stillbirth"]["numerator"]) + 3
        assert num(after["stillbirth"]["denominator"]) == (
            num(before["stillbirth"]["denominator"]) + 3
        )


def _signal_statuses(page: str) -> dict[str, str]:
    m = re.search(r'<table class="data" data-testid="dash-signals">(.*?)</table>', page, re.S)
    assert m, "no signals table on the page"
    return {
        html.unescape(sid): status
        for sid, status in re.findall(
            r'href="/signals/([^"]+)".*?class="status status-(\w+)"', m.group(1), re.S
        )
    }


def test_a_cached_page_shows_the_signals_as_they_are_now(world, clients):
    """The page's figures are laid out once per store version and view, but its
    signals are the register's at each request: a check recorded (by any
    worker) shows at once."""
    from urllib.parse import unquote

    from matequity.signals import register

    url = f"/org/site/{world.site_a}"
    first = clients["trust"].get(url).text
    before = {unquote(k): v for k, v in _signal_statuses(first).items()}
    assert before[world.signal_a] in ("new", "overdue", "in_progress")
    check = register.Check(
        "Head of midwifery", world.register["first_detected"].max(), "f", "a", "assured"
    )
    register.record_check(world.svc.db, world.signal_a, check, "test")
    again = clients["trust"].get(url).text
    after = {unquote(k): v for k, v in _signal_statuses(again).items()}
    assert after[world.signal_a] == "check_recorded"
    # the figures are the cached page's: the same tables, byte for byte
    strip = re.compile(r'<section aria-labelledby="signals-h".*?</section>', re.S)
    assert strip.sub("", first) == strip.sub("", again)
