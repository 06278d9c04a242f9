"""What the accounts app announces to the apps above it (see `accord.audit.hooks`)."""

from __future__ import annotations

from dataclasses import dataclass

from accord.audit.hooks import Hook


@dataclass(frozen=True)
class DomainAdded:
    domain_id: int
    organisation_id: int


DOMAIN_ADDED = Hook[DomainAdded]("accounts:domain:add")
