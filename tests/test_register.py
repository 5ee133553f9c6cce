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


def test_register_is_idempotent_and_append_only(tmp_path):
    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    r1 = register.register(con, chart([0, 1, 2, 0]), dt.date(2025, 12, 24))
    r2 = register.register(con, chart([0, 1, 2, 0]), dt.date(2026, 1, 2))
    assert (r1.new, r1.already, r2.new, r2.already) == (2, 0, 0, 2)
    # new data adds only the new signal
    r3 = register.register(con, chart([0, 1, 2, 0, 1]), dt.date(2026, 1, 2))
    assert (r3.new, r3.already) == (1, 2)
    lst = register.listing(con, today=dt.date(2026, 1, 9)).set_index("signal_id")
    sid = "moss:A:2025-02:L1"
    assert lst.loc[sid, "due_date"] == dt.date(2026, 1, 8)
    assert lst.loc[sid, "status"] == "open" and bool(lst.loc[sid, "overdue"])
    assert lst.loc["moss:A:2025-05:L1", "first_detected"] == dt.date(2026, 1, 2)
    register.record(con, sid, "check_recorded", "Head of Midwifery", "rota reviewed")
    register.record(con, sid, "closed", "Director of Midwifery")
    h = register.history(con, sid)
    assert h["status"].tolist() == ["open", "check_recorded", "closed"]
    assert h["recorded_by"].tolist()[1:] == ["Head of Midwifery", "Director of Midwifery"]
    with pytest.raises(UserError, match="closed"):
        register.record(con, sid, "escalated", "x")
    with pytest.raises(UserError, match="no signal"):
        register.record(con, "moss:Z:2025-01:L2", "closed", "x")
    with pytest.raises(UserError, match="unknown status"):
        register.record(con, "moss:A:2025-03:L2", "done", "x")
    assert register.listing(con).set_index("signal_id").loc[sid, "status"] == "closed"


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
    chart_ = pd.read_csv(tmp_path / "out" / "moss.csv")
    n = int((chart_["level"] > 0).sum())
    assert f"{n} new signal(s)" in r.output
    again = CliRunner().invoke(
        app, ["signals", "run", "--store", str(store), "--reference-rate", "0.004"]
    )
    assert "0 new signal(s)" in again.output and f"{n} already" in again.output
    lst = tmp_path / "l.csv"
    CliRunner().invoke(app, ["signals", "list", "--store", str(store), "-o", str(lst)])
    reg = pd.read_csv(lst)
    assert len(reg) == n and (reg["due_date"] == "2026-01-08").all()
    if n:
        sid = reg["signal_id"].iloc[0]
        r = CliRunner().invoke(
            app,
            [
                "signals",
                "check",
                "--store",
                str(store),
                "--id",
                sid,
                "--by",
                "HoM",
                "--actions",
                "staffing reviewed",
            ],
        )
        assert r.exit_code == 0, r.output
    ex = pd.read_csv(tmp_path / "out" / "excess_events.csv")
    assert ex.groupby("site_code")["cumulative_excess"].last().notna().all()
