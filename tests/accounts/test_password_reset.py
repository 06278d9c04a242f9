"""Setting a new password by email: the request, the one-time link, the new password."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from accord.accounts import services
from accord.accounts.models import User
from accord.audit.models import Event
from tests.accounts.helpers import (
    emails_to,
    give_confirmed_totp,
    is_signed_in,
    link_in,
    post_login,
    without_csrf,
)

RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a brand new passphrase 2026"


def text(response: Any) -> str:
    return response.content.decode()


def reset_path(user: User) -> str:
    return link_in(emails_to(user.email)[-1], RESET)


def set_new_password(client: Client, path: str, password: str = NEW_PASSWORD) -> Any:
    """Follow the emailed link, then post the new password on the page it leads to."""
    followed = client.get(path)
    assert followed.status_code == 302, text(followed)
    return client.post(followed["Location"], {"password": password, "password_again": password})


# Asking for a link ---------------------------------------------------------------------


def test_the_answer_is_the_same_whether_or_not_an_account_exists(alice: User) -> None:
    answers = [
        Client().post(RESET, {"email": email}, follow=True)
        for email in (alice.email, "nobody@example.org")
    ]
    known, unknown = answers
    assert known.redirect_chain == unknown.redirect_chain == [(RESET + "sent/", 302)]
    assert without_csrf(text(known)) == without_csrf(text(unknown))
    # Only the account's address is sent anything; a stranger's inbox gets nothing.
    assert len(emails_to(alice.email)) == 1
    assert emails_to("nobody@example.org") == []
    requests = Event.objects.filter(tag="accounts:password:request")
    assert sorted(event.data["found"] for event in requests) == [False, True]


def test_the_email_carries_a_one_time_absolute_link(alice: User) -> None:
    services.request_password_reset(email="Alice@Alpha.example", ip="192.0.2.1")
    [message] = emails_to(alice.email)
    assert message.carries_secret
    assert "http://127.0.0.1:8000/accounts/password/reset/" in message.body
    assert "60 minutes" in message.body


def test_a_closed_account_is_sent_no_link(make_user: Any) -> None:
    closed = make_user("closed@example.org", is_active=False)
    services.request_password_reset(email=closed.email)
    assert emails_to(closed.email) == []


def test_requests_are_limited(alice: User, settings: Any) -> None:
    settings.ACCORD_ACCOUNT_REQUESTS_PER_EMAIL = 2
    statuses = [
        Client().post(RESET, {"email": alice.email}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert len(emails_to(alice.email)) == 2


def test_the_form_refuses_what_is_not_an_address(db: None) -> None:
    response = Client().post(RESET, {"email": "not an address"})
    assert response.status_code == 422
    assert Client().get(RESET).status_code == 200


def test_sign_in_links_to_the_reset_page(db: None) -> None:
    assert f'href="{RESET}"' in text(Client().get("/accounts/login/"))


# Following the link --------------------------------------------------------------------


def test_a_new_password_ends_every_session_and_is_recorded(alice: User, password: str) -> None:
    elsewhere = Client()
    post_login(elsewhere, alice.email, password)
    assert is_signed_in(elsewhere)
    services.request_password_reset(email=alice.email)
    response = set_new_password(Client(), reset_path(alice))
    assert response["Location"] == "/accounts/login/"
    # The session signed in elsewhere is over.
    assert elsewhere.get("/accounts/")["Location"].startswith("/accounts/login/")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert post_login(Client(), alice.email, password).status_code == 400
    assert post_login(Client(), alice.email, NEW_PASSWORD).status_code == 302
    event = Event.objects.get(tag="accounts:password:reset")
    assert event.data["sessions_ended"] == 1
    assert all(NEW_PASSWORD not in str(d) for d in Event.objects.values_list("data", flat=True))
    notice = emails_to(alice.email)[-1]
    assert "password was changed" in notice.subject
    assert not notice.carries_secret


def test_the_token_leaves_the_address_bar(alice: User) -> None:
    services.request_password_reset(email=alice.email)
    path = reset_path(alice)
    client = Client()
    followed = client.get(path)
    assert followed["Location"].endswith("/set-password/")
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert token not in followed["Location"]
    page = client.get(followed["Location"])
    assert page.status_code == 200
    assert token not in text(page)
    assert page["Cache-Control"].startswith("max-age=0")


def test_a_link_works_once(alice: User) -> None:
    services.request_password_reset(email=alice.email)
    path = reset_path(alice)
    assert set_new_password(Client(), path).status_code == 302
    again = Client().get(path)
    assert again.status_code == 422
    assert "expired or has been used already" in text(again)


def test_a_page_opened_before_the_link_was_used_cannot_use_it_again(alice: User) -> None:
    services.request_password_reset(email=alice.email)
    path = reset_path(alice)
    first, second = Client(), Client()
    first_form = first.get(path)["Location"]
    second_form = second.get(path)["Location"]
    data = {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    assert first.post(first_form, data).status_code == 302
    late = second.post(second_form, {"password": "x" * 20 + "9", "password_again": "x" * 20 + "9"})
    assert late.status_code == 422
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_signing_in_voids_an_earlier_link(alice: User, password: str) -> None:
    services.request_password_reset(email=alice.email)
    path = reset_path(alice)
    post_login(Client(), alice.email, password)
    assert Client().get(path).status_code == 422


def test_an_expired_link_is_refused(alice: User, monkeypatch: pytest.MonkeyPatch) -> None:
    services.request_password_reset(email=alice.email)
    later = datetime.now() + timedelta(hours=1, minutes=1)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = Client().get(reset_path(alice))
    assert response.status_code == 422


def test_a_weak_password_is_refused_and_the_link_stays_good(alice: User, password: str) -> None:
    services.request_password_reset(email=alice.email)
    path = reset_path(alice)
    client = Client()
    weak = set_new_password(client, path, password="short")
    assert weak.status_code == 422
    assert "too short" in text(weak)
    alice.refresh_from_db()
    assert alice.check_password(password)
    assert set_new_password(client, path).status_code == 302


@pytest.mark.parametrize(
    "uid", ["!!", "AAAA", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "LTE", "_w", "MTIzNDU2Nzg5"]
)
def test_a_mangled_link_is_refused_not_a_server_error(alice: User, uid: str) -> None:
    assert Client().get(f"{RESET}{uid}/abc-def/").status_code == 422
    assert Client().get(f"{RESET}{uid}/set-password/").status_code == 422


def test_the_password_page_without_having_followed_the_link_is_refused(alice: User) -> None:
    services.request_password_reset(email=alice.email)
    uid = reset_path(alice).split("/")[4]
    assert Client().get(f"{RESET}{uid}/set-password/").status_code == 422


def test_a_reset_proves_the_address(alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    alice.refresh_from_db()
    assert not alice.has_verified_email
    services.request_password_reset(email=alice.email)
    set_new_password(Client(), reset_path(alice))
    alice.refresh_from_db()
    assert alice.has_verified_email
    event = Event.objects.get(tag="accounts:email:verify")
    assert event.data["how"] == "password_reset"


def test_two_factor_sign_in_stays_on_after_a_reset(alice: User) -> None:
    give_confirmed_totp(alice)
    services.request_password_reset(email=alice.email)
    set_new_password(Client(), reset_path(alice))
    assert post_login(Client(), alice.email, NEW_PASSWORD)["Location"] == "/accounts/login/verify/"


def test_someone_signed_in_here_is_signed_out_by_the_reset(client_for: Any, alice: User) -> None:
    client = client_for(alice)
    services.request_password_reset(email=alice.email)
    response = set_new_password(client, reset_path(alice))
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert "Your password is changed" in text(client.get("/accounts/login/"))
