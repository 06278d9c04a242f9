"""Applications to join: an organisation applies, the secretariat admits or declines.

The applicant is emailed a private status link (only its digest is stored). Admission
creates the organisation, invites the contact person as its first admin and announces
`accounts:application:admit`, so the evidence app adds the domains applied with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accord import errors
from accord.accounts import capabilities
from accord.accounts.hooks import APPLICATION_ADMITTED, ApplicationAdmitted
from accord.accounts.models import Application, Membership, Organisation, User
from accord.accounts.permissions import Permission
from accord.accounts.selectors import secretariat_people
from accord.accounts.services._common import (
    AccountError,
    InvalidInput,
    _require,
    _valid_email,
    _validated,
)
from accord.accounts.services.invitations import _issue_invitation
from accord.accounts.services.organisations import _country_code, create_organisation
from accord.audit.services import record_event
from accord.engine.domains import InvalidDomain, normalise_domain
from accord.notifications import services as notifications

MAX_DOMAINS = 20
MAX_REASON_LENGTH = 2000
_DOMAIN_SEPARATORS = re.compile(r"[\s,;]+")


class ApplicationDecided(AccountError, errors.Conflict):
    """The application was admitted or declined already."""


def parse_domains(domains: str | Iterable[str]) -> list[str]:
    """The domain names applied with, normalised, each once, in the order given.

    Text may separate them by lines, spaces, commas or semicolons.
    """
    raw = _DOMAIN_SEPARATORS.split(domains) if isinstance(domains, str) else list(domains)
    names: list[str] = []
    for text in (item.strip() for item in raw):
        if not text:
            continue
        try:
            name = normalise_domain(text)
        except InvalidDomain as exc:
            raise InvalidInput(f"{text[:100]}: {exc}", field="domains") from exc
        if name not in names:
            names.append(name)
    if not names:
        raise InvalidInput("Name at least one domain the organisation runs.", field="domains")
    if len(names) > MAX_DOMAINS:
        raise InvalidInput(f"Name at most {MAX_DOMAINS} domains; add more later.", field="domains")
    return names


@transaction.atomic
def submit_application(
    *,
    name: str,
    domains: str | Iterable[str],
    sector: str,
    country: str,
    size_band: str,
    contact_name: str,
    contact_email: str,
    ip: str | None = None,
) -> Application:
    """Record an organisation's application and email its contact the private link to
    follow it; the secretariat is told there is one to review. Anyone may apply."""
    capability = capabilities.issue()
    application = Application(
        name=_required(name, "name", "Enter the organisation's name."),
        domains=parse_domains(domains),
        sector=_required(sector, "sector", "Enter the organisation's sector."),
        country=_required(_country_code(country), "country", "Choose the country."),
        size_band=size_band,
        contact_name=_required(contact_name, "contact_name", "Enter the contact's name."),
        contact_email=_valid_email(contact_email, field="contact_email"),
        key=capability.key,
        digest=capability.digest,
        submitted_ip=ip,
    )
    _validated(application)
    application.save()
    record_event(
        tag="accounts:application:submit",
        target=application,
        data={
            "name": application.name,
            "domains": application.domains,
            "contact_email": application.contact_email,
        },
    )
    _email_status_link(application, capability.token)
    _tell_the_secretariat(application)
    return application


def _required(value: str, field: str, message: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(message, field=field)
    return value


def status_path(token: str) -> str:
    """The path of an application's private status page."""
    return reverse("accounts:application_status", args=[token])


def _email_status_link(application: Application, token: str) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    body = (
        f"Thank you for applying for {application.name} to join {instance}.\n\n"
        "The secretariat reviews each application and will email you its decision. "
        "Until then you can see where your application stands at this private link. "
        "Keep it to yourself: anyone with it can see the application.\n\n"
        f"{notifications.absolute_url(status_path(token))}\n"
    )
    notifications.email_address(
        to=application.contact_email,
        subject=f"Your application to join {instance}",
        body=body,
        kind="accounts:application:submit",
        carries_secret=True,
    )


def _tell_the_secretariat(application: Application) -> None:
    notifications.notify(
        recipients=secretariat_people(),
        kind="accounts:application:submit",
        subject=f"New application to join: {application.name}",
        body=(
            f"{application.name} ({application.sector}, {application.country}) applied, "
            f"with the domains {', '.join(application.domains)}."
        ),
        link=reverse("accounts:application", args=[application.pk]),
    )


# The secretariat's decision ------------------------------------------------------------


def _undecided(application: Application, actor: Any) -> Application:
    _require(
        actor,
        Permission.APPLICATION_REVIEW,
        application,
        "Only the secretariat decides applications.",
    )
    locked = Application.objects.select_for_update().get(pk=application.pk)
    if locked.state != Application.State.PENDING:
        raise ApplicationDecided(
            f"The application of {locked.name} was {locked.get_state_display().lower()} already."
        )
    return locked


def _reason(reason: str, *, required: bool) -> str:
    reason = reason.strip()
    if required and not reason:
        raise InvalidInput(
            "Say why the application is declined; the applicant is told.", field="reason"
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(
            f"A reason is at most {MAX_REASON_LENGTH} characters long.", field="reason"
        )
    return reason


@transaction.atomic
def admit_application(*, application: Application, actor: User, reason: str = "") -> Organisation:
    """Admit the applicant: create the organisation, invite the contact person as its
    first admin, and tell the applicant. The domains applied with are added by the
    evidence app, which follows `accounts:application:admit`."""
    locked = _undecided(application, actor)
    reason = _reason(reason, required=False)
    organisation = create_organisation(
        name=locked.name,
        slug=_free_slug(locked.name),
        sector=locked.sector,
        country=locked.country,
        size_band=locked.size_band,
        actor=actor,
    )
    _decide(locked, Application.State.ADMITTED, reason, actor, organisation=organisation)
    _issue_invitation(
        email=locked.contact_email,
        organisation=organisation,
        role=Membership.Role.ORG_ADMIN,
        actor=actor,
        introduction=(
            f"The application of {organisation.name} to join "
            f"{settings.ACCORD_INSTANCE_NAME} was admitted. You are invited to be its "
            "first admin."
        ),
    )
    APPLICATION_ADMITTED.announce(
        ApplicationAdmitted(
            application_id=locked.pk,
            organisation_id=organisation.pk,
            domains=tuple(locked.domains),
            actor_id=actor.pk,
        )
    )
    return organisation


@transaction.atomic
def decline_application(*, application: Application, actor: User, reason: str) -> Application:
    """Decline the application, with the reason the applicant is told."""
    locked = _undecided(application, actor)
    _decide(locked, Application.State.DECLINED, _reason(reason, required=True), actor)
    return locked


def _decide(
    application: Application,
    state: str,
    reason: str,
    actor: User,
    *,
    organisation: Organisation | None = None,
) -> None:
    application.state, application.reason = state, reason
    application.decided_at, application.decided_by = timezone.now(), actor
    application.organisation = organisation
    application.save(update_fields=["state", "reason", "decided_at", "decided_by", "organisation"])
    action = "admit" if state == Application.State.ADMITTED else "decline"
    record_event(
        tag=f"accounts:application:{action}",
        actor=actor,
        target=application,
        organisation=organisation,
        data={"name": application.name, "reason": reason},
    )
    _email_decision(application, action)


def _email_decision(application: Application, action: str) -> None:
    instance = settings.ACCORD_INSTANCE_NAME
    if action == "admit":
        subject = f"{application.name} is admitted to {instance}"
        body = (
            f"The secretariat admitted {application.name} to {instance}. A separate "
            "email carries your invitation to become the organisation's first admin."
        )
    else:
        subject = f"Your application to join {instance} was declined"
        body = f"The secretariat declined the application of {application.name}."
    if application.reason:
        body += f"\n\nThe secretariat's reason:\n{application.reason}"
    notifications.email_address(
        to=application.contact_email,
        subject=subject,
        body=body + "\n",
        kind=f"accounts:application:{action}",
    )


def _free_slug(name: str) -> str:
    """A slug for the new organisation that no other one has (its public name in URLs)."""
    base = slugify(name)[:70].strip("-") or "organisation"
    slug, n = base, 1
    while Organisation.all_objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
