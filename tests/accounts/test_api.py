"""The accounts API: bearer tokens, and a token seeing only its own organisation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import ANY

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts import services
from accord.accounts.models import ApiToken, Membership, Organisation, User
from tests.accounts.helpers import bearer

ME = "/api/v1/accounts/me"
ORGANISATION = "/api/v1/accounts/organisation"


def assert_unauthorised(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "valid API token" in response.json()["detail"]


def test_me(client: Client, alice_token: tuple[ApiToken, str]) -> None:
    token, secret = alice_token
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 200
    assert response.json() == {
        "email": "alice@alpha.example",
        "full_name": "",
        "organisation": "alpha",
        "role": "org_admin",
        "token": {"name": "ci", "prefix": token.prefix, "expires_at": ANY},
    }
    # Every token expires, by default after ACCORD_TOKEN_DEFAULT_DAYS.
    assert token.expires_at is not None
    assert response.json()["token"]["expires_at"].startswith(f"{token.expires_at:%Y-%m-%d}")


def test_organisation_for_an_admin_token_lists_member_emails(
    client: Client, alice_token: tuple[ApiToken, str], alice: User, org_a: Organisation
) -> None:
    body = client.get(ORGANISATION, **bearer(alice_token[1])).json()
    assert body["slug"] == "alpha"
    assert body["members"] == [
        {"full_name": "", "email": "alice@alpha.example", "role": "org_admin"}
    ]


def test_a_member_token_does_not_see_emails(
    client: Client, carol: User, alice: User, org_a: Organisation
) -> None:
    _, secret = services.create_api_token(user=carol, organisation=org_a, name="c")
    members = client.get(ORGANISATION, **bearer(secret)).json()["members"]
    assert len(members) == 2
    assert all(member["email"] is None for member in members)


def test_a_token_for_alpha_never_reads_beta(
    client: Client, carol: User, org_a: Organisation, org_b: Organisation, bob: User
) -> None:
    _, secret = services.create_api_token(user=carol, organisation=org_a, name="c")
    for query in ("", "?slug=beta", "?organisation=beta"):
        body = client.get(ORGANISATION + query, **bearer(secret)).json()
        assert body["slug"] == "alpha"
        assert "energy" not in str(body)
    assert client.get(ME + "?organisation=beta", **bearer(secret)).json()["organisation"] == "alpha"


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Bearer acc_unknown",
        "Bearer not-a-token",
        "Bearer acc_" + "a" * 5000,
        "Token acc_abc",
    ],
)
def test_missing_malformed_and_unknown_tokens_get_401(
    client: Client, alice_token: tuple[ApiToken, str], header: str | None
) -> None:
    extra: dict[str, Any] = {} if header is None else {"HTTP_AUTHORIZATION": header}
    assert_unauthorised(client.get(ME, **extra))
    assert_unauthorised(client.get(ORGANISATION, **extra))


def test_the_digest_itself_is_not_a_credential(
    client: Client, alice_token: tuple[ApiToken, str]
) -> None:
    assert_unauthorised(client.get(ME, **bearer(alice_token[0].digest)))


def test_revoked_token_gets_401(
    client: Client, alice_token: tuple[ApiToken, str], alice: User
) -> None:
    token, secret = alice_token
    services.revoke_api_token(token=token, actor=alice)
    assert_unauthorised(client.get(ME, **bearer(secret)))


def test_expired_token_gets_401_saying_it_expired(
    client: Client, alice_token: tuple[ApiToken, str]
) -> None:
    token, secret = alice_token
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "This API token expired on" in response.json()["detail"]
    assert "Create a new one" in response.json()["detail"]


def test_token_with_future_expiry_works(client: Client, alice: User, org_a: Organisation) -> None:
    expiry = timezone.now() + timedelta(days=1)
    _, secret = services.create_api_token(
        user=alice, organisation=org_a, name="x", expires_at=expiry
    )
    assert client.get(ME, **bearer(secret)).status_code == 200


def test_a_person_removed_from_the_organisation_loses_token_access(
    client: Client, alice_token: tuple[ApiToken, str], alice: User
) -> None:
    secret = alice_token[1]
    assert client.get(ME, **bearer(secret)).status_code == 200
    Membership.objects.filter(user=alice).delete()
    assert_unauthorised(client.get(ME, **bearer(secret)))
    assert_unauthorised(client.get(ORGANISATION, **bearer(secret)))


def test_a_deactivated_person_loses_token_access(
    client: Client, alice_token: tuple[ApiToken, str], alice: User
) -> None:
    alice.is_active = False
    alice.save()
    assert_unauthorised(client.get(ME, **bearer(alice_token[1])))


def test_use_updates_last_used(client: Client, alice_token: tuple[ApiToken, str]) -> None:
    token, secret = alice_token
    client.get(ME, **bearer(secret))
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_openapi_describes_the_endpoints_and_bearer_auth(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    me = document["paths"][ME]["get"]
    assert {"200", "401"} <= set(me["responses"])
    assert me["security"] == [{"BearerToken": []}]
    schemas = document["components"]["schemas"]
    assert {"MeOut", "OrganisationOut", "MemberOut", "ErrorOut"} <= set(schemas)
    assert document["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert ORGANISATION in document["paths"]
