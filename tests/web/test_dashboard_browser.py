"""The dashboard in a real browser (Debian's Chromium, headless, driven by
Playwright) against ``matequity serve`` on 127.0.0.1. As each role (national,
region, LMNS, trust) it walks the drill-down from England to a site by the
page's own links, and on every page checks: no console error and no request
leaving the server; every chart drawn, its Vega view's data equal to the API's
figures for the same query; the figures of organisations outside the user's
scope those released under nhs and never the exact ones. It also checks back
and forward over a changed view, the skip link from the keyboard, and takes the
screenshots docs/service.md shows (written to docs/images when
MATEQUITY_SCREENSHOTS names that folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from matequity import engine
from matequity import vocabulary as vocab
from matequity.analyses import organisation_view, organisations
from matequity.disclosure.policy import POLICIES
from matequity.servicedb import default_url
from service_support import PASSWORD, build_world, start_server, stop_server

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (scripts/install-browser.sh)"
)
NHS = POLICIES["nhs"]
WALK = ("england", "region", "lmns", "trust", "site")

#: every dataset of a drawn chart (Vega's runtime state)
VIEW_DATA = """([id, field]) => {
  const v = window.matequityViews[id];
  const st = v.getState({data: () => true, signals: () => false, recurse: true});
  const rows = Object.values(st.data || {}).flatMap(d => Array.isArray(d) ? d : (d.values || []));
  return rows.filter(r => r && typeof r === "object" && field in r)
             .map(r => ({group: String(r[field]), value: r.value === undefined ? null : r.value}));
}"""


@pytest.fixture(scope="module")
def served(dashboard_store, tmp_path_factory):
    store = tmp_path_factory.mktemp("dashbrowser") / "store.duckdb"
    shutil.copy(dashboard_store, store)
    w = build_world(store, default_url(store))
    w.svc.db.dispose()
    proc, base = start_server(store)
    yield w, base
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def shots_dir(tmp_path: Path) -> Path:
    d = os.environ.get("MATEQUITY_SCREENSHOTS")
    return Path(d) if d else tmp_path


class Watched:
    """A signed-in page that records console errors and requests leaving the server."""

    def __init__(self, browser, base: str, email: str) -> None:
        self.base = base
        self.ctx = browser.new_context(viewport={"width": 1100, "height": 760})
        self.page = self.ctx.new_page()
        self.problems: list[str] = []
        self.foreign: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(m.text))
        self.page.on("pageerror", lambda e: self.problems.append(str(e)))
        self.page.on("request", lambda r: r.url.startswith(base) or self.foreign.append(r.url))
        self.page.goto(f"{base}/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.page.click("form.stack button[type=submit]")
        self.page.wait_for_url(f"{base}/")

    def charts_drawn(self) -> int:
        charts = self.page.locator("div.chart")
        n = charts.count()
        for i in range(n):
            self.page.wait_for_selector(
                f"div.chart[data-chart='{charts.nth(i).get_attribute('data-chart')}']"
                "[data-rendered=true]",
                timeout=60_000,
            )
            charts.nth(i).locator("svg").first.wait_for()
        return n

    def api(self, path: str) -> dict:
        r = self.page.request.get(f"{self.base}{path}")
        assert r.status == 200, r.text()
        return r.json()

    def close(self) -> None:
        self.ctx.close()


def cells(page, table: str, col: str) -> dict[str, str]:
    """Row key (the row's first data attribute after data-policy) -> a cell's raw value."""
    rows = page.locator(f"table[data-table='{table}'] tbody tr")
    out = {}
    for i in range(rows.count()):
        r = rows.nth(i)
        key = r.get_attribute("data-measure") or r.get_attribute("data-group")
        out[key] = r.locator(f"[data-col='{col}']").get_attribute("data-value")
    return out


def num(v: str | None) -> float:
    return float("nan") if not v else float(v)


def chart_matches_api(w: Watched, org) -> int:
    """The drawn chart of rates by ethnic group holds the API's rates for the org."""
    data = w.page.evaluate(VIEW_DATA, ["chart_groups_ethnic_group", "ethnic_group"])
    drawn = {d["group"]: d["value"] for d in data if d["value"] is not None}
    q = f"measure=stillbirth&by=ethnic_group&level={org.level}&period=all"
    if org.level != "england":
        q += f"&org={org.code}"
    api = w.api(f"/api/v1/rates?{q}")
    want = {
        r["ethnic_group"]: r["value"]
        for r in api["rows"]
        if r["value"] is not None and r["ethnic_group"] not in vocab.UNKNOWN_GROUPS
    }
    # withheld rates (too few events) are drawn nowhere
    assert drawn.keys() == want.keys()
    for g, v in want.items():
        assert drawn[g] == pytest.approx(v, rel=1e-12)
    policies = {r["disclosure_policy"] for r in api["rows"]}
    assert len(policies) == 1
    return len(drawn)


def no_exact_outside_scope(w: Watched, eng, org, inside: bool) -> None:
    got = cells(w.page, "summary", "numerator")
    released = organisation_view.organisation_summary(
        eng, org, None, policy=None if inside else NHS
    )
    for r in released.rates.itertuples():
        assert num(got[r.measure]) == r.numerator
    if not inside:
        exact = organisation_view.organisation_summary(eng, org, None, policy=None).rates
        for r in exact.itertuples():
            if NHS.count(np.array([r.numerator]))[0] != r.numerator:
                assert num(got[r.measure]) != r.numerator
    badge = w.page.locator("[data-testid=scope-badge]").inner_text()
    assert badge == ("In your scope" if inside else "Outside your scope")


@needs_chromium
@pytest.mark.parametrize("role", ["national", "region", "lmns", "trust"])
def test_each_role_drills_from_england_to_a_site(served, browser, role, tmp_path):
    w_, base = served
    acc = w_.accounts[role]
    mine = set(w_.orgs["site_code"]) if role == "national" else w_.sites_of(role, acc.org)
    w = Watched(browser, base, acc.email)
    shots = shots_dir(tmp_path)
    try:
        assert w.page.locator("table[data-table='gaps'] tbody tr").count() > 0
        if role == "national":
            w.page.screenshot(path=str(shots / "dashboard-home.png"))
        w.page.click("header nav >> text=England")
        with engine.open("duckdb", w_.store) as eng:
            for i, level in enumerate(WALK):
                code = "E92000001" if level == "england" else w_.org_of(w_.site_a, level)
                if i:  # follow the page's own link to the next organisation down
                    w.page.click(f"#related a[href^='/org/{level}/{code}']")
                w.page.wait_for_url(f"{base}/org/{level}/{code}*")
                org = organisations.find(w_.orgs, level, code)
                assert w.page.locator("h1").inner_text().startswith(org.name)
                assert w.charts_drawn() >= 4
                drawn = chart_matches_api(w, org)
                if role == "national":
                    assert drawn > 0
                inside = set(org.sites) <= mine and (level != "england" or role == "national")
                no_exact_outside_scope(w, eng, org, inside)
                crumbs = w.page.locator("nav.breadcrumbs li").count()
                assert crumbs == i + 1
                if role == "trust" and level in ("lmns", "trust"):
                    w.page.screenshot(path=str(shots / f"dashboard-{level}-{role}.png"))
                if role == "national" and level == "trust":
                    w.page.locator("#c-groups_ethnic_group").screenshot(
                        path=str(shots / "dashboard-groups.png")
                    )
                    w.page.locator("#peers figure").screenshot(
                        path=str(shots / "dashboard-funnel.png")
                    )
        assert w.problems == []
        assert w.foreign == []
    finally:
        w.close()


@needs_chromium
def test_back_and_forward_restore_each_view_and_the_keyboard_reaches_main(served, browser):
    w_, base = served
    w = Watched(browser, base, w_.accounts["lmns"].email)
    try:
        lm = w_.accounts["lmns"].org
        w.page.goto(f"{base}/org/lmns/{lm}")
        w.page.select_option("#opt-measure", "preterm_birth")
        w.page.select_option("#opt-breakdown", "imd_quintile")
        w.page.click("form.filters button[type=submit]")
        w.page.wait_for_url("**measure=preterm_birth**")
        assert "breakdown=imd_quintile" in w.page.url
        assert w.page.locator("#groups-h").inner_text().startswith("Preterm birth")
        w.page.go_back()
        w.page.wait_for_url(f"{base}/org/lmns/{lm}")
        assert w.page.locator("#groups-h").inner_text().startswith("Stillbirth rate")
        assert w.page.locator("#opt-measure").input_value() == "stillbirth"
        w.page.go_forward()
        w.page.wait_for_url("**measure=preterm_birth**")
        assert w.page.locator("#opt-measure").input_value() == "preterm_birth"
        # the first Tab reaches the skip link; following it moves to the main content
        w.page.keyboard.press("Tab")
        assert w.page.evaluate("document.activeElement.className") == "skip"
        w.page.keyboard.press("Enter")
        assert w.page.url.endswith("#main")
        assert w.problems == []
    finally:
        w.close()
