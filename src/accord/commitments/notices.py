"""What the commitments tell an organisation's admins, through `accord.notifications`.

- a document of theirs accepted or rejected by the secretariat;
- a verified commitment whose evidence fails, told once when the grace period begins;
- a commitment that lapsed.

The services call these right after the change they tell of, in its transaction, so a
change and its notice are kept or rolled back together. Each notice has a key naming
the event, so a refresh that runs twice (the daily one, a second scheduler) tells
nobody twice. Demo organisations' lapses and failures are made up and come with time
alone: nobody is told of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from accord.accounts import selectors as accounts
from accord.commitments.models import Status
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from accord.commitments.models import Commitment, EvidenceDocument, StatusChange


def _link(commitment: Commitment) -> str:
    return reverse(
        "commitments:commitment",
        kwargs={"slug": commitment.organisation.slug, "practice": commitment.practice.slug},
    )


def _day(moment: datetime) -> str:
    return f"{timezone.localdate(moment):%d %B %Y}"


def _tell(commitment: Commitment, *, kind: str, subject: str, body: str, key: str) -> None:
    notifications.notify(
        recipients=accounts.admins_of(commitment.organisation),
        kind=kind,
        subject=subject,
        body=body,
        link=_link(commitment),
        key=key,
    )


def document_reviewed(document: EvidenceDocument) -> None:
    """Tell the admins the secretariat accepted or rejected their document."""
    commitment = document.commitment
    practice, organisation = commitment.practice, commitment.organisation
    accepted = document.review == document.Review.ACCEPTED
    decision = "accepted" if accepted else "rejected"
    lines = [
        f"The secretariat {decision} “{document.filename}”, uploaded by {organisation.name} "
        f"as proof of {practice.slug} ({practice.title}).",
    ]
    if document.review_note:
        lines.append(f"The reviewer's note: {document.review_note}")
    lines.append(f"The commitment is now {Status(commitment.status).label.lower()}.")
    if not accepted:
        lines.append("Upload a document that meets the practice to have it reviewed again.")
    _tell(
        commitment,
        kind=f"commitments:document:{'accept' if accepted else 'reject'}",
        subject=f"{practice.slug}: “{document.filename}” was {decision}",
        body="\n".join(lines),
        key=f"commitments:document:review:{document.pk}",
    )


def grace_began(commitment: Commitment, *, failing_since: datetime, grace: timedelta) -> None:
    """Tell the admins a verified commitment's evidence fails: it lapses at the end of
    the grace period unless the evidence passes again. Once per run of failures."""
    if commitment.organisation.is_demo:
        return
    practice = commitment.practice
    lapses_on = _day(failing_since + grace)
    _tell(
        commitment,
        kind="commitments:commitment:grace",
        subject=f"{practice.slug} lapses on {lapses_on} unless its evidence passes",
        body=(
            f"The evidence for {practice.title} ({practice.slug}) at "
            f"{commitment.organisation.name} has failed since {_day(failing_since)}. The "
            f"commitment stays verified during the grace period, until {lapses_on}. Fix what "
            "the latest observation reports before then, or the commitment lapses."
        ),
        key=f"commitments:commitment:grace:{commitment.pk}:{failing_since.isoformat()}",
    )


def lapsed(commitment: Commitment, change: StatusChange) -> None:
    """Tell the admins a commitment lapsed, and why."""
    if commitment.organisation.is_demo:
        return
    practice = commitment.practice
    _tell(
        commitment,
        kind="commitments:commitment:lapse",
        subject=f"The commitment to {practice.slug} has lapsed",
        body=(
            f"{commitment.organisation.name}'s commitment to {practice.title} "
            f"({practice.slug}) lapsed on {_day(change.changed_at)}: {change.cause}. "
            "It is verified again once its proof holds."
        ),
        key=f"commitments:commitment:lapse:{change.pk}",
    )
