"""API latency of the web service under 20 concurrent clients, against the real
server (``matequity serve``, uvicorn workers) on 127.0.0.1.

A synthetic store of about ``--millions`` births, its MOSS signals registered,
a national and a trust user with API tokens. Two runs of ``--clients``
threads (each its own HTTP connection), ``--requests`` calls per client:
signals (list, open list, one signal) and counts (counts and rates by ethnic
group for every LMNS; a trust's own rates, exact, and another trust's,
released). The first call of each URL (cold: the engine computes, the result
is cached per worker) is reported apart; every call is then made on every
worker (:func:`warm`) before the timed runs. Writes
benchmarks/results/service.json and prints the figures as JSON.

    python benchmarks/bench_service.py [--millions 6] [--clients 20] [--requests 50] [--workers 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from bench_pipeline import save, synthetic_store

from matequity.accounts import tokens, users
from matequity.accounts.scope import all_codes
from matequity.signals import register, workflow

OUT = Path(__file__).parent / "results" / "service.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(store: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    exe = Path(sys.executable).with_name("matequity")
    proc = subprocess.Popen(
        [str(exe), "serve", "--store", str(store), "--port", str(port), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the server did not start")


def warm(base: str, walks: list[Callable[[httpx.Client], object]], workers: int) -> int:
    """Every walk (the calls of one identity) on every worker process: each
    worker fills its own cache, and the kernel hands a new connection to any
    worker, so connections are opened until each (walk, worker) pair has been
    made (the worker that holds a connection is named by ``/healthz``).
    Returns the connections opened."""
    done: set[tuple[int, str]] = set()
    opened = 0
    while len(done) < len(walks) * workers and opened < 50 * len(walks) * workers:
        for k, walk in enumerate(walks):
            with httpx.Client(base_url=base, timeout=600) as c:
                opened += 1
                pair = (k, c.get("/healthz").json()["worker"])
                if pair not in done:
                    walk(c)
                    done.add(pair)
    return opened


def _calls(calls: list[tuple[str, str]]) -> Callable[[httpx.Client], None]:
    def walk(c: httpx.Client) -> None:
        for token, url in calls:
            c.get(url, headers={"Authorization": f"Bearer {token}"})

    return walk


def percentile(xs: list[float], q: float) -> float:
    s = sorted(xs)
    i = min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))
    return s[i]


def load(base: str, calls: list[tuple[str, str]], clients: int, requests: int) -> dict:
    """``clients`` threads, each making ``requests`` calls cycling through ``calls``."""
    times: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            barrier.wait()
            for j in range(requests):
                token, url = calls[(i + j) % len(calls)]
                t0 = time.perf_counter()
                r = c.get(url, headers={"Authorization": f"Bearer {token}"})
                dt_ = time.perf_counter() - t0
                with lock:
                    times.append(dt_ * 1000)
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
        "mean_ms": round(statistics.fmean(times), 1),
        "requests_per_s": round(len(times) / wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--millions", type=float, default=6.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="calls per client per run")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store, births = synthetic_store(Path(tmp), args.millions)
        svc = workflow.open_service(store)
        workflow.run(svc, dt.date.today())
        orgs = svc.organisations()
        reg = register.listing(svc.db)
        known = all_codes(orgs)
        o = orgs.set_index("site_code")
        site = reg["site_code"].iloc[0] if len(reg) else orgs["site_code"].iloc[0]
        trust = o.loc[site, "trust_code"]
        other = next(t for t in sorted(known["trust"]) if t != trust)
        users.add_user(
            svc.db, "national@bench.invalid", "national", None, "benchmark password", known
        )
        users.add_user(svc.db, "trust@bench.invalid", "trust", trust, "benchmark password", known)
        nat = tokens.create_token(svc.db, "national@bench.invalid")
        tru = tokens.create_token(svc.db, "trust@bench.invalid")
        sid = reg["signal_id"].iloc[0] if len(reg) else None
        svc.db.dispose()
        signals = [
            (nat, "/api/v1/signals"),
            (nat, "/api/v1/signals?status=open"),
            (tru, "/api/v1/signals"),
        ]
        if sid:
            signals.append((nat, f"/api/v1/signals/{sid}"))
        q = "measure=stillbirth,neonatal_mortality&by=ethnic_group&period=year"
        counts = [
            (nat, f"/api/v1/counts?{q}&level=lmns"),
            (nat, f"/api/v1/rates?{q}&level=lmns"),
            (tru, f"/api/v1/rates?{q}&level=trust&org={trust}"),
            (tru, f"/api/v1/rates?{q}&level=trust&org={other}"),
        ]
        proc, base = start(store, args.workers)
        try:
            cold = {}
            for token, url in signals + counts:
                t0 = time.perf_counter()
                httpx.get(base + url, headers={"Authorization": f"Bearer {token}"}, timeout=300)
                cold[url] = round((time.perf_counter() - t0) * 1000, 1)
            opened = warm(base, [_calls(signals + counts)], args.workers)
            results = {
                "births": births,
                "signals_registered": len(reg),
                "clients": args.clients,
                "workers": args.workers,
                "warm_up_connections": opened,
                "signals": load(base, signals, args.clients, args.requests),
                "counts": load(base, counts, args.clients, args.requests),
                "first_call_ms": cold,
            }
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    save(OUT, results, 1, "latency in milliseconds under concurrent clients")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
