"""What `/healthz` reports: whether this process can serve, for load balancers and monitors.

Two checks, each cheap and quick to give up: the database answers a query, and the task
queue shows a sign of life (the database backend: its task table answers a query; Redis:
PING, with a short timeout; the immediate backend runs tasks in the process, so it is
always there). The answer names each part, its state and, when it failed, the kind of
error; never a host, a URL, a message or anything else from the settings. The details
go to the log.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
# A load balancer probes every few seconds and gives up after a few more.
REDIS_TIMEOUT_SECONDS = 2.0


def health_report() -> tuple[bool, dict[str, Any]]:
    """Whether every part is healthy, and the report to show."""
    parts = {"database": database_health(), "queue": queue_health()}
    healthy = all(part["status"] == OK for part in parts.values())
    return healthy, {"status": OK if healthy else UNAVAILABLE, **parts}


def database_health() -> dict[str, str]:
    from django.db import connection

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    return _checked("database", query)


def queue_health() -> dict[str, str]:
    from django.conf import settings

    backend = str(settings.ACCORD_TASK_BACKEND)
    probes = {"database": _query_task_table, "redis": _ping_redis}
    probe = probes.get(backend)
    if probe is None:
        return {"status": OK, "backend": backend}
    return {**_checked(f"the {backend} task queue", probe), "backend": backend}


def _query_task_table() -> None:
    from django_tasks_db.models import DBTaskResult

    list(DBTaskResult.objects.order_by().values_list("pk", flat=True)[:1])


def _ping_redis() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(
        str(settings.RQ_QUEUES["default"]["URL"]),
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    finally:
        client.close()


def _checked(part: str, probe: Any) -> dict[str, str]:
    try:
        probe()
    except Exception as exc:  # whatever the failure, the answer is "unavailable", not a 500
        logger.warning("health check: %s is unavailable", part, exc_info=True)
        return {"status": UNAVAILABLE, "error": type(exc).__name__}
    return {"status": OK}
