"""The signal register, in the service database (:mod:`matequity.servicedb`).

* ``signals``: one row per signal ever raised (``signal_id`` = method, site,
  month and level), with the date it was first detected (the notification date)
  and the critical safety check's due date: 8 England working days later (NHS
  England MOSS code, ``add.bizdays(Date_Email, 8)``; :mod:`.workdays`);
* ``signal_checks``: every critical safety check submitted (who checked, the
  date, findings, actions, whether escalated, the outcome): all kept;
* ``signal_events``: the history of each signal's status (open, in_progress,
  check_recorded, escalated, closed), who recorded it and when.

Re-running on the same data raises no duplicate: a signal already registered is
left as it is. A signal's status is its latest event. A signal closes only once
a check is recorded, and a closed signal's history cannot be extended. Nothing
is ever updated or deleted: the tables are append-only, enforced by triggers in
the database. Appending to a signal's history locks the signal's row
(PostgreSQL ``SELECT ... FOR UPDATE``; SQLite transactions begin IMMEDIATE), so
concurrent submissions queue and none is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa

from matequity.errors import UserError
from matequity.servicedb import Database
from matequity.servicedb import schema as t
from matequity.signals.workdays import add_working_days

STATUSES = t.EVENT_STATUSES
#: statuses a person may record directly (a check is recorded with :func:`record_check`)
RECORDABLE = ("in_progress", "escalated", "closed")
#: the outcome of a critical safety check (matequity's categories: NHS England's
#: annex 1 template was not available to us, see docs/service.md)
OUTCOMES: dict[str, str] = {
    "assured": "Assured: care is safe, no further action",
    "assured_with_actions": "Assured with actions: care is safe, actions in place",
    "not_assured": "Not assured: concerns remain, support sought",
}
#: what the inbox shows for each latest status
DISPLAY = {
    "open": "new",
    "in_progress": "in progress",
    "check_recorded": "check recorded",
    "escalated": "check recorded",
    "closed": "closed",
}
SYSTEM = "matequity"
MAX_TEXT = 10_000


@dataclass(frozen=True)
class RunResult:
    new: int
    already: int
    new_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunInfo:
    """Where a ``signals run`` read its data (kept with the signals it registers)."""

    store: str
    engine_kind: str
    reference_rate: float | None


@dataclass(frozen=True)
class Check:
    """A critical safety check as submitted."""

    checked_by: str
    check_date: dt.date
    findings: str
    actions: str
    outcome: str
    escalated: bool = False

    def validated(self) -> Check:
        for name in ("checked_by", "findings", "actions"):
            v = getattr(self, name)
            if not isinstance(v, str) or not v.strip():
                raise UserError(f"{name}: required (say {_SAY[name]})")
            limit = 200 if name == "checked_by" else MAX_TEXT
            if len(v) > limit:
                raise UserError(f"{name}: too long (at most {limit} characters)")
        if self.outcome not in OUTCOMES:
            raise UserError(f"outcome {self.outcome!r}: expected one of {', '.join(OUTCOMES)}")
        if not isinstance(self.check_date, dt.date):
            raise UserError("check_date: expected a date YYYY-MM-DD")
        return Check(
            self.checked_by.strip(),
            self.check_date,
            self.findings.strip(),
            self.actions.strip(),
            self.outcome,
            bool(self.escalated),
        )


_SAY = {
    "checked_by": "who carried out the check",
    "findings": "what the check found",
    "actions": "the actions taken or planned",
}


@dataclass(frozen=True)
class CheckRecorded:
    check_no: int
    event_no: int


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def signal_id(method: str, site: str, month: str, level: int) -> str:
    return f"{method}:{site}:{month}:L{level}"


def register(
    db: Database,
    chart: pd.DataFrame,
    detected: dt.date,
    method: str = "moss",
    trusts: Mapping[str, str] | None = None,
    run: RunInfo | None = None,
) -> RunResult:
    """Add every level-1 and level-2 site-month of ``chart`` not yet registered;
    ``trusts`` maps site codes to trust codes (kept with each signal); ``run``
    is recorded in ``signal_runs`` (its reference rate redraws the charts)."""
    sig = chart[chart["level"].fillna(0).astype(int) > 0]
    ids = [signal_id(method, r.site_code, r.month, int(r.level)) for r in sig.itertuples()]
    due = add_working_days(detected)
    trusts = trusts or {}
    for attempt in range(3):
        try:
            with db.begin() as con:
                known = set(con.execute(sa.select(t.signals.c.signal_id)).scalars())
                now = _now()
                rows = [
                    {
                        "signal_id": i,
                        "method": method,
                        "site_code": str(r.site_code),
                        "trust_code": trusts.get(str(r.site_code)),
                        "month": str(r.month),
                        "level": int(r.level),
                        "first_detected": detected,
                        "due_date": due,
                        "registered_at": now,
                        "run_id": None,
                    }
                    for i, r in zip(ids, sig.itertuples(), strict=True)
                    if i not in known
                ]
                if run is not None:
                    run_id = con.execute(
                        t.signal_runs.insert()
                        .values(
                            run_at=now,
                            as_of=detected,
                            store=run.store,
                            engine_kind=run.engine_kind,
                            reference_rate=run.reference_rate,
                            new_signals=len(rows),
                            already=len(ids) - len(rows),
                        )
                        .returning(t.signal_runs.c.id)
                    ).scalar_one()
                    for r in rows:
                        r["run_id"] = run_id
                if rows:
                    con.execute(t.signals.insert(), rows)
                    con.execute(
                        t.signal_events.insert(),
                        [
                            {
                                "signal_id": r["signal_id"],
                                "event_no": 1,
                                "status": "open",
                                "recorded_by": SYSTEM,
                                "recorded_at": now,
                            }
                            for r in rows
                        ],
                    )
            return RunResult(len(rows), len(ids) - len(rows), tuple(r["signal_id"] for r in rows))
        except sa.exc.IntegrityError:
            if attempt == 2:  # pragma: no cover - three concurrent runs in a row
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _lock(con: sa.Connection, sid: str) -> sa.Row:
    row = con.execute(
        sa.select(t.signals).where(t.signals.c.signal_id == sid).with_for_update()
    ).first()
    if row is None:
        raise UserError(f"no signal {sid!r} in the register; see 'matequity signals list'")
    return row


def _last_event(con: sa.Connection, sid: str) -> sa.Row | None:
    return con.execute(
        sa.select(t.signal_events.c.status, t.signal_events.c.event_no)
        .where(t.signal_events.c.signal_id == sid)
        .order_by(t.signal_events.c.event_no.desc())
        .limit(1)
    ).first()


def _n_checks(con: sa.Connection, sid: str) -> int:
    return int(
        con.execute(
            sa.select(sa.func.count()).where(t.signal_checks.c.signal_id == sid)
        ).scalar_one()
    )


def record(
    db: Database,
    sid: str,
    status: str,
    by: str,
    actions: str | None = None,
    user_id: int | None = None,
) -> int:
    """Append a status change (in_progress, escalated, closed); returns its event number."""
    if status == "check_recorded":
        raise UserError("a check is recorded with its findings: use record_check")
    if status not in RECORDABLE:
        raise UserError(f"unknown status {status!r}: expected {', '.join(RECORDABLE)}")
    if not by or not by.strip():
        raise UserError("--by: say who is recording this")
    with db.begin() as con:
        _lock(con, sid)
        last = _last_event(con, sid)
        if last and last.status == "closed":
            raise UserError(f"signal {sid} is closed; its history cannot be extended")
        if status == "closed" and _n_checks(con, sid) == 0:
            raise UserError(f"signal {sid}: record a critical safety check before closing it")
        n = (last.event_no if last else 0) + 1
        con.execute(
            t.signal_events.insert().values(
                signal_id=sid,
                event_no=n,
                status=status,
                recorded_by=by.strip(),
                recorded_at=_now(),
                actions=actions,
                user_id=user_id,
            )
        )
    return n


def record_check(
    db: Database, sid: str, check: Check, submitted_by: str, user_id: int | None = None
) -> CheckRecorded:
    """Keep a critical safety check (every submission is a new row) and append
    its event (check_recorded, or escalated when the check escalated)."""
    c = check.validated()
    with db.begin() as con:
        _lock(con, sid)
        last = _last_event(con, sid)
        if last and last.status == "closed":
            raise UserError(f"signal {sid} is closed; its history cannot be extended")
        check_no = _n_checks(con, sid) + 1
        now = _now()
        check_id = con.execute(
            t.signal_checks.insert()
            .values(
                signal_id=sid,
                check_no=check_no,
                checked_by=c.checked_by,
                check_date=c.check_date,
                findings=c.findings,
                actions=c.actions,
                escalated=c.escalated,
                outcome=c.outcome,
                submitted_by=submitted_by,
                user_id=user_id,
                submitted_at=now,
            )
            .returning(t.signal_checks.c.id)
        ).scalar_one()
        n = (last.event_no if last else 0) + 1
        con.execute(
            t.signal_events.insert().values(
                signal_id=sid,
                event_no=n,
                status="escalated" if c.escalated else "check_recorded",
                recorded_by=submitted_by,
                recorded_at=now,
                actions=c.actions,
                user_id=user_id,
                check_id=check_id,
            )
        )
    return CheckRecorded(check_no, n)


LISTING_COLUMNS = (
    "signal_id",
    "method",
    "site_code",
    "trust_code",
    "month",
    "level",
    "first_detected",
    "due_date",
    "status",
    "recorded_by",
    "recorded_at",
    "checks",
    "escalated",
)


def _listing_query(site_codes: Sequence[str] | None, signal_ids: Sequence[str] | None):
    e = t.signal_events
    latest = (
        sa.select(
            e.c.signal_id,
            e.c.status,
            e.c.recorded_by,
            e.c.recorded_at,
            sa.func.row_number()
            .over(partition_by=e.c.signal_id, order_by=e.c.event_no.desc())
            .label("rn"),
        )
    ).subquery()
    esc = (
        sa.select(e.c.signal_id, sa.func.count().label("n"))
        .where(e.c.status == "escalated")
        .group_by(e.c.signal_id)
        .subquery()
    )
    ck = (
        sa.select(t.signal_checks.c.signal_id, sa.func.count().label("n"))
        .group_by(t.signal_checks.c.signal_id)
        .subquery()
    )
    s = t.signals
    q = (
        sa.select(
            s.c.signal_id,
            s.c.method,
            s.c.site_code,
            s.c.trust_code,
            s.c.month,
            s.c.level,
            s.c.first_detected,
            s.c.due_date,
            latest.c.status,
            latest.c.recorded_by,
            latest.c.recorded_at,
            sa.func.coalesce(ck.c.n, 0).label("checks"),
            (sa.func.coalesce(esc.c.n, 0) > 0).label("escalated"),
        )
        .join(latest, sa.and_(latest.c.signal_id == s.c.signal_id, latest.c.rn == 1))
        .outerjoin(ck, ck.c.signal_id == s.c.signal_id)
        .outerjoin(esc, esc.c.signal_id == s.c.signal_id)
        .order_by(s.c.first_detected, s.c.site_code, s.c.month, s.c.level)
    )
    if site_codes is not None:
        q = q.where(s.c.site_code.in_(list(site_codes)))
    if signal_ids is not None:
        q = q.where(s.c.signal_id.in_(list(signal_ids)))
    return q


def display_status(status: str, due_date: dt.date, today: dt.date) -> str:
    """new, in progress, check recorded, closed; overdue once the due date has
    passed with no check recorded."""
    if status in ("open", "in_progress") and due_date < today:
        return "overdue"
    return DISPLAY[status]


def listing(
    db: Database,
    today: dt.date | None = None,
    site_codes: Sequence[str] | None = None,
    signal_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every signal (of ``site_codes`` when given: the filter runs in the query)
    with its current status and whether its check is overdue."""
    today = today or dt.date.today()
    with db.read() as con:
        rows = con.execute(_listing_query(site_codes, signal_ids)).all()
    df = pd.DataFrame([tuple(r) for r in rows], columns=list(LISTING_COLUMNS))
    df["escalated"] = df["escalated"].astype(bool)
    df["checks"] = df["checks"].astype("int64")
    df["overdue"] = df["status"].isin(["open", "in_progress"]) & (df["due_date"] < today)
    df["display_status"] = [
        display_status(s, d, today) for s, d in zip(df["status"], df["due_date"], strict=True)
    ]
    return df


def version(db: Database) -> tuple[int, int, int]:
    """A stamp of the register that moves with every signal, event and check
    recorded: the three tables are append-only (database triggers), so their
    sizes and newest ids only grow."""
    e, c = t.signal_events, t.signal_checks
    q = sa.select(
        sa.select(sa.func.count()).select_from(t.signals).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(e.c.id), 0)).scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.max(c.c.id), 0)).scalar_subquery(),
    )
    with db.read() as con:
        n, ev, ck = con.execute(q).one()
    return int(n), int(ev), int(ck)


def get(db: Database, sid: str, today: dt.date | None = None) -> dict | None:
    """One signal as :func:`listing` shows it (None if not registered)."""
    df = listing(db, today, signal_ids=[sid])
    return None if df.empty else df.iloc[0].to_dict()


EVENT_COLUMNS = (
    "signal_id",
    "event_no",
    "status",
    "recorded_by",
    "recorded_at",
    "actions",
    "check_id",
)


def _rows_by_signal(
    db: Database,
    table: sa.Table,
    columns: Sequence[str],
    order: str,
    sid: str | None,
    types: Mapping[str, Any],
) -> pd.DataFrame:
    """``columns`` of ``table`` by signal, oldest first (one signal's when
    ``sid`` is given), with ``types`` fixed so that a frame has the same types
    however many rows it has (or none)."""
    q = sa.select(*(table.c[k] for k in columns)).order_by(table.c.signal_id, table.c[order])
    if sid is not None:
        q = q.where(table.c.signal_id == sid)
    with db.read() as con:
        rows = con.execute(q).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(columns)).astype(dict(types))


def history(db: Database, sid: str | None) -> pd.DataFrame:
    """The signal's events, oldest first (every signal's, by signal, when
    ``sid`` is None)."""
    return _rows_by_signal(
        db,
        t.signal_events,
        EVENT_COLUMNS,
        "event_no",
        sid,
        {"event_no": "int64", "check_id": "Int64"},
    )


CHECK_COLUMNS = (
    "signal_id",
    "check_no",
    "checked_by",
    "check_date",
    "findings",
    "actions",
    "escalated",
    "outcome",
    "submitted_by",
    "submitted_at",
)


def checks(db: Database, sid: str | None) -> pd.DataFrame:
    """Every check submitted for the signal, oldest first (every signal's, by
    signal, when ``sid`` is None)."""
    return _rows_by_signal(
        db,
        t.signal_checks,
        CHECK_COLUMNS,
        "check_no",
        sid,
        {"check_no": "int64", "escalated": bool},
    )


def latest_run(db: Database) -> dict | None:
    """The most recent ``signals run`` (its reference rate draws the charts)."""
    with db.read() as con:
        row = con.execute(
            sa.select(t.signal_runs).order_by(t.signal_runs.c.id.desc()).limit(1)
        ).first()
    return None if row is None else dict(row._mapping)
