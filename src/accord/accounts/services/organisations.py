"""Organisations and their memberships: creation, details, members and their roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import (
    ApiToken,
    Membership,
    Organisation,
    User,
)
from accord.accounts.permissions import Permission
from accord.accounts.services._common import (
    AccountError,
    AlreadyMember,
    InvalidInput,
    NotAMember,
    WouldLockOut,
    _other_admins,
    _require,
    _validated,
    require_demo,
)
from accord.audit.services import record_event


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
    # Removed organisations keep their names: their history in the audit log names them.
    if Organisation.all_objects.filter(name__iexact=organisation.name).exists():
        raise InvalidInput("An organisation with this name already exists.", field="name")
    if Organisation.all_objects.filter(slug=organisation.slug).exists():
        raise InvalidInput("Organisation with this Slug already exists.", field="slug")
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
    """Make `user` a member of `organisation` with `role`.

    People join through an invitation they accept (`accept_invitation` calls this with
    no actor); the CLI and the demo call it directly.
    """
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
def remove_member(*, organisation: Organisation, user: User, actor: Any) -> None:
    """End a membership, and revoke the person's API tokens for that organisation."""
    _require(
        actor,
        Permission.ORGANISATION_MANAGE,
        organisation,
        "Only the organisation's admins can remove members.",
    )
    membership = (
        Membership.objects.select_for_update().filter(organisation=organisation, user=user).first()
    )
    if membership is None:
        raise NotAMember(f"{user.email} is not a member of {organisation.name}.")
    if membership.role == Membership.Role.ORG_ADMIN and not _other_admins(organisation, user):
        raise WouldLockOut(
            f"{user.email} is the last admin of {organisation.name}; appoint another first."
        )
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
    require_demo(organisations, message="Only demo organisations are imported in bulk.")
    for organisation in organisations:
        _validated(organisation)
    created = Organisation.objects.bulk_create(organisations)
    if created:
        record_event(tag="accounts:organisation:import", data={"demo": len(created)})
    return created


# API tokens ----------------------------------------------------------------------------


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
    taken = Organisation.all_objects.filter(name__iexact=organisation.name)
    taken = taken.exclude(pk=organisation.pk)
    if "name" in values and taken.exists():
        raise AccountError("An organisation with this name already exists.")
    _validated(organisation)
    organisation.save(update_fields=list(values))
