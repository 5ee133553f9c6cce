"""Notifications against real local servers (127.0.0.1 only): an SMTP server
(aiosmtpd; plain, with AUTH, and with STARTTLS under a test CA from trustme)
and an HTTP receiver for the webhook. New signals email the trust's users with
a link and no patient-level data; every message is recorded; reminders go
before and after the due date, once each; a failed delivery is retried."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import re
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from typing import ClassVar

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from matequity.errors import UserError
from matequity.notify import config, dispatch
from matequity.notify.config import NotifyConfig, SmtpConfig
from matequity.signals import register, workflow
from matequity.signals.workdays import add_working_days
from service_support import build_world, database_url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        msg = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    port = free_port()
    c = Controller(inbox, hostname="127.0.0.1", port=port)
    c.start()
    yield inbox, SmtpConfig(host="127.0.0.1", port=port, starttls=False, sender="moss@test.invalid")
    c.stop()


class Receiver(http.server.BaseHTTPRequestHandler):
    received: ClassVar[list] = []

    def do_POST(self):  # http.server hook
        n = int(self.headers["Content-Length"])
        Receiver.received.append((self.headers["Content-Type"], json.loads(self.rfile.read(n))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Receiver.received = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", Receiver.received
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def world(synthetic_store, tmp_path):
    """Users in the service database but no signals yet."""
    with database_url("sqlite", tmp_path) as url:
        w = build_world(synthetic_store, url, dt.date(2025, 12, 24))
        yield w
        w.svc.db.dispose()


def test_new_signals_email_the_trust_users_once_with_no_patient_data(world, smtp, hook, tmp_path):
    inbox, smtp_cfg = smtp
    url, received = hook
    cfg = NotifyConfig(base_url="https://matequity.test.invalid", smtp=smtp_cfg, webhook_url=url)
    # a new database: the same store's signals are all new there
    with database_url("sqlite", tmp_path) as url2:
        svc = workflow.open_service(world.store, "duckdb", url2)
        from matequity.accounts import users
        from matequity.accounts.scope import all_codes

        known = all_codes(world.orgs)
        for key in ("trust", "trust_b", "lmns"):
            a = world.accounts[key]
            users.add_user(svc.db, a.email, a.role, a.org, "a long test password 1", known)
        users.add_user(
            svc.db,
            "gone@test.invalid",
            "trust",
            world.accounts["trust"].org,
            "a long test password 1",
            known,
        )
        users.disable_user(svc.db, "gone@test.invalid")
        detected = dt.date(2026, 3, 2)
        out = workflow.run(svc, detected, 0.002, notify=cfg)
        reg = register.listing(svc.db, detected)
        trusts = {
            world.accounts["trust"].org: world.accounts["trust"].email,
            world.accounts["trust_b"].org: world.accounts["trust_b"].email,
        }
        expected = {
            (r.signal_id, trusts[r.trust_code]) for r in reg.itertuples() if r.trust_code in trusts
        }
        got = set()
        for rcpts, msg in inbox.messages:
            body = msg.get_content()
            link = re.search(r"https://matequity\.test\.invalid/signals/(\S+)", body).group(1)
            sid = link.replace("%3A", ":")
            got.add((sid, rcpts[0]))
            s = reg.set_index("signal_id").loc[sid]
            assert s["due_date"].strftime("%d %B %Y") in body
            assert sid.split(":")[1] in msg["Subject"]
            # no counts, no record-level values: every number is a date, the month or a code
            allowed = re.findall(
                r"\d+",
                " ".join(
                    [
                        sid,
                        s["due_date"].isoformat(),
                        detected.isoformat(),
                        msg["Subject"],
                        s["due_date"].strftime("%d %B %Y"),
                        detected.strftime("%d %B %Y"),
                        "8",
                        *world.orgs.loc[
                            world.orgs["site_code"] == s["site_code"], ["site_name", "trust_name"]
                        ].iloc[0],
                    ]
                ),
            )
            text = re.sub(r"https://\S+", "", body)  # the link's %3A escapes are not data
            assert set(re.findall(r"\d+", text)) <= set(allowed)
            assert "gone@test.invalid" not in rcpts
        assert got == expected and len(inbox.messages) == len(expected) == out.notified.sent - 1
        assert len(received) == 1 and received[0][0] == "application/json"
        payload = received[0][1]
        assert {s["id"] for s in payload["signals"]} == set(reg["signal_id"])
        assert payload["text"].startswith(f"{len(reg)} new MOSS signal(s)")
        sent = dispatch.sent_messages(svc.db)
        assert (sent["status"] == "sent").all() and len(sent) == len(expected) + 1
        # running again registers and sends nothing
        again = workflow.run(svc, detected, 0.002, notify=cfg)
        assert again.result.new == 0 and len(inbox.messages) == len(expected) and len(received) == 1
        svc.db.dispose()


def test_reminders_before_and_after_the_due_date_once_each(world, smtp, hook):
    inbox, smtp_cfg = smtp
    url, received = hook
    cfg = NotifyConfig(smtp=smtp_cfg, webhook_url=url)
    svc = world.svc
    sid = world.signal_a
    due = register.get(svc.db, sid)["due_date"]
    assert due == add_working_days(dt.date(2025, 12, 24))
    trust, lmns = world.accounts["trust"].email, world.accounts["lmns"].email

    def mine():
        return [(r, m["Subject"]) for r, m in inbox.messages if sid.split(":")[1] in m["Subject"]]

    # three working days before: nothing yet
    early = dispatch.reminder_kind(due, due - dt.timedelta(days=10))
    assert early is None
    workflow.remind(svc, dt.date(2025, 12, 29), cfg)
    assert mine() == []
    # two working days before (Tue 6 Jan for Thu 8 Jan): the trust is reminded
    soon = dt.date(2026, 1, 6)
    assert dispatch.reminder_kind(due, soon) == "due_soon"
    workflow.remind(svc, soon, cfg)
    workflow.remind(svc, due, cfg)  # idempotent: cron may run it daily
    assert [r for r, _ in mine()] == [[trust]]
    assert mine()[0][1].startswith("Reminder: critical safety check due 08 Jan 2026")
    # after the due date: overdue to the trust and the LMNS
    late = due + dt.timedelta(days=1)
    workflow.remind(svc, late, cfg)
    workflow.remind(svc, late + dt.timedelta(days=3), cfg)
    overdue = [r for r, s in mine() if s.startswith("Overdue")]
    assert sorted(x[0] for x in overdue) == sorted([trust, lmns])
    kinds = [p["kind"] for _, p in received if sid in {s["id"] for s in p["signals"]}]
    assert kinds == ["due_soon", "overdue"]
    # once a check is recorded, no more reminders for it
    n = len(inbox.messages)
    register.record_check(svc.db, sid, register.Check("HoM", late, "f", "a", "assured"), "HoM")
    sent = dispatch.remind(
        svc.db, register.listing(svc.db, late), world.orgs, cfg, late + dt.timedelta(days=5)
    )
    assert all(sid.split(":")[1] not in m["Subject"] for _, m in inbox.messages[n:])
    assert sent.failed == 0


def test_a_failed_delivery_is_recorded_and_retried(world, hook):
    port = free_port()  # nothing listens here yet
    smtp_cfg = SmtpConfig(host="127.0.0.1", port=port, starttls=False, timeout=5)
    cfg = NotifyConfig(smtp=smtp_cfg)
    first = workflow.remind(world.svc, dt.date(2026, 1, 6), cfg)
    assert first.failed > 0 and first.sent == 0
    msgs = dispatch.sent_messages(world.svc.db)
    assert set(msgs["status"]) == {"failed"}
    inbox = Inbox()
    c = Controller(inbox, hostname="127.0.0.1", port=port)
    c.start()
    try:
        second = workflow.remind(world.svc, dt.date(2026, 1, 6), cfg)
    finally:
        c.stop()
    assert second.sent == first.failed and len(inbox.messages) == first.failed
    assert set(dispatch.sent_messages(world.svc.db)["status"]) == {"sent"}


def test_smtp_auth_and_starttls_with_certificate_checking(world, tmp_path):
    trustme = pytest.importorskip("trustme")
    import ssl

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server_ctx)
    cafile = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(cafile))
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"smtp-secret"
        logins.append((auth_data.login, ok))
        return AuthResult(success=ok)

    inbox = Inbox()
    port = free_port()
    c = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_ctx,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    c.start()
    try:
        env = {
            "MATEQUITY_SMTP_HOST": "127.0.0.1",
            "MATEQUITY_SMTP_PORT": str(port),
            "MATEQUITY_SMTP_USERNAME": "matequity",
            "MATEQUITY_SMTP_PASSWORD": "smtp-secret",
            "MATEQUITY_SMTP_CAFILE": str(cafile),
            "MATEQUITY_SMTP_FROM": "moss@test.invalid",
        }
        cfg = config.load(env=env)
        assert cfg.smtp.starttls  # STARTTLS is the default
        res = workflow.remind(world.svc, dt.date(2026, 1, 6), cfg)
        assert res.sent > 0 and res.failed == 0 and len(inbox.messages) == res.sent
        assert logins and all(ok for _, ok in logins)
        # a certificate from an unknown authority is refused, and recorded as failed
        bad = config.load(env={**env, "MATEQUITY_SMTP_CAFILE": ""})
        res2 = workflow.remind(world.svc, dt.date(2026, 1, 9), bad)
        assert res2.failed > 0 and res2.sent == 0
        msgs = dispatch.sent_messages(world.svc.db)
        assert (msgs["status"] == "failed").sum() == res2.failed
    finally:
        c.stop()


def test_configuration_from_a_file_and_the_environment(tmp_path):
    f = tmp_path / "notify.toml"
    f.write_text(
        '[service]\nbase_url = "https://moss.example.invalid"\n'
        '[smtp]\nhost = "smtp.example.invalid"\nport = 2525\nstarttls = false\n'
        'username = "svc"\npassword_env = "MY_SMTP_PASSWORD"\nfrom = "moss@example.invalid"\n'
        '[webhook]\nurl = "https://chat.example.invalid/hook"\n'
    )
    cfg = config.load(f, env={"MY_SMTP_PASSWORD": "pw", "MATEQUITY_SMTP_PORT": "587"})
    assert cfg.smtp == SmtpConfig(
        "smtp.example.invalid", 587, False, "svc", "pw", "moss@example.invalid"
    )
    assert cfg.webhook_url == "https://chat.example.invalid/hook"
    assert (
        cfg.signal_url("moss:A1:2025-01:L2")
        == "https://moss.example.invalid/signals/moss%3AA1%3A2025-01%3AL2"
    )
    assert config.load(env={}).smtp is None  # nothing configured: no email
    with pytest.raises(UserError, match="expected true or false"):
        config.load(env={"MATEQUITY_SMTP_HOST": "h", "MATEQUITY_SMTP_STARTTLS": "maybe"})
    with pytest.raises(UserError, match="http:// or https://"):
        config.load(env={"MATEQUITY_WEBHOOK_URL": "file:///etc/passwd"})
    with pytest.raises(UserError, match="no such notification config"):
        config.load(tmp_path / "missing.toml", env={})
    (tmp_path / "bad.toml").write_text("[smtp\n")
    with pytest.raises(UserError, match="not valid TOML"):
        config.load(tmp_path / "bad.toml", env={})
