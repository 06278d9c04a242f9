"""Changing accounts: people, organisations, memberships, API tokens, two-factor
authentication and its recovery codes, the sign-in record and sign-out, sign-up, email
verification and password reset. Every change that matters records an
audit event; no secret, password or token ever goes into one.

The services live in one module per subject; this package is their one public face.
"""

from accord.accounts.services._common import (
    AccountError,
    AlreadyMember,
    EmailTaken,
    InvalidCode,
    InvalidInput,
    InvalidLink,
    NotAllowed,
    NotAMember,
    TwoFactorState,
    WeakPassword,
    WouldLockOut,
)
from accord.accounts.services.limits import admit_account_request
from accord.accounts.services.logins import (
    fail_login_attempt,
    record_login_attempt,
    release_login_attempt,
    reserve_login_attempt,
)
from accord.accounts.services.organisations import (
    add_member,
    add_member_by_email,
    change_role,
    create_organisation,
    edit_organisation,
    import_demo_organisations,
    remove_member,
)
from accord.accounts.services.passwords import (
    password_reset_link,
    password_reset_user,
    request_password_reset,
    reset_password,
)
from accord.accounts.services.people import (
    MAX_PASSWORD_LENGTH,
    SIGNED_OUT,
    TWO_FACTOR_REQUIRED,
    create_secretariat_admin,
    create_user,
    deactivate_user,
    sign_out,
)
from accord.accounts.services.recovery import (
    RECOVERY_CODE_COUNT,
    looks_like_recovery_code,
    recovery_codes_left,
    use_recovery_code,
)
from accord.accounts.services.signup import sign_up
from accord.accounts.services.tokens import (
    MAX_TOKEN_LENGTH,
    TOKEN_PREFIX,
    TOKEN_PREFIX_LENGTH,
    create_api_token,
    expired_api_token,
    revoke_api_token,
    use_api_token,
    warn_of_expiring_tokens,
)
from accord.accounts.services.twofactor import (
    confirm_totp,
    disable_totp,
    regenerate_recovery_codes,
    replace_authenticator,
    start_totp_enrolment,
    verify_second_factor,
    verify_totp,
)
from accord.accounts.services.verification import (
    email_verification_link,
    mark_email_verified,
    send_verification_email,
    verify_email,
)

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MAX_TOKEN_LENGTH",
    "RECOVERY_CODE_COUNT",
    "SIGNED_OUT",
    "TOKEN_PREFIX",
    "TOKEN_PREFIX_LENGTH",
    "TWO_FACTOR_REQUIRED",
    "AccountError",
    "AlreadyMember",
    "EmailTaken",
    "InvalidCode",
    "InvalidInput",
    "InvalidLink",
    "NotAMember",
    "NotAllowed",
    "TwoFactorState",
    "WeakPassword",
    "WouldLockOut",
    "add_member",
    "add_member_by_email",
    "admit_account_request",
    "change_role",
    "confirm_totp",
    "create_api_token",
    "create_organisation",
    "create_secretariat_admin",
    "create_user",
    "deactivate_user",
    "disable_totp",
    "edit_organisation",
    "email_verification_link",
    "expired_api_token",
    "fail_login_attempt",
    "import_demo_organisations",
    "looks_like_recovery_code",
    "mark_email_verified",
    "password_reset_link",
    "password_reset_user",
    "record_login_attempt",
    "recovery_codes_left",
    "regenerate_recovery_codes",
    "release_login_attempt",
    "remove_member",
    "replace_authenticator",
    "request_password_reset",
    "reserve_login_attempt",
    "reset_password",
    "revoke_api_token",
    "send_verification_email",
    "sign_out",
    "sign_up",
    "start_totp_enrolment",
    "use_api_token",
    "use_recovery_code",
    "verify_email",
    "verify_second_factor",
    "verify_totp",
    "warn_of_expiring_tokens",
]
