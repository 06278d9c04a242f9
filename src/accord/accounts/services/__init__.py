"""Changing accounts: people, organisations, memberships, API tokens, two-factor
authentication, the sign-in record and sign-out, applications to join and invitations.
Every change that matters records an audit event; no secret, password or token ever goes
into one.

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
from accord.accounts.services.applications import (
    MAX_DOMAINS,
    ApplicationDecided,
    admit_application,
    decline_application,
    parse_domains,
    submit_application,
)
from accord.accounts.services.invitations import (
    InvitationClosed,
    InvitationNotFound,
    WrongAccount,
    accept_invitation,
    accept_invitation_with_new_account,
    invite_to_instance,
    invite_to_organisation,
    revoke_invitation,
)
from accord.accounts.services.logins import (
    fail_login_attempt,
    record_login_attempt,
    release_login_attempt,
    reserve_login_attempt,
)
from accord.accounts.services.organisations import (
    add_member,
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
    "MAX_DOMAINS",
    "MAX_PASSWORD_LENGTH",
    "MAX_TOKEN_LENGTH",
    "SIGNED_OUT",
    "TOKEN_PREFIX",
    "TOKEN_PREFIX_LENGTH",
    "TWO_FACTOR_REQUIRED",
    "AccountError",
    "AlreadyMember",
    "ApplicationDecided",
    "EmailTaken",
    "InvalidCode",
    "InvalidInput",
    "InvitationClosed",
    "InvitationNotFound",
    "NotAMember",
    "NotAllowed",
    "TwoFactorState",
    "WeakPassword",
    "WouldLockOut",
    "WrongAccount",
    "accept_invitation",
    "accept_invitation_with_new_account",
    "add_member",
    "admit_application",
    "change_role",
    "confirm_totp",
    "create_api_token",
    "create_organisation",
    "create_secretariat_admin",
    "create_user",
    "deactivate_user",
    "decline_application",
    "disable_totp",
    "edit_organisation",
    "fail_login_attempt",
    "import_demo_organisations",
    "invite_to_instance",
    "invite_to_organisation",
    "parse_domains",
    "record_login_attempt",
    "release_login_attempt",
    "remove_member",
    "reserve_login_attempt",
    "revoke_api_token",
    "revoke_invitation",
    "sign_out",
    "start_totp_enrolment",
    "submit_application",
    "use_api_token",
    "verify_totp",
]
