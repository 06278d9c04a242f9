"""Daily digests: one email a day of what was not emailed yet, for those who chose it;
once a day however often the scheduler asks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.notifications import selectors, services
from accord.notifications.models import Message, Notification
from accord.worker import Scheduler

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
# A morning after the digest hour (07:00 UTC by default).
MORNING = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)


def tell(user: Any, subject: str, at: datetime, link: str = "") -> Notification:
    (note,) = services.notify(
        recipients=[user], kind="k:k:k", subject=subject, body=f"About {subject}.", link=link
    )
    Notification.objects.filter(pk=note.pk).update(created_at=at)
    note.refresh_from_db()
    return note


@pytest.fixture
def reader(alice: Any) -> Any:
    services.set_delivery(actor=alice, delivery="digest", now=MORNING - 3 * DAY)
    return alice


def digests(secretariat: Any) -> list[Message]:
    return list(selectors.outbox(secretariat).filter(kind="notifications:digest:send"))


def test_the_due_moment_is_the_latest_digest_hour() -> None:
    assert services.digest_due_at(MORNING) == MORNING.replace(hour=7, minute=0)
    early = MORNING.replace(hour=6)
    assert services.digest_due_at(early) == MORNING.replace(hour=7, minute=0) - DAY


def test_one_digest_holds_what_was_not_emailed_and_running_twice_sends_one(
    reader: Any, carol: Any, secretariat: Any
) -> None:
    first = tell(reader, "Rejected", MORNING - 2 * DAY, link="/adoption/a/")
    second = tell(reader, "Failing check", MORNING - DAY)
    read = tell(reader, "Already read", MORNING - DAY)
    services.mark_read(notification=read, actor=reader)
    tell(carol, "Carol's, emailed at once", MORNING - DAY)

    assert services.send_digests(now=MORNING) == 1
    assert services.send_digests(now=MORNING + timedelta(hours=2)) == 0

    [digest] = digests(secretariat)
    assert digest.to_address == reader.email
    assert digest.subject == "Accord: 2 notifications since the last digest"
    body = digest.body
    assert body.index("* Rejected") < body.index("* Failing check")
    assert "About Rejected.\nhttp://127.0.0.1:8000/adoption/a/" in body
    assert "Already read" not in body
    assert "Carol" not in body
    assert "http://127.0.0.1:8000/notifications/" in body
    for note in (first, second):
        note.refresh_from_db()
        assert note.emailed_at == MORNING


def test_the_next_day_brings_only_what_is_new(reader: Any, secretariat: Any) -> None:
    tell(reader, "Monday", MORNING - DAY)
    services.send_digests(now=MORNING)
    tell(reader, "Tuesday", MORNING + timedelta(hours=5))
    assert services.send_digests(now=MORNING + DAY) == 1
    newest = digests(secretariat)[0]
    assert "Tuesday" in newest.body
    assert "Monday" not in newest.body
    assert newest.subject == "Accord: 1 notification since the last digest"


def test_a_day_with_nothing_new_sends_nothing(reader: Any, secretariat: Any) -> None:
    assert services.send_digests(now=MORNING) == 0
    assert digests(secretariat) == []


def test_a_backlog_from_before_choosing_digests_is_not_sent(alice: Any, secretariat: Any) -> None:
    services.set_delivery(actor=alice, delivery="none", now=MORNING - 10 * DAY)
    tell(alice, "Old news", MORNING - 5 * DAY)
    services.set_delivery(actor=alice, delivery="digest", now=MORNING - 2 * DAY)
    tell(alice, "Fresh", MORNING - DAY)
    services.send_digests(now=MORNING)
    [digest] = digests(secretariat)
    assert "Fresh" in digest.body
    assert "Old news" not in digest.body


def test_the_scheduler_queues_the_digests_once_per_digest_moment(
    reader: Any, secretariat: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    tell(reader, "For the digest", MORNING - DAY)
    clock = [MORNING]
    scheduler = Scheduler(every=300, interval=DAY, clock=lambda: clock[0])
    with django_capture_on_commit_callbacks(execute=True):
        scheduler.tick()
        clock[0] = MORNING + timedelta(minutes=5)
        scheduler.tick()
    assert len(digests(secretariat)) == 1
    # A second scheduler, or a restart, the same morning: still one digest.
    with django_capture_on_commit_callbacks(execute=True):
        Scheduler(every=300, interval=DAY, clock=lambda: clock[0]).tick()
    assert len(digests(secretariat)) == 1
    [digest] = digests(secretariat)
    assert digest.state == Message.State.KEPT  # delivered (kept, without SMTP) by its task


def test_the_scheduler_requeues_a_lost_delivery(
    settings: Any, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    message = services.email_address(to="x@example.org", subject="Lost", body="b", kind="k:k:k")
    # Its task never ran (the queue lost it): the next tick, well past due, sends it.
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        Scheduler(every=300, interval=DAY, clock=lambda: later).tick()
    message.refresh_from_db()
    assert message.state == Message.State.KEPT
