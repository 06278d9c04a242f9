"""Signing up on one's own: reporters and observers open an account with an address.

A signed-up account belongs to no organisation and holds no instance role: a public
observer is such an account. Roles come by invitation or admission, never by sign-up.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accord.accounts.models import User
from accord.accounts.selectors import normal_email
from accord.accounts.services._common import EmailTaken, InvalidInput
from accord.accounts.services.passwords import reset_link_paragraph
from accord.accounts.services.people import _check_password, _create_user
from accord.accounts.services.verification import send_verification_email
from accord.audit.services import record_event
from accord.notifications import services as notifications

MAX_NAME_LENGTH = User._meta.get_field("full_name").max_length or 200


@transaction.atomic
def sign_up(*, email: str, password: str, full_name: str = "") -> None:
    """Open an unverified account, or tell the address's owner that it has one already.

    Returns nothing, so no caller can tell the two apart: a new account is emailed a
    link to confirm its address; an existing one is emailed that someone tried to sign
    up, with a link to set a new password. Every check that can refuse the request is
    made before the address is looked up, so both cases refuse the same input alike.
    """
    email = _valid_email(email)
    full_name = _valid_name(full_name)
    _check_password(password, User(email=email, full_name=full_name))
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            user = _create_user(email=email, password=password, full_name=full_name)
        except EmailTaken:  # signed up a moment ago, by another request
            existing = User.objects.get(email__iexact=email)
        else:
            record_event(tag="accounts:signup:request", data={"email": email, "existing": False})
            send_verification_email(user=user)
            return
    # Hash the password all the same, so the answer takes as long as creating an
    # account does, and its timing tells nothing either.
    make_password(password)
    record_event(
        tag="accounts:signup:request", target=existing, data={"email": email, "existing": True}
    )
    _tell_existing_account(existing)


def _valid_email(email: str) -> str:
    email = normal_email(email)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput("Enter a valid email address.", field="email") from exc
    return email


def _valid_name(full_name: str) -> str:
    full_name = full_name.strip()
    if len(full_name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"A name is at most {MAX_NAME_LENGTH} characters.", field="full_name")
    return full_name


def _tell_existing_account(user: User) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    attempt = (
        f"Someone, probably you, tried to sign up for {instance} with {user.email}. "
        "That address already has an account, so no new one was made."
    )
    if user.is_active:
        body = f"{attempt}\n\nIf you have forgotten its password: {reset_link_paragraph(user)}"
    else:
        body = f"{attempt}\n\nThe account is closed; the secretariat can tell you more."
    body += "\n\nIf it was not you, ignore this email: your account has not changed."
    notifications.email_address(
        to=user.email,
        subject=f"You already have a {instance} account",
        body=body,
        kind="accounts:signup:existing",
        carries_secret=user.is_active,
    )
