"""The refusals and edge cases of accounts' services, selectors and rules."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore

from accord.access import Permission
from accord.access.registry import declare
from accord.accounts import selectors, services
from accord.accounts.models import Membership, Organisation, User
from tests.accounts.helpers import give_confirmed_totp, totp_code


def test_a_permission_is_declared_once() -> None:
    with pytest.raises(ValueError, match="already declared"):
        declare(Permission.ORGANISATION_VIEW, owner=__name__)


def test_no_organisation_means_no_role(alice: User) -> None:
    assert Membership.objects.role_of(alice, None) is None


def test_an_outsider_sees_nothing_of_an_organisation(bob: User, org_a: Organisation) -> None:
    assert selectors.organisation_view(bob, org_a) is None


def test_a_token_whose_owner_left_sees_nothing(
    alice: User, carol: User, org_a: Organisation
) -> None:
    token, _ = services.create_api_token(user=carol, organisation=org_a, name="c")
    services.remove_member(organisation=org_a, user=carol, actor=alice)
    assert selectors.token_organisation_view(token) is None


def test_a_signed_out_visitor_has_no_authenticator() -> None:
    assert selectors.confirmed_totp_device(AnonymousUser()) is None


def test_a_deactivated_account_cannot_join(alice: User, org_a: Organisation) -> None:
    gone = User.objects.create_user(email="gone@x.example", password="x" * 20, is_active=False)
    with pytest.raises(services.InvalidInput, match="deactivated") as refused:
        services.add_member(organisation=org_a, user=gone, role="member", actor=alice)
    assert refused.value.field == "email"


def test_removing_someone_who_is_not_a_member_says_so(
    alice: User, bob: User, org_a: Organisation
) -> None:
    with pytest.raises(services.NotAMember):
        services.remove_member(organisation=org_a, user=bob, actor=alice)


def test_only_demo_organisations_are_imported_in_bulk(db: None) -> None:
    with pytest.raises(services.AccountError, match="demo"):
        services.import_demo_organisations(organisations=[Organisation(name="Real", slug="real")])
    assert not Organisation.objects.filter(slug="real").exists()


def test_confirming_two_factor_twice_is_a_state_conflict(alice: User) -> None:
    secret = give_confirmed_totp(alice)
    with pytest.raises(services.TwoFactorState, match="already on"):
        services.confirm_totp(user=alice, code=totp_code(secret))


def test_deactivating_ends_only_that_persons_sessions(secretariat: User, alice: User) -> None:
    dave = User.objects.create_user(email="dave@x.example", password="x" * 20)
    sessions = {}
    for person in (alice, dave):
        store = SessionStore()
        store["_auth_user_id"] = str(person.pk)
        store.create()
        sessions[person.email] = store.session_key
    services.deactivate_user(user=dave, actor=secretariat)
    assert SessionStore().exists(sessions[alice.email])
    assert not SessionStore().exists(sessions[dave.email])
