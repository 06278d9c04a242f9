"""Two-factor enforcement on every request, whatever created the session.

`force_login` bypasses the sign-in views entirely, which is exactly the kind of session
(created by something other than the code step) the middleware must not trust.
"""

from __future__ import annotations

from django.test import Client

from accord.accounts.models import TotpDevice, User
from accord.audit.models import Event
from tests.accounts.helpers import (
    give_confirmed_totp,
    is_signed_in,
    password_only_client,
    verified_client,
)

SETUP = "/accounts/two-factor/setup/"


def test_a_secretariat_admin_without_two_factor_can_only_set_it_up(secretariat: User) -> None:
    client = password_only_client(secretariat)
    for path in ("/", "/accounts/", "/accounts/organisations/alpha/", "/catalogue/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SETUP
    assert client.get(SETUP).status_code == 200
    assert client.get("/static/web/accord.css").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert not is_signed_in(client)


def test_an_unconfirmed_device_is_not_enough(secretariat: User) -> None:
    client = password_only_client(secretariat)
    client.get(SETUP)  # creates a pending device
    assert client.get("/accounts/")["Location"] == SETUP


def test_a_password_only_session_of_an_enrolled_admin_is_signed_out(secretariat: User) -> None:
    give_confirmed_totp(secretariat)
    client = password_only_client(secretariat)
    response = client.get("/accounts/organisations/alpha/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/organisations/alpha/"
    assert not is_signed_in(client)


def test_a_session_signed_out_for_a_missing_code_step_is_recorded(alice: User) -> None:
    give_confirmed_totp(alice)
    password_only_client(alice).get("/accounts/")

    [event] = Event.objects.filter(tag="accounts:session:end")
    assert (event.actor, event.data["reason"]) == (alice, "two_factor_required")


def test_the_same_holds_for_anyone_with_two_factor_on(alice: User) -> None:
    give_confirmed_totp(alice)
    client = password_only_client(alice)
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")
    assert not is_signed_in(client)


def test_a_session_past_the_code_step_passes(secretariat: User) -> None:
    give_confirmed_totp(secretariat)
    assert verified_client(secretariat).get("/accounts/").status_code == 200


def test_a_secretariat_admin_whose_device_is_gone_must_enrol_again(secretariat: User) -> None:
    give_confirmed_totp(secretariat)
    client = verified_client(secretariat)
    TotpDevice.objects.filter(user=secretariat).delete()
    assert client.get("/accounts/")["Location"] == SETUP


def test_the_mark_belongs_to_one_person(secretariat: User, alice: User) -> None:
    give_confirmed_totp(secretariat)
    client = verified_client(alice)
    client.force_login(secretariat)  # a different person in a session marked for alice
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")


def test_people_without_two_factor_are_not_disturbed(bob: User) -> None:
    assert password_only_client(bob).get("/accounts/").status_code == 200


def test_anonymous_requests_pass(client: Client, db: None) -> None:
    assert client.get("/accounts/login/").status_code == 200
