"""Reads: who sees which organisation and token, and when sign-in is locked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accord.accounts import selectors, services
from accord.accounts.models import ApiToken, LoginAttempt, Organisation, User
from accord.audit.models import Event


def test_organisations_are_visible_to_members_and_the_secretariat(
    alice: User, bob: User, carol: User, secretariat: User, org_a: Organisation
) -> None:
    assert list(selectors.organisations_for(alice).values_list("slug", flat=True)) == ["alpha"]
    assert list(selectors.organisations_for(bob).values_list("slug", flat=True)) == ["beta"]
    assert selectors.organisations_for(carol).count() == 2
    assert selectors.organisations_for(secretariat).count() == 2
    assert selectors.get_organisation_for(bob, "alpha") is None
    assert selectors.get_organisation_for(bob, "no-such-org") is None
    assert selectors.get_organisation_for(secretariat, "alpha") == org_a


def test_inactive_users_see_nothing(alice: User) -> None:
    alice.is_active = False
    alice.save()
    assert selectors.get_organisation_for(alice, "alpha") is None
    assert not selectors.memberships_of(alice).exists()


def test_observers_do_not_see_member_zone(make_user: Any, org_a: Organisation) -> None:
    observer = make_user("gov@example.org", instance_role=User.InstanceRole.OBSERVER)
    assert selectors.get_organisation_for(observer, "alpha") is None


def test_tokens_are_seen_only_by_their_owner(
    alice_token: tuple[ApiToken, str], alice: User, bob: User, secretariat: User
) -> None:
    assert list(selectors.tokens_for(alice)) == [alice_token[0]]
    assert not selectors.tokens_for(bob).exists()
    assert not selectors.tokens_for(secretariat).exists()


def test_member_emails_are_for_admins_only(alice: User, carol: User, org_a: Organisation) -> None:
    admin_view = selectors.organisation_view(alice, org_a)
    member_view = selectors.organisation_view(carol, org_a)
    assert admin_view is not None
    assert member_view is not None
    assert {m.email for m in admin_view.members} == {"alice@alpha.example", "carol@both.example"}
    assert {m.email for m in member_view.members} == {None}
    assert admin_view.can_manage
    assert not member_view.can_manage


def test_a_token_sees_contacts_by_its_org_role_not_instance_role(
    carol: User, org_a: Organisation
) -> None:
    carol.instance_role = User.InstanceRole.SECRETARIAT
    carol.save()
    token, _ = services.create_api_token(user=carol, organisation=org_a, name="x")
    view = selectors.token_organisation_view(token)
    assert view is not None
    assert view.organisation == org_a
    assert {m.email for m in view.members} == {None}


# Lockout -------------------------------------------------------------------------------


def fail(email: str, ip: str, times: int = 1) -> None:
    for _ in range(times):
        services.record_login_attempt(email=email, ip=ip, succeeded=False)


def test_lock_after_max_failures_for_one_email_from_one_address(db: None, settings: Any) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES = 3
    fail("X@example.org", "198.51.100.1", times=3)
    assert selectors.login_locked(email="x@example.org", ip="198.51.100.1")
    # Someone else's guesses do not lock the person out from their own address...
    assert not selectors.login_locked(email="x@example.org", ip="203.0.113.9")
    # ... nor lock other people out of the guessing address.
    assert not selectors.login_locked(email="y@example.org", ip="198.51.100.1")


def test_lock_after_many_failures_for_one_account_from_many_addresses(
    db: None, settings: Any
) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES_PER_ACCOUNT = 6
    for number in range(6):
        assert not selectors.login_locked(email="x@example.org", ip=f"198.51.100.{number}")
        fail("x@example.org", f"198.51.100.{number}")
    assert selectors.login_locked(email="x@example.org", ip="203.0.113.9")
    assert not selectors.login_locked(email="y@example.org", ip="203.0.113.9")


def test_lock_after_many_failures_from_one_address_across_accounts(db: None, settings: Any) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS = 6
    for number in range(6):
        fail(f"user{number}@example.org", "198.51.100.7")
    assert selectors.login_locked(email="fresh@example.org", ip="198.51.100.7")
    assert not selectors.login_locked(email="fresh@example.org", ip="198.51.100.8")


def test_failures_expire_after_the_window(db: None, settings: Any) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES = 2
    fail("x@example.org", "198.51.100.7", times=2)
    assert selectors.login_locked(email="x@example.org", ip="198.51.100.7")
    old = timezone.now() - timedelta(seconds=settings.ACCORD_LOGIN_WINDOW_SECONDS + 1)
    LoginAttempt.objects.update(attempted_at=old)
    assert not selectors.login_locked(email="x@example.org", ip="198.51.100.7")


def test_a_sign_in_resets_the_email_count_but_not_the_address_count(
    db: None, settings: Any
) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES = 2
    settings.ACCORD_LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    fail("x@example.org", "198.51.100.7")
    services.record_login_attempt(email="x@example.org", ip="198.51.100.7", succeeded=True)
    fail("x@example.org", "198.51.100.7")
    assert not selectors.login_locked(email="x@example.org", ip="198.51.100.7")
    fail("other@example.org", "198.51.100.7")
    assert selectors.login_locked(email="someone@example.org", ip="198.51.100.7")


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("198.51.100.7", "", "198.51.100.7"),
        # A client's own X-Forwarded-For is not believed.
        ("198.51.100.7", "203.0.113.1", "198.51.100.7"),
        # Behind a trusted proxy, the nearest untrusted hop is the client...
        ("10.0.0.2", "203.0.113.1", "203.0.113.1"),
        ("10.0.0.2", "192.0.2.66, 203.0.113.1, 10.0.0.3", "203.0.113.1"),
        # ... and junk in the header falls back to the proxy's address.
        ("10.0.0.2", "not-an-ip", "10.0.0.2"),
    ],
)
def test_client_address_believes_only_trusted_proxies(
    settings: Any, remote: str, forwarded: str, expected: str
) -> None:
    settings.ACCORD_TRUSTED_PROXIES = ["10.0.0.0/8"]
    meta = {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}
    assert selectors.client_ip(meta) == expected


def test_lockout_is_recorded_once_and_failures_without_passwords(db: None, settings: Any) -> None:
    settings.ACCORD_LOGIN_MAX_FAILURES = 2
    fail("x@example.org", "198.51.100.7", times=3)
    assert Event.objects.filter(tag="accounts:login:fail").count() == 3
    [lockout] = Event.objects.filter(tag="accounts:login:lockout")
    assert lockout.data == {"email": "x@example.org", "ip": "198.51.100.7", "stage": "password"}


@pytest.mark.parametrize("ip", ["", "not-an-ip", "999.1.1.1", None])
def test_junk_addresses_are_not_stored(db: None, ip: str | None) -> None:
    attempt = services.record_login_attempt(email="x@example.org", ip=ip, succeeded=False)
    assert attempt.ip_address is None
