"""OpenPGP for mail to vendors, through Sequoia-PGP (pysequoia): read a public key,
and encrypt a message to it.

A key is accepted only if it is neither revoked nor expired (judged here: pysequoia's
`encrypt` does not refuse an expired key) and a message can be encrypted to it under
Sequoia's standard policy (it has a subkey for encryption). It is checked when it is
registered, fetched and used, so a key that expired since is not used. Secret keys
are refused outright: Accord never keeps one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pysequoia

MAX_KEY_BYTES = 262_144
_SECRET_MARKERS = (b"PRIVATE KEY BLOCK", b"SECRET KEY BLOCK")


class KeyProblem(ValueError):
    """A key that cannot be used; the message is meant for a person."""


@dataclass(frozen=True)
class PublicKey:
    """A usable public key: its fingerprint (upper-case hex) and its ASCII armour."""

    fingerprint: str
    armoured: str


def _first_line(exc: Exception) -> str:
    # pysequoia's messages carry a Rust backtrace after the first line.
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def read_public_key(data: str | bytes, *, now: datetime | None = None) -> PublicKey:
    """The one public key in `data` (armoured or binary), usable at `now` (the wall
    clock by default); raises KeyProblem otherwise."""
    raw = data.encode() if isinstance(data, str) else bytes(data)
    if not raw.strip():
        raise KeyProblem("No key was given.")
    if len(raw) > MAX_KEY_BYTES:
        raise KeyProblem(f"A key is at most {MAX_KEY_BYTES // 1024} KiB.")
    if any(marker in raw for marker in _SECRET_MARKERS):
        raise KeyProblem("This is a secret key: give the public key only.")
    try:
        certs = pysequoia.Cert.split_bytes(raw)
    except Exception as exc:  # pysequoia raises plain exceptions for what it cannot read
        raise KeyProblem(f"Not an OpenPGP public key ({_first_line(exc)}).") from exc
    if len(certs) != 1:
        raise KeyProblem(
            "Not an OpenPGP public key." if not certs else "Give one key, not several."
        )
    cert = certs[0]
    if cert.is_revoked:
        raise KeyProblem("This key has been revoked.")
    expires = cert.expiration
    if expires is not None and expires <= (now or datetime.now(UTC)):
        raise KeyProblem(f"This key expired on {expires:%Y-%m-%d}.")
    try:
        pysequoia.encrypt(b"", recipients=[cert])
    except Exception as exc:  # expired, revoked, or no subkey for encryption
        raise KeyProblem(f"Mail cannot be encrypted to this key ({_first_line(exc)}).") from exc
    return PublicKey(fingerprint=cert.fingerprint.upper(), armoured=str(cert))


def encrypt(text: str, key: PublicKey) -> str:
    """`text` encrypted to `key`, as an ASCII-armoured OpenPGP message."""
    [cert] = pysequoia.Cert.split_bytes(key.armoured.encode())
    return pysequoia.encrypt(text.encode(), recipients=[cert]).decode("ascii")
