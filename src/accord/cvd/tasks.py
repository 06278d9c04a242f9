"""The CVD app's background tasks (django.tasks: the same code on every backend): ending
embargoes on their date, and reporting the vendors' disclosure evidence daily. The
scheduler (`accord.worker`) queues them; running either twice, or late, does nothing
twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from accord.cvd import states
from accord.cvd.models import Case
from accord.cvd.services import embargo, measures


@task
def end_due_embargoes_task(now: str | None = None) -> int:
    """End every embargo whose date had come by `now` (ISO 8601; the present when
    None); returns how many ended."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return embargo.end_due_embargoes(now=moment)


def schedule_embargo_ends(*, now: datetime) -> bool:
    """Queue the task if an embargo is due to end (checked cheaply, so the scheduler may
    ask every tick); returns whether it was queued."""
    due = Case.objects.filter(
        embargo_state__in=(states.EM_ACTIVE, states.EM_REVISE), embargo_ends_at__lte=now
    ).exists()
    if due:
        transaction.on_commit(lambda: end_due_embargoes_task.enqueue(now.isoformat()))
    return due


@task
def refresh_disclosure_evidence_task(now: str | None = None) -> int:
    """Report every vendor organisation's acknowledgement evidence as at `now` (ISO 8601;
    the present when None): a case becomes overdue with time alone. Returns how many
    observations were stored."""
    moment = datetime.fromisoformat(now) if now else timezone.now()
    return measures.refresh_all_disclosure_evidence(now=moment)
