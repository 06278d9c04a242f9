"""How evidence follows what the apps below it announce."""

from __future__ import annotations

import logging

from accord.accounts import selectors as accounts
from accord.accounts.hooks import ApplicationAdmitted
from accord.errors import DomainError
from accord.evidence import services

logger = logging.getLogger(__name__)


def add_admitted_domains(admitted: ApplicationAdmitted) -> None:
    """Register the domains an admitted organisation applied with, acting as the
    secretariat admin who admitted it. A name that cannot be registered (taken by then,
    say) is logged and skipped; the organisation's admins can add it themselves."""
    organisation = accounts.organisation_with_id(admitted.organisation_id)
    if organisation is None:
        return
    actor = accounts.user_with_id(admitted.actor_id)
    for name in admitted.domains:
        try:
            services.add_domain(organisation=organisation, name=name, actor=actor)
        except DomainError as exc:
            logger.warning("domain %s of %s not added: %s", name, organisation.slug, exc)
