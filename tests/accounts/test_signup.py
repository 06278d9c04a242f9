"""Signing up, and proving the address: services and pages.

The answer to a sign-up never tells whether the address has an account; the email to
the address does. A new account is unverified until its link is followed, once.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from accord.accounts import services
from accord.accounts.models import AccountRequest, Membership, User
from accord.audit.models import Event
from accord.notifications.models import Message
from tests.accounts.helpers import emails_to, link_in, verified_client, without_csrf

SIGNUP = "/accounts/signup/"
NEW = "new.person@example.org"


def text(response: Any) -> str:
    return response.content.decode()


def signup_form(email: str = NEW, password: str = "correct horse battery staple 42") -> dict:
    return {
        "email": email,
        "full_name": "New Person",
        "password": password,
        "password_again": password,
    }


# The service ---------------------------------------------------------------------------


def test_sign_up_opens_an_unverified_account_with_no_role_and_emails_a_link(
    db: None, password: str
) -> None:
    services.sign_up(email=" New.Person@Example.org ", password=password, full_name="New")
    user = User.objects.get(email=NEW)
    assert user.check_password(password)
    assert not user.has_verified_email
    assert user.instance_role == User.InstanceRole.NONE
    assert not Membership.objects.filter(user=user).exists()
    [message] = emails_to(NEW)
    assert message.carries_secret
    assert "/accounts/verify/" in message.body
    assert message.body.count("http://127.0.0.1:8000/accounts/verify/") == 1
    event = Event.objects.get(tag="accounts:signup:request")
    assert event.data == {"email": NEW, "existing": False}
    assert all(password not in str(data) for data in Event.objects.values_list("data", flat=True))


def test_sign_up_with_a_taken_address_changes_nothing_and_offers_a_reset(
    alice: User, password: str
) -> None:
    services.sign_up(email="ALICE@alpha.example", password="another fine passphrase 7")
    assert User.objects.filter(email__iexact="alice@alpha.example").count() == 1
    alice.refresh_from_db()
    assert alice.check_password(password)
    [message] = emails_to(alice.email)
    assert "already has an account" in message.body
    assert "/accounts/password/reset/" in message.body
    assert "/accounts/verify/" not in message.body
    assert message.carries_secret
    event = Event.objects.get(tag="accounts:signup:request")
    assert event.data == {"email": alice.email, "existing": True}


def test_a_closed_account_is_told_it_is_closed_with_no_link(make_user: Any) -> None:
    closed = make_user("closed@example.org", is_active=False)
    services.sign_up(email=closed.email, password="another fine passphrase 7")
    [message] = emails_to(closed.email)
    assert "closed" in message.body
    assert "http" not in message.body


@pytest.mark.parametrize(
    ("email", "secret", "field"),
    [
        ("not an address", "correct horse battery staple 42", "email"),
        (NEW, "short", "password"),
        (NEW, "password12345", "password"),
        (NEW, "new.person@example.org", "password"),
    ],
)
def test_sign_up_refuses_bad_input_before_looking_the_address_up(
    db: None, email: str, secret: str, field: str
) -> None:
    with pytest.raises(services.AccountError) as refused:
        services.sign_up(email=email, password=secret)
    assert refused.value.field == field  # type: ignore[attr-defined]
    assert not User.objects.exists()
    assert not Message.objects.exists()


def test_a_weak_password_is_refused_alike_for_a_taken_address(alice: User) -> None:
    with pytest.raises(services.WeakPassword):
        services.sign_up(email=alice.email, password="short")
    assert not Message.objects.exists()


# Sign-up pages: the same answer whatever the address -------------------------------


def test_the_answer_is_the_same_for_a_new_and_a_taken_address(alice: User) -> None:
    answers = []
    for email in (NEW, alice.email):
        response = Client().post(SIGNUP, signup_form(email), follow=True)
        answers.append(response)
    new, taken = answers
    assert new.redirect_chain == taken.redirect_chain == [("/accounts/signup/done/", 302)]
    assert new.status_code == taken.status_code == 200
    assert without_csrf(text(new)) == without_csrf(text(taken))
    assert "Check your email to finish" in text(new)
    # The difference is only in what each address was sent.
    assert "/accounts/verify/" in emails_to(NEW)[0].body
    assert "already has an account" in emails_to(alice.email)[0].body


def test_a_refused_sign_up_reads_the_same_for_a_new_and_a_taken_address(alice: User) -> None:
    bodies = []
    for email in (NEW, alice.email):
        response = Client().post(SIGNUP, signup_form(email, password="abc"))
        assert response.status_code == 422
        bodies.append(without_csrf(text(response)).replace(email, "EMAIL"))
    assert bodies[0] == bodies[1]
    assert "too short" in bodies[0]


def test_the_sign_up_form_asks_for_the_same_password_twice(db: None) -> None:
    data = {**signup_form(), "password_again": "something else entirely 9"}
    response = Client().post(SIGNUP, data)
    assert response.status_code == 422
    assert "The two passwords differ." in text(response)
    assert not User.objects.exists()


def test_the_sign_up_page_renders_and_is_linked_from_sign_in(db: None) -> None:
    page = Client().get(SIGNUP)
    assert page.status_code == 200
    assert 'name="email"' in text(page)
    assert 'name="password_again"' in text(page)
    assert 'href="/accounts/signup/"' in text(Client().get("/accounts/login/"))


def test_someone_signed_in_is_sent_to_their_account(client_for: Any, alice: User) -> None:
    assert client_for(alice).get(SIGNUP)["Location"] == "/accounts/"


def test_sign_ups_are_limited_per_address_asked_about(db: None, settings: Any) -> None:
    settings.ACCORD_ACCOUNT_REQUESTS_PER_EMAIL = 2
    statuses = [
        Client().post(SIGNUP, signup_form(), REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(1, 4)
    ]
    assert statuses == [302, 302, 429]
    assert len(emails_to(NEW)) == 2


def test_sign_ups_are_limited_per_client(db: None, settings: Any) -> None:
    settings.ACCORD_ACCOUNT_REQUESTS_PER_ADDRESS = 2
    client = Client()
    statuses = [
        client.post(SIGNUP, signup_form(f"p{n}@example.org"), REMOTE_ADDR="192.0.2.7").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    refused = client.post(SIGNUP, signup_form("p9@example.org"), REMOTE_ADDR="192.0.2.7")
    assert "Too many requests" in text(refused)
    assert not User.objects.filter(email="p9@example.org").exists()
    # Another client is not held up by this one.
    other = Client().post(SIGNUP, signup_form("p9@example.org"), REMOTE_ADDR="192.0.2.8")
    assert other.status_code == 302


def test_a_refused_request_does_not_count(db: None, settings: Any) -> None:
    settings.ACCORD_ACCOUNT_REQUESTS_PER_EMAIL = 1
    ask = {"action": AccountRequest.Action.SIGN_UP, "email": NEW, "ip": "192.0.2.1"}
    assert services.admit_account_request(**ask)
    assert not services.admit_account_request(**ask)
    assert AccountRequest.objects.count() == 1


# Verifying the address -------------------------------------------------------------


@pytest.fixture
def newcomer(db: None, password: str) -> User:
    services.sign_up(email=NEW, password=password)
    return User.objects.get(email=NEW)


def verification_path(user: User) -> str:
    return link_in(emails_to(user.email)[-1], "/accounts/verify/")


def test_following_the_link_verifies_the_address_once(newcomer: User) -> None:
    path = verification_path(newcomer)
    response = Client().get(path)
    assert response["Location"] == "/accounts/login/"
    newcomer.refresh_from_db()
    assert newcomer.has_verified_email
    assert Event.objects.get(tag="accounts:email:verify").data["how"] == "link"
    again = Client().get(path)
    assert again.status_code == 422
    assert "used already" in text(again)
    assert Event.objects.filter(tag="accounts:email:verify").count() == 1


def test_the_link_secret_is_stored_nowhere_but_the_unsent_email(newcomer: User) -> None:
    token = verification_path(newcomer).rstrip("/").rsplit("/", 1)[1]
    assert all(token not in str(data) for data in Event.objects.values_list("data", flat=True))
    assert token not in str(list(User.objects.values()))
    # Once an SMTP server accepts it, the one copy is wiped (the outbox's promise).
    assert Message.objects.get(to_address=NEW).carries_secret


def test_an_expired_link_is_refused(
    newcomer: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    four_days_ago = time.time() - 4 * 24 * 3600
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: four_days_ago)
        services.send_verification_email(user=newcomer)
    response = Client().get(verification_path(newcomer))
    assert response.status_code == 422
    assert "expired" in text(response)
    newcomer.refresh_from_db()
    assert not newcomer.has_verified_email


@pytest.mark.parametrize("token", ["nonsense", "a" * 1900, "eyJ1c2VyIjoxfQ:1abc:forged"])
def test_a_malformed_or_forged_link_is_refused(newcomer: User, token: str) -> None:
    response = Client().get(f"/accounts/verify/{token}/")
    assert response.status_code == 422
    assert "not valid" in text(response)


def test_a_link_for_an_earlier_address_is_refused(newcomer: User) -> None:
    path = verification_path(newcomer)
    User.objects.filter(pk=newcomer.pk).update(email="changed@example.org")
    assert Client().get(path).status_code == 422


def test_a_link_signed_for_another_purpose_is_refused(newcomer: User) -> None:
    forged = signing.dumps({"user": newcomer.pk, "address": "x"}, salt="something else")
    assert Client().get(f"/accounts/verify/{forged}/").status_code == 422


def test_an_unverified_account_signs_in_and_sees_a_banner(newcomer: User, password: str) -> None:
    client = Client()
    assert client.post("/accounts/login/", {"email": NEW, "password": password}).status_code == 302
    page = text(client.get("/accounts/"))
    assert 'id="email-unconfirmed"' in page
    assert "not confirmed" in page
    client.get(verification_path(newcomer))
    assert 'id="email-unconfirmed"' not in text(client.get("/accounts/"))


def test_the_link_can_be_sent_again_and_both_work_until_one_is_used(newcomer: User) -> None:
    client = verified_client(newcomer)
    response = client.post("/accounts/verify/resend/", follow=True)
    assert "We sent a new confirmation link" in text(response)
    first, second = emails_to(NEW)
    assert Client().get(link_in(second, "/accounts/verify/")).status_code == 302
    assert Client().get(link_in(first, "/accounts/verify/")).status_code == 422


def test_sending_the_link_again_is_limited(newcomer: User, settings: Any) -> None:
    settings.ACCORD_ACCOUNT_REQUESTS_PER_EMAIL = 1
    client = verified_client(newcomer)
    assert client.post("/accounts/verify/resend/").status_code == 302
    assert client.post("/accounts/verify/resend/").status_code == 429
    assert len(emails_to(NEW)) == 2  # the sign-up's, and one more


def test_a_verified_account_is_sent_no_link(alice: User) -> None:
    services.mark_email_verified(user=alice, how="test")
    alice.refresh_from_db()
    assert not services.send_verification_email(user=alice)
    response = verified_client(alice).post("/accounts/verify/resend/", follow=True)
    assert "confirmed already" in text(response)
    assert not emails_to(alice.email)


def test_a_closed_accounts_link_is_refused(newcomer: User) -> None:
    path = verification_path(newcomer)
    User.objects.filter(pk=newcomer.pk).update(is_active=False)
    assert Client().get(path).status_code == 422


def test_marking_an_address_verified_is_recorded_once(alice: User) -> None:
    User.objects.filter(pk=alice.pk).update(email_verified_at=None)
    alice.refresh_from_db()
    first = services.mark_email_verified(user=alice, how="invitation")
    second = services.mark_email_verified(user=alice, how="invitation")
    assert first.email_verified_at == second.email_verified_at is not None
    assert Event.objects.filter(tag="accounts:email:verify").count() == 1
