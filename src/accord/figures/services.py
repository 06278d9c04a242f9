"""Storing the published figures: the daily snapshots, rebuilt from the records."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accord.audit.services import record_event
from accord.figures import metrics
from accord.figures.models import DailySnapshot

_BATCH_DAYS = 60


@transaction.atomic
def rebuild_snapshots(*, since: date | None = None, until: date) -> int:
    """Compute and store the figures of every day from `since` (default: the first
    commitment) to `until`, replacing what was stored for those days. Idempotent.

    Returns the number of rows written; records the audit event `figures:snapshot:rebuild`.
    """
    replayed = metrics.replay(since=since, until=until)
    if replayed is None:
        return 0
    start, days = replayed
    stale = DailySnapshot.objects.filter(date__lte=until)
    if since is not None:
        stale = stale.filter(date__gte=since)
    replaced, _ = stale.delete()
    written = 0
    batch: list[DailySnapshot] = []
    for day, rows in days:
        batch += rows
        if (day - start).days % _BATCH_DAYS == _BATCH_DAYS - 1:
            written += len(DailySnapshot.objects.bulk_create(batch))
            batch = []
    written += len(DailySnapshot.objects.bulk_create(batch))
    data = {"since": start, "until": until, "rows": written, "replaced": replaced}
    record_event(tag="figures:snapshot:rebuild", data=data)
    return written


def take_daily_snapshot(*, day: date) -> int:
    """Compute and store the figures of one day (again, if already stored)."""
    return rebuild_snapshots(since=day, until=day)
