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


@task
def recheck_domain_control_task(domain_id: int) -> bool | None:
    """Check control of one verified domain again; whether it still holds (None: the
    domain is gone or no longer verified)."""
    checked = services.recheck_domain_control(domain_id=domain_id)
    return None if checked is None else checked.verified
