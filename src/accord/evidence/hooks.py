"""What the evidence app announces to the apps above it (see `accord.audit.hooks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accord.audit.hooks import Hook


@dataclass(frozen=True)
class ObservationRecorded:
    observation_id: int
    organisation_id: int
    check_id: str
    observed_at: datetime


OBSERVATION_RECORDED = Hook[ObservationRecorded]("evidence:observation:record")


@dataclass(frozen=True)
class VerdictChanged:
    """A check's verdict on a domain differs from the one before it (`VerdictChange`)."""

    verdict_change_id: int
    organisation_id: int
    domain_id: int
    domain_name: str
    check_id: str
    from_status: str
    to_status: str
    changed_at: datetime


VERDICT_CHANGED = Hook[VerdictChanged]("evidence:verdict:change")


@dataclass(frozen=True)
class DomainControlChanged:
    """A domain began or stopped counting as its organisation's evidence.

    `reason`: `verified` or `awarded` (began, on `evidence:domain:prove`); `lapsed`,
    `revoked` (awarded to another organisation) or `removed` (stopped, on
    `evidence:domain:lapse`).
    """

    domain_id: int
    organisation_id: int
    name: str
    reason: str
    at: datetime


DOMAIN_PROVEN = Hook[DomainControlChanged]("evidence:domain:prove")
DOMAIN_LAPSED = Hook[DomainControlChanged]("evidence:domain:lapse")
