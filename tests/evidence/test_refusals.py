"""The refusals and edge cases of evidence's services and selectors."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone

from accord import errors
from accord.accounts.models import Organisation, User
from accord.evidence import selectors, services
from accord.evidence.models import Domain, Observation, ScanRun
from accord.evidence.services import scans


def test_only_demo_organisations_evidence_is_imported_in_bulk(org_a: Organisation) -> None:
    made = Observation(organisation=org_a, domain_name="a.example", check_id="https-hsts")
    with pytest.raises(errors.NotAllowed, match="evidence"):
        services.import_demo_evidence(observations=[made], verdicts=[], verdict_changes=[])
    assert not Observation.objects.exists()


def test_no_fetch_keeps_no_evidence() -> None:
    assert services.RetrievedEvidence.from_outcome(None) == services.RetrievedEvidence()


def test_the_engine_runs_from_inside_a_running_event_loop() -> None:
    async def answer() -> int:
        return 42

    async def caller() -> int:  # as under an ASGI server or a browser driver
        return scans._run_blocking(answer())

    assert asyncio.run(caller()) == 42


def test_a_scan_asked_for_while_one_is_queued_is_a_conflict(
    alice: User, alpha_domain: Domain
) -> None:
    queued = timezone.now() - timedelta(minutes=30)  # past the cool-down, not yet stale
    ScanRun.objects.create(domain=alpha_domain, trigger=ScanRun.Trigger.MANUAL, requested_at=queued)
    with pytest.raises(services.ScanNotDue, match="already queued"):
        services.request_manual_scan(domain=alpha_domain, actor=alice)
    assert ScanRun.objects.count() == 1


def test_an_outsider_sees_no_domains(bob: User, alpha_domain: Domain) -> None:
    assert selectors.organisation_domains(bob, alpha_domain.organisation) is None
