"""The signal register, in the local store.

Two tables, both append-only:

* ``signals``: one row per signal ever raised (``signal_id`` = method, site,
  month and level), with the date it was first detected (the notification date)
  and the critical safety check's due date (8 England working days later);
* ``signal_events``: the history of each signal: status (open, check_recorded,
  escalated, closed), who recorded it, when, and the actions taken.

Re-running on the same data raises no duplicate: a signal already registered is
left as it is. A signal's status is its latest event. Nothing is ever updated or
deleted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import pandas as pd

from matequity.errors import UserError
from matequity.signals.workdays import add_working_days

STATUSES = ("open", "check_recorded", "escalated", "closed")

DDL = (
    "CREATE TABLE IF NOT EXISTS signals (signal_id VARCHAR PRIMARY KEY, method VARCHAR, "
    "site_code VARCHAR, month VARCHAR, level INTEGER, first_detected DATE, due_date DATE, "
    "registered_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS signal_events (signal_id VARCHAR, event_no INTEGER, "
    "status VARCHAR, recorded_by VARCHAR, recorded_at TIMESTAMP, actions VARCHAR)",
)


@dataclass(frozen=True)
class RunResult:
    new: int
    already: int


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in DDL:
        con.execute(stmt)


def signal_id(method: str, site: str, month: str, level: int) -> str:
    return f"{method}:{site}:{month}:L{level}"


def register(
    con: duckdb.DuckDBPyConnection,
    chart: pd.DataFrame,
    detected: dt.date,
    method: str = "moss",
) -> RunResult:
    """Add every level-1 and level-2 site-month of ``chart`` not yet registered."""
    ensure(con)
    sig = chart[chart["level"].fillna(0).astype(int) > 0]
    ids = [signal_id(method, r.site_code, r.month, int(r.level)) for r in sig.itertuples()]
    known = {r[0] for r in con.execute("SELECT signal_id FROM signals").fetchall()}
    due = add_working_days(detected)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    rows = [
        (i, method, r.site_code, r.month, int(r.level), detected, due, now)
        for i, r in zip(ids, sig.itertuples(), strict=True)
        if i not in known
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        if rows:
            con.executemany("INSERT INTO signals VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            con.executemany(
                "INSERT INTO signal_events VALUES (?, 1, 'open', 'matequity', ?, NULL)",
                [(r[0], now) for r in rows],
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return RunResult(len(rows), len(ids) - len(rows))


def record(
    con: duckdb.DuckDBPyConnection,
    sid: str,
    status: str,
    by: str,
    actions: str | None = None,
) -> int:
    """Append a status change; returns its event number."""
    ensure(con)
    if status not in STATUSES[1:]:
        raise UserError(f"unknown status {status!r}: expected {', '.join(STATUSES[1:])}")
    if not by.strip():
        raise UserError("--by: say who is recording this")
    if con.execute("SELECT 1 FROM signals WHERE signal_id = ?", [sid]).fetchone() is None:
        raise UserError(f"no signal {sid!r} in the register; see 'matequity signals list'")
    last = con.execute(
        "SELECT status, event_no FROM signal_events WHERE signal_id = ? "
        "ORDER BY event_no DESC LIMIT 1",
        [sid],
    ).fetchone()
    if last and last[0] == "closed":
        raise UserError(f"signal {sid} is closed; its history cannot be extended")
    n = (last[1] if last else 0) + 1
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO signal_events VALUES (?, ?, ?, ?, ?, ?)", [sid, n, status, by, now, actions]
    )
    return n


def listing(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> pd.DataFrame:
    """Every signal with its current status and whether its check is overdue."""
    ensure(con)
    today = today or dt.date.today()
    df = con.execute(
        "SELECT s.signal_id, s.site_code, s.month, s.level, s.first_detected, s.due_date, "
        "e.status, e.recorded_by, e.recorded_at FROM signals s JOIN ("
        "  SELECT *, row_number() OVER (PARTITION BY signal_id ORDER BY event_no DESC) AS rn "
        "  FROM signal_events) e ON e.signal_id = s.signal_id AND e.rn = 1 "
        "ORDER BY s.first_detected, s.site_code, s.month, s.level"
    ).df()
    for c in ("first_detected", "due_date"):
        df[c] = pd.to_datetime(df[c]).dt.date
    df["overdue"] = (df["status"] == "open") & (df["due_date"] < today)
    return df


def history(con: duckdb.DuckDBPyConnection, sid: str) -> pd.DataFrame:
    ensure(con)
    return con.execute(
        "SELECT * FROM signal_events WHERE signal_id = ? ORDER BY event_no", [sid]
    ).df()


#: the columns of the register as reports and the service read it
REGISTER_COLUMNS = (
    "signal_id",
    "site_code",
    "month",
    "level",
    "first_detected",
    "due_date",
    "status",
)


def for_sites(engine, sites: list[str]) -> pd.DataFrame:
    """The register's signals at ``sites`` with their current status, newest
    first, read through the engine (an empty register when there is none)."""
    if not (engine.has_table("signals") and engine.has_table("signal_events")):
        return pd.DataFrame(columns=list(REGISTER_COLUMNS))
    s, e = engine.table("signals"), engine.table("signal_events")
    last = e.group_by("signal_id").aggregate(event_no=e.event_no.max())
    cur = e.join(last, ["signal_id", "event_no"]).select("signal_id", "status")
    q = s.filter(s.site_code.isin(sites)).join(cur, "signal_id")
    df = engine.execute(q.select(*REGISTER_COLUMNS))
    return df.sort_values(["month", "site_code"], ascending=[False, True]).reset_index(drop=True)
