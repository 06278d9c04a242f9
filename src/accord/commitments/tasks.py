"""The commitments' background task (django.tasks: the same code on every backend).

Once a day every active commitment is derived again: a lapse comes with time alone,
when failing evidence outlasts its grace period and no new observation arrives. Running
it twice, or late, changes nothing more than running it once.
"""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from accord.commitments import services


@task
def refresh_all_commitments_task() -> int:
    """Derive every active commitment's status now; returns how many changed."""
    return services.refresh_all_commitments(now=timezone.now())
