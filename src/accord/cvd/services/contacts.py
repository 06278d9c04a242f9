"""Where a vendor is reached, and the key its mail is encrypted to.

A vendor participant is reached, in this order, at:

1. the first `Contact: mailto:` of its organisation's latest valid security.txt, as the
   evidence engine observed it (the check `security-txt` passed), encrypted to the key
   the file's first usable `Encryption` URI (https) serves;
2. the security contact its organisation registered in Accord, encrypted to the key
   registered with it, if any;
3. the address it was invited at;
4. the email of the account it takes part through.

Keys fetched from security.txt are kept in `ContactKey` by URI, and fetched anew once a
day old. Fetching happens outside any transaction, through the engine's safe fetcher
(`settings.ACCORD_SCAN_FETCHER`), never straight from a vendor's site.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from accord.access import Permission
from accord.audit.services import record_event
from accord.cvd import openpgp
from accord.cvd.exceptions import InvalidField
from accord.cvd.models import ContactKey, Delivery, Participant, SecurityContact
from accord.cvd.services._common import require
from accord.engine.checks.securitytxt import SecurityTxtParser
from accord.engine.types import FetchError
from accord.evidence import selectors as evidence

if TYPE_CHECKING:
    from accord.accounts.models import Organisation, User
    from accord.engine.types import FetchOutcome

STALE = timedelta(days=1)
MAX_KEY_URIS = 3
MAX_PROBLEM = 300
MAX_EMAIL = 254


@dataclass(frozen=True)
class Contact:
    """Where one participant is reached: the address (blank: nowhere), found how, the
    key to encrypt to (None: none usable) and, without one, why."""

    address: str
    source: str
    key: openpgp.PublicKey | None = None
    problem: str = ""


# Registering a security contact -------------------------------------------------------


def _email(value: str) -> str:
    cleaned = value.strip()
    try:
        if len(cleaned) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(cleaned)
    except ValidationError:
        raise InvalidField("Give the security contact's email address.", field="email") from None
    return cleaned


@transaction.atomic
def set_security_contact(
    *, actor: User, organisation: Organisation, email: str, openpgp_key: str = ""
) -> SecurityContact:
    """An organisation's admin registers where vendors' mail reaches it when its
    security.txt gives no valid contact, and optionally the public key to encrypt to
    (armoured; its fingerprint is stored). A bad key is refused, naming `openpgp_key`."""
    require(
        actor,
        Permission.CVD_CONTACT_MANAGE,
        organisation,
        "Only the organisation's admins register its security contact.",
    )
    address = _email(email)
    key: openpgp.PublicKey | None = None
    if openpgp_key.strip():
        try:
            key = openpgp.read_public_key(openpgp_key)
        except openpgp.KeyProblem as exc:
            raise InvalidField(str(exc), field="openpgp_key") from None
    contact, _ = SecurityContact.objects.select_for_update().get_or_create(
        organisation=organisation, defaults={"email": address}
    )
    contact.email = address
    contact.openpgp_key = key.armoured if key else ""
    contact.fingerprint = key.fingerprint if key else ""
    contact.updated_by, contact.updated_at = actor, timezone.now()
    contact.save()
    record_event(
        tag="cvd:contact:update",
        actor=actor,
        target=contact,
        organisation=organisation,
        data={"email": address, "fingerprint": contact.fingerprint},
    )
    return contact


# Finding a participant's contact ------------------------------------------------------


def resolve_contact(participant: Participant, *, now: datetime | None = None) -> Contact:
    """Where `participant` is reached now (see the module's docstring). May fetch a key:
    call it outside a transaction."""
    moment = now or timezone.now()
    organisation = participant.organisation
    if organisation is not None:
        found = _from_security_txt(organisation, moment)
        if found is not None:
            return found
        registered = SecurityContact.objects.filter(organisation=organisation).first()
        if registered is not None:
            return _registered(registered)
    if participant.email:
        return Contact(participant.email, Delivery.Source.INVITED)
    if participant.user is not None and participant.user.email:
        return Contact(participant.user.email, Delivery.Source.ACCOUNT)
    return Contact("", Delivery.Source.NONE, problem="No contact address is known.")


def _registered(registered: SecurityContact) -> Contact:
    if not registered.openpgp_key:
        return Contact(registered.email, Delivery.Source.REGISTERED)
    try:
        key = openpgp.read_public_key(registered.openpgp_key)
    except openpgp.KeyProblem as exc:  # it expired or was revoked since it was registered
        return Contact(registered.email, Delivery.Source.REGISTERED, problem=problem_text(exc))
    return Contact(registered.email, Delivery.Source.REGISTERED, key=key)


def _from_security_txt(organisation: Organisation, now: datetime) -> Contact | None:
    observation = evidence.latest_valid_security_txt(organisation)
    raw = observation.raw_body if observation is not None else None
    if not raw:
        return None
    try:
        parser = SecurityTxtParser(raw, urls=None, now=now)
    except Exception:  # a crash in the third-party parser: the file gives nothing
        return None
    address = next(
        (
            value[len("mailto:") :].strip()
            for value in parser.fields("contact")
            if value.lower().startswith("mailto:")
        ),
        "",
    )
    try:
        address = _email(address)
    except InvalidField:
        return None
    key, problem = _security_txt_key(parser.fields("encryption"), now)
    return Contact(address, Delivery.Source.SECURITY_TXT, key=key, problem=problem)


def _security_txt_key(uris: list[str], now: datetime) -> tuple[openpgp.PublicKey | None, str]:
    """The first usable key among the file's Encryption URIs, else why none was."""
    if not uris:
        return None, "The security.txt names no Encryption key."
    problems = []
    for uri in uris[:MAX_KEY_URIS]:
        if urlsplit(uri).scheme.lower() != "https":
            problems.append(f"{uri}: not an https URI, so no key was fetched")
            continue
        cached = _cached_key(uri, now)
        if cached.openpgp_key:
            return openpgp.PublicKey(cached.fingerprint, cached.openpgp_key), ""
        problems.append(f"{uri}: {cached.problem}")
    return None, problem_text("; ".join(problems))


def _cached_key(uri: str, now: datetime) -> ContactKey:
    cached = ContactKey.objects.filter(uri=uri[:500]).first()
    if cached is not None and cached.fetched_at > now - STALE:
        return cached
    key, problem = _fetch_key(uri)
    with transaction.atomic():
        stored, _ = ContactKey.objects.select_for_update().get_or_create(uri=uri[:500])
        if key is not None:
            stored.openpgp_key, stored.fingerprint, stored.problem = (
                key.armoured,
                key.fingerprint,
                "",
            )
        else:
            # A refresh that fails keeps the key fetched before: it was good a day ago.
            stored.problem = problem
        stored.fetched_at = now
        stored.save()
    return stored


def _fetch_key(uri: str) -> tuple[openpgp.PublicKey | None, str]:
    outcome = _run(_get(uri))
    if isinstance(outcome, FetchError):
        return None, problem_text(
            f"the key could not be fetched ({outcome.code}: {outcome.message})"
        )
    if not 200 <= outcome.status < 300:
        return None, f"the key could not be fetched (HTTP {outcome.status})"
    try:
        return openpgp.read_public_key(outcome.body), ""
    except openpgp.KeyProblem as exc:
        return None, problem_text(str(exc))


async def _get(uri: str) -> FetchOutcome:
    fetcher = import_string(settings.ACCORD_SCAN_FETCHER)()
    try:
        outcome: FetchOutcome = await fetcher.get(uri, max_bytes=openpgp.MAX_KEY_BYTES)
        return outcome
    finally:
        close = getattr(fetcher, "aclose", None)
        if close is not None:
            await close()


def _run[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the fetch to completion from synchronous code, in a thread of its own when
    the calling thread already runs an event loop (an ASGI server)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def problem_text(reason: object) -> str:
    return " ".join(str(reason).split())[:MAX_PROBLEM]
