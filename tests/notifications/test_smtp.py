"""Email through a real SMTP server on loopback: in the clear to a local relay, with
STARTTLS, with implicit TLS, with a password; and a server that refuses, which leads to
retries, then a failed message and an audit event, never a lost one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accord.audit.models import Event
from accord.notifications import selectors, services
from accord.notifications.models import Message
from accord.settings import email_url
from tests.notifications.smtp_server import USER, USERINFO, free_port, running

pytestmark = pytest.mark.django_db
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def use_server(settings: Any, url: str, *, ca_bundle: str | None = None) -> None:
    """Point the instance at `url` as ACCORD_EMAIL_URL would."""
    settings.ACCORD_EMAIL_ENABLED = True
    settings.MAILERS = email_url.mailers(url, timeout=20, ca_bundle=ca_bundle)
    settings.DEFAULT_FROM_EMAIL = "Accord <accord@coalition.example>"
    settings.TASKS = IMMEDIATE


def deliver_all(message: Message, *, attempts: int = services.MAX_ATTEMPTS) -> Message:
    """Try the message as the queue would: each retry when it is due."""
    moment = timezone.now()
    for _ in range(attempts):
        services.deliver_message(message_id=message.pk, now=moment)
        message.refresh_from_db()
        if message.state != Message.State.QUEUED:
            break
        moment = message.next_attempt_at or moment
    return message


def test_a_notification_reaches_a_local_relay_with_its_subject_body_and_addresses(
    settings: Any, tmp_path: Path, alice: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with running(tmp_path) as server:
        use_server(settings, server.url(query="tls=none"))
        with django_capture_on_commit_callbacks(execute=True):
            services.notify(
                recipients=[alice],
                kind="commitments:document:reject",
                subject="Your document was rejected",
                body="The reviewer said: the policy has no date.",
                link="/adoption/organisations/alpha/scorecard/",
            )

    [received] = server.received
    email = received.message
    assert email["Subject"] == "Your document was rejected"
    assert email["To"] == alice.email
    assert email["From"] == "Accord <accord@coalition.example>"
    assert email["Auto-Submitted"] == "auto-generated"
    text = email.get_content()
    assert "the policy has no date" in text
    assert "http://127.0.0.1:8000/adoption/organisations/alpha/scorecard/" in text
    assert (received.envelope_from, received.envelope_to) == (
        "accord@coalition.example",
        [alice.email],
    )
    assert not received.encrypted
    [message] = Message.objects.all()
    assert (message.state, message.attempts) == (Message.State.SENT, 1)


def test_starttls_with_a_password_is_encrypted_and_signs_in(settings: Any, tmp_path: Path) -> None:
    with running(tmp_path, security="starttls", auth=True) as server:
        use_server(settings, server.url(userinfo=USERINFO), ca_bundle=server.ca_bundle)
        message = services.email_address(
            to="invitee@example.net",
            subject="You are invited",
            body="Follow https://accord.example/invite/SECRET to join.",
            kind="accounts:invitation:send",
            carries_secret=True,
        )
        delivered = deliver_all(message)

    [received] = server.received
    assert received.encrypted
    assert received.signed_in_as == USER
    assert "invite/SECRET" in received.message.get_content()
    assert delivered.state == Message.State.SENT
    assert "SECRET" not in delivered.body  # wiped once the server took it


# aiosmtpd takes STARTTLS for the only TLS; this server is TLS from the first byte.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_implicit_tls_on_smtps(settings: Any, tmp_path: Path) -> None:
    with running(tmp_path, security="tls", auth=True) as server:
        use_server(settings, server.url("smtps", userinfo=USERINFO), ca_bundle=server.ca_bundle)
        message = services.email_address(
            to="someone@example.net", subject="Hello", body="Over TLS.", kind="k:k:k"
        )
        assert deliver_all(message).state == Message.State.SENT

    [received] = server.received
    assert received.encrypted
    assert received.signed_in_as == USER
    assert received.message["Subject"] == "Hello"


def test_a_certificate_from_an_unknown_ca_is_refused_not_trusted(
    settings: Any, tmp_path: Path
) -> None:
    with running(tmp_path, security="starttls") as server:
        # The system's CAs do not know this server's throwaway CA.
        use_server(settings, server.url())
        message = services.email_address(to="x@example.net", subject="s", body="b", kind="k:k:k")
        services.deliver_message(message_id=message.pk)

    message.refresh_from_db()
    assert server.received == []
    assert message.state == Message.State.QUEUED  # to be tried again
    assert "SSLCertVerificationError" in message.last_error


def test_a_wrong_password_is_retried_and_the_message_kept(settings: Any, tmp_path: Path) -> None:
    with running(tmp_path, security="starttls", auth=True) as server:
        url = server.url(userinfo="mailer%40example.org:wrong")
        use_server(settings, url, ca_bundle=server.ca_bundle)
        message = services.email_address(to="x@example.net", subject="s", body="b", kind="k:k:k")
        services.deliver_message(message_id=message.pk)

    message.refresh_from_db()
    assert server.received == []
    assert (message.state, message.attempts) == (Message.State.QUEUED, 1)
    assert "SMTPAuthenticationError" in message.last_error


def test_a_server_that_refuses_leads_to_retries_then_a_failed_message_and_an_audit_event(
    settings: Any, tmp_path: Path, secretariat: Any
) -> None:
    with running(tmp_path) as server:
        server.refuse_with = "550 5.1.1 No such mailbox here"
        use_server(settings, server.url(query="tls=none"))
        message = services.email_address(
            to="gone@example.net", subject="Your document", body="Accepted.", kind="k:k:k"
        )
        first = timezone.now()
        services.deliver_message(message_id=message.pk, now=first)
        message.refresh_from_db()
        # Tried again only when due: a task delivered early changes nothing.
        assert message.next_attempt_at == first + services.RETRY_BASE
        services.deliver_message(message_id=message.pk, now=first + timedelta(seconds=5))
        message.refresh_from_db()
        assert message.attempts == 1
        failed = deliver_all(message)

    assert server.received == []
    assert (failed.state, failed.attempts) == (Message.State.FAILED, services.MAX_ATTEMPTS)
    assert "550" in failed.last_error
    assert "No such mailbox" in failed.last_error
    # Nothing is dropped: the message stays, whole, in the secretariat's outbox.
    assert list(selectors.outbox_in_state(secretariat, "failed")) == [failed]
    assert failed.body == "Accepted."
    [event] = audit_events("notifications:message:fail")
    assert (event.object_id, event.data["attempts"]) == (str(failed.pk), services.MAX_ATTEMPTS)


def audit_events(tag: str) -> list[Event]:
    return list(Event.objects.filter(tag=tag))


def test_a_closed_port_is_retried_and_then_sent_again_by_the_secretariat(
    settings: Any, tmp_path: Path, secretariat: Any, django_capture_on_commit_callbacks: Any
) -> None:
    port = free_port()  # nothing listens here
    use_server(settings, f"smtp://127.0.0.1:{port}?tls=none")
    message = services.email_address(to="x@example.net", subject="Retry me", body="b", kind="k:k:k")
    failed = deliver_all(message)
    assert failed.state == Message.State.FAILED
    assert "ConnectionRefusedError" in failed.last_error

    with running(tmp_path) as server:
        use_server(settings, server.url(query="tls=none"))
        with django_capture_on_commit_callbacks(execute=True):
            services.resend_message(message=failed, actor=secretariat)

    failed.refresh_from_db()
    assert failed.state == Message.State.SENT
    assert [r.message["Subject"] for r in server.received] == ["Retry me"]
    assert audit_events("notifications:message:resend")
