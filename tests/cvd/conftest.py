"""A small disclosure world for the CVD tests: a coordinator organisation, two vendors,
an observer agency, their people, and a case the secretariat leads with the vendors in.

`cvd_world` builds it; each test takes the parts it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from accord.accounts.models import Membership, Organisation, User
from accord.cvd.models import Case, Coordinator, Participant, Vulnerability
from accord.cvd.services import cases
from tests.cvd.advisory_world import fake_formats, ready  # noqa: F401 (fixtures)


@dataclass
class World:
    secretariat: User
    coordinator_org: Organisation
    coordinator: User  # a member of the coordinator organisation
    vendor_a: Organisation
    vendor_a_admin: User
    vendor_b: Organisation
    vendor_b_member: User
    observer_org: Organisation
    observer: User
    outsider: User  # a member of an organisation outside the case
    case: Case
    lead: Participant
    participant_a: Participant
    participant_b: Participant
    participant_observer: Participant
    vulnerability: Vulnerability


def member_of(make_user: Any, organisation: Organisation, email: str, role: str = "member") -> User:
    user = make_user(email)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def cvd_world(make_user: Any, secretariat: User) -> World:
    coordinator_org = Organisation.objects.create(name="Gamma CERT", slug="gamma")
    Coordinator.objects.create(organisation=coordinator_org, granted_by=secretariat)
    vendor_a = Organisation.objects.create(name="Acme Routers", slug="acme")
    vendor_b = Organisation.objects.create(name="Bolt Software", slug="bolt")
    observer_org = Organisation.objects.create(name="National Agency", slug="agency")
    outsiders = Organisation.objects.create(name="Other Corp", slug="other")
    people = {
        "coordinator": member_of(make_user, coordinator_org, "coord@gamma.example"),
        "vendor_a_admin": member_of(make_user, vendor_a, "psirt@acme.example", "org_admin"),
        "vendor_b_member": member_of(make_user, vendor_b, "dev@bolt.example"),
        "observer": member_of(make_user, observer_org, "analyst@agency.example"),
        "outsider": member_of(make_user, outsiders, "someone@other.example"),
    }
    case = cases.open_case(
        actor=secretariat,
        title="Heap overflow in the router firmware",
        summary="A flaw.",
        tlp="amber",
    )
    lead = case.participants.get(role=Participant.Role.COORDINATOR)
    add = lambda org, role: cases.add_participant(  # noqa: E731
        actor=secretariat, case=case, role=role, organisation=org
    )
    participant_a = add(vendor_a, Participant.Role.VENDOR)
    participant_b = add(vendor_b, Participant.Role.VENDOR)
    participant_observer = add(observer_org, Participant.Role.OBSERVER)
    vulnerability = Vulnerability.objects.create(case=case, number=1, title="Heap overflow")
    return World(
        secretariat=secretariat,
        coordinator_org=coordinator_org,
        vendor_a=vendor_a,
        vendor_b=vendor_b,
        observer_org=observer_org,
        case=case,
        lead=lead,
        participant_a=participant_a,
        participant_b=participant_b,
        participant_observer=participant_observer,
        vulnerability=vulnerability,
        **people,
    )


@pytest.fixture(autouse=True)
def _csaf_validator_off(settings: Any) -> None:
    """Loading the BSI CSAF validator takes node seconds (it compiles its schemas), so the
    CVD tests publish against the JSON schema alone; tests/cvd/test_advisory_csaf.py runs
    the validator itself on every kind of document Accord builds."""
    settings.ACCORD_CSAF_VALIDATOR = ""
