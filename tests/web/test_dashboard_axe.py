"""Accessibility (WCAG 2.2 AA): axe-core (Deque, installed from the npm
registry by scripts/install-axe.sh into .tools/axe) runs in headless Chromium
on every page type of the service: log-in, home, the drill-down pages of
England, a region, an LMNS, a trust and a site, the signal inbox, a signal's
page and an error page. No violation of serious or critical impact is allowed.

axe is injected into each page as a script; the browser context bypasses the
Content-Security-Policy for that injection only (the policy itself is checked
by tests/test_dashboard_browser.py and tests/test_service_browser.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from matequity.servicedb import default_url
from service_support import PASSWORD, build_world, start_server, stop_server

CHROMIUM = shutil.which("chromium")
AXE = Path(
    os.environ.get(
        "MATEQUITY_AXE",
        Path(__file__).parents[2] / ".tools/axe/node_modules/axe-core/axe.min.js",
    )
)
REQUIRE = os.environ.get("MATEQUITY_REQUIRE_AXE") == "1"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or (not AXE.exists() and not REQUIRE),
    reason="needs Debian chromium (scripts/install-browser.sh) and axe-core "
    "(scripts/install-axe.sh)",
)


@pytest.fixture(scope="module")
def served(dashboard_store, tmp_path_factory):
    assert AXE.exists(), f"axe-core not found at {AXE}: run scripts/install-axe.sh"
    store = tmp_path_factory.mktemp("dashaxe") / "store.duckdb"
    shutil.copy(dashboard_store, store)
    w = build_world(store, default_url(store))
    w.svc.db.dispose()
    proc, base = start_server(store)
    yield w, base
    stop_server(proc)


@pytest.fixture(scope="module")
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        ctx = b.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
        pg = ctx.new_page()
        yield pg
        b.close()


def violations(pg) -> list[dict]:
    pg.wait_for_function(
        "() => [...document.querySelectorAll('div.chart')].every(d => d.dataset.rendered)",
        timeout=60_000,
    )
    pg.add_script_tag(path=str(AXE))
    res = pg.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in res["violations"]
        if v["impact"] in BLOCKING
    ]


def test_every_page_type_has_no_serious_or_critical_violation(served, page):
    w, base = served
    found: dict[str, list] = {}
    page.goto(f"{base}/login")
    found["login"] = violations(page)
    page.fill("#email", w.accounts["trust"].email)
    page.fill("#password", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(f"{base}/")
    found["home"] = violations(page)
    for level in ("england", "region", "lmns", "trust", "site"):
        code = "E92000001" if level == "england" else w.org_of(w.site_a, level)
        page.goto(f"{base}/org/{level}/{code}")
        found[level] = violations(page)
    page.goto(f"{base}/signals")
    found["inbox"] = violations(page)
    page.goto(f"{base}/signals/{w.signal_a}")
    found["signal"] = violations(page)
    page.goto(f"{base}/org/trust/NOPE")
    found["error"] = violations(page)
    assert {k: v for k, v in found.items() if v} == {}
