"""Where notifications go: SMTP and webhook settings from environment variables
or a TOML file (environment variables win). Nothing is hard-coded; without an
SMTP host no email is sent.

Environment: ``MATEQUITY_SMTP_HOST``, ``MATEQUITY_SMTP_PORT`` (587),
``MATEQUITY_SMTP_STARTTLS`` (true), ``MATEQUITY_SMTP_USERNAME``,
``MATEQUITY_SMTP_PASSWORD``, ``MATEQUITY_SMTP_FROM``, ``MATEQUITY_SMTP_CAFILE``
(a CA bundle for a private certificate authority), ``MATEQUITY_SMTP_TIMEOUT``
(30 s), ``MATEQUITY_BASE_URL`` (the service's address, for links),
``MATEQUITY_WEBHOOK_URL``, ``MATEQUITY_NOTIFY_CONFIG`` (the TOML file).

TOML: ``[service] base_url``; ``[smtp] host, port, starttls, username,
password (or password_env: the name of a variable holding it), from, cafile,
timeout``; ``[webhook] url``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from matequity.errors import UserError

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = None
    sender: str = "matequity@localhost"
    cafile: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True)
class NotifyConfig:
    base_url: str = "http://127.0.0.1:8000"
    smtp: SmtpConfig | None = None
    webhook_url: str | None = None

    def signal_url(self, signal_id: str) -> str:
        from urllib.parse import quote

        return f"{self.base_url.rstrip('/')}/signals/{quote(signal_id, safe='')}"


def _bool(name: str, v: object) -> bool:
    if isinstance(v, bool):
        return v
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise UserError(f"{name} {v!r}: expected true or false")


def _url(name: str, v: str) -> str:
    parts = urlsplit(v)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UserError(f"{name}: expected an http:// or https:// address")
    return v


def load(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> NotifyConfig:
    """The configuration from ``path`` (or ``MATEQUITY_NOTIFY_CONFIG``) and ``env``."""
    env = os.environ if env is None else env
    path = path or env.get("MATEQUITY_NOTIFY_CONFIG")
    file: dict = {}
    if path:
        p = Path(path)
        try:
            file = tomllib.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"{p}: no such notification config file") from None
        except tomllib.TOMLDecodeError as e:
            raise UserError(f"{p}: not valid TOML ({e})") from None
    smtp_f = file.get("smtp", {})
    svc_f = file.get("service", {})
    hook_f = file.get("webhook", {})

    def get(env_name: str, section: dict, key: str, default=None):
        if env.get(env_name) not in (None, ""):
            return env[env_name]
        return section.get(key, default)

    base_url = _url(
        "base_url", str(get("MATEQUITY_BASE_URL", svc_f, "base_url", NotifyConfig.base_url))
    )
    host = get("MATEQUITY_SMTP_HOST", smtp_f, "host")
    smtp = None
    if host:
        password = get("MATEQUITY_SMTP_PASSWORD", smtp_f, "password")
        if password is None and smtp_f.get("password_env"):
            password = env.get(str(smtp_f["password_env"]))
        try:
            port = int(get("MATEQUITY_SMTP_PORT", smtp_f, "port", 587))
            timeout = float(get("MATEQUITY_SMTP_TIMEOUT", smtp_f, "timeout", 30))
        except (TypeError, ValueError):
            raise UserError("SMTP port and timeout: expected numbers") from None
        smtp = SmtpConfig(
            host=str(host),
            port=port,
            starttls=_bool(
                "MATEQUITY_SMTP_STARTTLS", get("MATEQUITY_SMTP_STARTTLS", smtp_f, "starttls", True)
            ),
            username=get("MATEQUITY_SMTP_USERNAME", smtp_f, "username"),
            password=password,
            sender=str(get("MATEQUITY_SMTP_FROM", smtp_f, "from", SmtpConfig.sender)),
            cafile=get("MATEQUITY_SMTP_CAFILE", smtp_f, "cafile"),
            timeout=timeout,
        )
    hook = get("MATEQUITY_WEBHOOK_URL", hook_f, "url")
    return NotifyConfig(base_url, smtp, _url("webhook url", str(hook)) if hook else None)
