"""Sending email over SMTP with the standard library (smtplib), STARTTLS with
certificate verification when configured (ssl.create_default_context)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from matequity.notify.config import SmtpConfig


def message(cfg: SmtpConfig, to: str, subject: str, body: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = cfg.sender
    m["To"] = to
    m["Subject"] = subject
    m["Auto-Submitted"] = "auto-generated"
    m.set_content(body)
    return m


def send(cfg: SmtpConfig, msg: EmailMessage) -> None:
    with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout) as s:
        s.ehlo()
        if cfg.starttls:
            s.starttls(context=ssl.create_default_context(cafile=cfg.cafile))
            s.ehlo()
        if cfg.username:
            s.login(cfg.username, cfg.password or "")
        s.send_message(msg)
