"""Proving control of a domain, checking the proof again, and settling disputes.

A registered domain is a claim with a random token (`Domain.challenge_token`). Its
organisation proves control by putting the token in DNS or in a well-known file
(`accord.engine.control`); a passing check verifies the claim, and only then is the
domain scanned and does its evidence count. At most one organisation holds a verified
claim on a name (a database constraint); a proof that passes while another holds the
name is refused and the claim becomes *contested*: the secretariat decides
(`award_domain`).

A verified domain is checked again every day (`schedule_control_checks`, from the
scheduler). A check that fails starts a grace period (ACCORD_DOMAIN_PROOF_GRACE_DAYS);
once the checks have failed for that long, the proof lapses: the domain stops counting
and its organisation's admins are told. The hooks `evidence:domain:prove` and
`evidence:domain:lapse` tell the apps above, which re-derive what the domain's
evidence decides.

Audit events: `evidence:domain:check` (every check and what it found),
`evidence:domain:prove`, `evidence:domain:contest`, `evidence:domain:lapse`,
`evidence:domain:award`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from accord import errors
from accord.accounts import selectors as accounts
from accord.accounts.permissions import Permission, has_perm
from accord.audit.services import record_event
from accord.engine.control import ControlResult, check_control
from accord.engine.dns import DnsPythonResolver, TxtResolver
from accord.engine.types import Fetcher
from accord.evidence.hooks import DOMAIN_LAPSED, DOMAIN_PROVEN
from accord.evidence.models import Control, Domain, ScanRun
from accord.evidence.selectors import proof_grace_period
from accord.evidence.services.scans import (
    SCHEDULE_BATCH,
    EvidenceError,
    NotAllowed,
    _opened,
    _run_blocking,
    announce_control,
    request_scan,
)
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

DEFAULT_RECHECK_INTERVAL = timedelta(days=1)
# Each check makes a DNS lookup and perhaps a request to the domain; a person pressing
# "Check now" again and again must not turn the instance into a cannon.
MANUAL_CHECK_COOLDOWN = timedelta(seconds=15)


class ControlRefused(EvidenceError, errors.Conflict):
    """The check or the award cannot be made now; the message says why."""


@dataclass(frozen=True)
class ControlCheck:
    """What one check of control found, and what it changed, in words for a person."""

    domain: Domain
    result: ControlResult
    outcome: str  # verified, holds, failing, lapsed, contested, unproven
    message: str

    @property
    def verified(self) -> bool:
        return self.domain.control == Control.VERIFIED


def recheck_interval() -> timedelta:
    hours = getattr(settings, "ACCORD_DOMAIN_PROOF_CHECK_HOURS", None)
    return DEFAULT_RECHECK_INTERVAL if hours is None else timedelta(hours=float(hours))


def dns_resolver() -> TxtResolver:
    """The resolver real checks use: dnspython, with the instance's nameservers if set."""
    return DnsPythonResolver(
        timeout=settings.ACCORD_DNS_TIMEOUT, nameservers=settings.ACCORD_DNS_NAMESERVERS
    )


# Checking -----------------------------------------------------------------------------


def check_domain_control(
    *,
    domain: Domain,
    actor: Any,
    now: datetime | None = None,
    resolver: TxtResolver | None = None,
    fetcher: Fetcher | None = None,
) -> ControlCheck:
    """A person's "Check now": look for the claim's token in DNS and in the file, and
    verify the claim if either holds it (or count a failure, if it was verified).
    `actor=None` is the instance itself (the CLI); people always pass themselves.

    Not one transaction: the lookup and the fetch run first, with no transaction open;
    what they found is stored in one. Without `resolver` and `fetcher`, checks with
    those `settings.ACCORD_DNS_RESOLVER` and `settings.ACCORD_SCAN_FETCHER` make.
    """
    if actor is not None and not has_perm(actor, Permission.DOMAIN_PROVE, domain):
        raise NotAllowed("Only the organisation's admins can prove control of its domains.")
    if domain.control == Control.DEMO:
        raise ControlRefused("Demo organisation: fictional domain, not checked.")
    moment = now or timezone.now()
    if domain.checked_at is not None and domain.checked_at > moment - MANUAL_CHECK_COOLDOWN:
        raise ControlRefused(f"{domain.name} was checked a few seconds ago; try again shortly.")
    result = _retrieve(domain, resolver, fetcher)
    return _store_check(domain.pk, result, moment, actor)


def recheck_domain_control(
    *,
    domain_id: int,
    now: datetime | None = None,
    resolver: TxtResolver | None = None,
    fetcher: Fetcher | None = None,
) -> ControlCheck | None:
    """The periodic check of a verified domain (the task's service); None when the
    domain is gone or no longer verified, so a task delivered late does nothing."""
    domain = Domain.objects.filter(pk=domain_id, control=Control.VERIFIED).first()
    if domain is None:
        return None
    result = _retrieve(domain, resolver, fetcher)
    return _store_check(domain_id, result, now or timezone.now(), None)


def _retrieve(
    domain: Domain, resolver: TxtResolver | None, fetcher: Fetcher | None
) -> ControlResult:
    async def check() -> ControlResult:
        async with _opened(fetcher) as opened:
            lookup = resolver or import_string(settings.ACCORD_DNS_RESOLVER)()
            return await check_control(
                domain.name, domain.challenge_token, resolver=lookup, fetcher=opened
            )

    return _run_blocking(check())


@transaction.atomic
def _store_check(
    domain_id: int, result: ControlResult, moment: datetime, actor: Any
) -> ControlCheck:
    domain = (
        Domain.objects.select_for_update()
        .select_related("organisation")
        .filter(pk=domain_id)
        .first()
    )
    if domain is None:
        raise errors.NotFound("The domain was removed while it was checked.")
    domain.checked_at, domain.check_found = moment, result.summary[:1000]
    domain.recheck_queued_at = None
    record_event(
        tag="evidence:domain:check",
        actor=actor,
        target=domain,
        organisation=domain.organisation,
        data={"domain": domain.name, "proven": result.proven, "found": domain.check_found},
    )
    outcome, message = (_passed if result.proven else _failed)(domain, result, moment, actor)
    domain.save()
    return ControlCheck(domain, result, outcome, message)


def _passed(domain: Domain, result: ControlResult, moment: datetime, actor: Any) -> tuple[str, str]:
    found = f"{domain.name} is verified: {_proving(result)}."
    if domain.control == Control.VERIFIED:
        domain.failing_since, domain.failed_checks = None, 0
        return "holds", found
    if _holder(domain) is None and _verify(domain, result, moment):
        record_event(
            tag="evidence:domain:prove",
            actor=actor,
            target=domain,
            organisation=domain.organisation,
            data={"domain": domain.name, "method": domain.verified_by},
        )
        announce_control(DOMAIN_PROVEN, domain, reason="verified", at=moment)
        transaction.on_commit(functools.partial(_scan_verified, domain.pk), robust=True)
        return "verified", f"{found} Its evidence is now scanned and counts."
    _contest(domain, moment, actor)
    return "contested", (
        f"The token is in place, but another organisation holds a verified claim on "
        f"{domain.name}, so this proof is refused. The secretariat has been told and will "
        "decide which organisation the domain belongs to."
    )


def _proving(result: ControlResult) -> str:
    return next(m.message for m in result.methods if m.proven)


def _holder(domain: Domain) -> Domain | None:
    """Another organisation's claim on the same name that counts, if there is one."""
    return Domain.objects.counting().filter(name=domain.name).exclude(pk=domain.pk).first()


def _verify(domain: Domain, result: ControlResult, moment: datetime) -> bool:
    """Make the claim verified; False when a concurrent proof of another claim won."""
    proven: dict[str, Any] = {
        "control": Control.VERIFIED,
        "control_since": moment,
        "verified_at": moment,
        "verified_by": result.method or "",
        "failing_since": None,
        "failed_checks": 0,
    }
    try:
        with transaction.atomic():
            Domain.objects.filter(pk=domain.pk).update(**proven)
    except IntegrityError:  # the constraint: one verified claim per name
        return False
    for field, value in proven.items():
        setattr(domain, field, value)
    return True


def _scan_verified(domain_id: int) -> None:
    domain = Domain.objects.filter(pk=domain_id, control=Control.VERIFIED).first()
    if domain is not None:
        request_scan(domain=domain, trigger=ScanRun.Trigger.DOMAIN_VERIFIED)


def _contest(domain: Domain, moment: datetime, actor: Any) -> None:
    if domain.control == Control.CONTESTED:
        return  # the secretariat knows already
    domain.control, domain.control_since = Control.CONTESTED, moment
    record_event(
        tag="evidence:domain:contest",
        actor=actor,
        target=domain,
        organisation=domain.organisation,
        data={"domain": domain.name},
    )
    notifications.notify(
        recipients=accounts.secretariat_people(),
        kind="evidence:domain:contest",
        subject=f"Contested domain: {domain.name}",
        body=(
            f"{domain.organisation.name} proved control of {domain.name}, which another "
            "organisation holds a verified claim on. Decide which organisation it belongs to."
        ),
        link=reverse("evidence:disputes"),
    )


def _failed(domain: Domain, result: ControlResult, moment: datetime, actor: Any) -> tuple[str, str]:
    found = f"Control of {domain.name} is not proven. {result.summary}."
    if domain.control != Control.VERIFIED:
        return "unproven", found
    domain.failed_checks += 1
    first = domain.failing_since is None
    since = domain.failing_since = domain.failing_since or moment
    lapses_at = since + proof_grace_period()
    if moment >= lapses_at:
        _lapse(domain, moment, actor)
        lapsed = f"The checks have failed since {since:%d %B %Y}: the proof has lapsed"
        return "lapsed", f"{found} {lapsed} and {domain.name} no longer counts."
    if first:
        _warn_failing(domain, result, lapses_at)
    return "failing", f"{found} It stays verified until {lapses_at:%d %B %Y} unless a check passes."


def _warn_failing(domain: Domain, result: ControlResult, lapses_at: datetime) -> None:
    _tell_admins(
        domain.organisation,
        kind="evidence:domain:failing",
        subject=f"Proof of control of {domain.name} fails",
        body=(
            f"The check of control of {domain.name} failed: {result.summary}. Put the "
            f"token back before {lapses_at:%d %B %Y}, or the proof lapses and the "
            "domain's evidence stops counting."
        ),
    )


def _lapse(domain: Domain, moment: datetime, actor: Any) -> None:
    domain.control, domain.control_since = Control.LAPSED, moment
    record_event(
        tag="evidence:domain:lapse",
        actor=actor,
        target=domain,
        organisation=domain.organisation,
        data={
            "domain": domain.name,
            "failing_since": domain.failing_since,
            "checks": domain.failed_checks,
        },
    )
    announce_control(DOMAIN_LAPSED, domain, reason="lapsed", at=moment)
    _tell_admins(
        domain.organisation,
        kind="evidence:domain:lapse",
        subject=f"Proof of control of {domain.name} lapsed",
        body=(
            f"The checks of control of {domain.name} have failed since "
            f"{domain.failing_since:%d %B %Y}. The domain is no longer scanned and its "
            "evidence no longer counts for your commitments, figures or badges. Put the "
            "token back and press Check now on the organisation page to prove it again."
        ),
    )


def _tell_admins(organisation: Organisation, *, kind: str, subject: str, body: str) -> None:
    notifications.notify(
        recipients=accounts.admins_of(organisation),
        kind=kind,
        subject=subject,
        body=body,
        link=reverse("accounts:organisation", args=[organisation.slug]) + "#domains",
    )


# The periodic check -------------------------------------------------------------------


@transaction.atomic
def schedule_control_checks(
    *, now: datetime, interval: timedelta | None = None, limit: int = SCHEDULE_BATCH
) -> int:
    """Queue a check of each verified domain not checked, nor queued, within `interval`
    (a day by default); returns how many. Safe with several schedulers at once: each
    domain is claimed by one conditional update before its task is queued."""
    cutoff = now - (interval or recheck_interval())
    not_queued = Q(recheck_queued_at__isnull=True) | Q(recheck_queued_at__lte=cutoff)
    not_checked = Q(checked_at__isnull=True) | Q(checked_at__lte=cutoff)
    due = Domain.objects.filter(not_queued, not_checked, control=Control.VERIFIED)
    queued = 0
    for domain_id in due.order_by("pk").values_list("pk", flat=True)[:limit]:
        if Domain.objects.filter(not_queued, pk=domain_id).update(recheck_queued_at=now):
            transaction.on_commit(functools.partial(_enqueue_recheck, domain_id), robust=True)
            queued += 1
    return queued


def _enqueue_recheck(domain_id: int) -> None:
    from accord.evidence.tasks import recheck_domain_control_task

    recheck_domain_control_task.enqueue(domain_id)


# Disputes -----------------------------------------------------------------------------


@transaction.atomic
def award_domain(*, domain: Domain, actor: Any, now: datetime | None = None) -> Domain:
    """The secretariat settles a dispute: `domain` (one organisation's claim) becomes
    the verified one, and every other organisation's claim on the name is revoked.

    Only a name with a contested claim can be awarded. Records `evidence:domain:award`;
    announces `evidence:domain:prove` for the winner (if it did not count already) and
    `evidence:domain:lapse` for each revoked claim that counted; tells the admins of
    every organisation involved.
    """
    if not has_perm(actor, Permission.DOMAIN_AWARD, domain):
        raise NotAllowed("Only the secretariat settles disputes over domains.")
    moment = now or timezone.now()
    claims = list(
        Domain.objects.select_for_update()
        .select_related("organisation")
        .filter(name=domain.name)
        .order_by("pk")
    )
    if not any(claim.control == Control.CONTESTED for claim in claims):
        raise ControlRefused(f"No organisation contests {domain.name}; there is nothing to award.")
    winner = next(claim for claim in claims if claim.pk == domain.pk)
    losers = [claim for claim in claims if claim.pk != winner.pk]
    stop_counting = [loser for loser in losers if loser.counts]
    for loser in losers:  # first, so the constraint never sees two verified claims
        _revoke(loser, moment)
    counted = winner.counts
    winner.control, winner.control_since = Control.VERIFIED, moment
    winner.verified_at, winner.verified_by = moment, Domain.Method.AWARD
    winner.failing_since, winner.failed_checks = None, 0
    winner.save()
    record_event(
        tag="evidence:domain:award",
        actor=actor,
        target=winner,
        organisation=winner.organisation,
        data={
            "domain": winner.name,
            "awarded_to": winner.organisation.slug,
            "revoked": [loser.organisation.slug for loser in losers],
        },
    )
    if not counted:
        announce_control(DOMAIN_PROVEN, winner, reason="awarded", at=moment)
        transaction.on_commit(functools.partial(_scan_verified, winner.pk), robust=True)
    for loser in stop_counting:
        announce_control(DOMAIN_LAPSED, loser, reason="revoked", at=moment)
    _tell_award(winner, losers)
    return winner


def _revoke(claim: Domain, moment: datetime) -> None:
    claim.control, claim.control_since = Control.REVOKED, moment
    claim.failing_since, claim.failed_checks = None, 0
    claim.save()


def _tell_award(winner: Domain, losers: list[Domain]) -> None:
    _tell_admins(
        winner.organisation,
        kind="evidence:domain:award",
        subject=f"{winner.name} is yours",
        body=(
            f"The secretariat settled the dispute over {winner.name}: it belongs to "
            f"{winner.organisation.name}. It is scanned, and its evidence counts. Keep the "
            "token in DNS or in the well-known file: the proof is checked every day."
        ),
    )
    for loser in losers:
        _tell_admins(
            loser.organisation,
            kind="evidence:domain:revoke",
            subject=f"{loser.name} was awarded to another organisation",
            body=(
                f"The secretariat settled the dispute over {loser.name}: it belongs to "
                f"another organisation. {loser.organisation.name}'s claim is revoked; the "
                "domain is not scanned for you and its evidence does not count."
            ),
        )
