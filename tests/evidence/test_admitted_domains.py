"""An admitted organisation gets the domains it applied with: evidence follows the
accounts hook `accounts:application:admit` (accounts cannot import evidence)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.accounts.onboarding import apply

from accord.accounts import services as accounts
from accord.accounts.hooks import ApplicationAdmitted
from accord.accounts.models import Organisation, User
from accord.audit.models import Event
from accord.evidence.handlers import add_admitted_domains
from accord.evidence.models import Domain

pytestmark = pytest.mark.django_db


def test_admission_adds_the_domains_applied_with(
    secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    application = apply(domains="gamma.example\nBücher.example")
    with django_capture_on_commit_callbacks(execute=True):
        organisation = accounts.admit_application(application=application, actor=secretariat)
    names = set(Domain.objects.filter(organisation=organisation).values_list("name", flat=True))
    assert names == {"gamma.example", "xn--bcher-kva.example"}
    added = Event.objects.filter(tag="evidence:domain:add", organisation_id=organisation.pk)
    assert {event.actor for event in added} == {secretariat}


def test_a_domain_that_cannot_be_added_does_not_stop_the_others(
    org_a: Organisation, secretariat: User, alice: User
) -> None:
    Domain.objects.create(organisation=org_a, name="alpha.example")
    add_admitted_domains(
        ApplicationAdmitted(
            application_id=1,
            organisation_id=org_a.pk,
            domains=("alpha.example", "more.alpha.example"),
            actor_id=secretariat.pk,
        )
    )
    assert set(org_a.domains.values_list("name", flat=True)) == {
        "alpha.example",
        "more.alpha.example",
    }


def test_nothing_is_added_for_an_organisation_that_is_gone(secretariat: User) -> None:
    add_admitted_domains(
        ApplicationAdmitted(
            application_id=1, organisation_id=999, domains=("x.example",), actor_id=None
        )
    )
    assert not Domain.objects.exists()


def test_a_declined_application_adds_no_domain(
    secretariat: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        accounts.decline_application(application=apply(), actor=secretariat, reason="No.")
    assert not Domain.objects.exists()
