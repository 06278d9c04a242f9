"""The sign-in record: each attempt is reserved before the password is checked."""

from __future__ import annotations

from django.db import transaction

from accord.accounts.models import (
    LoginAttempt,
    User,
)
from accord.accounts.selectors import login_locked, normal_email, valid_ip
from accord.audit.services import record_event


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
