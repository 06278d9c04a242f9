"""People: creating accounts, signing out and deactivating. No password goes into an event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from accord.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    User,
)
from accord.accounts.permissions import Permission
from accord.accounts.selectors import client_ip, normal_email
from accord.accounts.services._common import (
    EmailTaken,
    InvalidInput,
    WeakPassword,
    WouldLockOut,
    _messages,
    _other_admins,
    _require,
    _validated,
)
from accord.audit.services import record_event

MAX_PASSWORD_LENGTH = 4096


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
