"""Two-factor authentication with TOTP: enrolment, confirmation, verification and removal,
and the recovery codes that stand in for a lost authenticator."""

from __future__ import annotations

import hmac
import re
from datetime import timedelta

import pyotp
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import (
    TotpDevice,
    User,
)
from accord.accounts.permissions import Permission
from accord.accounts.services._common import (
    InvalidCode,
    TwoFactorState,
    _require,
)
from accord.accounts.services.recovery import (
    issue_recovery_codes,
    use_recovery_code,
    void_recovery_codes,
)
from accord.audit.services import record_event

PENDING_TOTP_LIFETIME = timedelta(hours=1)
_TOTP_CODE = re.compile(r"[0-9]{6}")


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
def confirm_totp(*, user: User, code: str) -> tuple[TotpDevice, list[str]]:
    """Turn two-factor sign-in on once the first code from the authenticator verifies.

    Returns the device and the person's recovery codes, issued now and shown only once.
    """
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
    return device, issue_recovery_codes(user=user, tag="accounts:recovery:issue")


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
    void_recovery_codes(user=user)
    record_event(tag="accounts:totp:disable", actor=user, target=user)


# Recovery codes and a lost authenticator ------------------------------------------------


def verify_second_factor(*, user: User, code: str) -> bool:
    """Whether `code` proves the second factor: a current code from the authenticator, or
    an unused recovery code (which is then spent)."""
    if _TOTP_CODE.fullmatch(code.replace(" ", "")):
        return verify_totp(user=user, code=code)
    return use_recovery_code(user=user, code=code)


@transaction.atomic
def regenerate_recovery_codes(*, user: User, code: str) -> list[str]:
    """A new set of recovery codes, proven by a current code or a recovery code; the old
    set stops working. Returns the codes, shown once."""
    if _locked_device(user) is None:
        raise TwoFactorState("Turn on two-factor authentication first.")
    if not verify_second_factor(user=user, code=code):
        raise InvalidCode("That code is not right, so your recovery codes stay as they are.")
    return issue_recovery_codes(user=user)


@transaction.atomic
def replace_authenticator(*, user: User, code: str) -> None:
    """Remove the authenticator so a new one can be set up, proven by a current code or,
    when the old device is lost, a recovery code. Unlike turning two-factor sign-in off,
    anyone may do this, the secretariat too: the middleware then holds them at the set-up
    page until the new device is confirmed."""
    if _locked_device(user) is None:
        raise TwoFactorState("Two-factor authentication is not on.")
    if not verify_second_factor(user=user, code=code):
        raise InvalidCode("That code is not right, so your authenticator stays as it is.")
    TotpDevice.objects.filter(user=user).delete()
    void_recovery_codes(user=user)
    record_event(tag="accounts:totp:replace", actor=user, target=user)


def _locked_device(user: User) -> TotpDevice | None:
    """The user's confirmed authenticator, locked for the change about to be made."""
    return (
        TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    )


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
