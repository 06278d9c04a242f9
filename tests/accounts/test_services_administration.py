"""Administering accounts: changing a member's role, deactivating a person, editing an
organisation's details. Each is refused to those who may not, refuses to lock an
organisation or the instance out, and records an audit event.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accord.accounts import services
from accord.accounts.models import ApiToken, Membership, Organisation, User
from accord.audit.models import Event

ADMIN = Membership.Role.ORG_ADMIN
MEMBER = Membership.Role.MEMBER


def events(tag: str) -> list[Event]:
    return list(Event.objects.filter(tag=tag).order_by("seq"))


def role_of(user: User, organisation: Organisation) -> str:
    return Membership.objects.get(user=user, organisation=organisation).role


@pytest.fixture
def dora(make_user: Any, org_a: Organisation) -> User:
    """Plain member of Alpha."""
    user = make_user("dora@alpha.example")
    Membership.objects.create(user=user, organisation=org_a, role=MEMBER)
    return user


@pytest.fixture
def second_secretariat(make_user: Any) -> User:
    return make_user("sec2@accord.example", instance_role=User.InstanceRole.SECRETARIAT)


# Changing a role ----------------------------------------------------------------------


def test_an_org_admin_promotes_a_member_and_the_change_is_recorded(
    alice: User, dora: User, org_a: Organisation
) -> None:
    membership = services.change_role(organisation=org_a, user=dora, role=ADMIN, actor=alice)

    assert membership.role == role_of(dora, org_a) == ADMIN
    [event] = events("accounts:membership:role")
    assert (event.actor, event.organisation_id, event.object_id) == (
        alice,
        org_a.pk,
        str(membership.pk),
    )
    assert event.data == {"email": dora.email, "from": MEMBER, "to": ADMIN}


def test_an_admin_may_step_down_once_another_admin_exists(
    alice: User, dora: User, org_a: Organisation
) -> None:
    services.change_role(organisation=org_a, user=dora, role=ADMIN, actor=alice)
    services.change_role(organisation=org_a, user=alice, role=MEMBER, actor=alice)

    assert (role_of(alice, org_a), role_of(dora, org_a)) == (MEMBER, ADMIN)


def test_the_last_admin_cannot_be_demoted(
    alice: User, secretariat: User, org_a: Organisation
) -> None:
    for actor in (alice, secretariat):
        with pytest.raises(services.WouldLockOut, match="needs another admin"):
            services.change_role(organisation=org_a, user=alice, role=MEMBER, actor=actor)
    assert role_of(alice, org_a) == ADMIN
    assert not events("accounts:membership:role")


def test_a_deactivated_admin_does_not_count_as_the_other_admin(
    alice: User, dora: User, org_a: Organisation
) -> None:
    services.change_role(organisation=org_a, user=dora, role=ADMIN, actor=alice)
    User.objects.filter(pk=dora.pk).update(is_active=False)

    with pytest.raises(services.WouldLockOut):
        services.change_role(organisation=org_a, user=alice, role=MEMBER, actor=alice)


def test_members_and_outsiders_cannot_change_roles(
    dora: User, bob: User, alice: User, org_a: Organisation
) -> None:
    for actor in (dora, bob, None):
        with pytest.raises(services.NotAllowed):
            services.change_role(organisation=org_a, user=dora, role=ADMIN, actor=actor)
    assert role_of(dora, org_a) == MEMBER


def test_a_role_change_needs_a_known_role_and_a_member(
    alice: User, bob: User, org_a: Organisation
) -> None:
    with pytest.raises(services.AccountError, match="Choose a role"):
        services.change_role(organisation=org_a, user=alice, role="owner", actor=alice)
    with pytest.raises(services.AccountError, match="not a member"):
        services.change_role(organisation=org_a, user=bob, role=ADMIN, actor=alice)


def test_the_same_role_again_changes_nothing(alice: User, org_a: Organisation) -> None:
    services.change_role(organisation=org_a, user=alice, role=ADMIN, actor=alice)
    assert not events("accounts:membership:role")


# Deactivating a person ----------------------------------------------------------------


def test_a_deactivated_person_loses_sessions_and_tokens_and_it_is_recorded(
    secretariat: User, dora: User, org_a: Organisation, client_for: Any
) -> None:
    client = client_for(dora)
    assert client.get("/accounts/").status_code == 200
    session_key = client.session.session_key
    token, secret = services.create_api_token(user=dora, organisation=org_a, name="ci")

    services.deactivate_user(user=dora, actor=secretariat)

    dora.refresh_from_db()
    assert not dora.is_active
    assert not Session.objects.filter(session_key=session_key).exists()
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")
    assert services.use_api_token(secret=secret) is None
    assert not ApiToken.objects.get(pk=token.pk).is_active
    assert Membership.objects.filter(user=dora).exists()  # history stays
    [event] = events("accounts:user:deactivate")
    assert (event.actor, event.object_id) == (secretariat, str(dora.pk))
    assert event.data == {"email": dora.email, "tokens_revoked": 1, "sessions_ended": 1}


def test_a_deactivated_person_cannot_sign_in(secretariat: User, dora: User, password: str) -> None:
    services.deactivate_user(user=dora, actor=secretariat)

    client = Client()
    client.post("/accounts/login/", {"email": dora.email, "password": password})
    assert "_auth_user_id" not in client.session


def test_deactivating_twice_records_once(secretariat: User, dora: User) -> None:
    services.deactivate_user(user=dora, actor=secretariat)
    services.deactivate_user(user=dora, actor=secretariat)
    assert len(events("accounts:user:deactivate")) == 1


def test_only_the_secretariat_deactivates(alice: User, dora: User) -> None:
    for actor in (alice, dora, None):
        with pytest.raises(services.NotAllowed):
            services.deactivate_user(user=dora, actor=actor)
    dora.refresh_from_db()
    assert dora.is_active


def test_the_last_secretariat_admin_stays(secretariat: User, second_secretariat: User) -> None:
    services.deactivate_user(user=second_secretariat, actor=secretariat)
    with pytest.raises(services.WouldLockOut, match="another secretariat admin"):
        services.deactivate_user(user=secretariat, actor=secretariat)
    secretariat.refresh_from_db()
    assert secretariat.is_active


def test_the_last_admin_of_an_organisation_stays(
    secretariat: User, alice: User, dora: User, org_a: Organisation
) -> None:
    with pytest.raises(services.WouldLockOut, match="last admin of Alpha Systems"):
        services.deactivate_user(user=alice, actor=secretariat)
    services.change_role(organisation=org_a, user=dora, role=ADMIN, actor=alice)

    services.deactivate_user(user=alice, actor=secretariat)
    alice.refresh_from_db()
    assert not alice.is_active


# Editing an organisation --------------------------------------------------------------


def test_an_org_admin_edits_the_details_and_each_change_is_recorded(
    alice: User, org_a: Organisation
) -> None:
    edited = services.edit_organisation(
        organisation=org_a,
        actor=alice,
        name=" Alpha Systems B.V. ",
        country="nl",
        website="https://alpha.example/",
        sector="software",  # unchanged
    )

    org_a.refresh_from_db()
    assert (org_a.name, org_a.country, org_a.website) == (
        "Alpha Systems B.V.",
        "NL",
        "https://alpha.example/",
    )
    assert (edited.slug, org_a.slug) == ("alpha", "alpha")
    [event] = events("accounts:organisation:edit")
    assert (event.actor, event.organisation_id) == (alice, org_a.pk)
    assert event.data == {
        "changes": {
            "name": {"from": "Alpha Systems", "to": "Alpha Systems B.V."},
            "country": {"from": "", "to": "NL"},
            "website": {"from": "", "to": "https://alpha.example/"},
        }
    }


def test_the_secretariat_may_edit_and_members_may_not(
    secretariat: User, dora: User, bob: User, org_a: Organisation
) -> None:
    for actor in (dora, bob, None):
        with pytest.raises(services.NotAllowed):
            services.edit_organisation(organisation=org_a, actor=actor, sector="energy")
    services.edit_organisation(organisation=org_a, actor=secretariat, sector="energy")
    org_a.refresh_from_db()
    assert org_a.sector == "energy"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "beta energy", "already exists"),
        ("name", "", "cannot be blank"),
        ("country", "Netherlands", "two-letter"),
        ("website", "not a url", "valid URL"),
        ("size_band", "huge", "not a valid choice"),
    ],
)
def test_invalid_details_are_refused_and_nothing_changes(
    alice: User, org_a: Organisation, org_b: Organisation, field: str, value: str, message: str
) -> None:
    with pytest.raises(services.AccountError, match=message):
        services.edit_organisation(organisation=org_a, actor=alice, **{field: value})
    org_a.refresh_from_db()
    assert (org_a.name, org_a.country, org_a.website, org_a.size_band) == (
        "Alpha Systems",
        "",
        "",
        "",
    )
    assert not events("accounts:organisation:edit")


def test_no_change_records_nothing(alice: User, org_a: Organisation) -> None:
    services.edit_organisation(organisation=org_a, actor=alice, name="Alpha Systems")
    assert not events("accounts:organisation:edit")
