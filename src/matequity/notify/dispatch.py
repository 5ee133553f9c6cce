"""Who is told what, once: new-signal emails to the trust's users, a reminder
before the due date (from :data:`REMIND_BEFORE` working days ahead) and an
overdue notice after it (to the trust's users and the LMNS's users), and the
webhook. Each message is a ``notifications`` row keyed so that it is sent once
(a failed delivery is retried on the next run); every attempt is a
``notification_deliveries`` row. Recipients are the active users in the
service database; nothing here reads records."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from matequity.notify import email_sender, messages, webhook
from matequity.notify.config import NotifyConfig
from matequity.servicedb import Database
from matequity.servicedb import schema as t
from matequity.signals.workdays import is_working_day

#: the reminder goes this many working days before the due date
REMIND_BEFORE = 2


@dataclass
class NotifyResult:
    sent: int = 0
    failed: int = 0
    already: int = 0
    skipped: list[str] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def deliver(
    db: Database,
    key: str,
    signal_id: str | None,
    kind: str,
    channel: str,
    recipient: str,
    subject: str,
    send: Callable[[], None],
) -> str:
    """Send once: 'sent', 'failed' or 'already' (sent before, or being sent by
    another process right now)."""
    n, d = t.notifications, t.notification_deliveries
    try:
        with db.begin() as con:
            row = con.execute(sa.select(n.c.id).where(n.c.dedupe_key == key)).first()
            if row is None:
                nid = con.execute(
                    n.insert()
                    .values(
                        dedupe_key=key,
                        signal_id=signal_id,
                        kind=kind,
                        channel=channel,
                        recipient=recipient[:1000],
                        subject=subject[:300],
                        created_at=_now(),
                    )
                    .returning(n.c.id)
                ).scalar_one()
            else:
                nid = row.id
                sent = con.execute(
                    sa.select(d.c.id).where((d.c.notification_id == nid) & (d.c.status == "sent"))
                ).first()
                if sent:
                    return "already"
    except sa.exc.IntegrityError:
        return "already"
    try:
        send()
        status, error = "sent", None
    except Exception as e:  # delivery problems are recorded, not raised
        status, error = "failed", f"{type(e).__name__}: {e}"[:1000]
    with db.begin() as con:
        con.execute(
            d.insert().values(notification_id=nid, attempted_at=_now(), status=status, error=error)
        )
    return status


def _recipients(db: Database, role: str, org_code: str | None) -> list[str]:
    if not org_code:
        return []
    u = t.users
    with db.read() as con:
        return list(
            con.execute(
                sa.select(u.c.email)
                .where((u.c.role == role) & (u.c.org_code == org_code) & ~u.c.disabled)
                .order_by(u.c.email)
            ).scalars()
        )


def _facts(
    signals: pd.DataFrame, orgs: pd.DataFrame, cfg: NotifyConfig
) -> list[messages.SignalFacts]:
    o = orgs.set_index("site_code")
    out = []
    for r in signals.itertuples():
        site = o.loc[r.site_code] if r.site_code in o.index else None
        out.append(
            messages.SignalFacts(
                signal_id=r.signal_id,
                site_code=r.site_code,
                site_name=str(site["site_name"]) if site is not None else r.site_code,
                trust_name=str(site["trust_name"]) if site is not None else "trust not known",
                month=r.month,
                level=int(r.level),
                notified=r.first_detected,
                due_date=r.due_date,
                url=cfg.signal_url(r.signal_id),
            )
        )
    return out


def _org_of(orgs: pd.DataFrame, site: str, col: str) -> str | None:
    m = orgs.loc[orgs["site_code"] == site, col]
    return None if m.empty else str(m.iloc[0])


def _email(db, cfg, res, facts, kind, recipients, subject, body) -> None:
    if cfg.smtp is None:
        return
    for to in recipients:
        msg = email_sender.message(cfg.smtp, to, subject, body)
        key = f"{kind}:email:{facts.signal_id}:{to}"
        res.add(
            deliver(
                db,
                key,
                facts.signal_id,
                kind,
                "email",
                to,
                subject,
                lambda m=msg: email_sender.send(cfg.smtp, m),
            )
        )


def _webhook(db, cfg, res, facts: list[messages.SignalFacts], kind: str) -> None:
    if not cfg.webhook_url or not facts:
        return
    ids = sorted(f.signal_id for f in facts)
    key = f"{kind}:webhook:" + hashlib.sha256("\n".join(ids).encode()).hexdigest()
    payload = {
        "text": messages.webhook_text(facts, kind),
        "kind": kind,
        "signals": [
            {
                "id": f.signal_id,
                "site_code": f.site_code,
                "month": f.month,
                "level": f.level,
                "due_date": f.due_date.isoformat(),
                "url": f.url,
            }
            for f in facts
        ],
    }
    subject = messages.webhook_text(facts, kind).splitlines()[0]
    res.add(
        deliver(
            db,
            key,
            ids[0] if len(ids) == 1 else None,
            kind,
            "webhook",
            cfg.webhook_url,
            subject,
            lambda: webhook.post(cfg.webhook_url, payload),
        )
    )


def _skips(cfg: NotifyConfig, res: NotifyResult) -> None:
    if cfg.smtp is None:
        res.skipped.append("email not configured (MATEQUITY_SMTP_HOST): no emails sent")


def notify_new(
    db: Database, signals: pd.DataFrame, orgs: pd.DataFrame, cfg: NotifyConfig
) -> NotifyResult:
    """Email each new signal to its trust's users; one webhook message for all."""
    res = NotifyResult()
    _skips(cfg, res)
    facts = _facts(signals, orgs, cfg)
    for f, r in zip(facts, signals.itertuples(), strict=True):
        trust = r.trust_code or _org_of(orgs, r.site_code, "trust_code")
        to = _recipients(db, "trust", trust)
        if not to and cfg.smtp is not None:
            res.skipped.append(f"{r.signal_id}: no active users of trust {trust} to email")
        subject, body = messages.new_signal(f)
        _email(db, cfg, res, f, "new_signal", to, subject, body)
    _webhook(db, cfg, res, facts, "new_signal")
    return res


def reminder_kind(due: dt.date, today: dt.date) -> str | None:
    """'due_soon' from REMIND_BEFORE working days before the due date to the due
    date itself, 'overdue' after it, None before."""
    if today > due:
        return "overdue"
    start = due
    back = REMIND_BEFORE
    while back > 0:
        start -= dt.timedelta(days=1)
        if is_working_day(start):
            back -= 1
    return "due_soon" if today >= start else None


def remind(
    db: Database, register: pd.DataFrame, orgs: pd.DataFrame, cfg: NotifyConfig, today: dt.date
) -> NotifyResult:
    """Reminders for every signal of ``register`` (the register listing) whose
    check is not recorded: before the due date to the trust's users, after it
    to the trust's and the LMNS's users. Idempotent: each goes once."""
    res = NotifyResult()
    _skips(cfg, res)
    waiting = register[register["status"].isin(["open", "in_progress"])]
    by_kind: dict[str, list[messages.SignalFacts]] = {"due_soon": [], "overdue": []}
    facts = _facts(waiting, orgs, cfg)
    for f, r in zip(facts, waiting.itertuples(), strict=True):
        kind = reminder_kind(r.due_date, today)
        if kind is None:
            continue
        trust = r.trust_code or _org_of(orgs, r.site_code, "trust_code")
        to = _recipients(db, "trust", trust)
        if kind == "overdue":
            to += _recipients(db, "lmns", _org_of(orgs, r.site_code, "lmns_code"))
        subject, body = messages.reminder(f, kind, today)
        _email(db, cfg, res, f, kind, to, subject, body)
        by_kind[kind].append(f)
    for kind, fs in by_kind.items():
        for f in fs:
            _webhook(db, cfg, res, [f], kind)
    return res


def sent_messages(db: Database, signal_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every message with its latest delivery status."""
    n, d = t.notifications, t.notification_deliveries
    last = (
        sa.select(
            d.c.notification_id,
            d.c.status,
            d.c.attempted_at,
            sa.func.row_number()
            .over(partition_by=d.c.notification_id, order_by=d.c.id.desc())
            .label("rn"),
        )
    ).subquery()
    q = (
        sa.select(
            n.c.signal_id,
            n.c.kind,
            n.c.channel,
            n.c.recipient,
            n.c.subject,
            n.c.created_at,
            last.c.status,
            last.c.attempted_at,
        )
        .outerjoin(last, (last.c.notification_id == n.c.id) & (last.c.rn == 1))
        .order_by(n.c.id)
    )
    if signal_ids is not None:
        q = q.where(n.c.signal_id.in_(list(signal_ids)))
    with db.read() as con:
        rows = con.execute(q).all()
    cols = [
        "signal_id",
        "kind",
        "channel",
        "recipient",
        "subject",
        "created_at",
        "status",
        "attempted_at",
    ]
    return pd.DataFrame([tuple(r) for r in rows], columns=cols)
