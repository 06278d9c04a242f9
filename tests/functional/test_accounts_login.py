"""Signing in through the real views: password, two-factor code, lockout, redirects."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import LoginAttempt, Organisation, TotpDevice, User
from accord.accounts.sessions import PENDING_LOGIN_KEY
from accord.audit.models import Event
from tests.accounts.helpers import (
    NON_ASCII_CODES,
    give_confirmed_totp,
    is_signed_in,
    post_code,
    post_login,
    totp_code,
    wrong_code,
)

LOGIN = "/accounts/login/"
VERIFY = "/accounts/login/verify/"


@pytest.fixture
def secretariat(make_user: Any) -> User:
    return make_user("sec@accord.example", instance_role=User.InstanceRole.SECRETARIAT)


# Where a sign-in without a `next` goes; it sends each person on by who they are.
LANDING = "/start/"


def text(response: Any) -> str:
    return response.content.decode()


# Password ------------------------------------------------------------------------------


def test_sign_in_with_email_and_password(client: Client, alice: User, password: str) -> None:
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in text(page)
    response = post_login(client, "Alice@Alpha.Example", password)
    assert response.status_code == 302
    assert response["Location"] == LANDING
    assert client.get(LANDING)["Location"] == "/accounts/"  # a member lands on the account
    assert is_signed_in(client)
    assert client.get("/accounts/").status_code == 200
    assert LoginAttempt.objects.get().succeeded
    assert Event.objects.filter(tag="accounts:login:succeed").count() == 1


def test_sign_in_rotates_the_session_key(client: Client, alice: User, password: str) -> None:
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    planted_key = session.session_key
    post_login(client, alice.email, password)
    assert client.session.session_key != planted_key


@pytest.mark.parametrize(
    ("email", "secret"),
    [("alice@alpha.example", "wrong password 123"), ("nobody@alpha.example", "whatever 12345")],
)
def test_wrong_password_and_unknown_email_get_the_same_message(
    client: Client, alice: User, email: str, secret: str
) -> None:
    response = post_login(client, email, secret)
    assert response.status_code == 400
    assert "The email address or password is wrong." in text(response)
    assert not is_signed_in(client)
    [event] = Event.objects.filter(tag="accounts:login:fail")
    assert secret not in str(event.data)


def test_inactive_accounts_cannot_sign_in(client: Client, alice: User, password: str) -> None:
    alice.is_active = False
    alice.save()
    assert post_login(client, alice.email, password).status_code == 400
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "alice@alpha.example"},
        {"password": "x"},
        {"email": "not an email", "password": "x"},
        {"email": "a" * 300 + "@example.org", "password": "x"},
        {"email": "alice@alpha.example", "password": "x" * 5000},
    ],
)
def test_bad_sign_in_input_is_a_re_rendered_form(
    client: Client, alice: User, data: dict[str, str]
) -> None:
    response = client.post(LOGIN, data)
    assert response.status_code == 400
    assert 'class="errorlist' in text(response)
    assert not is_signed_in(client)


def test_login_needs_a_csrf_token(alice: User, password: str) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"email": alice.email, "password": password})
    assert response.status_code == 403
    assert not is_signed_in(client)


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/accounts/organisations/alpha/", "/accounts/organisations/alpha/"),
        ("https://evil.example/", LANDING),
        ("//evil.example/", LANDING),
        ("/\\evil.example/", LANDING),
        ("javascript:alert(1)", LANDING),
    ],
)
def test_only_a_safe_next_is_honoured(
    client: Client, alice: User, password: str, next_url: str, expected: str
) -> None:
    response = post_login(client, alice.email, password, next_url=next_url)
    assert response["Location"] == expected


def test_sign_out_is_post_only(client: Client, alice: User, password: str) -> None:
    post_login(client, alice.email, password)
    assert client.get("/accounts/logout/").status_code == 405
    assert is_signed_in(client)
    assert client.post("/accounts/logout/").status_code == 302
    assert not is_signed_in(client)


def test_signing_out_is_recorded(client: Client, alice: User, password: str) -> None:
    post_login(client, alice.email, password)
    response = client.post("/accounts/logout/", REMOTE_ADDR="192.0.2.7")

    assert response["Location"] == "/"
    [event] = Event.objects.filter(tag="accounts:session:end")
    assert (event.actor, event.object_id) == (alice, str(alice.pk))
    assert event.data == {"email": alice.email, "ip": "192.0.2.7", "reason": "signed_out"}


def test_signing_out_when_signed_out_records_nothing(db: None, client: Client) -> None:
    assert client.post("/accounts/logout/").status_code == 302
    assert not Event.objects.filter(tag="accounts:session:end").exists()


# Lockout -------------------------------------------------------------------------------


def test_lockout_after_failures_for_one_email_from_one_address(
    client: Client, alice: User, password: str, settings: Any
) -> None:
    for _ in range(settings.ACCORD_LOGIN_MAX_FAILURES):
        post_login(client, alice.email, "wrong password 123", ip="198.51.100.1")
    response = post_login(client, alice.email, password, ip="198.51.100.1")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in text(response)
    assert not is_signed_in(client)
    assert Event.objects.filter(tag="accounts:login:lockout").count() == 1
    # Alice herself, from her own address, is not locked out by those guesses.
    assert post_login(Client(), alice.email, password, ip="203.0.113.50").status_code == 302


def test_guesses_from_many_addresses_lock_the_account(
    client: Client, alice: User, password: str, settings: Any
) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES_PER_ACCOUNT = 8
    for number in range(8):
        post_login(client, alice.email, "wrong password 123", ip=f"198.51.100.{number}")
    response = post_login(client, alice.email, password, ip="203.0.113.50")
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_lockout_after_failures_from_one_address(
    client: Client, alice: User, bob: User, password: str, settings: Any
) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    for number in range(8):
        post_login(client, f"guess{number}@example.org", "wrong password 1", ip="198.51.100.9")
    response = post_login(client, bob.email, password, ip="198.51.100.9")
    assert response.status_code == 429
    assert not is_signed_in(client)
    assert post_login(Client(), alice.email, password, ip="198.51.100.10").status_code == 302


def test_a_few_failures_from_anyone_do_not_lock_everyone_out(
    client: Client, alice: User, password: str, settings: Any
) -> None:
    # Behind one proxy address, five strangers' typos must not shut the door on Alice.
    for number in range(settings.ACCORD_LOGIN_MAX_FAILURES):
        post_login(client, f"typo{number}@example.org", "wrong password 1", ip="198.51.100.9")
    assert post_login(Client(), alice.email, password, ip="198.51.100.9").status_code == 302


def test_parallel_guesses_cannot_exceed_the_limit(
    alice: User, settings: Any, monkeypatch: Any
) -> None:
    """Each guess is counted before its password is checked, so guesses that overlap in
    time see each other: here every guess arrives while all earlier ones are in flight."""
    from accord.accounts import views

    settings.ACCORD_LOGIN_MAX_FAILURES = 3
    checked: list[str] = []

    def in_flight(request: Any, username: str, password: str) -> None:
        checked.append(password)
        # The next guess arrives now, before this one's password check has finished.
        if len(checked) < 10:
            post_login(Client(), alice.email, f"guess {len(checked)}", ip="198.51.100.1")

    monkeypatch.setattr(views, "authenticate", in_flight)
    post_login(Client(), alice.email, "guess 0", ip="198.51.100.1")
    assert len(checked) <= settings.ACCORD_LOGIN_MAX_FAILURES


def test_lockout_does_not_check_the_password(
    client: Client, alice: User, password: str, settings: Any, monkeypatch: Any
) -> None:
    for _ in range(settings.ACCORD_LOGIN_MAX_FAILURES):
        post_login(client, alice.email, "wrong password 123")
    checked: list[str] = []
    monkeypatch.setattr(User, "check_password", lambda self, raw: checked.append(raw))
    assert post_login(client, alice.email, password).status_code == 429
    assert checked == []


# Two-factor code step ------------------------------------------------------------------


def test_password_alone_does_not_sign_in_someone_with_two_factor(
    client: Client, alice: User, password: str
) -> None:
    give_confirmed_totp(alice)
    response = post_login(client, alice.email, password)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert not is_signed_in(client)
    assert client.get("/accounts/")["Location"].startswith(LOGIN)
    assert not LoginAttempt.objects.filter(succeeded=True).exists()


def test_the_right_code_signs_in(client: Client, alice: User, password: str) -> None:
    secret = give_confirmed_totp(alice)
    post_login(client, alice.email, password, next_url="/accounts/organisations/alpha/")
    assert "Enter your two-factor code" in text(client.get(VERIFY))
    response = post_code(client, totp_code(secret))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/organisations/alpha/"
    assert is_signed_in(client)
    assert PENDING_LOGIN_KEY not in client.session
    assert client.get("/accounts/").status_code == 200


def test_a_wrong_code_fails(client: Client, alice: User, password: str) -> None:
    secret = give_confirmed_totp(alice)
    post_login(client, alice.email, password)
    response = post_code(client, wrong_code(secret))
    assert response.status_code == 400
    assert "not right" in text(response)
    assert not is_signed_in(client)
    assert LoginAttempt.objects.get(stage="totp").succeeded is False


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", *NON_ASCII_CODES, "x" * 5000])
def test_malformed_codes_are_refused(client: Client, alice: User, password: str, code: str) -> None:
    give_confirmed_totp(alice)
    post_login(client, alice.email, password)
    response = post_code(client, code)
    assert response.status_code == 400
    assert not is_signed_in(client)


def test_a_used_code_cannot_be_used_again(alice: User, password: str) -> None:
    secret = give_confirmed_totp(alice)
    code = totp_code(secret)
    first = Client()
    post_login(first, alice.email, password)
    assert post_code(first, code).status_code == 302
    second = Client()
    post_login(second, alice.email, password)
    response = post_code(second, code)
    assert response.status_code == 400
    assert not is_signed_in(second)


def test_the_code_step_expires_after_five_minutes(
    client: Client, alice: User, password: str
) -> None:
    secret = give_confirmed_totp(alice)
    post_login(client, alice.email, password)
    session = client.session
    session[PENDING_LOGIN_KEY]["started"] -= 301
    session.save()
    response = post_code(client, totp_code(secret))
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert not is_signed_in(client)


def test_the_code_step_without_a_password_goes_to_sign_in(client: Client, db: None) -> None:
    assert client.get(VERIFY)["Location"] == LOGIN
    assert client.post(VERIFY, {"code": "123456"})["Location"] == LOGIN


def test_code_guessing_is_locked_out_too(
    client: Client, alice: User, password: str, settings: Any
) -> None:
    secret = give_confirmed_totp(alice)
    post_login(client, alice.email, password)
    for _ in range(settings.ACCORD_LOGIN_MAX_FAILURES):
        assert post_code(client, wrong_code(secret)).status_code == 400
    assert post_code(client, totp_code(secret)).status_code == 429
    assert not is_signed_in(client)
    # Starting again does not buy more guesses.
    assert post_login(Client(), alice.email, password, ip="203.0.113.8").status_code == 429


# Secretariat admins -------------------------------------------------------------------


def test_a_new_secretariat_admin_must_set_up_two_factor_first(
    client: Client, secretariat: User, password: str
) -> None:
    assert post_login(client, secretariat.email, password)["Location"] == LANDING
    assert client.get(LANDING)["Location"] == "/accounts/two-factor/setup/"
    page = client.get("/accounts/two-factor/setup/")
    assert "<svg" in text(page)
    secret = TotpDevice.objects.get(user=secretariat).secret
    assert client.get("/accounts/")["Location"] == "/accounts/two-factor/setup/"
    confirmed = client.post("/accounts/two-factor/setup/", {"code": totp_code(secret)})
    assert confirmed.status_code == 200
    assert "Save your recovery codes" in text(confirmed)
    assert client.get("/accounts/").status_code == 200
    assert Event.objects.filter(tag="accounts:totp:enable").count() == 1


def test_an_enrolled_secretariat_admin_signs_in_with_a_code(
    client: Client, secretariat: User, password: str, org_b: Organisation
) -> None:
    secret = give_confirmed_totp(secretariat)
    assert post_login(client, secretariat.email, password)["Location"] == VERIFY
    assert post_code(client, totp_code(secret)).status_code == 302
    assert client.get("/accounts/").status_code == 200
    assert client.get("/accounts/organisations/beta/").status_code == 200


def test_enabling_two_factor_signs_out_other_password_sessions(alice: User, password: str) -> None:
    laptop, stolen = Client(), Client()
    post_login(laptop, alice.email, password)
    post_login(stolen, alice.email, password)
    laptop.get("/accounts/two-factor/setup/")
    secret = TotpDevice.objects.get(user=alice).secret
    laptop.post("/accounts/two-factor/setup/", {"code": totp_code(secret)})
    assert laptop.get("/accounts/").status_code == 200
    assert stolen.get("/accounts/")["Location"].startswith(LOGIN)
    assert not is_signed_in(stolen)
