"""The instance's own security.txt (RFC 9116), signed with the instance's key.

Contact is the report form, Policy the disclosure policy page, Encryption the instance's
public key, CSAF its provider metadata. `Expires` is EXPIRES_AFTER ahead when the file
is signed; it is signed again once fewer than RENEW_WITHIN are left, which is earlier
than Accord's own `security-txt-fresh` check starts warning. The scheduler renews it on
every tick, and a request that finds it due (or missing, or naming another address or
key than the instance's now) renews it too, so an instance without a scheduler serves
a fresh file all the same.

The signed file is kept as `openpgp/security.txt` in the data directory: signing once
per renewal, not per request, and every process serving the same bytes.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.urls import reverse

from accord.cvd import csaf_directory, signing
from accord.engine.checks.fresh import SOON

logger = logging.getLogger(__name__)

EXPIRES_AFTER = timedelta(days=90)
RENEW_WITHIN = SOON + timedelta(days=15)
PATH = "/.well-known/security.txt"
_EXPIRES = re.compile(r"^Expires: (\S+)$", re.MULTILINE)
_CANONICAL = re.compile(r"^Canonical: (https?://[^/\s]+)" + re.escape(PATH) + "$", re.MULTILINE)


@dataclass(frozen=True)
class SecurityTxt:
    text: str
    expires: datetime


def kept_path() -> Path:
    return signing.key_dir() / "security.txt"


def fields(*, base_url: str, expires: datetime) -> str:
    """The unsigned file for the instance at `base_url`."""
    key = signing.instance_key()
    lines = [
        f"Contact: {base_url}{reverse('cvd:report')}",
        f"Expires: {expires.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        f"Encryption: {base_url}{csaf_directory.key_path(key.fingerprint)}",
        f"Policy: {base_url}{reverse('cvd:policy')}",
        f"CSAF: {base_url}{csaf_directory.METADATA_PATH}",
        f"Canonical: {base_url}{PATH}",
        "Preferred-Languages: en",
    ]
    return "\n".join(lines) + "\n"


def kept() -> SecurityTxt | None:
    """The signed file as kept, or None when there is none (or it is unreadable)."""
    try:
        text = kept_path().read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    match = _EXPIRES.search(text)
    try:
        expires = datetime.fromisoformat(match.group(1)) if match else None
    except ValueError:
        expires = None
    return SecurityTxt(text, expires) if expires else None


def kept_base_url() -> str | None:
    """The address the kept file was made for (its Canonical), if there is one."""
    current = kept()
    match = _CANONICAL.search(current.text) if current else None
    return match.group(1) if match else None


def current(*, base_url: str, now: datetime) -> SecurityTxt:
    """The signed file to serve now, signed again first if it is due."""
    existing = kept()
    if existing is not None and not _due(existing, base_url=base_url, now=now):
        return existing
    expires = (now + EXPIRES_AFTER).replace(microsecond=0)
    text = signing.sign_cleartext(fields(base_url=base_url, expires=expires))
    try:
        signing.write_kept(kept_path(), text.encode())
    except OSError:  # served all the same; signed again on the next request
        logger.exception("could not keep the signed security.txt in %s", kept_path())
    return SecurityTxt(text, expires)


def _due(existing: SecurityTxt, *, base_url: str, now: datetime) -> bool:
    if existing.expires - now < RENEW_WITHIN:
        return True
    # Another address or a rotated key: the fields it was signed with are not today's.
    return fields(base_url=base_url, expires=existing.expires) not in existing.text


def renew(*, now: datetime) -> bool:
    """Sign the kept file again if it is due (the scheduler's job); True if it was.

    The address is ACCORD_BASE_URL, else the one the kept file was made for; with
    neither, there is nothing to renew until a request makes the file."""
    from django.conf import settings

    base_url = settings.ACCORD_BASE_URL or kept_base_url()
    if not base_url:
        return False
    before = kept()
    return current(base_url=base_url, now=now) != before
