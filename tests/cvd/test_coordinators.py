"""The secretariat names the organisations that act as coordinators."""

from __future__ import annotations

from typing import Any

import pytest

from accord.access import Permission, has_perm
from accord.accounts.models import Organisation
from accord.audit.models import Event
from accord.cvd.exceptions import NotAllowed, StateConflict
from accord.cvd.models import Coordinator
from accord.cvd.selectors.coordinators import coordinator_organisations, is_coordinator
from accord.cvd.services import coordinators

pytestmark = pytest.mark.django_db


def test_the_secretariat_grants_and_revokes_the_role(secretariat: Any, org_a: Organisation) -> None:
    coordinators.grant_coordinator(actor=secretariat, organisation=org_a)
    assert is_coordinator(org_a)
    assert list(coordinator_organisations()) == [org_a]
    with pytest.raises(StateConflict):
        coordinators.grant_coordinator(actor=secretariat, organisation=org_a)
    coordinators.revoke_coordinator(actor=secretariat, organisation=org_a)
    assert not is_coordinator(org_a)
    with pytest.raises(StateConflict):
        coordinators.revoke_coordinator(actor=secretariat, organisation=org_a)
    tags = list(
        Event.objects.filter(tag__startswith="cvd:coordinator").values_list("tag", flat=True)
    )
    assert tags == ["cvd:coordinator:grant", "cvd:coordinator:revoke"]


def test_members_cannot_name_coordinators(alice: Any, org_a: Organisation) -> None:
    with pytest.raises(NotAllowed):
        coordinators.grant_coordinator(actor=alice, organisation=org_a)
    with pytest.raises(NotAllowed):
        coordinators.revoke_coordinator(actor=alice, organisation=org_a)
    assert not has_perm(alice, Permission.CVD_COORDINATOR_GRANT)


def test_a_suspended_organisation_cannot_coordinate(secretariat: Any, org_a: Organisation) -> None:
    org_a.standing = Organisation.Standing.SUSPENDED
    org_a.save()
    with pytest.raises(StateConflict):
        coordinators.grant_coordinator(actor=secretariat, organisation=org_a)


def test_the_command_line_may_grant_without_a_person(org_a: Organisation) -> None:
    coordinators.grant_coordinator(actor=None, organisation=org_a)
    assert Coordinator.objects.filter(organisation=org_a).exists()


def test_the_page_lists_grants_and_revokes(
    client_for: Any, secretariat: Any, org_a: Organisation, org_b: Organisation
) -> None:
    client = client_for(secretariat)
    page = client.get("/cvd/coordinators/")
    assert page.status_code == 200
    assert b"No organisation acts as coordinator yet" in page.content
    done = client.post("/cvd/coordinators/grant/", {"organisation": "alpha"}, follow=True)
    assert b"Alpha Systems now acts as coordinator." in done.content
    assert is_coordinator(org_a)
    client.post("/cvd/coordinators/revoke/", {"organisation": "alpha"})
    assert not is_coordinator(org_a)
    unknown = client.post("/cvd/coordinators/grant/", {"organisation": "nobody"})
    assert unknown.status_code == 422


def test_only_the_secretariat_opens_the_page(client_for: Any, alice: Any) -> None:
    assert client_for(alice).get("/cvd/coordinators/").status_code == 403
    assert (
        client_for(alice).post("/cvd/coordinators/grant/", {"organisation": "alpha"}).status_code
        == 403
    )
