"""The notification service: the inbox, the outbox without SMTP, and retries with it."""

from __future__ import annotations

import smtplib
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.notifications import mail, selectors, services
from accord.notifications.models import Message, Preference

pytestmark = pytest.mark.django_db


def test_a_notification_reaches_the_inbox_and_without_smtp_is_kept_in_the_outbox(
    settings, alice, carol, secretariat, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(
            recipients=[alice, alice, carol],
            kind="commitments:document:reject",
            subject="Your document was rejected",
            body="The reviewer said: the policy has no date.",
            link="/adoption/commitments/",
        )
    assert selectors.unread_count(alice) == 1
    assert selectors.unread_count(carol) == 1
    kept = list(selectors.outbox(secretariat))
    assert {m.to_address for m in kept} == {alice.email, carol.email}
    assert {m.state for m in kept} == {Message.State.KEPT}
    assert "http://127.0.0.1:8000/adoption/commitments/" in kept[0].body
    assert not selectors.outbox(alice).exists()


def test_only_the_recipient_reads_a_notification(alice, carol):
    (note,) = services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b")
    assert has_perm(alice, Permission.NOTIFICATION_VIEW, note)
    assert not has_perm(carol, Permission.NOTIFICATION_VIEW, note)
    with pytest.raises(services.NotFound):
        services.mark_read(notification=note, actor=carol)
    services.mark_read(notification=note, actor=alice)
    assert selectors.unread_count(alice) == 0


def test_digest_readers_are_not_emailed_at_once(alice):
    Preference.objects.create(user=alice, delivery=Preference.Delivery.DIGEST)
    services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b")
    assert not Message.objects.exists()
    assert selectors.unread_count(alice) == 1


@override_settings(ACCORD_EMAIL_ENABLED=True)
def test_a_refused_message_is_retried_then_failed_and_audited(monkeypatch, alice):
    def refuse(message):
        raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")

    monkeypatch.setattr(mail, "send", refuse)
    message = services.email_address(to="x@example.org", subject="s", body="b", kind="k:k:k")
    for _ in range(services.MAX_ATTEMPTS):
        message.refresh_from_db()
        services.deliver_message(message_id=message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.state == Message.State.FAILED
    assert message.attempts == services.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in message.last_error


@override_settings(ACCORD_EMAIL_ENABLED=True)
def test_a_one_time_link_is_wiped_once_delivered(monkeypatch):
    monkeypatch.setattr(mail, "send", lambda message: None)
    message = services.email_address(
        to="x@example.org",
        subject="Invitation",
        body="secret link",
        kind="k:k:k",
        carries_secret=True,
    )
    services.deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    assert "secret link" not in message.body


def test_a_link_is_a_path_on_this_site(alice):
    for link in ("javascript:alert(1)", "https://evil.example/", "//evil.example/x", "/a b"):
        with pytest.raises(ValueError, match="notification"):
            services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b", link=link)
    assert selectors.unread_count(alice) == 0


def test_a_key_tells_each_recipient_of_one_event_once(alice, carol):
    for _ in range(2):
        services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b", key="event:1")
    services.notify(recipients=[alice, carol], kind="k:k:k", subject="s", body="b", key="event:1")
    assert (selectors.unread_count(alice), selectors.unread_count(carol)) == (1, 1)


def test_inactive_people_are_not_told(make_user):
    gone = make_user("gone@example.org", is_active=False)
    assert services.notify(recipients=[gone], kind="k:k:k", subject="s", body="b") == []
    assert not Message.objects.exists()


def test_an_immediate_email_links_to_the_page_and_to_the_preferences(alice, secretariat):
    services.notify(
        recipients=[alice], kind="k:k:k", subject="Rejected", body="Why.", link="/adoption/x/"
    )
    [message] = selectors.outbox(secretariat)
    assert message.body.startswith("Why.\n\nhttp://127.0.0.1:8000/adoption/x/\n")
    assert "http://127.0.0.1:8000/notifications/preferences/" in message.body


def test_django_mail_without_smtp_is_kept_in_the_outbox(settings, secretariat):
    from django.core.mail import EmailMessage, mailers

    settings.MAILERS = {"default": {"BACKEND": "accord.notifications.mail.OutboxBackend"}}
    email = EmailMessage("Server error", "Traceback ...", to=["ops@example.org", "b@example.org"])
    assert mailers.default.send_messages([email]) == 1
    kept = list(selectors.outbox_in_state(secretariat, Message.State.KEPT))
    assert sorted(m.to_address for m in kept) == ["b@example.org", "ops@example.org"]
    assert {m.subject for m in kept} == {"Server error"}


def test_a_delivery_whose_task_was_lost_is_queued_again(django_capture_on_commit_callbacks):
    message = services.email_address(to="x@example.org", subject="s", body="b", kind="k:k:k")
    now = message.next_attempt_at
    assert services.requeue_overdue_messages(now=now + services.OVERDUE / 2) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_overdue_messages(now=now + services.OVERDUE) == 1
    services.deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.state == Message.State.KEPT
    assert services.requeue_overdue_messages(now=now + 10 * services.OVERDUE) == 0


@override_settings(ACCORD_EMAIL_ENABLED=True)
def test_a_retry_waits_in_the_database_queue_until_it_is_due(settings, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    def refuse(message):
        raise smtplib.SMTPServerDisconnected("closed")

    monkeypatch.setattr(mail, "send", refuse)
    message = services.email_address(to="x@example.org", subject="s", body="b", kind="k:k:k")
    first = message.next_attempt_at
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.deliver_message(message_id=message.pk, now=first)
    [retry] = DBTaskResult.objects.all()
    assert retry.args_kwargs["args"] == [message.pk]
    assert retry.run_after == first + services.RETRY_BASE


def test_losing_a_race_to_tell_of_an_event_leaves_the_callers_change_alone(alice, monkeypatch):
    from accord.notifications.models import Notification

    services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b", key="event:7")
    # The second delivery checked before the first was stored: it meets the constraint.
    real_filter = Notification.objects.filter

    def not_yet_stored(*args, **kwargs):
        found = real_filter(*args, **kwargs)
        return found.none() if kwargs.get("key") == "event:7" else found

    monkeypatch.setattr(Notification.objects, "filter", not_yet_stored)
    with transaction.atomic():
        assert (
            services.notify(recipients=[alice], kind="k:k:k", subject="s", body="b", key="event:7")
            == []
        )
        Preference.objects.create(user=alice)  # the caller's own work goes on
    assert selectors.unread_count(alice) == 1


def test_a_subject_with_line_breaks_becomes_one_line(alice, secretariat):
    services.notify(recipients=[alice], kind="k:k:k", subject="Rejected:\r\nBcc: x", body="b")
    [message] = selectors.outbox(secretariat)
    assert message.subject == "Rejected: Bcc: x"
    assert selectors.inbox(alice).get().subject == "Rejected: Bcc: x"


def test_delivering_what_is_gone_or_done_changes_nothing(alice):
    assert services.deliver_message(message_id=987654) is None
    message = services.email_address(to="x@example.org", subject="s", body="b", kind="k:k:k")
    services.deliver_message(message_id=message.pk)
    kept = services.deliver_message(message_id=message.pk)
    assert (kept.state, kept.attempts) == (Message.State.KEPT, 0)


@override_settings(ACCORD_EMAIL_ENABLED=True)
def test_a_backend_that_cannot_wait_leaves_the_retry_to_the_scheduler(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

    def refuse(message):
        raise smtplib.SMTPServerDisconnected("closed")

    monkeypatch.setattr(mail, "send", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        message = services.email_address(to="x@example.org", subject="s", body="b", kind="k")
    message.refresh_from_db()
    # Tried once at once; the retry is not dropped but waits for the scheduler's sweep.
    assert (message.state, message.attempts) == (Message.State.QUEUED, 1)
    # Time passes: the retry is long overdue when the scheduler next looks.
    overdue = timezone.now() - services.OVERDUE - timedelta(seconds=1)
    Message.objects.filter(pk=message.pk).update(next_attempt_at=overdue)
    monkeypatch.setattr(mail, "send", lambda message: None)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.requeue_overdue_messages(now=timezone.now()) == 1
    message.refresh_from_db()
    assert message.state == Message.State.SENT


def test_only_the_secretariat_reads_or_resends_outbox_messages(alice, secretariat):
    message = services.email_address(to="x@example.org", subject="s", body="b", kind="k:k:k")
    with pytest.raises(services.NotFound):
        services.read_outbox_message(message_id=message.pk, actor=alice)
    with pytest.raises(services.NotFound):
        services.read_outbox_message(message_id=987654, actor=secretariat)
    with pytest.raises(services.NotAllowed):
        services.resend_message(message=message, actor=alice)
    assert services.read_outbox_message(message_id=message.pk, actor=secretariat) == message


def test_choosing_how_to_be_emailed(alice, make_user):
    from django.contrib.auth.models import AnonymousUser

    from accord.audit.models import Event

    with pytest.raises(services.NotAllowed):
        services.set_delivery(actor=AnonymousUser(), delivery="digest")
    with pytest.raises(services.Invalid):
        services.set_delivery(actor=alice, delivery="hourly")
    services.set_delivery(actor=alice, delivery="immediate")  # as it was: nothing recorded
    assert not Event.objects.filter(tag="notifications:preference:update").exists()
    assert selectors.delivery_of(None) == Preference.Delivery.IMMEDIATE
    gone = make_user("gone@example.org", is_active=False)
    assert selectors.unread_count(gone) == 0


def test_a_digest_for_someone_who_changed_their_mind_meanwhile_is_not_sent(alice):
    preference = services.set_delivery(actor=alice, delivery="digest")
    services.set_delivery(actor=alice, delivery="none")
    due = services.digest_due_at(preference.changed_at)
    assert services._send_digest(preference.pk, now=preference.changed_at, due=due) is False
