"""Account pages: what each person may see and do, and how bad input is answered."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest
from django.test import Client

from accord.accounts import services
from accord.accounts.models import ApiToken, Membership, Organisation, TotpDevice, User
from accord.audit.models import Event
from accord.evidence import services as evidence
from accord.evidence.models import Domain
from tests.accounts.helpers import (
    NON_ASCII_CODES,
    give_confirmed_totp,
    totp_code,
    verified_client,
    wrong_code,
)


def text(response: Any) -> str:
    return response.content.decode()


def without_csrf(page: str) -> str:
    # The masked CSRF token differs on every response.
    page = re.sub(r'"X-CSRFToken": "[^"]*"', "", page)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


# Organisation pages -------------------------------------------------------------------


def test_bob_cannot_see_alphas_page_and_cannot_tell_it_exists(
    client_for: Any, bob: User, org_a: Organisation
) -> None:
    client = client_for(bob)
    hidden = client.get("/accounts/organisations/alpha/")
    missing = client.get("/accounts/organisations/no-such-org/")
    assert hidden.status_code == missing.status_code == 404
    assert "Alpha" not in text(hidden)
    assert without_csrf(text(hidden)) == without_csrf(text(missing))


def test_bob_cannot_change_alpha(client_for: Any, bob: User, org_a: Organisation) -> None:
    client = client_for(bob)
    domain = client.post("/evidence/organisations/alpha/domains/", {"name": "evil.example"})
    member = client.post(
        "/accounts/organisations/alpha/invitations/",
        {"email": "bob@beta.example", "role": "member"},
    )
    assert domain.status_code == member.status_code == 404
    assert not Domain.objects.exists()
    assert not Membership.objects.filter(user=bob, organisation=org_a).exists()


def test_an_org_admin_sees_members_domains_and_forms(
    client_for: Any, alice: User, carol: User, org_a: Organisation
) -> None:
    evidence.add_domain(organisation=org_a, name="alpha.example", actor=alice)
    page = text(client_for(alice).get("/accounts/organisations/alpha/"))
    assert "Alpha Systems" in page
    assert "alpha.example" in page
    assert "carol@both.example" in page
    assert "Register a domain" in page
    assert "Invite a person" in page


def test_a_plain_member_sees_no_emails_or_forms_and_cannot_change(
    client_for: Any, alice: User, carol: User, org_a: Organisation
) -> None:
    client = client_for(carol)
    page = text(client.get("/accounts/organisations/alpha/"))
    assert "Alpha Systems" in page
    assert "alice@alpha.example" not in page
    assert "Register a domain" not in page
    response = client.post("/evidence/organisations/alpha/domains/", {"name": "a.example"})
    assert response.status_code == 403
    assert not Domain.objects.exists()


def test_the_secretariat_sees_every_organisation(secretariat: User, org_a: Organisation) -> None:
    give_confirmed_totp(secretariat)
    response = verified_client(secretariat).get("/accounts/organisations/alpha/")
    assert response.status_code == 200


def test_admin_adds_a_domain(client_for: Any, alice: User, org_a: Organisation) -> None:
    response = client_for(alice).post(
        "/evidence/organisations/alpha/domains/", {"name": "Bücher.Example."}
    )
    assert response.status_code == 302
    assert list(org_a.domains.values_list("name", flat=True)) == ["xn--bcher-kva.example"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required"),
        ("https://alpha.example/", "looks like a URL"),
        ("192.0.2.1", "IP address, not a domain name"),
        ("a" * 64 + ".example", "longer than 63"),
        ("a" * 2000, "at most 1024"),
        ("bad_name.example", "not allowed in a host name"),
        ("a..example", "empty label"),
    ],
)
def test_bad_domain_names_are_explained(
    client_for: Any, alice: User, org_a: Organisation, name: str, message: str
) -> None:
    response = client_for(alice).post("/evidence/organisations/alpha/domains/", {"name": name})
    assert response.status_code == 422
    assert message in text(response)
    assert not Domain.objects.exists()


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"email": "alice@alpha.example", "role": "member"}, 409, "already a member"),
        ({"email": "not-an-email", "role": "member"}, 422, "valid email"),
        ({"email": "dana@example.org", "role": "owner"}, 422, "valid choice"),
        ({}, 422, "This field is required"),
    ],
)
def test_bad_invitation_input_is_explained(
    client_for: Any,
    alice: User,
    org_a: Organisation,
    data: dict[str, str],
    status: int,
    message: str,
) -> None:
    response = client_for(alice).post("/accounts/organisations/alpha/invitations/", data)
    assert response.status_code == status
    assert message in text(response)


def test_post_only_endpoints_refuse_get(client_for: Any, alice: User, org_a: Organisation) -> None:
    client = client_for(alice)
    for path in (
        "/accounts/tokens/",
        "/accounts/tokens/1/revoke/",
        "/accounts/two-factor/disable/",
        "/evidence/organisations/alpha/domains/",
        "/accounts/logout/",
    ):
        assert client.get(path).status_code == 405, path


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, org_a: Organisation) -> None:
    for path in ("/accounts/", "/accounts/organisations/alpha/", "/accounts/two-factor/setup/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    assert client.post("/accounts/tokens/", {"name": "x"}).status_code == 302
    assert not ApiToken.objects.exists()


# Account page and tokens ----------------------------------------------------------------


def test_account_page_shows_the_person(
    client_for: Any, alice: User, alice_token: tuple[ApiToken, str]
) -> None:
    services.record_login_attempt(email=alice.email, ip="198.51.100.4", succeeded=False)
    page = text(client_for(alice).get("/accounts/"))
    assert "alice@alpha.example" in page
    assert "Alpha Systems" in page
    assert "Organisation admin" in page
    assert "Set it up" in page
    assert alice_token[0].prefix in page
    assert "Revoke" in page
    assert "198.51.100.4" in page
    assert alice_token[1] not in page


def test_creating_a_token_shows_the_secret_once(
    client_for: Any, alice: User, org_a: Organisation
) -> None:
    client = client_for(alice)
    response = client.post(
        "/accounts/tokens/", {"name": "deploy", "organisation": "alpha", "expires": "30"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = text(response)
    secret = page.split('class="secret" id="token-secret">')[1].split("<")[0]
    assert secret.startswith("acc_")
    assert "will not be shown again" in page
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert token.expires_at is not None
    assert secret not in str(dict(client.session))
    assert secret not in text(client.get("/accounts/"))
    assert all(secret not in str(event.data) for event in Event.objects.all())


def test_bob_cannot_create_a_token_for_alpha(
    client_for: Any, bob: User, org_a: Organisation
) -> None:
    response = client_for(bob).post("/accounts/tokens/", {"name": "x", "organisation": "alpha"})
    assert response.status_code == 422
    assert "valid choice" in text(response)
    assert not ApiToken.objects.exists()


def test_the_secretariat_is_offered_no_token_form(secretariat: User, org_a: Organisation) -> None:
    give_confirmed_totp(secretariat)
    page = text(verified_client(secretariat).get("/accounts/"))
    assert "Create token" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organisation": "alpha"}, "This field is required"),
        ({"name": "n" * 101, "organisation": "alpha"}, "at most 100"),
        ({"name": "x", "organisation": "alpha", "expires": "7"}, "valid choice"),
        ({"name": "x"}, "This field is required"),
    ],
)
def test_bad_token_input_is_explained(
    client_for: Any, alice: User, org_a: Organisation, data: dict[str, str], message: str
) -> None:
    response = client_for(alice).post("/accounts/tokens/", data)
    assert response.status_code == 422
    assert message in text(response)
    assert not ApiToken.objects.exists()


def test_bob_cannot_see_or_revoke_alices_token(
    client_for: Any, bob: User, alice_token: tuple[ApiToken, str]
) -> None:
    token = alice_token[0]
    client = client_for(bob)
    assert token.prefix not in text(client.get("/accounts/"))
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_alice_revokes_her_token_and_it_stops_working(
    client_for: Any, alice: User, alice_token: tuple[ApiToken, str]
) -> None:
    token, secret = alice_token
    response = client_for(alice).post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    assert "is revoked" in text(response)
    api = Client().get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.status_code == 401


# Two-factor set-up and disabling --------------------------------------------------------


def test_setup_shows_a_qr_code_and_the_secret(client_for: Any, alice: User) -> None:
    response = client_for(alice).get("/accounts/two-factor/setup/")
    device = TotpDevice.objects.get(user=alice)
    page = text(response)
    assert "<svg" in page
    assert f'class="secret" id="totp-secret">{device.secret}<' in page
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", "12a456", *NON_ASCII_CODES])
def test_setup_refuses_malformed_codes(client_for: Any, alice: User, code: str) -> None:
    response = client_for(alice).post("/accounts/two-factor/setup/", {"code": code})
    assert response.status_code == 422
    assert not TotpDevice.objects.get(user=alice).is_confirmed


def test_setup_refuses_a_wrong_code_and_accepts_the_right_one(client_for: Any, alice: User) -> None:
    client = client_for(alice)
    client.get("/accounts/two-factor/setup/")
    secret = TotpDevice.objects.get(user=alice).secret
    wrong = client.post("/accounts/two-factor/setup/", {"code": wrong_code(secret)})
    assert wrong.status_code == 422
    assert "not right" in text(wrong)
    code = totp_code(secret)
    right = client.post("/accounts/two-factor/setup/", {"code": code[:3] + " " + code[3:]})
    # The answer is the page of recovery codes, shown this once.
    assert right.status_code == 200
    assert "Save your recovery codes" in text(right)
    assert TotpDevice.objects.get(user=alice).is_confirmed
    # The session that confirmed the device counts as having passed the code step.
    assert client.get("/accounts/").status_code == 200


def test_disable_needs_a_right_code(alice: User) -> None:
    secret = give_confirmed_totp(alice)
    client = verified_client(alice)
    for code in ("", "abc", wrong_code(secret)):
        response = client.post("/accounts/two-factor/disable/", {"code": code})
        assert response.status_code == 422
        assert TotpDevice.objects.filter(user=alice).exists()
    response = client.post("/accounts/two-factor/disable/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert not TotpDevice.objects.filter(user=alice).exists()


def test_the_secretariat_cannot_disable_two_factor(secretariat: User) -> None:
    secret = give_confirmed_totp(secretariat)
    client = verified_client(secretariat)
    assert "Turn off" not in text(client.get("/accounts/"))
    response = client.post("/accounts/two-factor/disable/", {"code": totp_code(secret)})
    assert response.status_code == 403
    assert TotpDevice.objects.filter(user=secretariat).exists()
