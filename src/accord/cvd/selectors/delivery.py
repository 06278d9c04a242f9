"""Reading deliveries: where each message of a case went, how, and where it stands; and
an organisation's registered security contact, for its admins."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.cvd.models import Case, Delivery, SecurityContact
from accord.notifications import selectors as notifications

if TYPE_CHECKING:
    from accord.access import Viewer
    from accord.accounts.models import Organisation

PER_PAGE = 50

# What a delivery without an outbox message is.
HELD, NO_CONTACT, NOT_QUEUED, PENDING = "held", "none", "unsent", "pending"
STATE_LABELS = {
    PENDING: "Pending: its task has not run yet",
    "queued": "Queued",
    "sent": "Sent",
    "kept": "Kept in the outbox",
    "failed": "Failed",
    HELD: "Held: not sent unencrypted",
    NO_CONTACT: "No contact",
    NOT_QUEUED: "Not sent",
}


@dataclass(frozen=True)
class DeliveryRow:
    """One delivery as the deliveries page and the API show it."""

    delivery: Delivery
    state: str
    attempts: int
    last_error: str

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def encrypted(self) -> bool:
        return bool(self.delivery.fingerprint)


def _state_of(delivery: Delivery) -> str:
    if delivery.source == Delivery.Source.PENDING:
        return PENDING
    if delivery.held:
        return HELD
    if delivery.source == Delivery.Source.NONE:
        return NO_CONTACT
    return NOT_QUEUED


def case_deliveries(user: Viewer, case: Case) -> QuerySet[Delivery] | None:
    """Every delivery of `case`, newest first, for those who lead it; None for anyone
    else (the lead alone sees where each vendor is reached)."""
    if not has_perm(user, Permission.CVD_CASE_COORDINATE, case):
        return None
    visible = Delivery.objects.visible_to(user).filter(participant__case=case)
    return visible.select_related("participant")


@dataclass(frozen=True)
class DeliveryPage:
    """One page of a case's deliveries (`page`, for the pager) and its rows."""

    page: Page[Delivery]
    rows: list[DeliveryRow]


def delivery_page(user: Viewer, case: Case, number: int | str | None = 1) -> DeliveryPage | None:
    """One page of the case's deliveries with their outbox state, for its lead."""
    deliveries = case_deliveries(user, case)
    if deliveries is None:
        return None
    page = Paginator(deliveries, PER_PAGE).get_page(number)
    return DeliveryPage(page, rows(list(page.object_list)))


def rows(deliveries: list[Delivery]) -> list[DeliveryRow]:
    """Each delivery with the state of the message that carries it."""
    states = notifications.message_states(d.message_id for d in deliveries)
    found: list[DeliveryRow] = []
    for delivery in deliveries:
        message = states.get(delivery.message_id) if delivery.message_id else None
        if message is None:
            found.append(DeliveryRow(delivery, _state_of(delivery), 0, ""))
        else:
            found.append(DeliveryRow(delivery, message.state, message.attempts, message.last_error))
    return found


def latest_deliveries(
    user: Viewer, case: Case, participant_ids: Iterable[int] | None = None
) -> dict[int, DeliveryRow]:
    """The newest delivery of each participant of the case that `user` may see (of
    those in `participant_ids`, when given: one page of them), by participant id: the
    contact line of each participant on the case page. A pending notice says nothing yet
    of the contact: the line keeps the delivery before it."""
    newest: dict[int, Delivery] = {}
    deliveries = (
        Delivery.objects.visible_to(user)
        .filter(participant__case=case)
        .exclude(source=Delivery.Source.PENDING)
    )
    if participant_ids is not None:
        deliveries = deliveries.filter(participant__in=list(participant_ids))
    for delivery in deliveries.order_by("participant_id", "-created_at", "-pk"):
        newest.setdefault(delivery.participant_id, delivery)
    return {row.delivery.participant_id: row for row in rows(list(newest.values()))}


def contact_organisation(user: Viewer, slug: str) -> Organisation | None:
    """The organisation `slug` if `user` may register its security contact (its
    admins); None whether or not it exists."""
    if not slug or len(slug) > 100:
        return None
    organisation = accounts.organisation_with_slug(slug)
    if organisation is None or not has_perm(user, Permission.CVD_CONTACT_MANAGE, organisation):
        return None
    return organisation


def security_contact(organisation: Organisation) -> SecurityContact | None:
    """The organisation's registered security contact; the caller has the organisation
    from `contact_organisation`."""
    return SecurityContact.objects.filter(organisation=organisation).first()
