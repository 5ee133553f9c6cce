"""Random bearer secrets (API tokens, session cookies) and their stored form.

A secret is 32 random bytes (``secrets.token_urlsafe``), so a plain SHA-256
digest is a safe stored form: unlike a password it cannot be guessed, and the
digest lets the server look it up in one indexed query."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
