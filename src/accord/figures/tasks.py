"""The daily adoption snapshot as a background task (django.tasks, any backend).

`snapshot_adoption_task` stores the figures of every finished day not stored yet (so a
worker that was down for a week catches up), and is idempotent: a second run finds
nothing to do, and a day computed twice is replaced, not doubled.
`schedule_adoption_snapshot` is the scheduler's hook: called every few minutes, it
queues the task only when yesterday's figures are missing.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from accord.figures import services
from accord.figures.models import DailySnapshot, Dimension
from accord.figures.selectors import kept_range

logger = logging.getLogger(__name__)


def days_due(*, today: date) -> tuple[date | None, date]:
    """The days to compute: (first, last), first None meaning "from the beginning".

    The latest day kept is computed again if its figures were built before it ended
    (as `accord demo` does for today): they would miss that day's last changes.
    """
    yesterday = today - timedelta(days=1)
    span = kept_range()
    if span is None:
        return None, yesterday
    last = span[1]
    built = (
        DailySnapshot.objects.filter(dimension=Dimension.ALL, value="", date=last)
        .values_list("built_at", flat=True)
        .first()
    )
    if built is not None and timezone.localdate(built) <= last:
        return last, yesterday
    return last + timedelta(days=1), yesterday


@task
def snapshot_adoption_task(today: str = "") -> int:
    """Store the figures of the finished days not stored yet; returns rows written.

    `today` (YYYY-MM-DD) is for tests and replays; default: the instance's today.
    """
    day = date.fromisoformat(today) if today else timezone.localdate()
    first, last = days_due(today=day)
    if first is not None and first > last:
        return 0
    try:
        return services.rebuild_snapshots(since=first, until=last)
    except IntegrityError:  # another worker stored the same days just now
        logger.info("adoption snapshot for %s already stored by another worker", last)
        return 0


def schedule_adoption_snapshot(*, now: datetime) -> bool:
    """Queue the snapshot task if yesterday's figures are missing; whether it did."""
    today = timezone.localdate(now)
    first, last = days_due(today=today)
    if first is not None and first > last:
        return False
    transaction.on_commit(lambda: snapshot_adoption_task.enqueue(today=today.isoformat()))
    return True
