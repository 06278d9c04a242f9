"""Telling vendors what changed in a case, at their verified contacts, encrypted.

The lead's "Notify vendors", and the notice a vendor gets when it is added, queue one
task per vendor participant (`accord.cvd.delivery_tasks`). Each task finds where the
vendor is reached (`services.contacts`), then, in one transaction, writes one message
of the timeline entries the vendor may read that came after the last one it was told
of (`Participant.notified_through`), with its own tracking id, and a link to each entry.
The message goes out through the notification service (SMTP or the outbox, with
retries), and every `Delivery` says where it went and how. "Notify vendors" writes each
vendor's delivery at once, pending, in its own transaction, so the deliveries tab shows
the notices as soon as the timeline does; the task fills that row in (or drops it when
there is nothing to tell), and a task run again finds the row settled and sends nothing.

Encryption: to the key the contact's source names. Without a usable key, the message
goes unencrypted and the delivery says why, except on a TLP:RED or TLP:AMBER+STRICT
case, whose mail travels only encrypted: it is held (shown as held, nothing sent), and
the vendor is told again at the next notice. The vendor's people with accounts are also
told in their inbox (or daily digest), with no more than the case's reference: the
changes themselves are read on the case, behind sign-in.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.audit.services import record_event
from accord.cvd import openpgp
from accord.cvd.exceptions import StateConflict
from accord.cvd.models import Case, CaseEvent, Delivery, Participant, Tlp
from accord.cvd.selectors.timeline import timeline_link
from accord.cvd.services import contacts, measures
from accord.cvd.services._common import record, require
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from accord.accounts.models import User

NOTICE_KIND = "cvd:delivery:notice"  # the message to the vendor's contact
NEWS_KIND = "cvd:case:news"  # the inbox entry of each of its people
# Mail of these cases goes only encrypted: without a key it is held.
ENCRYPTED_ONLY = (Tlp.RED, Tlp.AMBER_STRICT)


def case_path(case: Case) -> str:
    return f"/cvd/{case.reference}/"


def _vendors(case: Case) -> list[int]:
    vendors = Participant.objects.filter(
        case=case, role=Participant.Role.VENDOR, removed_at__isnull=True
    )
    return list(vendors.order_by("pk").values_list("pk", flat=True))


@transaction.atomic
def notify_vendors(*, actor: User, case: Case) -> int:
    """The lead tells every vendor of the case what changed since its last message;
    returns how many vendors are being told. One task per vendor does the telling,
    once this transaction commits."""
    require(
        actor, Permission.CVD_CASE_COORDINATE, case, "Only the case's coordinator notifies vendors."
    )
    vendors = _vendors(case)
    if not vendors:
        raise StateConflict("The case has no vendors to notify yet.")
    event = record(
        case=case,
        tag="cvd:delivery:notify",
        actor=actor,
        summary=f"Vendors notified ({len(vendors)})",
        audience=CaseEvent.Audience.COORDINATORS,
        data={"vendors": len(vendors)},
    )
    Delivery.objects.bulk_create(
        Delivery(participant_id=vendor, source=Delivery.Source.PENDING, through=event.pk)
        for vendor in vendors
    )
    transaction.on_commit(functools.partial(_enqueue, vendors, event.pk), robust=True)
    return len(vendors)


def queue_vendor_notice(*, participant: Participant) -> None:
    """The notice a vendor gets when it joins a case: what happened so far. Called by
    the service that added it, in its transaction; sent once that commits."""
    if participant.role != Participant.Role.VENDOR:
        return
    latest = CaseEvent.objects.filter(case=participant.case_id).aggregate(last=Max("pk"))["last"]
    transaction.on_commit(functools.partial(_enqueue, [participant.pk], latest or 0), robust=True)


def _enqueue(participant_ids: Sequence[int], through: int) -> None:
    from accord.cvd.delivery_tasks import send_notice_task

    for participant_id in participant_ids:
        send_notice_task.enqueue(participant_id, through)


def send_notice(
    *, participant_id: int, through: int, now: datetime | None = None
) -> Delivery | None:
    """Tell one participant of the timeline entries after the last it was told of, up
    to `through`. Idempotent: a participant told through `through` already (a task
    delivered twice) is not told again. None when nothing was sent or recorded.

    Not one transaction: the contact's key is fetched first, with none open."""
    participant = _participant(participant_id)
    if participant is None or participant.notified_through >= through:
        _pending(participant_id, through).delete()
        return None
    contact = contacts.resolve_contact(participant, now=now)
    return _send(participant_id, through, contact)


def _pending(participant_id: int, through: int) -> QuerySet[Delivery]:
    """The delivery "Notify vendors" wrote for this notice, while its task has not run."""
    return Delivery.objects.filter(
        participant=participant_id, through=through, source=Delivery.Source.PENDING
    )


def _participant(participant_id: int) -> Participant | None:
    return (
        Participant.objects.select_related("case", "organisation", "user")
        .filter(pk=participant_id, removed_at__isnull=True)
        .first()
    )


@transaction.atomic
def _send(participant_id: int, through: int, contact: contacts.Contact) -> Delivery | None:
    participant = (
        Participant.objects.select_for_update()
        .filter(pk=participant_id, removed_at__isnull=True)
        .first()
    )
    settled = Delivery.objects.filter(participant=participant_id, through=through).exclude(
        source=Delivery.Source.PENDING
    )
    if participant is None or participant.notified_through >= through or settled.exists():
        # Gone, told already, or this notice was held or found no contact on a run
        # before: nothing more is sent or written.
        _pending(participant_id, through).delete()
        return None
    case = Case.objects.get(pk=participant.case_id)
    events = list(
        CaseEvent.objects.told_to(participant)
        .filter(pk__gt=participant.notified_through, pk__lte=through)
        .select_related("case")
        .order_by("pk")
    )
    if not events:
        # Nothing it may read happened: it is told of nothing, and that is settled.
        _told_through(participant, through)
        _pending(participant_id, through).delete()
        return None
    delivery = _deliver(case, participant, events, contact, through)
    _tell_people(case, participant, events)
    record_event(
        tag="cvd:delivery:send",
        target=delivery,
        data={
            "case": case.reference,
            "participant": participant.pk,
            "address": delivery.address,
            "source": delivery.source,
            "fingerprint": delivery.fingerprint,
            "held": delivery.held,
            "problem": delivery.problem,
        },
    )
    # A notice writes no timeline entry (`record`): the first one starts the clock of
    # this vendor alone.
    measures.refresh_measures(case=case, participant=participant)
    return delivery


def _told_through(participant: Participant, through: int) -> None:
    participant.notified_through = through
    participant.save(update_fields=["notified_through"])


def _deliver(
    case: Case,
    participant: Participant,
    events: list[CaseEvent],
    contact: contacts.Contact,
    through: int,
) -> Delivery:
    delivery = _pending(participant.pk, through).select_for_update().first() or Delivery(
        participant=participant, through=through
    )
    delivery.address, delivery.source, delivery.problem = (
        contact.address,
        contact.source,
        contact.problem,
    )
    if contact.source == Delivery.Source.NONE:
        delivery.save()
        return delivery
    if contact.key is None and case.tlp in ENCRYPTED_ONLY:
        delivery.held = True
        reason = contact.problem or "No key to encrypt to."
        delivery.problem = contacts.problem_text(
            f"Held: {case.get_tlp_display()} mail goes only encrypted. {reason}"
        )
        delivery.save()
        return delivery
    text = message_text(case, participant, events)
    if contact.key is not None:
        text, delivery.fingerprint = openpgp.encrypt(text, contact.key), contact.key.fingerprint
    delivery.message = notifications.email_address(
        to=contact.address, subject=subject(case, participant), body=text, kind=NOTICE_KIND
    )
    delivery.save()
    _told_through(participant, through)
    return delivery


def subject(case: Case, participant: Participant) -> str:
    """A subject line that names the case by reference and the vendor's own tracking id,
    and nothing of the case's content."""
    tracking = f" (your ref. {participant.tracking_id})" if participant.tracking_id else ""
    return f"[{case.reference}] Case update{tracking}"


def message_text(case: Case, participant: Participant, events: list[CaseEvent]) -> str:
    """What the message says: the case, the vendor's tracking id, and each new timeline
    entry, oldest first, with a link to it."""
    first = participant.notified_through == 0
    if participant.tracking_id:
        tracking = f"Your tracking id for this case: {participant.tracking_id}"
    else:
        tracking = "You have not given your tracking id for this case; add it on the case."
    lines = [
        f"{settings.ACCORD_INSTANCE_NAME}: case {case.reference}, to {participant.name}.",
        tracking,
        "",
        "What happened in the case so far, oldest first:"
        if first
        else "What changed since our last message, oldest first:",
        "",
    ]
    for event in events:
        lines.append(f"- {event.occurred_at:%d %b %Y %H:%M} UTC: {event.summary}")
        lines.append(f"  {notifications.absolute_url(timeline_link(event))}")
    lines += ["", f"The case: {notifications.absolute_url(case_path(case))}"]
    return "\n".join(lines) + "\n"


def _tell_people(case: Case, participant: Participant, events: list[CaseEvent]) -> None:
    """The inbox of each person who takes part as this participant and may see the
    case: the reference, how many entries are new, a link to the newest."""
    people = list(accounts.members_of(participant.organisation)) if participant.organisation else []
    if participant.user is not None:
        people.append(participant.user)
    recipients = [person for person in people if has_perm(person, Permission.CVD_CASE_VIEW, case)]
    count = len(events)
    tracking = f" (your ref. {participant.tracking_id})" if participant.tracking_id else ""
    notifications.notify(
        recipients=recipients,
        kind=NEWS_KIND,
        subject=f"{case.reference}: {count} new timeline entr{'y' if count == 1 else 'ies'}",
        body=f"Case {case.reference}{tracking} has news for {participant.name}: "
        "read it on the case's timeline.",
        link=timeline_link(events[-1]),
        key=f"cvd:notice:{participant.pk}:{events[-1].pk}",
    )
