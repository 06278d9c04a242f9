"""What the accounts app announces to the apps above it (see `accord.audit.hooks`)."""

from __future__ import annotations

from dataclasses import dataclass

from accord.audit.hooks import Hook


@dataclass(frozen=True)
class ApplicationAdmitted:
    """An application was admitted: its organisation exists and should get the domains
    it applied with. `actor_id` is the secretariat admin who admitted it."""

    application_id: int
    organisation_id: int
    domains: tuple[str, ...]
    actor_id: int | None


APPLICATION_ADMITTED = Hook[ApplicationAdmitted]("accounts:application:admit")
