"""Running the task queue: a worker for the configured backend, and the one scheduler.

This is the project's one place for periodic jobs: it sits above every app, so it may
call each app's services, and no app schedules another's work.

- `run_worker(schedule=...)` is `accord worker`: it runs tasks in the foreground until
  stopped (SIGTERM or Ctrl-C finish the task in hand first). With the database backend
  it is django-tasks-db's worker; with Redis, an RQ worker (django-tasks-rq's job class).
  Run as many as you like, on as many machines as share the database or Redis.
- With `schedule=True` a `Scheduler` runs beside it in a child process and calls
  `schedule_due_scans` (and `schedule_control_checks`, the daily check of each
  verified domain's proof of control) every ACCORD_SCHEDULE_EVERY_SECONDS. Schedulers
  may run on several machines at once: a domain is still queued once. Daily it queues
  the commitments' refresh and the notification digests; every tick it re-queues
  emails whose delivery task was lost, queues the end of embargoes that are due, and
  signs the instance's security.txt again when its Expires draws near.
- `embedded_worker()` is what `accord serve` uses in the embedded set-up: the worker
  and scheduler as a child of the server, stopped with it.

The scheduler lives in its own process, not a thread, because RQ forks a process per
task, and forking a process that has other threads can deadlock the child.
Nothing here imports Django models at import time: the spawned scheduler process
imports this module before it sets Django up.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

logger = logging.getLogger(__name__)

FINISHED_TASKS_KEPT = timedelta(days=14)
_PR_SET_PDEATHSIG = 1


def exit_with_parent() -> None:
    """Have the kernel stop this process when its parent dies (Linux; elsewhere a no-op).

    Covers the case no clean-up code can: the server killed with SIGKILL.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)


class Scheduler:
    """Queues the scans that are due, now and then every `every` seconds until stopped."""

    def __init__(
        self,
        *,
        every: float,
        interval: timedelta,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        from django.utils import timezone

        self.every = every
        self.interval = interval
        self.clock = clock or timezone.now
        self.stopped = threading.Event()
        self._refreshed_on: date | None = None
        self._digests_for: datetime | None = None

    def tick(self) -> int:
        """Queue every due scan (in batches) and tidy the task table; returns how many."""
        from accord.evidence.services import SCHEDULE_BATCH, schedule_due_scans

        queued = 0
        try:
            while True:
                batch = schedule_due_scans(now=self.clock(), interval=self.interval)
                queued += batch
                if batch < SCHEDULE_BATCH or self.stopped.is_set():
                    break
            self._check_domain_control()
            prune_finished_tasks(now=self.clock())
            # Re-derive first, so lapses caused by time alone count on the right day.
            self._refresh_commitments_daily()
            from accord.figures.tasks import schedule_adoption_snapshot

            schedule_adoption_snapshot(now=self.clock())
            # Owners are told a week ahead that a token expires (once each: idempotent).
            from accord.accounts.services import warn_of_expiring_tokens

            warn_of_expiring_tokens(now=self.clock())
            # Embargoes end on their date (the task is idempotent: a second scheduler
            # queueing it too ends none twice).
            from accord.cvd.tasks import schedule_embargo_ends

            schedule_embargo_ends(now=self.clock())
            self._tend_outbox()
            # The instance's own key is replaced before it expires, and its security.txt
            # signed again well before that expires (or once the key changed).
            from accord.cvd.security_txt import renew as renew_security_txt
            from accord.cvd.services.provider import rotate_expiring_key

            rotate_expiring_key(now=self.clock())
            renew_security_txt(now=self.clock())
        except Exception:  # the next tick tries again; a scheduler that dies helps no one
            logger.exception("scheduling evidence scans failed")
        if queued:
            logger.info("queued %d evidence scans", queued)
        return queued

    def _check_domain_control(self) -> None:
        # Proof of control is checked again daily; a proof failing long enough lapses.
        from accord.evidence.services import SCHEDULE_BATCH, schedule_control_checks

        while schedule_control_checks(now=self.clock()) >= SCHEDULE_BATCH:
            if self.stopped.is_set():
                break

    def _refresh_commitments_daily(self) -> None:
        # Lapses happen by time passing, without a new observation: re-derive every
        # commitment once a day (idempotent, so a second scheduler does no harm).
        # So do overdue acknowledgements of CVD cases: the platform's evidence of them
        # is reported again (its observations re-derive the commitments they verify).
        from accord.commitments.tasks import refresh_all_commitments_task
        from accord.cvd.tasks import refresh_disclosure_evidence_task

        today = self.clock().date()
        if self._refreshed_on != today:
            refresh_disclosure_evidence_task.enqueue()
            refresh_all_commitments_task.enqueue()
            self._refreshed_on = today

    def _tend_outbox(self) -> None:
        # Re-queue the emails whose task was lost, and queue the daily digests once per
        # digest moment (a second scheduler, or a restart, sends nobody a second one).
        from accord.notifications.services import digest_due_at, requeue_overdue_messages
        from accord.notifications.tasks import send_digests_task

        now = self.clock()
        requeue_overdue_messages(now=now)
        due = digest_due_at(now)
        if self._digests_for != due:
            send_digests_task.enqueue()
            self._digests_for = due

    def run(self) -> None:
        from django.db import close_old_connections

        while not self.stopped.is_set():
            close_old_connections()  # as Django does around a request: drop broken ones
            self.tick()
            close_old_connections()
            self.stopped.wait(self.every)

    def stop(self, *_args: Any) -> None:
        self.stopped.set()


def prune_finished_tasks(*, now: datetime) -> int:
    """Delete the database backend's records of tasks finished two weeks ago or more."""
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
        return 0
    old = DBTaskResult.objects.finished().filter(finished_at__lte=now - FINISHED_TASKS_KEPT)
    deleted, _ = old.delete()
    return deleted


def scheduler_from_settings() -> Scheduler:
    from django.conf import settings

    return Scheduler(
        every=settings.ACCORD_SCHEDULE_EVERY_SECONDS,
        interval=timedelta(hours=settings.ACCORD_SCAN_INTERVAL_HOURS),
    )


def _scheduler_process() -> None:
    exit_with_parent()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    scheduler = scheduler_from_settings()
    signal.signal(signal.SIGTERM, scheduler.stop)
    signal.signal(signal.SIGINT, scheduler.stop)
    scheduler.run()


def backend_kind() -> str:
    """`database`, `redis` or `immediate`: what runs the default task backend's tasks."""
    from django.conf import settings

    return str(settings.ACCORD_TASK_BACKEND)


def run_worker(*, schedule: bool) -> None:
    """Run tasks until stopped; with `schedule`, the scan scheduler beside them."""
    kind = backend_kind()
    if kind == "immediate":
        raise RuntimeError("ACCORD_TASK_BACKEND=immediate runs tasks as they are queued")
    scheduler = None
    if schedule:
        # A fresh interpreter, not a fork: this process has a database connection open.
        scheduler = multiprocessing.get_context("spawn").Process(
            target=_scheduler_process, name="accord-scheduler", daemon=True
        )
        scheduler.start()
    try:
        if kind == "redis":
            _run_rq_worker()
        else:
            _run_db_worker()
    finally:
        if scheduler is not None:
            scheduler.terminate()
            scheduler.join(timeout=10)


def _run_db_worker() -> None:
    from django.core.management import call_command

    call_command("db_worker", reload=False, interval=1.0, startup_delay=False)


def _run_rq_worker() -> None:
    from django_rq import get_worker

    worker = get_worker("default", job_class="django_tasks_rq.Job")
    worker.work(with_scheduler=True)


@contextlib.contextmanager
def embedded_worker() -> Iterator[subprocess.Popen[bytes]]:
    """`accord worker --schedule` as a child of the calling process, stopped on exit."""
    command = [sys.executable, "-m", "accord.cli", "worker", "--schedule"]
    child = subprocess.Popen(command, preexec_fn=exit_with_parent)  # noqa: S603 (our own interpreter and module)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
