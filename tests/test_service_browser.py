"""The signal workflow in a real browser (Debian's Chromium, headless, driven
by Playwright) against ``matequity serve`` on 127.0.0.1: a trust user signs in,
sees only its sites, opens a signal (both charts drawn under the
Content-Security-Policy, no console errors, no request leaves the server),
records a check and sees it in the history; an LMNS user then sees that check."""

from __future__ import annotations

import shutil

import pytest

from matequity.servicedb import default_url
from service_support import PASSWORD, build_world, start_server, stop_server

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian chromium not installed (scripts/install-browser.sh)"
)


@pytest.fixture
def served(synthetic_store, tmp_path):
    store = tmp_path / "store.duckdb"
    shutil.copy(synthetic_store, store)
    w = build_world(store, default_url(store))
    w.svc.db.dispose()
    proc, base = start_server(store)
    yield w, base
    stop_server(proc)


def sign_in(page, base, email):
    page.goto(f"{base}/signals")
    assert "/login" in page.url
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/signals")


@needs_chromium
def test_trust_records_a_check_and_the_lmns_sees_it(served, tmp_path):
    from playwright.sync_api import sync_playwright

    w, base = served
    trust_sites = w.sites_of("trust", w.accounts["trust"].org)
    with_signals = set(w.register.loc[w.register["site_code"].isin(trust_sites), "site_code"])
    problems: list[str] = []
    foreign: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        ctx = browser.new_context(viewport={"width": 1200, "height": 1400})
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: r.url.startswith(base) or foreign.append(r.url))

        sign_in(page, base, w.accounts["trust"].email)
        rows = page.locator("table[data-testid=inbox] tbody tr")
        listed = {rows.nth(i).get_attribute("data-site") for i in range(rows.count())}
        assert listed == with_signals and listed <= trust_sites
        assert w.site_b not in listed

        page.locator(f'tr[data-site="{w.site_a}"] a').first.click()
        page.wait_for_selector("div.chart[data-rendered=true]")
        charts = page.locator("div.chart")
        assert charts.count() == 2
        for i in range(2):
            charts.nth(i).locator("svg").first.wait_for()
        assert page.locator('[data-testid="no-checks"]').count() == 1

        page.fill("#checked_by", "Head of Midwifery")
        page.fill("#findings", "Staffing below plan on two nights; escalation followed.")
        page.fill("#actions", "Extra midwife rostered; review in four weeks.")
        page.check('input[name=escalated][value="yes"]')
        page.select_option("#outcome", "assured_with_actions")
        page.click("form[data-testid=check-form] button[type=submit]")
        page.wait_for_url("**#history")
        check = page.locator('[data-testid="check"]')
        assert check.count() == 1
        assert "Staffing below plan on two nights" in check.inner_text()
        assert "Head of Midwifery" in check.inner_text()
        assert page.locator('[data-testid="status"]').inner_text() == "check recorded"
        signal_url = page.url.split("#")[0]
        page.screenshot(path=str(tmp_path / "trust_signal.png"), full_page=True)
        page.click("header nav button")  # sign out
        page.wait_for_url(f"{base}/login")

        sign_in(page, base, w.accounts["lmns"].email)
        lmns_sites = w.sites_of("lmns", w.accounts["lmns"].org)
        rows = page.locator("table[data-testid=inbox] tbody tr")
        listed = {rows.nth(i).get_attribute("data-site") for i in range(rows.count())}
        assert listed <= lmns_sites and w.site_a in listed
        page.goto(signal_url)
        check = page.locator('[data-testid="check"]')
        assert check.count() == 1 and "Extra midwife rostered" in check.inner_text()
        assert page.locator("form[data-testid=check-form]").count() == 0  # LMNS users only see it
        page.screenshot(path=str(tmp_path / "lmns_signal.png"), full_page=True)
        browser.close()
    assert problems == []
    assert foreign == []
