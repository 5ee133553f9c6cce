"""Password hashing with argon2id (argon2-cffi's PasswordHasher, whose default
type is Argon2id with the RFC 9106 low-memory parameters)."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from matequity.errors import UserError

MIN_LENGTH = 12
MAX_LENGTH = 1024
_hasher = PasswordHasher()


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise UserError(f"password: at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UserError(f"password: at most {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    check_strength(password)
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("matequity-no-such-user-password")


def verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; with no stored hash a dummy
    hash is checked anyway, so unknown accounts take as long as known ones."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
