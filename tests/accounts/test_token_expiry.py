"""Every API token expires: by default, at most after a year, shown in the list, refused
with a message once expired, and its owner is told a week ahead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts import services
from accord.accounts.models import ApiToken, Organisation, User
from accord.audit.models import Event
from accord.notifications.models import Notification
from tests.accounts.helpers import bearer, emails_to, verified_client

ME = "/api/v1/accounts/me"


def test_a_token_expires_by_default(alice: User, org_a: Organisation, settings: Any) -> None:
    settings.ACCORD_TOKEN_DEFAULT_DAYS = 30
    before = timezone.now()
    token, _ = services.create_api_token(user=alice, organisation=org_a, name="ci")
    assert token.expires_at is not None
    assert before + timedelta(days=30) <= token.expires_at <= timezone.now() + timedelta(days=30)


def test_a_token_expires_within_a_year(alice: User, org_a: Organisation) -> None:
    too_late = timezone.now() + timedelta(days=366)
    with pytest.raises(services.InvalidInput) as refused:
        services.create_api_token(user=alice, organisation=org_a, name="x", expires_at=too_late)
    assert refused.value.field == "expires"
    in_a_year = timezone.now() + timedelta(days=365)
    token, _ = services.create_api_token(
        user=alice, organisation=org_a, name="y", expires_at=in_a_year
    )
    assert token.expires_at == in_a_year


def test_the_form_offers_no_never_and_defaults_to_the_instances_lifetime(
    alice: User, org_a: Organisation
) -> None:
    client = verified_client(alice)
    page = client.get("/accounts/").content.decode()
    assert "Never</option>" not in page
    assert '<option value="90" selected>In 90 days</option>' in page
    client.post("/accounts/tokens/", {"name": "deploy", "organisation": "alpha", "expires": ""})
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    assert token.expires_at > timezone.now() + timedelta(days=89)
    refused = client.post(
        "/accounts/tokens/", {"name": "other", "organisation": "alpha", "expires": "9999"}
    )
    assert refused.status_code == 422


def test_the_list_shows_each_tokens_expiry(alice: User, org_a: Organisation) -> None:
    token, _ = services.create_api_token(user=alice, organisation=org_a, name="ci")
    page = verified_client(alice).get("/accounts/").content.decode()
    assert '<th scope="col">Expires</th>' in page
    assert f"{token.expires_at:%Y-%m-%d %H:%M}" in page
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    assert "<td>Expired</td>" in verified_client(alice).get("/accounts/").content.decode()


def test_an_expired_token_is_refused_saying_when_it_expired(
    client: Client, alice: User, org_a: Organisation
) -> None:
    token, secret = services.create_api_token(user=alice, organisation=org_a, name="ci")
    assert client.get(ME, **bearer(secret)).status_code == 200
    expired_at = timezone.now() - timedelta(hours=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=expired_at)
    response = client.get(ME, **bearer(secret))
    assert response.status_code == 401
    assert response.json() == {
        "detail": f"This API token expired on {expired_at:%Y-%m-%d %H:%M} UTC. "
        "Create a new one on your account page."
    }


def test_a_revoked_or_unknown_token_gets_the_plain_refusal(
    client: Client, alice: User, org_a: Organisation
) -> None:
    token, secret = services.create_api_token(user=alice, organisation=org_a, name="ci")
    services.revoke_api_token(token=token, actor=alice)
    for presented in (secret, "acc_unknown"):
        response = client.get(ME, **bearer(presented))
        assert response.status_code == 401
        assert "expired" not in response.json()["detail"]


def test_the_owner_is_told_once_a_week_before_expiry(alice: User, org_a: Organisation) -> None:
    now = timezone.now()
    soon, _ = services.create_api_token(
        user=alice, organisation=org_a, name="soon", expires_at=now + timedelta(days=6)
    )
    services.create_api_token(
        user=alice, organisation=org_a, name="later", expires_at=now + timedelta(days=30)
    )
    assert services.warn_of_expiring_tokens(now=now) == 1
    assert services.warn_of_expiring_tokens(now=now) == 0
    [note] = Notification.objects.filter(recipient=alice)
    assert "“soon” expires on" in note.subject
    assert note.link == "/accounts/"
    assert len(emails_to(alice.email)) == 1
    assert Event.objects.get(tag="accounts:token:warn").object_id == str(soon.pk)
    # A week on, the later one is due too.
    assert services.warn_of_expiring_tokens(now=now + timedelta(days=24)) == 1


def test_a_revoked_token_is_not_warned_about(alice: User, org_a: Organisation) -> None:
    token, _ = services.create_api_token(
        user=alice,
        organisation=org_a,
        name="x",
        expires_at=timezone.now() + timedelta(days=2),
    )
    services.revoke_api_token(token=token, actor=alice)
    assert services.warn_of_expiring_tokens() == 0


def test_the_scheduler_warns_of_expiring_tokens(alice: User, org_a: Organisation) -> None:
    from accord.worker import Scheduler

    now = timezone.now()
    services.create_api_token(
        user=alice, organisation=org_a, name="soon", expires_at=now + timedelta(days=3)
    )
    Scheduler(every=300, interval=timedelta(days=1), clock=lambda: now).tick()
    assert Notification.objects.filter(recipient=alice, kind="accounts:token:expire").exists()
