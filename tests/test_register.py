"""Signal register: working days across Christmas and Easter, idempotence,
append-only history."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

from matequity.cli.main import app
from matequity.errors import UserError
from matequity.servicedb import open_database
from matequity.signals import register
from matequity.signals.workdays import add_working_days, is_working_day


@pytest.mark.parametrize(
    ("notified", "due"),
    [
        # Thu 25 and Fri 26 Dec, weekend, Mon 29 (1) Tue 30 (2) Wed 31 (3),
        # Thu 1 Jan holiday, Fri 2 (4), Mon 5 (5) Tue 6 (6) Wed 7 (7) Thu 8 (8)
        (dt.date(2025, 12, 24), dt.date(2026, 1, 8)),
        # Good Friday 3 Apr 2026 and Easter Monday 6 Apr: Tue 7 (1) ... Thu 16 (8)
        (dt.date(2026, 4, 2), dt.date(2026, 4, 16)),
        # an ordinary week: Mon 9 Nov 2026 -> Wed 19 Nov
        (dt.date(2026, 11, 9), dt.date(2026, 11, 19)),
        # notified on a Saturday: Mon 16 Nov (1) ... Wed 25 Nov (8)
        (dt.date(2026, 11, 14), dt.date(2026, 11, 25)),
    ],
)
def test_due_date_eight_england_working_days(notified, due):
    assert add_working_days(notified) == due


def test_bank_holidays_come_from_the_library():
    assert not is_working_day(dt.date(2025, 12, 25))
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(dt.date(2026, 5, 4))  # early May bank holiday
    assert is_working_day(dt.date(2026, 3, 17))  # St Patrick's Day: NI only


def chart(levels):
    return pd.DataFrame(
        {
            "site_code": ["A"] * len(levels),
            "month": [f"2025-{m:02d}" for m in range(1, len(levels) + 1)],
            "level": levels,
        }
    )


def check(by="Head of Midwifery", actions="rota reviewed"):
    return register.Check(
        by, dt.date(2026, 1, 5), "staffing below plan twice", actions, "assured_with_actions"
    )


def test_register_is_idempotent_and_append_only(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    r1 = register.register(db, chart([0, 1, 2, 0]), dt.date(2025, 12, 24))
    r2 = register.register(db, chart([0, 1, 2, 0]), dt.date(2026, 1, 2))
    assert (r1.new, r1.already, r2.new, r2.already) == (2, 0, 0, 2)
    # new data adds only the new signal
    r3 = register.register(db, chart([0, 1, 2, 0, 1]), dt.date(2026, 1, 2))
    assert (r3.new, r3.already) == (1, 2)
    lst = register.listing(db, today=dt.date(2026, 1, 9)).set_index("signal_id")
    sid = "moss:A:2025-02:L1"
    assert lst.loc[sid, "due_date"] == dt.date(2026, 1, 8)
    assert lst.loc[sid, "status"] == "open" and bool(lst.loc[sid, "overdue"])
    assert lst.loc[sid, "display_status"] == "overdue"
    assert lst.loc["moss:A:2025-05:L1", "first_detected"] == dt.date(2026, 1, 2)
    assert lst.loc["moss:A:2025-05:L1", "display_status"] == "new"
    # closing needs a recorded check
    with pytest.raises(UserError, match="record a critical safety check before closing"):
        register.record(db, sid, "closed", "Director of Midwifery")
    register.record(db, sid, "in_progress", "Head of Midwifery")
    register.record_check(db, sid, check(), "Head of Midwifery")
    register.record(db, sid, "closed", "Director of Midwifery")
    h = register.history(db, sid)
    assert h["status"].tolist() == ["open", "in_progress", "check_recorded", "closed"]
    assert h["recorded_by"].tolist()[1:] == ["Head of Midwifery"] * 2 + ["Director of Midwifery"]
    c = register.checks(db, sid)
    assert c[["check_no", "checked_by", "actions", "outcome"]].values.tolist() == [
        [1, "Head of Midwifery", "rota reviewed", "assured_with_actions"]
    ]
    with pytest.raises(UserError, match="closed"):
        register.record(db, sid, "escalated", "x")
    with pytest.raises(UserError, match="closed"):
        register.record_check(db, sid, check(), "x")
    with pytest.raises(UserError, match="no signal"):
        register.record(db, "moss:Z:2025-01:L2", "closed", "x")
    with pytest.raises(UserError, match="unknown status"):
        register.record(db, "moss:A:2025-03:L2", "done", "x")
    lst = register.listing(db).set_index("signal_id")
    assert lst.loc[sid, "status"] == "closed" and lst.loc[sid, "display_status"] == "closed"
    # an escalating check shows as escalated
    register.record_check(
        db,
        "moss:A:2025-03:L2",
        register.Check("HoM", dt.date(2026, 1, 5), "f", "a", "not_assured", True),
        "HoM",
    )
    assert bool(register.listing(db).set_index("signal_id").loc["moss:A:2025-03:L2", "escalated"])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("checked_by", " ", "checked_by: required"),
        ("findings", "", "findings: required"),
        ("actions", "", "actions: required"),
        ("outcome", "fine", "outcome 'fine': expected one of assured"),
        ("findings", "x" * 10_001, "findings: too long"),
    ],
)
def test_a_check_must_be_complete(tmp_path, field, value, message):
    db = open_database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    register.register(db, chart([2]), dt.date(2025, 12, 24))
    base = {
        "checked_by": "HoM",
        "check_date": dt.date(2026, 1, 5),
        "findings": "f",
        "actions": "a",
        "outcome": "assured",
    }
    base[field] = value
    with pytest.raises(UserError, match=message):
        register.record_check(db, "moss:A:2025-01:L2", register.Check(**base), "HoM")
    assert register.checks(db, "moss:A:2025-01:L2").empty


def test_signals_run_list_check_on_a_store(synthetic_store, tmp_path):
    import shutil

    store = tmp_path / "s.duckdb"
    shutil.copy(synthetic_store, store)
    r = CliRunner().invoke(
        app,
        [
            "signals",
            "run",
            "--store",
            str(store),
            "--reference-rate",
            "0.004",
            "--as-of",
            "2025-12-24",
            "-o",
            str(tmp_path / "out"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s.service.sqlite").exists()  # the register sits next to the store
    chart_ = pd.read_csv(tmp_path / "out" / "moss.csv")
    n = int((chart_["level"] > 0).sum())
    assert n > 0 and f"{n} new signal(s)" in r.output
    again = CliRunner().invoke(
        app, ["signals", "run", "--store", str(store), "--reference-rate", "0.004"]
    )
    assert "0 new signal(s)" in again.output and f"{n} already" in again.output
    lst = tmp_path / "l.csv"
    CliRunner().invoke(app, ["signals", "list", "--store", str(store), "-o", str(lst)])
    reg = pd.read_csv(lst)
    assert len(reg) == n and (reg["due_date"] == "2026-01-08").all()
    sid = reg["signal_id"].iloc[0]
    base = ["signals", "check", "--store", str(store), "--id", sid, "--by", "HoM"]
    r = CliRunner().invoke(app, [*base, "--actions", "staffing reviewed"])
    assert r.exit_code == 2 and "findings: required" in r.output
    r = CliRunner().invoke(
        app,
        [
            *base,
            "--actions",
            "staffing reviewed",
            "--findings",
            "no concerns",
            "--outcome",
            "assured",
        ],
    )
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, [*base, "--status", "closed"])
    assert r.exit_code == 0, r.output
    db = open_database(f"sqlite:///{tmp_path / 's.service.sqlite'}")
    assert register.get(db, sid)["status"] == "closed"
    # the trust board report reads the register from the service database
    from matequity import engine as engines
    from matequity.pipeline.reports import register_reader

    site = sid.split(":")[1]
    with engines.open("duckdb", store) as eng:
        board_reg = register_reader(None)(eng, [site])
    assert board_reg.set_index("signal_id").loc[sid, "status"] == "closed"
    ex = pd.read_csv(tmp_path / "out" / "excess_events.csv")
    assert ex.groupby("site_code")["cumulative_excess"].last().notna().all()


def test_an_old_store_register_moves_to_the_service_database(synthetic_store, tmp_path):
    """Stores written before the service kept the register in DuckDB tables."""
    import shutil

    store = tmp_path / "old.duckdb"
    shutil.copy(synthetic_store, store)
    con = duckdb.connect(str(store))
    con.execute(
        "CREATE TABLE signals (signal_id VARCHAR PRIMARY KEY, method VARCHAR, site_code VARCHAR, "
        "month VARCHAR, level INTEGER, first_detected DATE, due_date DATE, registered_at TIMESTAMP)"
    )
    con.execute(
        "CREATE TABLE signal_events (signal_id VARCHAR, event_no INTEGER, status VARCHAR, "
        "recorded_by VARCHAR, recorded_at TIMESTAMP, actions VARCHAR)"
    )
    site = con.execute("SELECT min(site_code) FROM organisations").fetchone()[0]
    sid = f"moss:{site}:2023-05:L1"
    con.execute(
        "INSERT INTO signals VALUES (?, 'moss', ?, '2023-05', 1, DATE '2025-12-24', "
        "DATE '2026-01-08', TIMESTAMP '2025-12-24 09:00:00')",
        [sid, site],
    )
    con.executemany(
        "INSERT INTO signal_events VALUES (?, ?, ?, ?, ?, ?)",
        [
            (sid, 1, "open", "matequity", dt.datetime(2025, 12, 24, 9), None),
            (sid, 2, "check_recorded", "HoM", dt.datetime(2026, 1, 5, 10), "rota reviewed"),
            (sid, 3, "closed", "DoM", dt.datetime(2026, 1, 6, 10), None),
        ],
    )
    con.close()
    outputs = []
    for _ in range(2):  # the second time there is nothing left to move
        r = CliRunner().invoke(app, ["signals", "list", "--store", str(store)])
        assert r.exit_code == 0, r.output
        outputs.append(r.output)
    assert "moved the store's register" in outputs[0] and "1 signal(s), 3 event(s)" in outputs[0]
    assert "moved" not in outputs[1]
    db = open_database(f"sqlite:///{tmp_path / 'old.service.sqlite'}")
    s = register.get(db, sid)
    assert (s["status"], s["due_date"], s["checks"]) == ("closed", dt.date(2026, 1, 8), 1)
    assert register.history(db, sid)["status"].tolist() == ["open", "check_recorded", "closed"]
    c = register.checks(db, sid).iloc[0]
    assert (c["checked_by"], c["actions"], c["outcome"]) == ("HoM", "rota reviewed", "not_recorded")
    import sqlalchemy as sa

    with db.engine.connect() as c2:
        assert c2.execute(sa.text("SELECT count(*) FROM store_imports")).scalar_one() == 1
