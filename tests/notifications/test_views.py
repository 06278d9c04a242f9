"""The pages: the inbox with its unread count in every page's navigation, marking read
with and without htmx, email preferences, and the secretariat's outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.audit.models import Event
from accord.notifications import selectors, services
from accord.notifications.models import Message, Notification, Preference

pytestmark = pytest.mark.django_db


def tell(user: Any, n: int = 1, **fields: Any) -> list[Notification]:
    made = []
    for i in range(n):
        (note,) = services.notify(
            recipients=[user],
            kind=fields.get("kind", "commitments:document:reject"),
            subject=fields.get("subject", f"Notice {i}"),
            body=fields.get("body", f"What happened, number {i}."),
            link=fields.get("link", f"/adoption/thing/{i}/"),
        )
        made.append(note)
    # Created in order, a second apart, so newest first is well defined.
    for i, note in enumerate(made):
        Notification.objects.filter(pk=note.pk).update(
            created_at=timezone.now() - timedelta(seconds=n - i)
        )
    return made


def entries(html: str) -> list[str]:
    return re.findall(r'<li id="notification-(\d+)" class="([^"]+)"', html)


class TestInbox:
    def test_a_visitor_is_sent_to_sign_in(self, client: Client) -> None:
        response = client.get("/notifications/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_newest_first_unread_highlighted_each_linking_to_its_page(
        self, alice: Any, client_for: Any
    ) -> None:
        first, second = tell(alice, 2)
        services.mark_read(notification=first, actor=alice)
        page = client_for(alice).get("/notifications/").content.decode()

        assert entries(page) == [
            (str(second.pk), "notification unread"),
            (str(first.pk), "notification"),
        ]
        assert '<a class="subject" href="/adoption/thing/1/">Notice 1</a>' in page
        assert page.count('class="badge-unread">Unread<') == 1
        assert '<p id="inbox-unread">1 unread.' in page

    def test_the_inbox_is_paged(self, alice: Any, client_for: Any) -> None:
        notes = tell(alice, 30)
        client = client_for(alice)
        first = client.get("/notifications/").content.decode()
        second = client.get("/notifications/?page=2").content.decode()
        assert [pk for pk, _ in entries(first)] == [str(n.pk) for n in reversed(notes[5:])]
        assert [pk for pk, _ in entries(second)] == [str(n.pk) for n in reversed(notes[:5])]
        assert "Page 1 of 2" in first
        assert 'href="?page=2">Older' in first
        # A page number that is not one shows a page, never an error.
        assert client.get("/notifications/?page=zzz").status_code == 200

    def test_nobody_sees_anothers_notifications(
        self, alice: Any, carol: Any, client_for: Any
    ) -> None:
        tell(alice, 1, subject="For Alice only")
        page = client_for(carol).get("/notifications/").content.decode()
        assert "For Alice only" not in page
        assert "Nothing yet." in page

    def test_every_page_shows_the_signed_in_persons_unread_count(
        self, alice: Any, client: Client, client_for: Any
    ) -> None:
        tell(alice, 3)
        home = client_for(alice).get("/").content.decode()
        assert re.search(r'id="nav-inbox">Inbox <span id="unread-count"[^>]*>3<', home)
        assert "nav-inbox" not in client.get("/").content.decode()


class TestMarkingRead:
    def test_marking_one_read_without_javascript_returns_to_the_inbox_page(
        self, alice: Any, client_for: Any
    ) -> None:
        notes = tell(alice, 3)
        response = client_for(alice).post(f"/notifications/{notes[0].pk}/read/", {"page": "2"})
        assert (response.status_code, response["Location"]) == (302, "/notifications/?page=2")
        assert selectors.unread_count(alice) == 2

    def test_marking_one_read_with_htmx_swaps_the_entry_and_the_count(
        self, alice: Any, client_for: Any
    ) -> None:
        notes = tell(alice, 3)
        response = client_for(alice).post(
            f"/notifications/{notes[0].pk}/read/", headers={"HX-Request": "true"}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert entries(html) == [(str(notes[0].pk), "notification")]
        assert "Mark as read" not in html
        assert re.search(
            r'<span id="unread-count" class="unread-count" hx-swap-oob="true">2<', html
        )
        assert '<p id="inbox-unread" hx-swap-oob="true">2 unread.' in html
        assert "HX-Request" in response["Vary"]

    def test_another_persons_notification_is_not_found_and_stays_unread(
        self, alice: Any, carol: Any, client_for: Any
    ) -> None:
        [note] = tell(alice)
        assert client_for(carol).post(f"/notifications/{note.pk}/read/").status_code == 404
        assert selectors.unread_count(alice) == 1

    def test_marking_read_takes_a_post_with_its_csrf_token(
        self, alice: Any, client_for: Any
    ) -> None:
        [note] = tell(alice)
        signed_in = client_for(alice)
        assert signed_in.get(f"/notifications/{note.pk}/read/").status_code == 405
        strict = Client(enforce_csrf_checks=True)
        strict.cookies = signed_in.cookies
        assert strict.post(f"/notifications/{note.pk}/read/").status_code == 403
        assert strict.post("/notifications/read/").status_code == 403
        assert selectors.unread_count(alice) == 1

    def test_marking_all_read(self, alice: Any, carol: Any, client_for: Any) -> None:
        tell(alice, 4)
        tell(carol, 1)
        client = client_for(alice)
        response = client.post("/notifications/read/", follow=True)
        assert "Marked 4 as read." in response.content.decode()
        assert selectors.unread_count(alice) == 0
        assert selectors.unread_count(carol) == 1
        again = client.post("/notifications/read/", follow=True).content.decode()
        assert "Nothing was unread." in again


class TestPreferences:
    def test_choosing_a_daily_digest(self, alice: Any, client_for: Any) -> None:
        client = client_for(alice)
        page = client.get("/notifications/preferences/").content.decode()
        assert re.search(r'value="immediate"[^>]*checked', page)

        response = client.post("/notifications/preferences/", {"delivery": "digest"}, follow=True)
        assert "Saved. Email one daily digest." in response.content.decode()
        assert selectors.delivery_of(alice) == Preference.Delivery.DIGEST
        [event] = Event.objects.filter(tag="notifications:preference:update")
        assert event.data == {"from": "immediate", "to": "digest"}
        # Told now, emailed later: nothing is queued for the digest reader yet.
        tell(alice)
        assert not Message.objects.exists()

    def test_inbox_only(self, alice: Any, client_for: Any) -> None:
        client_for(alice).post("/notifications/preferences/", {"delivery": "none"})
        tell(alice)
        assert selectors.unread_count(alice) == 1
        assert not Message.objects.exists()

    def test_a_choice_that_is_not_one_is_refused_with_422(
        self, alice: Any, client_for: Any
    ) -> None:
        response = client_for(alice).post("/notifications/preferences/", {"delivery": "hourly"})
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()
        assert selectors.delivery_of(alice) == Preference.Delivery.IMMEDIATE


def kept(n: int, **fields: Any) -> list[Message]:
    messages = [
        services.email_address(
            to=f"p{i}@example.net", subject=f"Message {i}", body=f"Body {i}", kind="k:k:k", **fields
        )
        for i in range(n)
    ]
    for message in messages:
        services.deliver_message(message_id=message.pk)  # no SMTP: kept
    return messages


class TestOutbox:
    def test_only_the_secretariat_reads_the_outbox(
        self, alice: Any, secretariat: Any, client_for: Any
    ) -> None:
        [message] = kept(1)
        assert client_for(alice).get("/notifications/outbox/").status_code == 403
        assert client_for(alice).get(f"/notifications/outbox/{message.pk}/").status_code == 403
        page = client_for(secretariat).get("/notifications/outbox/").content.decode()
        assert "Message 0" in page
        assert "ACCORD_EMAIL_URL</code> is not set" in page

    def test_filtered_by_state_and_paged(self, secretariat: Any, client_for: Any) -> None:
        kept(55)
        failed = services.email_address(to="f@example.net", subject="Bounced", body="b", kind="k")
        Message.objects.filter(pk=failed.pk).update(state=Message.State.FAILED, last_error="550")
        client = client_for(secretariat)
        only_failed = client.get("/notifications/outbox/?state=failed").content.decode()
        assert "Bounced" in only_failed
        assert "Message 0" not in only_failed
        assert '>Failed</a> <span class="muted">(1)' in only_failed
        everything = client.get("/notifications/outbox/").content.decode()
        assert everything.count("<tr data-state=") == 50
        assert "Page 1 of 2" in everything
        second = client.get("/notifications/outbox/?state=kept&page=2").content.decode()
        assert second.count('<tr data-state="kept">') == 5
        assert client.get("/notifications/outbox/?state=bogus").status_code == 200

    def test_a_message_is_readable_and_reading_a_one_time_link_is_audited(
        self, secretariat: Any, client_for: Any
    ) -> None:
        [plain] = kept(1)
        [invitation] = kept(1, carries_secret=True)
        client = client_for(secretariat)
        assert "Body 0" in client.get(f"/notifications/outbox/{plain.pk}/").content.decode()
        assert not Event.objects.filter(tag="notifications:message:read").exists()
        page = client.get(f"/notifications/outbox/{invitation.pk}/").content.decode()
        assert "Body 0" in page
        assert "recorded in the audit log" in page
        [event] = Event.objects.filter(tag="notifications:message:read")
        assert event.object_id == str(invitation.pk)

    def test_a_wiped_one_time_link_is_not_shown(self, secretariat: Any, client_for: Any) -> None:
        [message] = kept(1, carries_secret=True)
        Message.objects.filter(pk=message.pk).update(
            state=Message.State.SENT, body=services.SECRET_WIPED
        )
        page = client_for(secretariat).get(f"/notifications/outbox/{message.pk}/").content
        assert b"It was removed once the SMTP server accepted" in page
        assert b"message-body" not in page

    def test_send_again_is_offered_for_failed_messages_when_smtp_is_configured(
        self, secretariat: Any, client_for: Any, settings: Any
    ) -> None:
        [message] = kept(1)
        Message.objects.filter(pk=message.pk).update(state=Message.State.FAILED)
        client = client_for(secretariat)
        page = client.get(f"/notifications/outbox/{message.pk}/").content.decode()
        assert "Send again" not in page
        assert "Sending again needs an SMTP server" in page
        assert client.post(f"/notifications/outbox/{message.pk}/resend/").status_code == 409

        settings.ACCORD_EMAIL_ENABLED = True
        page = client.get(f"/notifications/outbox/{message.pk}/").content.decode()
        assert "Send again" in page
        response = client.post(f"/notifications/outbox/{message.pk}/resend/", follow=True)
        assert "is queued to be sent again" in response.content.decode()
        message.refresh_from_db()
        assert (message.state, message.attempts) == (Message.State.QUEUED, 0)
        assert client.post(f"/notifications/outbox/{message.pk}/resend/").status_code == 409

    def test_an_org_admin_cannot_send_again(
        self, alice: Any, client_for: Any, settings: Any
    ) -> None:
        settings.ACCORD_EMAIL_ENABLED = True
        [message] = kept(1)
        Message.objects.filter(pk=message.pk).update(state=Message.State.FAILED)
        assert (
            client_for(alice).post(f"/notifications/outbox/{message.pk}/resend/").status_code == 403
        )
        message.refresh_from_db()
        assert message.state == Message.State.FAILED
