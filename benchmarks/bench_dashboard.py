"""Dashboard page times under 20 concurrent users, against the real server
(``matequity serve``, uvicorn workers) on 127.0.0.1.

A synthetic store of about ``--millions`` births, its MOSS signals registered,
one signed-in user per role (national, region, LMNS, trust; session cookies
from the log-in form, as a browser). Each of ``--clients`` threads (its own
HTTP connection, signed in as one of the roles in turn) makes ``--requests``
page requests cycling through the drill-down of its role: the home page,
England, the region, the LMNS, the trust and a site, with the default view and
another measure, and one table download. The first call of each URL (cold:
the engine computes the count tables and the analyses, each worker caches
them) is reported apart, then every page is walked as every role on every
worker (:func:`warm`) before the timed run. Writes
benchmarks/results/dashboard.json and prints the figures as JSON.

    python benchmarks/bench_dashboard.py [--millions 6] [--clients 20] [--requests 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import tempfile
import threading
import time
from pathlib import Path

import httpx
from bench_pipeline import save, synthetic_store
from bench_service import percentile, start, warm

from matequity.accounts import users
from matequity.accounts.scope import all_codes
from matequity.signals import register, workflow

OUT = Path(__file__).parent / "results" / "dashboard.json"
PASSWORD = "benchmark password"
ROLES = ("national", "region", "lmns", "trust")


def sign_in(c: httpx.Client, email: str) -> None:
    page = c.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]*)"', page.text).group(1)
    r = c.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    if r.status_code != 303:
        raise SystemExit(f"sign-in failed for {email}: {r.status_code}")


def walk(o, site: str) -> list[str]:
    """The drill-down from England to ``site`` (``o``: the organisations by site)."""
    r = o.loc[site]
    pages = [
        "/",
        "/org/england/E92000001",
        f"/org/region/{r['region_code']}",
        f"/org/lmns/{r['lmns_code']}",
        f"/org/trust/{r['trust_code']}",
        f"/org/site/{site}",
    ]
    return [
        *pages,
        *(p + "?measure=preterm_birth" for p in pages[1:]),
        f"/org/lmns/{r['lmns_code']}/download/groups_ethnic_group.csv",
    ]


def _pages(email: str, urls: list[str]):
    """Sign in as ``email`` and open every page (one warm-up walk)."""

    def walk(c: httpx.Client) -> None:
        sign_in(c, email)
        for url in urls:
            c.get(url)

    return walk


def load(base: str, emails: list[str], urls: list[str], clients: int, requests: int) -> dict:
    times: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=300) as c:
            sign_in(c, emails[i % len(emails)])
            barrier.wait()
            for j in range(requests):
                url = urls[(i + j) % len(urls)]
                t0 = time.perf_counter()
                r = c.get(url)
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    times.append(ms)
                    if r.status_code != 200:
                        errors.append(r.status_code)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "requests": len(times),
        "errors": len(errors),
        "p50_ms": round(percentile(times, 50), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "p99_ms": round(percentile(times, 99), 1),
        "max_ms": round(max(times), 1),
        "requests_per_s": round(len(times) / wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millions", type=float, default=6.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=30, help="pages per client")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t_store = time.perf_counter()
        store, births = synthetic_store(Path(tmp), args.millions)
        svc = workflow.open_service(store)
        workflow.run(svc, dt.date.today())
        orgs = svc.organisations()
        reg = register.listing(svc.db)
        known = all_codes(orgs)
        o = orgs.set_index("site_code")
        site = reg["site_code"].iloc[0] if len(reg) else orgs["site_code"].iloc[0]
        emails = []
        for role in ROLES:
            code = None if role == "national" else o.loc[site, f"{role}_code"]
            email = f"{role}@bench.invalid"
            users.add_user(svc.db, email, role, code, PASSWORD, known)
            emails.append(email)
        svc.db.dispose()
        setup_s = round(time.perf_counter() - t_store, 1)
        urls = walk(o, site)
        proc, base = start(store, args.workers)
        try:
            cold = {}
            with httpx.Client(base_url=base, timeout=600) as c:
                sign_in(c, emails[0])
                for url in urls:
                    t0 = time.perf_counter()
                    c.get(url)
                    cold[url] = round((time.perf_counter() - t0) * 1000, 1)
                opened = warm(base, [_pages(e, urls) for e in emails], args.workers)
            results = {
                "births": births,
                "setup_s": setup_s,
                "clients": args.clients,
                "workers": args.workers,
                "pages": urls,
                "warm_up_connections": opened,
                "warm": load(base, emails, urls, args.clients, args.requests),
                "first_call_ms": cold,
            }
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    save(OUT, results, 1, "page latency in milliseconds under concurrent users")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
