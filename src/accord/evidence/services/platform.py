"""Observations the platform makes from its own records (`PLATFORM_CHECKS`), rather
than by scanning a domain: for example the time a vendor takes to acknowledge its
coordinated disclosure cases, which the CVD app measures and reports here.

Such an observation belongs to the organisation, not to a domain, so it has no current
verdict per domain and no verdict change; it is announced like any other
(`evidence:observation:record`), so commitments re-derive their status from it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from accord.audit.services import record_event
from accord.engine.registry import PLATFORM_CHECKS
from accord.engine.types import CheckResult
from accord.evidence.hooks import OBSERVATION_RECORDED, ObservationRecorded
from accord.evidence.models import Observation
from accord.evidence.services.scans import UnknownCheck, _json_safe, finding_codes

if TYPE_CHECKING:
    from accord.accounts.models import Organisation


@transaction.atomic
def record_platform_observation(
    *, organisation: Organisation, check_id: str, result: CheckResult, now: datetime
) -> Observation | None:
    """Store the platform's verdict of `check_id` for the organisation, observed at `now`.

    Idempotent: when the latest such observation says the same (status and result),
    nothing is stored and None is returned, so the platform may report its figures as
    often as they might have changed. Records the audit event
    `evidence:observation:record`.
    """
    check = PLATFORM_CHECKS.get(check_id)
    if check is None:
        raise UnknownCheck(f"unknown platform check {check_id!r}")
    if result.check_id != check_id:
        raise ValueError(f"a result of {result.check_id!r} recorded as {check_id!r}")
    status, stored = str(result.status), _json_safe(result.as_dict())
    latest = (
        Observation.objects.filter(
            organisation=organisation, check_id=check_id, source=Observation.Source.PLATFORM
        )
        .order_by("-observed_at", "-pk")
        .first()
    )
    if latest is not None and latest.status == status and latest.result == stored:
        return None
    observation = Observation.objects.create(
        organisation=organisation,
        domain=None,
        domain_name="",
        source=Observation.Source.PLATFORM,
        check_id=check_id,
        check_version=check.version,
        observed_at=now,
        status=status,
        codes=finding_codes(result),
        result=stored,
    )
    record_event(
        tag="evidence:observation:record",
        target=observation,
        organisation=organisation,
        data={
            "source": Observation.Source.PLATFORM,
            "check_id": check_id,
            "verdict": status,
            "observation_id": observation.pk,
        },
    )
    OBSERVATION_RECORDED.announce(
        ObservationRecorded(
            observation_id=observation.pk,
            organisation_id=organisation.pk,
            check_id=check_id,
            observed_at=now,
        )
    )
    return observation
