"""The evidence engine's background tasks (django.tasks: the same code on every backend).

Each takes ids, calls one service and may run twice without harm; services enqueue
them once their transaction commits.
"""

from __future__ import annotations

from django.tasks import task

from accord.evidence import services


@task
def scan_domain_task(run_id: int) -> int:
    """Carry out one requested scan run; returns the number of observations stored."""
    return services.run_scan(run_id=run_id)
