"""Capability links: a secret in a URL that grants one thing to whoever holds it.

An application's status page and an invitation are opened by such a link. The link
carries `<key>.<secret>`: the key is stored in plain and finds the row; the secret is
stored only as its SHA-256 digest and compared in constant time. A copy of the database
(or of the audit log, which never sees the secret) cannot be turned back into a working
link. The secret carries 256 bits of randomness, so a fast digest is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_BYTES = 9  # 12 characters: enough to find a row, not a secret
SECRET_BYTES = 32
# Longer than any token issued here; anything longer is refused before hashing.
MAX_TOKEN_LENGTH = 100
SEPARATOR = "."  # never produced by token_urlsafe


@dataclass(frozen=True)
class Capability:
    """A freshly issued link secret: `token` goes into the link, `digest` into the row."""

    key: str
    secret: str

    @property
    def token(self) -> str:
        return f"{self.key}{SEPARATOR}{self.secret}"

    @property
    def digest(self) -> str:
        return digest_of(self.secret)


def issue() -> Capability:
    return Capability(
        key=secrets.token_urlsafe(KEY_BYTES), secret=secrets.token_urlsafe(SECRET_BYTES)
    )


def digest_of(secret: str) -> str:
    """The stored form of a link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def split(token: str) -> tuple[str, str] | None:
    """The key and secret of a token from a link, or None if it is not one."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(SEPARATOR) != 1:
        return None
    key, secret = token.split(SEPARATOR)
    return (key, secret) if key and secret else None


def matches(digest: str, secret: str) -> bool:
    """Whether `secret` is the one whose digest was stored, compared in constant time."""
    return hmac.compare_digest(digest.encode(), digest_of(secret).encode())
