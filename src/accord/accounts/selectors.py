"""Reading accounts data. Member-zone reads go through `visible_to(user)` and `has_perm`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from accord.access import scope_of
from accord.accounts.models import (
    ApiToken,
    LoginAttempt,
    Membership,
    Organisation,
    TotpDevice,
    User,
)
from accord.accounts.permissions import Permission, has_perm


def organisations_for(user: Any) -> QuerySet[Organisation]:
    """Organisations whose member-zone pages the user may open."""
    return Organisation.objects.visible_to(user)


def member_rows() -> list[tuple[int, str, str, str, bool, datetime]]:
    """(id, sector, country, size band, is demo, created at) of every member
    organisation, for the adoption figures."""
    return list(Organisation.objects.filter(is_member=True).values_list(
        "id", "sector", "country", "size_band", "is_demo", "created_at"
    ))  # fmt: skip


def organisations_managed_by(user: Any) -> QuerySet[Organisation]:
    """Organisations the user runs: the secretariat all, an org admin their own."""
    return Organisation.objects.manageable_by(user)


def organisation_admins(organisation: Organisation) -> list[User]:
    """The active people who run the organisation, for a service that must tell them."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__role=Membership.Role.ORG_ADMIN,
        ).distinct()
    )


def secretariat_people() -> list[User]:
    """The active secretariat admins, for a service that must tell the secretariat."""
    return list(User.objects.filter(is_active=True, instance_role=User.InstanceRole.SECRETARIAT))


def organisation_with_slug(slug: str) -> Organisation | None:
    """The organisation with `slug`, for a caller that applies its own rule next (a
    published scorecard or badge is shown to anyone the organisation chose)."""
    return Organisation.objects.filter(slug=slug).first()


def organisation_with_id(organisation_id: int) -> Organisation | None:
    """The organisation with this id, for a handler that was given only the id."""
    return Organisation.objects.filter(pk=organisation_id).first()


def get_organisation_for(user: Any, slug: str) -> Organisation | None:
    """The organisation with `slug` if the user may see it; None whether or not it exists."""
    # `visible_to` is exactly the ORGANISATION_VIEW rule, as one query.
    return organisations_for(user).filter(slug=slug).first()


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The user's own memberships, with their organisations."""
    return (
        Membership.objects.held_by(user)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def token_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations the user may create an API token for: those they belong to."""
    return scope_of(user, Permission.TOKEN_CREATE, Organisation)


def tokens_for(user: Any) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first."""
    return ApiToken.objects.visible_to(user).select_related("organisation")


@dataclass(frozen=True)
class MemberView:
    """One member as a viewer may see them: the email only for those allowed."""

    full_name: str
    email: str | None
    role: str
    role_label: str


@dataclass(frozen=True)
class OrganisationView:
    organisation: Organisation
    members: list[MemberView]
    show_contacts: bool
    can_manage: bool


def organisation_view(user: Any, organisation: Organisation) -> OrganisationView | None:
    """What `user` may see of the organisation and its members, or None."""
    if not has_perm(user, Permission.ORGANISATION_VIEW, organisation):
        return None
    return _organisation_view(
        organisation,
        show_contacts=has_perm(user, Permission.MEMBER_CONTACTS_VIEW, organisation),
        can_manage=has_perm(user, Permission.ORGANISATION_MANAGE, organisation),
    )


def token_organisation_view(token: ApiToken) -> OrganisationView | None:
    """What an API token may see: its own organisation only, with its owner's role there."""
    user = token.user
    # TOKEN_USE already means an active member of the token's organisation.
    if not has_perm(user, Permission.TOKEN_USE, token):
        return None
    return _organisation_view(
        token.organisation,
        show_contacts=has_perm(user, Permission.MEMBER_CONTACTS_VIEW, token),
        can_manage=False,
    )


def token_role(token: ApiToken) -> str | None:
    """The token owner's role in the token's organisation, or None once they have left."""
    return Membership.objects.role_of(token.user, token.organisation)


def _organisation_view(
    organisation: Organisation, *, show_contacts: bool, can_manage: bool
) -> OrganisationView:
    memberships = organisation.memberships.select_related("user").order_by("user__email")
    members = [
        MemberView(
            full_name=membership.user.full_name,
            email=membership.user.email if show_contacts else None,
            role=membership.role,
            role_label=membership.get_role_display(),
        )
        for membership in memberships
    ]
    return OrganisationView(
        organisation=organisation,
        members=members,
        show_contacts=show_contacts,
        can_manage=can_manage,
    )


def confirmed_totp_device(user: Any) -> TotpDevice | None:
    """The user's working TOTP authenticator, if two-factor sign-in is on."""
    if not getattr(user, "is_authenticated", False):
        return None
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def recent_login_attempts(user: User, *, limit: int = 10) -> QuerySet[LoginAttempt]:
    """The latest sign-in attempts made with the user's email address."""
    return LoginAttempt.objects.filter(email=user.email).order_by("-attempted_at")[:limit]


def normal_email(email: str) -> str:
    return email.strip().lower()[:254]


def valid_ip(ip: str | None) -> str | None:
    """The address if it is one, else None (so junk never reaches the database)."""
    if not ip:
        return None
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return None


def client_ip(meta: dict[str, Any]) -> str | None:
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy, in which case
    the nearest X-Forwarded-For entry that is not itself a trusted proxy."""
    remote = valid_ip(meta.get("REMOTE_ADDR"))
    proxies = [ipaddress.ip_network(net, strict=False) for net in settings.ACCORD_TRUSTED_PROXIES]

    def trusted(address: str) -> bool:
        return any(ipaddress.ip_address(address) in net for net in proxies)

    if remote is None or not trusted(remote):
        return remote
    forwarded = [valid_ip(part.strip()) for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for address in reversed(forwarded):
        if address is None:
            return remote
        if not trusted(address):
            return address
    return remote


def login_locked(*, email: str, ip: str | None, exclude_id: int | None = None) -> bool:
    """Whether sign-in is refused for now.

    Refused after ACCORD_LOGIN_MAX_FAILURES failures for this email from this address
    (or wrong two-factor codes for this email from anywhere), or after the looser
    per-address and per-account limits. Failures for an email count
    from its last completed sign-in. `exclude_id` leaves out the caller's own reserved
    attempt, so concurrent guesses see each other's reservations.
    """
    since = timezone.now() - timedelta(seconds=settings.ACCORD_LOGIN_WINDOW_SECONDS)
    email, address = normal_email(email), valid_ip(ip)
    failures = LoginAttempt.objects.filter(attempted_at__gte=since, succeeded=False)
    if exclude_id is not None:
        failures = failures.exclude(pk=exclude_id)
    last_success = LoginAttempt.objects.filter(
        attempted_at__gte=since, email=email, succeeded=True
    ).aggregate(at=Max("attempted_at"))["at"]
    by_email = failures.filter(email=email)
    if last_success is not None:
        by_email = by_email.filter(attempted_at__gt=last_success)
    if by_email.count() >= settings.ACCORD_LOGIN_MAX_FAILURES_PER_ACCOUNT:
        return True
    # Whoever reaches the code step knows the password: code guesses count per account,
    # whichever address they come from.
    wrong_codes = by_email.filter(stage=LoginAttempt.Stage.TOTP).count()
    if wrong_codes >= settings.ACCORD_LOGIN_MAX_FAILURES:
        return True
    if address is None:
        return False
    if by_email.filter(ip_address=address).count() >= settings.ACCORD_LOGIN_MAX_FAILURES:
        return True
    by_address = failures.filter(ip_address=address)
    return by_address.count() >= settings.ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS


@dataclass(frozen=True)
class TotpProvisioning:
    """What a person needs to add the authenticator: the secret, as text and as a QR code."""

    secret: str
    uri: str
    qr_svg: str


def totp_provisioning(user: User, device: TotpDevice) -> TotpProvisioning:
    uri = pyotp.TOTP(device.secret).provisioning_uri(
        name=user.email, issuer_name=settings.ACCORD_INSTANCE_NAME
    )
    # segno draws modules only; no text from the URI ends up in the SVG markup.
    qr_svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your app")
    return TotpProvisioning(secret=device.secret, uri=uri, qr_svg=qr_svg)


@dataclass(frozen=True)
class AccountOverview:
    """Everything the account page shows about the signed-in person."""

    memberships: list[Membership]
    tokens: list[ApiToken]
    two_factor_on: bool
    can_disable_two_factor: bool
    attempts: list[LoginAttempt]


def account_overview(user: User) -> AccountOverview:
    return AccountOverview(
        memberships=list(memberships_of(user)),
        tokens=list(tokens_for(user)),
        two_factor_on=confirmed_totp_device(user) is not None,
        can_disable_two_factor=has_perm(user, Permission.TWO_FACTOR_DISABLE),
        attempts=list(recent_login_attempts(user)),
    )
