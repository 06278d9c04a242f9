"""Scan tasks through django.tasks: enqueued after commit, run by each backend, scheduled.

The backends: ImmediateBackend (runs at enqueue), the database backend with its worker
run here in the test, and RQ against the local Redis when one answers. Scans fetch from
an in-memory internet, named to the services by `settings.ACCORD_SCAN_FETCHER`.
"""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from tests.engine.checks.fakes import FakeFetcher

from accord.accounts import services as accounts
from accord.accounts.models import Organisation
from accord.audit.models import Event
from accord.engine.registry import CHECKS
from accord.engine.testing.fake_dns import FakeTxtResolver
from accord.evidence import services as evidence
from accord.evidence.models import Domain, Observation, ScanRun
from accord.evidence.tasks import scan_domain_task
from accord.worker import Scheduler, prune_finished_tasks, scheduler_from_settings

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# A Redis database picked by process, so that two suites running at once on one machine
# (a CI run beside a local one) do not take each other's jobs off the shared queue.
REDIS_URL = (
    os.environ.get("ACCORD_TEST_REDIS_URL") or f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"
)
DB_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
IMMEDIATE_BACKEND = {
    "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
    "QUEUES": ["default"],
}

_SITES: list[FakeFetcher] = []


def fake_fetcher() -> FakeFetcher:
    """The scan fetcher while these tests run (named in settings.ACCORD_SCAN_FETCHER)."""
    return _SITES[-1]


@pytest.fixture
def site(settings: Any) -> Iterator[FakeFetcher]:
    fetcher = FakeFetcher()
    fetcher.serve("https://alpha.example/.well-known/security.txt", "Contact: mailto:s@a.example\n")
    _SITES.append(fetcher)
    settings.ACCORD_SCAN_FETCHER = f"{__name__}.fake_fetcher"
    yield fetcher
    _SITES.remove(fetcher)


@pytest.fixture
def immediate(settings: Any, site: FakeFetcher) -> None:
    settings.TASKS = {"default": IMMEDIATE_BACKEND}


def add_and_prove(organisation: Organisation) -> Domain:
    """Register alpha.example and prove control of it with its token in (fake) DNS."""
    domain = evidence.add_domain(organisation=organisation, name="alpha.example", actor=None)
    resolver = FakeTxtResolver({domain.challenge_name: [domain.challenge_token]})
    evidence.check_domain_control(
        domain=domain, actor=None, resolver=resolver, fetcher=FakeFetcher()
    )
    return domain


# Enqueued after the transaction commits --------------------------------------------------


@pytest.mark.usefixtures("immediate")
def test_adding_a_domain_does_not_scan_it_before_control_is_proven(
    org_a: Organisation, site: FakeFetcher, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        evidence.add_domain(organisation=org_a, name="alpha.example", actor=None)

    assert not ScanRun.objects.exists()
    assert site.requests == []


@pytest.mark.usefixtures("immediate")
def test_proving_control_of_a_domain_scans_it_once_committed(
    org_a: Organisation, site: FakeFetcher, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        domain = add_and_prove(org_a)
        assert not Observation.objects.exists()  # nothing runs before the commit

    assert Observation.objects.filter(domain=domain).count() == len(CHECKS)
    run = ScanRun.objects.get(domain=domain)
    assert (run.trigger, run.state) == (ScanRun.Trigger.DOMAIN_VERIFIED, ScanRun.State.DONE)
    assert "https://alpha.example/.well-known/security.txt" in site.requests


@pytest.mark.usefixtures("immediate")
def test_the_scan_queued_for_a_proven_domain_is_in_the_audit_log(
    org_a: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        domain = add_and_prove(org_a)

    run = ScanRun.objects.get(domain=domain)
    tags = Event.objects.filter(object_id=str(run.pk), tag__startswith="evidence:scan:")
    assert list(tags.values_list("tag", flat=True)) == [
        "evidence:scan:queue",
        "evidence:scan:start",
        "evidence:scan:finish",
    ]
    queued = tags.get(tag="evidence:scan:queue")
    assert (queued.organisation_id, queued.data["trigger"]) == (org_a.pk, "domain_verified")


@pytest.mark.usefixtures("immediate")
def test_a_domain_whose_transaction_rolls_back_is_never_scanned(
    org_a: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    def add_then_fail() -> None:
        with transaction.atomic():
            evidence.add_domain(organisation=org_a, name="alpha.example", actor=None)
            raise RuntimeError("something later in the request failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        add_then_fail()

    assert callbacks == []
    assert not Observation.objects.exists()
    assert not ScanRun.objects.exists()


@pytest.mark.usefixtures("immediate")
def test_the_task_takes_an_id_and_runs_a_scan_once(org_a: Organisation) -> None:
    domain = Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")
    run = ScanRun.objects.create(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, requested_at=T0)

    first = scan_domain_task.enqueue(run.pk)
    again = scan_domain_task.enqueue(run.pk)

    assert first.args == [run.pk]
    assert (first.status, first.return_value) == (TaskResultStatus.SUCCESSFUL, len(CHECKS))
    assert (again.status, again.return_value) == (TaskResultStatus.SUCCESSFUL, 0)
    assert Observation.objects.count() == len(CHECKS)


# The database backend, with its worker run here ------------------------------------------


@pytest.fixture
def restore_signals() -> Iterator[None]:
    # db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("restore_signals")
def test_the_database_backend_queues_and_its_worker_scans(
    settings: Any, site: FakeFetcher, org_a: Organisation
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": DB_BACKEND}
    domain = add_and_prove(org_a)

    queued = DBTaskResult.objects.get()
    run = ScanRun.objects.get(domain=domain)
    assert queued.status == TaskResultStatus.READY
    assert queued.args_kwargs == {"args": [run.pk], "kwargs": {}}
    assert not Observation.objects.exists()

    call_command("db_worker", batch=True, startup_delay=False, reload=False, stdout=io.StringIO())

    queued.refresh_from_db()
    assert queued.status == TaskResultStatus.SUCCESSFUL
    assert queued.return_value == len(CHECKS)
    assert Observation.objects.filter(domain=domain).count() == len(CHECKS)
    run.refresh_from_db()
    assert run.state == ScanRun.State.DONE


@pytest.mark.django_db(transaction=True)
def test_finished_task_records_are_pruned_after_two_weeks(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": DB_BACKEND}
    old, recent, waiting = (scan_domain_task.enqueue(n) for n in (1, 2, 3))
    DBTaskResult.objects.filter(id__in=[old.id, recent.id]).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=T0
    )
    DBTaskResult.objects.filter(id=old.id).update(finished_at=T0 - timedelta(days=15))

    assert prune_finished_tasks(now=T0) == 1
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {
        _uuid(recent.id),
        _uuid(waiting.id),
    }


def _uuid(value: str) -> Any:
    import uuid

    return uuid.UUID(str(value))


def test_pruning_leaves_other_backends_alone(settings: Any) -> None:
    settings.TASKS = {"default": IMMEDIATE_BACKEND}
    assert prune_finished_tasks(now=T0) == 0


# RQ through Redis ----------------------------------------------------------------------


@pytest.fixture
def redis_queue(settings: Any, site: FakeFetcher) -> Iterator[Any]:
    redis = pytest.importorskip("redis")
    django_rq = pytest.importorskip("django_rq")
    pytest.importorskip("django_tasks_rq")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ACCORD_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis answers at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class="django_tasks_rq.Job")
    _clear(queue)
    yield queue
    _clear(queue)


def _clear(queue: Any) -> None:
    """Remove this queue's jobs, waiting or finished, and nothing else on that Redis."""
    queue.empty()
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            job = queue.fetch_job(job_id)
            if job is not None:
                job.delete()
            registry.remove(job_id)


def test_the_redis_backend_queues_and_an_rq_worker_scans(
    redis_queue: Any, org_a: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    from django_tasks_rq import Job
    from rq import SimpleWorker

    with django_capture_on_commit_callbacks(execute=True):
        domain = add_and_prove(org_a)
    assert redis_queue.count == 1
    [job_id] = redis_queue.job_ids
    assert not Observation.objects.exists()

    # The worker runs here, in this process, so it sees this test's database.
    worker = SimpleWorker([redis_queue], connection=redis_queue.connection, job_class=Job)
    assert worker.work(burst=True)

    assert Observation.objects.filter(domain=domain).count() == len(CHECKS)
    result = scan_domain_task.get_result(job_id)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, len(CHECKS))


# The scheduler ---------------------------------------------------------------------------


def test_each_tick_queues_the_scans_that_are_due(
    org_a: Organisation, django_capture_on_commit_callbacks: Any
) -> None:
    Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")
    now = [T0]
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: now[0])

    with django_capture_on_commit_callbacks() as callbacks:
        assert scheduler.tick() == 1
        assert scheduler.tick() == 0
        now[0] = T0 + timedelta(days=1, minutes=1)  # never ran: the run is stale by now
        assert scheduler.tick() == 1

    # Other callbacks (the daily adoption snapshot) may be queued too; count the scans.
    scans = [c for c in callbacks if getattr(c, "func", c).__name__ == "_enqueue_scan"]
    assert len(scans) == 2


def test_the_scans_a_tick_queues_are_in_the_audit_log(org_a: Organisation) -> None:
    domain = Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: T0)

    assert scheduler.tick() == 1

    [event] = Event.objects.filter(tag="evidence:scan:queue")
    run = ScanRun.objects.get(domain=domain)
    assert (event.object_id, event.actor_label) == (str(run.pk), "system")
    assert event.data == {"domain": "alpha.example", "trigger": "scheduled", "state": "queued"}


def test_a_tick_that_fails_is_logged_and_the_next_one_tries_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from accord.evidence import services

    def broken(**_kwargs: Any) -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(services, "schedule_due_scans", broken)
    scheduler = Scheduler(every=300, interval=timedelta(days=1), clock=lambda: T0)

    assert scheduler.tick() == 0
    assert "scheduling evidence scans failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_runs_until_stopped(org_a: Organisation, settings: Any) -> None:
    settings.TASKS = {"default": DB_BACKEND}
    Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")
    scheduler = Scheduler(every=300, interval=timedelta(days=1))

    def clock() -> datetime:
        scheduler.stop()  # stop during the first tick: run() returns without waiting
        return T0

    scheduler.clock = clock
    scheduler.run()

    assert ScanRun.objects.filter(state=ScanRun.State.QUEUED).count() == 1


def test_the_scan_interval_comes_from_settings(settings: Any) -> None:
    assert scheduler_from_settings().interval == timedelta(hours=24)
    settings.ACCORD_SCAN_INTERVAL_HOURS = 6
    settings.ACCORD_SCHEDULE_EVERY_SECONDS = 60
    scheduler = scheduler_from_settings()
    assert (scheduler.interval, scheduler.every) == (timedelta(hours=6), 60)


def test_accord_worker_refuses_the_immediate_backend(db: None, settings: Any) -> None:
    from accord.cli import main

    settings.ACCORD_TASK_BACKEND = "immediate"
    outcome = CliRunner().invoke(main, ["worker"])
    assert outcome.exit_code == 1
    assert "runs tasks as they are queued" in outcome.output


def test_demo_domains_are_never_scanned(db: None, settings: Any) -> None:
    from accord.evidence.services import schedule_due_scans

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    demo = accounts.create_organisation(name="Fiction (demo)", slug="fiction", is_demo=True)
    evidence.add_domain(organisation=demo, name="fiction.example", actor=None)
    assert schedule_due_scans(now=datetime.now(UTC)) == 0
    assert not ScanRun.objects.exists()


def test_the_scheduler_rederives_commitments_once_a_day(db: None, settings: Any) -> None:
    from django.tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    backend = task_backends["default"]

    def refreshes(name: str = "refresh_all_commitments_task") -> int:
        return sum(r.task.name == name for r in backend.results)

    now = [datetime(2026, 11, 27, 8, tzinfo=UTC)]
    scheduler = Scheduler(every=60, interval=timedelta(days=1), clock=lambda: now[0])
    scheduler.tick()
    scheduler.tick()
    assert refreshes() == 1
    # And the CVD evidence that time alone changes (overdue acknowledgements).
    assert refreshes("refresh_disclosure_evidence_task") == 1
    now[0] += timedelta(days=1)
    scheduler.tick()
    assert refreshes() == 2
