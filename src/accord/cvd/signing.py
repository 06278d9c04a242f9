"""The instance's own OpenPGP key, and what it signs: security.txt and the CSAF files.

One key per instance, made with Sequoia-PGP (pysequoia) the first time it is needed (or
by `accord keys rotate`), kept as `openpgp/instance-key.asc` in the data directory,
readable by the instance's user only. Only its public part is ever served.

Signatures are kept beside it, one file per signed content (`signatures/<key
fingerprint>/<SHA-256 of the content>.asc`): a file is signed once, by whichever process
first serves it, and every process of the instance, now and after a restart, serves
the same signature. Keyed by content, a kept signature can never be stale: a changed
advisory is new content, and a new key is a new folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pysequoia

logger = logging.getLogger(__name__)

KEY_FILE = "instance-key.asc"
# Long enough to be worth pinning, short enough to be replaced in a key's lifetime of
# use; the scheduler rotates it before it expires (services.provider).
KEY_VALIDITY = timedelta(days=3 * 365)


@dataclass(frozen=True)
class InstanceKey:
    """The public side of the instance's key: fingerprint (upper-case hex) and armour."""

    fingerprint: str
    armoured: str
    expires: datetime | None
    created: datetime  # when this instance made it (the key file's time)


def key_dir() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "openpgp"


def key_path() -> Path:
    return key_dir() / KEY_FILE


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _write_private(path: Path, data: bytes, *, replace: bool) -> bool:
    """Write `data` to `path` (mode 0600) all at once; without `replace`, only if the
    file does not exist yet (then False when another process made it first)."""
    _private_dir(path.parent)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if replace:
            os.replace(temporary, path)
            return True
        try:
            os.link(temporary, path)  # atomic, and fails if the file is there
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_kept(path: Path, data: bytes) -> None:
    """Keep `data` as `path` (mode 0600), replacing it at once."""
    _write_private(path, data, replace=True)


def _generate() -> bytes:
    from django.conf import settings

    user_id = f"{settings.ACCORD_INSTANCE_NAME} (security.txt and CSAF signing)"
    validity = int(KEY_VALIDITY.total_seconds())
    return str(pysequoia.Tsk.generate(user_id, validity_seconds=validity)).encode("ascii")


def _secret() -> pysequoia.Tsk:
    path = key_path()
    if not path.exists():
        _write_private(path, _generate(), replace=False)
    stat = path.stat()
    return _read_secret(str(path), stat.st_ino, stat.st_mtime_ns)


@functools.lru_cache(maxsize=2)
def _read_secret(path: str, _inode: int, _mtime: int) -> pysequoia.Tsk:
    # Read again only when the file changed (a rotation replaces it: a new inode).
    return pysequoia.Tsk.from_bytes(Path(path).read_bytes())


def instance_key() -> InstanceKey:
    """The instance's public key, made now if there is none yet."""
    cert = _secret().extract_certificate()
    made = datetime.fromtimestamp(key_path().stat().st_mtime, tz=UTC)
    return InstanceKey(cert.fingerprint.upper(), str(cert), cert.expiration, made)


def rotate_key() -> InstanceKey:
    """Replace the instance's key with a new one (the old one's signatures stay kept, but
    nothing serves them: everything is signed again with the new key as it is asked for)."""
    _write_private(key_path(), _generate(), replace=True)
    return instance_key()


def sign_cleartext(text: str) -> str:
    """`text` inside an OpenPGP cleartext signature (RFC 9580 section 7), as RFC 9116
    security.txt allows. Not kept: the caller keeps the signed file."""
    signer = _secret().signer()
    return pysequoia.sign(signer, text.encode(), mode=pysequoia.SignatureMode.CLEAR).decode()


def detached_signature(data: bytes) -> bytes:
    """The ASCII-armoured detached signature of `data` (a CSAF file's `.asc`), kept."""
    secret = _secret()
    fingerprint = secret.extract_certificate().fingerprint
    kept = key_dir() / "signatures" / fingerprint / f"{hashlib.sha256(data).hexdigest()}.asc"
    if kept.exists():
        return kept.read_bytes()
    signature = pysequoia.sign(secret.signer(), data, mode=pysequoia.SignatureMode.DETACHED)
    try:
        _write_private(kept, signature, replace=True)
    except OSError:  # served all the same; signed again when next asked for
        logger.exception("could not keep a signature in %s", kept.parent)
    return signature
