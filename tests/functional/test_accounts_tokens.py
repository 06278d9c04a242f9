"""API tokens end to end: sign in, create a token on the web, use it, revoke it."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client

from accord.accounts.models import ApiToken, Organisation, User
from accord.audit.models import Event
from tests.accounts.helpers import bearer, post_login


def created_secret(response: Any) -> str:
    match = re.search(r'class="secret" id="token-secret">(acc_[^<]+)<', response.content.decode())
    assert match, "the new token's secret is shown"
    return match.group(1)


def test_token_lifecycle_through_the_site_and_the_api(
    client: Client, alice: User, org_a: Organisation, password: str
) -> None:
    post_login(client, alice.email, password)
    created = client.post("/accounts/tokens/", {"name": "deploy", "organisation": "alpha"})
    secret = created_secret(created)
    api = Client()

    me = api.get("/api/v1/accounts/me", **bearer(secret))
    assert me.status_code == 200
    assert me.json()["organisation"] == "alpha"
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    revoked = api.get("/api/v1/accounts/organisation", **bearer(secret))
    assert revoked.status_code == 401
    assert revoked.json() == {"detail": "A valid API token is required (Authorization: Bearer)."}
    tags = list(Event.objects.values_list("tag", flat=True))
    assert {"accounts:token:create", "accounts:token:revoke"} <= set(tags)
    assert all(secret not in str(data) for data in Event.objects.values_list("data", flat=True))


def test_bob_cannot_use_the_site_to_reach_alphas_tokens(
    alice: User, bob: User, org_a: Organisation, org_b: Organisation, password: str
) -> None:
    alice_client, bob_client = Client(), Client()
    post_login(alice_client, alice.email, password)
    secret = created_secret(
        alice_client.post("/accounts/tokens/", {"name": "a", "organisation": "alpha"})
    )
    token = ApiToken.objects.get()

    post_login(bob_client, bob.email, password)
    assert token.prefix not in bob_client.get("/accounts/").content.decode()
    assert bob_client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    refused = bob_client.post("/accounts/tokens/", {"name": "b", "organisation": "alpha"})
    assert refused.status_code == 422
    assert bob_client.get("/accounts/organisations/alpha/").status_code == 404

    assert ApiToken.objects.count() == 1
    assert Client().get("/api/v1/accounts/me", **bearer(secret)).status_code == 200
