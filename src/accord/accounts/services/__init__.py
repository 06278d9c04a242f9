"""Changing accounts: people, organisations, memberships, API tokens, two-factor
authentication, the sign-in record and sign-out. Every change that matters records an
audit event; no secret, password or token ever goes into one.

The services live in one module per subject; this package is their one public face.
"""

from accord.accounts.services._common import (
    AccountError,
    AlreadyMember,
    EmailTaken,
    InvalidCode,
    InvalidInput,
    NotAllowed,
    NotAMember,
    TwoFactorState,
    WeakPassword,
    WouldLockOut,
)
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
from accord.accounts.services.people import (
    MAX_PASSWORD_LENGTH,
    SIGNED_OUT,
    TWO_FACTOR_REQUIRED,
    create_secretariat_admin,
    create_user,
    deactivate_user,
    sign_out,
)
from accord.accounts.services.standing import (
    Removal,
    StandingUnchanged,
    reinstate_organisation,
    remove_organisation,
    suspend_organisation,
)
from accord.accounts.services.tokens import (
    MAX_TOKEN_LENGTH,
    TOKEN_PREFIX,
    TOKEN_PREFIX_LENGTH,
    create_api_token,
    revoke_api_token,
    use_api_token,
)
from accord.accounts.services.twofactor import (
    confirm_totp,
    disable_totp,
    start_totp_enrolment,
    verify_totp,
)

__all__ = [
    "MAX_PASSWORD_LENGTH",
    "MAX_TOKEN_LENGTH",
    "SIGNED_OUT",
    "TOKEN_PREFIX",
    "TOKEN_PREFIX_LENGTH",
    "TWO_FACTOR_REQUIRED",
    "AccountError",
    "AlreadyMember",
    "EmailTaken",
    "InvalidCode",
    "InvalidInput",
    "NotAMember",
    "NotAllowed",
    "Removal",
    "StandingUnchanged",
    "TwoFactorState",
    "WeakPassword",
    "WouldLockOut",
    "add_member",
    "add_member_by_email",
    "change_role",
    "confirm_totp",
    "create_api_token",
    "create_organisation",
    "create_secretariat_admin",
    "create_user",
    "deactivate_user",
    "disable_totp",
    "edit_organisation",
    "fail_login_attempt",
    "import_demo_organisations",
    "record_login_attempt",
    "reinstate_organisation",
    "release_login_attempt",
    "remove_member",
    "remove_organisation",
    "reserve_login_attempt",
    "revoke_api_token",
    "sign_out",
    "start_totp_enrolment",
    "suspend_organisation",
    "use_api_token",
    "verify_totp",
]
