"""The register read whole once per version (:mod:`matequity.signals.snapshot`):
each signal's history and checks as the per-signal queries give them, the
inbox's order, and a snapshot kept exactly as long as nothing is recorded."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matequity.servicedb import open_database
from matequity.signals import register, snapshot
from matequity.web.jsonable import records

TODAY = dt.date(2026, 1, 20)


def chart(site, levels):
    return pd.DataFrame(
        {
            "site_code": [site] * len(levels),
            "month": [f"2025-{m:02d}" for m in range(1, len(levels) + 1)],
            "level": levels,
        }
    )


def check(by):
    return register.Check(by, dt.date(2026, 1, 5), "findings", "actions", "assured")


def test_snapshot_is_kept_until_anything_is_recorded(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    register.register(db, chart("A", [1, 2, 0, 1]), dt.date(2026, 1, 2))
    first = snapshot.current(db, TODAY)
    assert snapshot.current(db, TODAY) is first
    sid = first.listing["signal_id"].iloc[0]
    register.record_check(db, sid, check("Head of Midwifery"), "hom")
    second = snapshot.current(db, TODAY)
    assert second is not first
    assert second.checks_of(sid)["checked_by"].tolist() == ["Head of Midwifery"]
    assert first.checks_of(sid).empty  # the old snapshot is left as it was
    register.record(db, sid, "closed", "dom")
    third = snapshot.current(db, TODAY)
    assert third.history(sid)["status"].tolist()[-1] == "closed"
    # another day judges overdue afresh
    assert snapshot.current(db, TODAY + dt.timedelta(days=1)) is not third
    # a derived view is built once per snapshot
    calls = []
    third.derived("n", lambda s: calls.append(1) or len(s.listing))
    assert third.derived("n", lambda s: calls.append(1) or -1) == len(third.listing)
    assert calls == [1]
    db.dispose()


def test_a_rebuild_reads_the_version_once(tmp_path, monkeypatch):
    """A request reads only the version; a rebuild reads it once more, not twice,
    and stamps the snapshot with the version read before its tables."""
    db = open_database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    register.register(db, chart("A", [1, 2, 0, 1]), dt.date(2026, 1, 2))
    reads = []
    real = register.version
    monkeypatch.setattr(register, "version", lambda d: reads.append(1) or real(d))
    snap = snapshot.current(db, TODAY)
    assert len(reads) == 1
    assert snap.stamp == (real(db), TODAY)
    snapshot.current(db, TODAY)
    assert len(reads) == 2
    db.dispose()


@settings(max_examples=15, deadline=None)
@given(
    sites=st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=6), min_size=1, max_size=4),
    actions=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(["check", "in_progress"]))),
)
def test_snapshot_answers_as_the_per_signal_queries(tmp_path_factory, sites, actions):
    db = open_database(f"sqlite:///{tmp_path_factory.mktemp('s') / 'service.sqlite'}")
    for i, levels in enumerate(sites):
        register.register(db, chart(f"S{i}", levels), dt.date(2026, 1, 2 + i))
    ids = register.listing(db, TODAY)["signal_id"].tolist()
    for k, (pick, what) in enumerate(actions):
        if not ids:
            break
        sid = ids[pick % len(ids)]
        if what == "check":
            register.record_check(db, sid, check(f"checker {k}"), "x")
        else:
            register.record(db, sid, "in_progress", "x")
    snap = snapshot.current(db, TODAY)
    listing = register.listing(db, TODAY)
    assert sorted(snap.listing["signal_id"]) == sorted(listing["signal_id"])
    order = snap.listing["display_status"].map(snapshot.INBOX_ORDER).tolist()
    assert order == sorted(order)
    for sid in ids:  # as the API and the pages give them
        for got, want in [
            (snap.history(sid), register.history(db, sid)),
            (snap.checks_of(sid), register.checks(db, sid)),
        ]:
            assert list(got.columns) == list(want.columns)
            assert records(got) == records(want)
    assert snap.history("moss:nowhere:2025-01:L1").empty
    db.dispose()
