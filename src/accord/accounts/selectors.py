"""Reading accounts data. Member-zone reads go through `visible_to(user)` and `has_perm`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from accord.access import scope_of
from accord.accounts import capabilities
from accord.accounts.models import (
    ApiToken,
    Application,
    Invitation,
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


def organisations_joined_by(user: Any) -> QuerySet[Organisation]:
    """Organisations the user is a member of and may act for (in good standing); being
    secretariat does not make someone a member."""
    return Organisation.objects.joined_by(user)


def counted_organisations() -> QuerySet[Organisation]:
    """The organisations the adoption figures count: members in good standing (neither
    suspended nor removed). Every figure selects its organisations here."""
    return Organisation.objects.in_good_standing().filter(is_member=True)


def organisations_in_good_standing() -> QuerySet[Organisation]:
    """Organisations neither suspended nor removed, members or not (the coalition's
    averages on a scorecard compare with these)."""
    return Organisation.objects.in_good_standing()


def member_rows() -> list[tuple[int, str, str, str, bool, datetime]]:
    """(id, sector, country, size band, is demo, created at) of every organisation the
    figures count (`counted_organisations`)."""
    return list(counted_organisations().values_list(
        "id", "sector", "country", "size_band", "is_demo", "created_at"
    ))  # fmt: skip


def organisations_managed_by(user: Any) -> QuerySet[Organisation]:
    """Organisations the user runs: the secretariat all, an org admin their own."""
    return Organisation.objects.manageable_by(user)


def organisation_with_slug(slug: str) -> Organisation | None:
    """The organisation with `slug`, for a caller that applies its own rule next (a
    published scorecard or badge is shown to anyone the organisation chose)."""
    return Organisation.objects.filter(slug=slug).first()


def organisation_with_id(organisation_id: int) -> Organisation | None:
    """The organisation with this id, for a handler that was given only the id."""
    return Organisation.objects.filter(pk=organisation_id).first()


def admins_of(organisation: Organisation) -> QuerySet[User]:
    """The organisation's active admins: whom to tell of what happens to it."""
    return User.objects.filter(
        is_active=True,
        memberships__organisation=organisation,
        memberships__role=Membership.Role.ORG_ADMIN,
    ).order_by("pk")


def members_of(organisation: Organisation) -> QuerySet[User]:
    """The organisation's active members, whatever their role: whom to tell of what
    concerns the organisation as a whole (a disclosure case it takes part in)."""
    return (
        User.objects.filter(is_active=True, memberships__organisation=organisation)
        .distinct()
        .order_by("pk")
    )


def member_ids_of(organisation_id: int) -> QuerySet[Any]:
    """The ids of the organisation's members, whatever their role or standing, as a
    subquery: who acted for it (what the CVD measures count as the vendor's own step)."""
    return Membership.objects.filter(organisation_id=organisation_id).values("user_id")


def get_organisation_for(user: Any, slug: str) -> Organisation | None:
    """The organisation with `slug` if the user may see it; None whether or not it exists."""
    # `visible_to` is exactly the ORGANISATION_VIEW rule, as one query.
    return organisations_for(user).filter(slug=slug).first()


def memberships_of(user: Any) -> QuerySet[Membership]:
    """The user's own memberships, with their organisations."""
    return (
        Membership.objects.held_by(user)
        .exclude(organisation__standing=Organisation.Standing.REMOVED)
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
    second_factor = [LoginAttempt.Stage.TOTP, LoginAttempt.Stage.RECOVERY]
    wrong_codes = by_email.filter(stage__in=second_factor).count()
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


# Applications and invitations -----------------------------------------------------------


def active_user_with_email(email: str) -> User | None:
    """The active account with this address (any spelling of its case), or None: for a
    command that acts as a named person."""
    return User.objects.filter(email__iexact=email.strip(), is_active=True).first()


def user_with_id(user_id: int | None) -> User | None:
    """The account with this id, for a handler that was given only the id."""
    return User.objects.filter(pk=user_id).first() if user_id is not None else None


def secretariat_people() -> QuerySet[User]:
    """The active secretariat admins, who are told of new applications."""
    return User.objects.filter(instance_role=User.InstanceRole.SECRETARIAT, is_active=True)


def _by_capability[M: (Application, Invitation)](objects: QuerySet[M], token: str) -> M | None:
    parts = capabilities.split(token)
    if parts is None:
        return None
    key, secret = parts
    found = objects.filter(key=key).first()
    return found if found is not None and capabilities.matches(found.digest, secret) else None


def application_by_token(token: str) -> Application | None:
    """The application whose private status link carries `token`, or None."""
    return _by_capability(Application.objects.all(), token)


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation whose link carries `token` (in whatever state), or None."""
    return _by_capability(Invitation.objects.select_related("organisation"), token)


def applications_for(user: Any, *, state: str = "") -> QuerySet[Application]:
    """The applications the user may review, newest first, in `state` if given."""
    # `visible_to` is exactly the APPLICATION_REVIEW rule.
    applications = Application.objects.visible_to(user)
    if state:
        applications = applications.filter(state=state)
    return applications.select_related("organisation", "decided_by").order_by(
        "-submitted_at", "-id"
    )


def application_for(user: Any, application_id: int) -> Application | None:
    """The application with this id if the user may review it; None whether or not it exists."""
    return applications_for(user).filter(pk=application_id).first()


def applications_limited(*, email: str, ip: str | None, now: datetime | None = None) -> bool:
    """Whether the public form refuses another application for now: this address (or
    this contact email) sent the day's allowance already."""
    since = (now or timezone.now()) - timedelta(days=1)
    recent = Application.objects.filter(submitted_at__gte=since)
    by_email = recent.filter(contact_email=normal_email(email)).count()
    if by_email >= settings.ACCORD_APPLICATIONS_PER_EMAIL_PER_DAY:
        return True
    address = valid_ip(ip)
    by_address = recent.filter(submitted_ip=address).count() if address else 0
    return by_address >= settings.ACCORD_APPLICATIONS_PER_ADDRESS_PER_DAY


def invitations_for(user: Any, organisation: Organisation | None) -> QuerySet[Invitation]:
    """The open invitations the user may see and revoke: to `organisation`, or to the
    instance itself when it is None. Newest first."""
    # `visible_to` is exactly the INVITATION_MANAGE rule.
    invitations = Invitation.objects.visible_to(user).open()
    if organisation is None:
        invitations = invitations.filter(organisation__isnull=True)
    else:
        invitations = invitations.filter(organisation=organisation)
    return invitations.select_related("invited_by").order_by("-created_at", "-id")


def invitation_for(user: Any, invitation_id: int) -> Invitation | None:
    """The invitation with this id if the user may revoke it; None whether or not it exists."""
    scope = Invitation.objects.visible_to(user).select_related("organisation")
    return scope.filter(pk=invitation_id).first()


def invitee_has_account(invitation: Invitation) -> bool:
    """Whether the invited address has an account already: told only to whoever holds
    the invitation's link (the invitee), never to the one who invited."""
    return User.objects.filter(email__iexact=invitation.email).exists()


@dataclass(frozen=True)
class ApplicationQueue:
    """One page of the secretariat's applications, newest first."""

    page: Page[Application]
    state: str
    pending: int


def application_queue(
    user: Any, *, state: str = "", page: int | str = 1, per_page: int = 25
) -> ApplicationQueue | None:
    """The applications in `state` (all if ""), paged; None unless the user reviews them."""
    if not has_perm(user, Permission.APPLICATION_REVIEW):
        return None
    paginator = Paginator(applications_for(user, state=state), per_page)
    pending = applications_for(user, state=Application.State.PENDING).count()
    return ApplicationQueue(page=paginator.get_page(page), state=state, pending=pending)


# The secretariat's workspace -------------------------------------------------------------

ORGANISATION_ORDERS = {
    "name": ("Name", ("name",)),
    "newest": ("Newest first", ("-created_at", "name")),
    "sector": ("Sector", ("sector", "name")),
    "country": ("Country", ("country", "name")),
}


@dataclass(frozen=True)
class OrganisationFilter:
    """Which organisations the secretariat's list shows, in what order (by name)."""

    query: str = ""
    sector: str = ""
    country: str = ""
    standing: str = ""
    order: str = "name"


def size_bands() -> list[tuple[str, str]]:
    return list(Organisation.SizeBand.choices)


def organisation_directory(user: Any, wanted: OrganisationFilter) -> QuerySet[Organisation] | None:
    """Every organisation (but those removed) that `wanted` asks for, with its number of
    members, for those who administer the instance; None for anyone else."""
    if not has_perm(user, Permission.INSTANCE_ADMIN):
        return None
    found = organisations_for(user).annotate(members=Count("memberships", distinct=True))
    if wanted.query:
        found = found.filter(name__icontains=wanted.query)
    if wanted.sector:
        found = found.filter(sector=wanted.sector)
    if wanted.country:
        found = found.filter(country=wanted.country)
    if wanted.standing in Organisation.Standing.values:
        found = found.filter(standing=wanted.standing)
    _, order = ORGANISATION_ORDERS.get(wanted.order, ORGANISATION_ORDERS["name"])
    return found.order_by(*order)


@dataclass(frozen=True)
class OrganisationFacets:
    """The sectors and countries organisations have (to filter by), and how many
    organisations are in each standing."""

    sectors: list[str]
    countries: list[str]
    standings: dict[str, int]


def organisation_facets(user: Any) -> OrganisationFacets:
    organisations = organisations_for(user) if has_perm(user, Permission.INSTANCE_ADMIN) else None
    if organisations is None:
        return OrganisationFacets([], [], {})
    sectors = organisations.exclude(sector="").values_list("sector", flat=True)
    countries = organisations.exclude(country="").values_list("country", flat=True)
    standings = organisations.values_list("standing").annotate(count=Count("pk")).order_by()
    return OrganisationFacets(
        sectors=sorted(set(sectors)),
        countries=sorted(set(countries)),
        standings=dict(standings),
    )


@dataclass(frozen=True)
class MemberRecord:
    """One member as the secretariat manages them."""

    user: User
    role: str
    role_label: str


def organisation_members(user: Any, organisation: Organisation) -> list[MemberRecord] | None:
    """The organisation's members with their accounts, for those who may see their
    contacts (its admins, the secretariat); None for anyone else."""
    if not has_perm(user, Permission.MEMBER_CONTACTS_VIEW, organisation):
        return None
    memberships = organisation.memberships.select_related("user").order_by("user__email")
    return [MemberRecord(m.user, m.role, m.get_role_display()) for m in memberships]


def member_of(organisation: Organisation, user_id: int) -> MemberRecord | None:
    """The member of the organisation with this account id, or None. The caller has the
    organisation from a selector that checked the viewer may see it."""
    membership = organisation.memberships.select_related("user").filter(user_id=user_id).first()
    if membership is None:
        return None
    return MemberRecord(membership.user, membership.role, membership.get_role_display())


# The secretariat's people directory ------------------------------------------------------

# How the filter names an instance role: the stored "no role" is "", which a form cannot
# tell from "any role", so it is asked for as "none".
PERSON_ROLES = {
    "none": User.InstanceRole.NONE,
    "observer": User.InstanceRole.OBSERVER,
    "secretariat": User.InstanceRole.SECRETARIAT,
}
PERSON_STATUSES = {"active": True, "deactivated": False}


@dataclass(frozen=True)
class PeopleFilter:
    """Which accounts the secretariat's people list shows (always newest first)."""

    query: str = ""
    role: str = ""
    status: str = ""


def people_directory(user: Any, wanted: PeopleFilter) -> QuerySet[User] | None:
    """Every account that `wanted` asks for, newest first, each with `listed_memberships`
    (its organisations, but those removed), for those who administer the instance; None
    for anyone else."""
    if not has_perm(user, Permission.INSTANCE_ADMIN):
        return None
    found = User.objects.all()
    if wanted.query:
        by_name = Q(email__icontains=wanted.query) | Q(full_name__icontains=wanted.query)
        found = found.filter(by_name)
    if wanted.role in PERSON_ROLES:
        found = found.filter(instance_role=PERSON_ROLES[wanted.role])
    if wanted.status in PERSON_STATUSES:
        found = found.filter(is_active=PERSON_STATUSES[wanted.status])
    memberships = (
        Membership.objects.exclude(organisation__standing=Organisation.Standing.REMOVED)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    listed = Prefetch("memberships", queryset=memberships, to_attr="listed_memberships")
    return found.prefetch_related(listed).order_by("-date_joined", "-pk")


def account_count(user: Any, *, active: bool) -> int | None:
    """How many accounts can sign in (`active`) or are deactivated, for those who
    administer the instance; else None."""
    status = "active" if active else "deactivated"
    found = people_directory(user, PeopleFilter(status=status))
    return None if found is None else found.count()


def person_for(user: Any, person_id: int) -> User | None:
    """The account with this id, for those who administer the instance; None for anyone
    else, and whether or not it exists."""
    found = people_directory(user, PeopleFilter())
    return None if found is None else found.filter(pk=person_id).first()
