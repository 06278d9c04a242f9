"""Changing accounts: people, organisations, memberships, domains, API tokens, two-factor
authentication, the sign-in record and sign-out. Every change that matters records an
audit event; no secret, password or token ever goes into one.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

import pyotp
from django.contrib.auth import logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accord import errors
from accord.accounts.models import (
    ApiToken,
    LoginAttempt,
    Membership,
    Organisation,
    TotpDevice,
    User,
)
from accord.accounts.permissions import Permission, has_perm
from accord.accounts.selectors import client_ip, login_locked, normal_email, valid_ip
from accord.audit.services import record_event

TOKEN_PREFIX = "acc_"  # noqa: S105 (the public prefix, not a secret)
TOKEN_PREFIX_LENGTH = 8
# Longer than any secret we issue; a longer header is refused before hashing.
MAX_TOKEN_LENGTH = 128
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
MAX_PASSWORD_LENGTH = 4096
PENDING_TOTP_LIFETIME = timedelta(hours=1)
_TOTP_CODE = re.compile(r"[0-9]{6}")


class AccountError(errors.DomainError):
    """A change to accounts that cannot be made; the message is meant for the person."""


class NotAllowed(AccountError, errors.NotAllowed):
    """The actor may not make this change."""


class InvalidInput(AccountError, errors.Invalid):
    """A value that is not acceptable: an email address, a name, a country, an expiry."""


class EmailTaken(AccountError, errors.Invalid):
    """Another account already uses this email address."""

    field = "email"


class WeakPassword(AccountError, errors.Invalid):
    """The password fails the instance's password rules."""

    field = "password"


class WouldLockOut(AccountError, errors.Conflict):
    """The change would leave an organisation without an admin, or the instance without
    a secretariat admin."""


class AlreadyMember(AccountError, errors.Conflict):
    """The person already belongs to the organisation."""


class NotAMember(AccountError, errors.Conflict):
    """The person does not belong to the organisation."""


class InvalidCode(AccountError, errors.Invalid):
    """A two-factor code that is wrong, expired or already used."""

    field = "code"


class TwoFactorState(AccountError, errors.Conflict):
    """Two-factor authentication is already on, or its set-up was not started."""


def _messages(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


def _validated(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        fields = [name for name in getattr(exc, "error_dict", {}) if name != "__all__"]
        raise InvalidInput(_messages(exc), field=fields[0] if fields else None) from exc


def _require(actor: Any, permission: Permission, obj: Any, message: str) -> None:
    if not has_perm(actor, permission, obj):
        raise NotAllowed(message)


# People ------------------------------------------------------------------------------


@transaction.atomic
def create_user(*, email: str, password: str, full_name: str = "", instance_role: str = "") -> User:
    """Create an account that signs in with `email` and `password`, with an instance-wide
    role if given (an observer from government, say)."""
    return _create_user(
        email=email, password=password, full_name=full_name, instance_role=instance_role
    )


@transaction.atomic
def create_secretariat_admin(*, email: str, password: str) -> User:
    """Create an instance admin; they must set up two-factor sign-in before anything else."""
    return _create_user(email=email, password=password, instance_role=User.InstanceRole.SECRETARIAT)


def _create_user(
    *, email: str, password: str, full_name: str = "", instance_role: str = ""
) -> User:
    email = normal_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken("An account with this email address already exists.")
    user = User(email=email, full_name=full_name.strip(), instance_role=instance_role)
    _check_password(password, user)
    user.set_password(password)
    _validated(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise EmailTaken("An account with this email address already exists.") from exc
    record_event(
        tag="accounts:user:create",
        target=user,
        data={"email": user.email, "instance_role": user.instance_role},
    )
    return user


def _check_password(password: str, user: User) -> None:
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPassword(f"A password is at most {MAX_PASSWORD_LENGTH} characters long.")
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise WeakPassword(_messages(exc)) from exc


# Organisations, memberships, domains -------------------------------------------------


@transaction.atomic
def create_organisation(
    *,
    name: str,
    slug: str,
    sector: str = "",
    country: str = "",
    size_band: str = "",
    website: str = "",
    actor: Any = None,
    is_demo: bool = False,
) -> Organisation:
    """Admit an organisation. Without an actor the instance itself acts (CLI, demo)."""
    if actor is not None:
        _require(actor, Permission.ORGANISATION_CREATE, None, "Only the secretariat admits.")
    organisation = Organisation(
        name=name.strip(),
        slug=slug.strip().lower(),
        sector=sector.strip(),
        country=_country_code(country),
        size_band=size_band,
        website=website.strip(),
        is_demo=is_demo,
    )
    if Organisation.objects.filter(name__iexact=organisation.name).exists():
        raise InvalidInput("An organisation with this name already exists.", field="name")
    _validated(organisation)
    organisation.save()
    record_event(
        tag="accounts:organisation:create",
        actor=actor,
        target=organisation,
        organisation=organisation,
        data={"name": organisation.name, "slug": organisation.slug, "is_demo": is_demo},
    )
    return organisation


def _country_code(country: str) -> str:
    code = country.strip().upper()
    if code and not (len(code) == 2 and code.isalpha()):
        raise InvalidInput(
            "Country must be a two-letter ISO 3166-1 code, such as NL.", field="country"
        )
    return code


@transaction.atomic
def add_member(
    *, organisation: Organisation, user: User, role: str, actor: Any = None
) -> Membership:
    """Make `user` a member of `organisation` with `role`."""
    if actor is not None:
        _require(
            actor,
            Permission.ORGANISATION_MANAGE,
            organisation,
            "Only the organisation's admins can add members.",
        )
    if role not in Membership.Role.values:
        raise InvalidInput("Choose a role: organisation admin or member.", field="role")
    if not user.is_active:
        raise InvalidInput("This account is deactivated.", field="email")
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise AlreadyMember(f"{user.email} is already a member of {organisation.name}.")
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    record_event(
        tag="accounts:membership:create",
        actor=actor,
        target=membership,
        organisation=organisation,
        data={"email": user.email, "role": role},
    )
    return membership


@transaction.atomic
def add_member_by_email(
    *, organisation: Organisation, email: str, role: str, actor: Any
) -> Membership:
    """Add the person with an existing account at `email` to the organisation."""
    _require(
        actor,
        Permission.ORGANISATION_MANAGE,
        organisation,
        "Only the organisation's admins can add members.",
    )
    user = User.objects.filter(email__iexact=normal_email(email), is_active=True).first()
    if user is None:
        raise InvalidInput("No active account uses that email address.", field="email")
    return add_member(organisation=organisation, user=user, role=role, actor=actor)


@transaction.atomic
def remove_member(*, organisation: Organisation, user: User, actor: Any) -> None:
    """End a membership, and revoke the person's API tokens for that organisation."""
    _require(
        actor,
        Permission.ORGANISATION_MANAGE,
        organisation,
        "Only the organisation's admins can remove members.",
    )
    membership = Membership.objects.filter(organisation=organisation, user=user).first()
    if membership is None:
        raise NotAMember(f"{user.email} is not a member of {organisation.name}.")
    revoked = ApiToken.objects.active().filter(user=user, organisation=organisation)
    revoked_count = revoked.update(revoked_at=timezone.now())
    membership.delete()
    record_event(
        tag="accounts:membership:delete",
        actor=actor,
        target=user,
        organisation=organisation,
        data={"email": user.email, "tokens_revoked": revoked_count},
    )


@transaction.atomic
def import_demo_organisations(*, organisations: list[Organisation]) -> list[Organisation]:
    """Admit many fictional organisations at once, for `accord demo`: one insert and one
    audit event where `create_organisation` would take queries and an event each. Only
    demo organisations come this way; real ones are admitted one by one."""
    if not all(organisation.is_demo for organisation in organisations):
        raise AccountError("Only demo organisations are imported in bulk.")
    for organisation in organisations:
        _validated(organisation)
    created = Organisation.objects.bulk_create(organisations)
    if created:
        record_event(tag="accounts:organisation:import", data={"demo": len(created)})
    return created


# API tokens ----------------------------------------------------------------------------


@transaction.atomic
def create_api_token(
    *, user: User, organisation: Organisation, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Issue a token acting for `user` within `organisation`.

    Returns the token and its secret; the secret is not stored and cannot be shown again.
    """
    _require(
        user,
        Permission.TOKEN_CREATE,
        organisation,
        "You can create tokens only for organisations you belong to.",
    )
    name = _token_name(name)
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("A token's expiry must be in the future.", field="expires")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organisation=organisation,
        name=name,
        prefix=secret[:TOKEN_PREFIX_LENGTH],
        digest=ApiToken.digest_of(secret),
        expires_at=expires_at,
    )
    record_event(
        tag="accounts:token:create",
        actor=user,
        target=token,
        organisation=organisation,
        data={"name": name, "prefix": token.prefix, "expires_at": expires_at},
    )
    return token, secret


def _token_name(name: str) -> str:
    name = name.strip()
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if not name or len(name) > max_length:
        raise InvalidInput(f"Give the token a name of 1 to {max_length} characters.", field="name")
    return name


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Any) -> ApiToken:
    """Stop a token from working. Revoking a revoked token changes nothing."""
    _require(actor, Permission.TOKEN_REVOKE, token, "You may not revoke this token.")
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    record_event(
        tag="accounts:token:revoke",
        actor=actor,
        target=locked,
        organisation=locked.organisation,
        data={"name": locked.name, "prefix": locked.prefix},
    )
    return locked


def use_api_token(*, secret: str) -> ApiToken | None:
    """The active token with this secret whose owner may still use it, or None.

    Notes the use at most once a minute. Not wrapped in a transaction: it is one
    UPDATE, and opening a write transaction on every API call would serialise them
    on SQLite.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user", "organisation")
        .filter(digest=ApiToken.digest_of(secret))
        .first()
    )
    if token is None or not has_perm(token.user, Permission.TOKEN_USE, token):
        return None
    now = timezone.now()
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_RESOLUTION)
    if ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now):
        token.last_used_at = now
    return token


# Two-factor authentication (TOTP, RFC 6238) -------------------------------------------


@transaction.atomic
def start_totp_enrolment(*, user: User) -> TotpDevice:
    """An unconfirmed authenticator for the user to scan.

    A recent pending one is returned as it is, so reloading the set-up page does not
    invalidate a QR code the person has just scanned.
    """
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.is_confirmed:
        raise TwoFactorState("Two-factor authentication is already on.")
    if device is not None and device.created_at > timezone.now() - PENDING_TOTP_LIFETIME:
        return device
    if device is not None:
        device.delete()
    # The secret stays out of the log; that a set-up began, and replaced one, goes in.
    data = {"replaced_pending": device is not None}
    record_event(tag="accounts:totp:enrol", actor=user, target=user, data=data)
    return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())


@transaction.atomic
def confirm_totp(*, user: User, code: str) -> TotpDevice:
    """Turn two-factor sign-in on once the first code from the authenticator verifies."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise TwoFactorState("Start two-factor set-up first.")
    if device.is_confirmed:
        raise TwoFactorState("Two-factor authentication is already on.")
    if not _accept_code(device, code):
        raise InvalidCode("That code is not right. Check your device's clock and try again.")
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed_at"])
    record_event(tag="accounts:totp:enable", actor=user, target=user)
    return device


@transaction.atomic
def verify_totp(*, user: User, code: str) -> bool:
    """Whether `code` is a current code of the user's confirmed authenticator.

    Accepts one time step either side for clock drift, and never the same step twice.
    """
    device = (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )
    return device is not None and _accept_code(device, code)


@transaction.atomic
def disable_totp(*, user: User, code: str) -> None:
    """Turn two-factor sign-in off, proven by a current code."""
    _require(
        user,
        Permission.TWO_FACTOR_DISABLE,
        None,
        "Secretariat admins must keep two-factor authentication on.",
    )
    if not verify_totp(user=user, code=code):
        raise InvalidCode("That code is not right, so two-factor authentication stays on.")
    TotpDevice.objects.filter(user=user).delete()
    record_event(tag="accounts:totp:disable", actor=user, target=user)


def _accept_code(device: TotpDevice, code: str) -> bool:
    """Check the code and, if it verifies, spend its time step. Caller holds the row lock."""
    code = code.replace(" ", "")
    if not _TOTP_CODE.fullmatch(code):
        return False
    totp = pyotp.TOTP(device.secret)
    current = totp.timecode(timezone.now())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            if step <= device.last_used_step:
                return False
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return True
    return False


# Sign-in record and lockout ------------------------------------------------------------


@transaction.atomic
def record_login_attempt(
    *,
    email: str,
    ip: str | None,
    succeeded: bool,
    stage: str = LoginAttempt.Stage.PASSWORD,
) -> LoginAttempt:
    """Record a sign-in attempt; failures count towards the lockout of email and address."""
    email, address = normal_email(email), valid_ip(ip)
    was_locked = not succeeded and login_locked(email=email, ip=address)
    attempt = LoginAttempt.objects.create(
        email=email, ip_address=address, succeeded=succeeded, stage=stage
    )
    data = {"email": email, "ip": address, "stage": stage}
    if succeeded:
        user = User.objects.filter(email=email).first()
        record_event(tag="accounts:login:succeed", actor=user, target=user, data=data)
        return attempt
    record_event(tag="accounts:login:fail", data=data)
    if not was_locked and login_locked(email=email, ip=address):
        record_event(tag="accounts:login:lockout", data=data)
    return attempt


@transaction.atomic
def reserve_login_attempt(*, email: str, ip: str | None) -> LoginAttempt:
    """Count a password attempt as a failure before the password is checked.

    Concurrent guesses then see each other: each checks the limit with the others'
    reservations already counted, so parallel requests cannot exceed it.
    """
    return LoginAttempt.objects.create(
        email=normal_email(email), ip_address=valid_ip(ip), succeeded=False
    )


@transaction.atomic
def release_login_attempt(*, attempt: LoginAttempt) -> None:
    """The password was right: the reservation was not a failure."""
    LoginAttempt.objects.filter(pk=attempt.pk).delete()


@transaction.atomic
def fail_login_attempt(*, attempt: LoginAttempt) -> None:
    """The password was wrong: the reservation stands; record it and any lockout."""
    data = {"email": attempt.email, "ip": attempt.ip_address, "stage": attempt.stage}
    record_event(tag="accounts:login:fail", data=data)
    was_locked = login_locked(email=attempt.email, ip=attempt.ip_address, exclude_id=attempt.pk)
    if not was_locked and login_locked(email=attempt.email, ip=attempt.ip_address):
        record_event(tag="accounts:login:lockout", data=data)


# Signing out ---------------------------------------------------------------------------

SIGNED_OUT = "signed_out"
TWO_FACTOR_REQUIRED = "two_factor_required"


@transaction.atomic
def sign_out(*, request: HttpRequest, reason: str = SIGNED_OUT) -> None:
    """End the request's session, recording `accounts:session:end` if someone was in it.

    `reason` says why: the person signed out, or the session had not passed the
    two-factor step its account requires.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        data = {"email": user.email, "ip": client_ip(request.META), "reason": reason}
        record_event(tag="accounts:session:end", actor=user, target=user, data=data)
    logout(request)


# Roles, deactivation and organisation details -------------------------------------------


def _other_admins(organisation: Organisation, user: User) -> list[Membership]:
    # Locks the organisation's admin memberships, so two demotions at once cannot both
    # pass this check and leave no admin behind.
    admins = Membership.objects.select_for_update().filter(
        organisation=organisation, role=Membership.Role.ORG_ADMIN
    )
    return [m for m in admins.select_related("user") if m.user_id != user.pk and m.user.is_active]


@transaction.atomic
def change_role(*, organisation: Organisation, user: User, role: str, actor: Any) -> Membership:
    """Give a member another role in the organisation; the last admin stays an admin."""
    _require(
        actor,
        Permission.ORGANISATION_MANAGE,
        organisation,
        "Only the organisation's admins can change roles.",
    )
    if role not in Membership.Role.values:
        raise AccountError("Choose a role: organisation admin or member.")
    membership = (
        Membership.objects.select_for_update().filter(organisation=organisation, user=user).first()
    )
    if membership is None:
        raise AccountError(f"{user.email} is not a member of {organisation.name}.")
    if membership.role == role:
        return membership
    demoted = membership.role == Membership.Role.ORG_ADMIN
    if demoted and not _other_admins(organisation, user):
        raise WouldLockOut(
            f"{organisation.name} needs another admin before {user.email} steps down."
        )
    previous, membership.role = membership.role, role
    membership.save(update_fields=["role"])
    record_event(
        tag="accounts:membership:role",
        actor=actor,
        target=membership,
        organisation=organisation,
        data={"email": user.email, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def deactivate_user(*, user: User, actor: Any) -> User:
    """Close a person's account: they can no longer sign in, their sessions end and their
    API tokens are revoked. Their memberships and history stay. Deactivating an account
    that is already closed changes nothing.
    """
    _require(
        actor, Permission.INSTANCE_ADMIN, None, "Only the secretariat can deactivate accounts."
    )
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.is_active:
        return locked
    _refuse_lock_out(locked)
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    tokens = ApiToken.objects.active().filter(user=locked).update(revoked_at=timezone.now())
    sessions = _end_sessions(locked)
    record_event(
        tag="accounts:user:deactivate",
        actor=actor,
        target=locked,
        data={"email": locked.email, "tokens_revoked": tokens, "sessions_ended": sessions},
    )
    return locked


def _refuse_lock_out(user: User) -> None:
    if user.is_secretariat:
        others = User.objects.select_for_update().filter(
            instance_role=User.InstanceRole.SECRETARIAT, is_active=True
        )
        if not others.exclude(pk=user.pk).exists():
            raise WouldLockOut("The instance needs another secretariat admin first.")
    administered = Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ORG_ADMIN
    )
    orphaned = [org.name for org in administered if not _other_admins(org, user)]
    if orphaned:
        names = ", ".join(sorted(orphaned))
        raise WouldLockOut(f"{user.email} is the last admin of {names}; appoint another first.")


def _end_sessions(user: User) -> int:
    """Delete the user's stored sessions (database-backed engines; with any engine, an
    inactive account's session no longer authenticates). Returns how many ended."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def edit_organisation(
    *,
    organisation: Organisation,
    actor: Any,
    name: str | None = None,
    sector: str | None = None,
    country: str | None = None,
    size_band: str | None = None,
    website: str | None = None,
) -> Organisation:
    """Change the organisation's details; a field left as None keeps its value.

    The slug is not editable: it names the organisation in public URLs, badges and the
    open data, which must keep working. Membership and demo status are not details.
    """
    _require(
        actor,
        Permission.ORGANISATION_MANAGE,
        organisation,
        "Only the organisation's admins can edit its details.",
    )
    locked = Organisation.objects.select_for_update().get(pk=organisation.pk)
    wanted = {
        "name": None if name is None else name.strip(),
        "sector": None if sector is None else sector.strip(),
        "country": None if country is None else _country_code(country),
        "size_band": size_band,
        "website": None if website is None else website.strip(),
    }
    changes = {
        field: {"from": getattr(locked, field), "to": value}
        for field, value in wanted.items()
        if value is not None and value != getattr(locked, field)
    }
    if not changes:
        return locked
    _apply_details(locked, {field: change["to"] for field, change in changes.items()})
    record_event(
        tag="accounts:organisation:edit",
        actor=actor,
        target=locked,
        organisation=locked,
        data={"changes": changes},
    )
    return locked


def _apply_details(organisation: Organisation, values: dict[str, str]) -> None:
    for field, value in values.items():
        setattr(organisation, field, value)
    taken = Organisation.objects.filter(name__iexact=organisation.name).exclude(pk=organisation.pk)
    if "name" in values and taken.exists():
        raise AccountError("An organisation with this name already exists.")
    _validated(organisation)
    organisation.save(update_fields=list(values))
