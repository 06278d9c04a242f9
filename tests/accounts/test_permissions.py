"""The central permission check for accounts resources."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accord.accounts import services
from accord.accounts.models import ApiToken, Membership, Organisation, User
from accord.accounts.permissions import Permission, has_perm


def test_organisation_rules(
    alice: User, bob: User, carol: User, secretariat: User, org_a: Organisation
) -> None:
    assert has_perm(alice, Permission.ORGANISATION_MANAGE, org_a)
    assert not has_perm(carol, Permission.ORGANISATION_MANAGE, org_a)
    assert has_perm(carol, Permission.ORGANISATION_VIEW, org_a)
    assert not has_perm(bob, Permission.ORGANISATION_VIEW, org_a)
    assert has_perm(secretariat, Permission.ORGANISATION_VIEW, org_a)
    assert has_perm(secretariat, Permission.ORGANISATION_CREATE)
    assert not has_perm(alice, Permission.ORGANISATION_CREATE)


def test_member_contacts_are_for_those_who_manage(
    alice: User, carol: User, org_a: Organisation
) -> None:
    assert has_perm(alice, Permission.MEMBER_CONTACTS_VIEW, org_a)
    assert not has_perm(carol, Permission.MEMBER_CONTACTS_VIEW, org_a)


def test_token_use_ends_with_the_membership(
    alice_token: tuple[ApiToken, str], alice: User, bob: User
) -> None:
    token = alice_token[0]
    assert has_perm(alice, Permission.TOKEN_USE, token)
    assert not has_perm(bob, Permission.TOKEN_USE, token)
    Membership.objects.filter(user=alice).delete()
    assert not has_perm(alice, Permission.TOKEN_USE, token)


def test_only_people_outside_the_secretariat_may_turn_two_factor_off(
    alice: User, secretariat: User
) -> None:
    assert has_perm(alice, Permission.TWO_FACTOR_DISABLE)
    assert not has_perm(secretariat, Permission.TWO_FACTOR_DISABLE)


def test_anonymous_and_inactive_people_may_do_nothing(alice: User, org_a: Organisation) -> None:
    token, _ = services.create_api_token(user=alice, organisation=org_a, name="x")
    alice.is_active = False
    alice.save()
    for person in (AnonymousUser(), alice):
        for permission in Permission:
            assert not has_perm(person, permission, token if "token" in permission else org_a)
