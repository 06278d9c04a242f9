"""Reading evidence.

For other apps (commitments, adoption metrics, reports):

- `latest_observations(organisation)`: the current observation of each check on each of
  the organisation's domains that count, one per (domain, check) observed so far.
- `practice_evidence(organisation, practice)`: for an automated practice, the current
  observations of its `check_id` across the organisation's domains; none otherwise.
- `check_history(...)`: the observations of one check over time, for status derivation.
- `uncounted_domains(organisation)`: the registered domains whose evidence does not
  count, and why, for pages that must say so.

A domain counts only while its organisation's control of it is proven (or it is a demo
organisation's fictional domain): observations of any other domain are left out of
all of these, so they never reach commitments, figures or badges.

Both answer for the organisation as the system sees it, not for a viewer: code that
shows them to a person first asks `has_perm(user, Permission.EVIDENCE_VIEW,
organisation)`, as the `*_for(user, ...)` selectors below do for the evidence pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from accord.access import scope_of
from accord.accounts import selectors as accounts
from accord.accounts.permissions import Permission, has_perm
from accord.engine.explanations import headline, shared_host_failure
from accord.engine.registry import CHECKS, PLATFORM_CHECKS
from accord.evidence.models import (
    COUNTING,
    Control,
    CurrentVerdict,
    Domain,
    Observation,
    ScanRun,
    VerdictChange,
)

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.catalogue.models import Practice

RECENT_CHANGES = 10
DEFAULT_PROOF_GRACE = timedelta(days=3)


def proof_grace_period() -> timedelta:
    """How long the checks of a verified domain may fail before its proof of control
    lapses (ACCORD_DOMAIN_PROOF_GRACE_DAYS, 3 by default)."""
    days = getattr(settings, "ACCORD_DOMAIN_PROOF_GRACE_DAYS", None)
    return DEFAULT_PROOF_GRACE if days is None else timedelta(days=float(days))


def latest_observations(organisation: Organisation) -> QuerySet[Observation]:
    """The current observation of every check on every domain of the organisation that
    counts (control proven, or demo), and the latest of each platform check."""
    current = CurrentVerdict.objects.filter(
        domain__organisation=organisation, domain__control__in=COUNTING
    )
    platform = _latest_platform(Observation.objects.filter(organisation=organisation))
    return Observation.objects.filter(
        Q(pk__in=current.values("observation_id")) | Q(pk__in=platform)
    ).order_by("domain_name", "check_id")


def _latest_platform(observations: QuerySet[Observation]) -> QuerySet[Observation, int]:
    # The ids of the newest platform observation per organisation and check.
    platform = observations.filter(source=Observation.Source.PLATFORM)
    newer = platform.filter(
        organisation=OuterRef("organisation"),
        check_id=OuterRef("check_id"),
        observed_at__gt=OuterRef("observed_at"),
    )
    return platform.exclude(Exists(newer)).values_list("pk", flat=True)


def practice_evidence(organisation: Organisation, practice: Practice) -> QuerySet[Observation]:
    """The current observations that show whether the organisation follows `practice`.

    For a practice verified `automated:<check-id>`: the latest observation of that check
    on each of the organisation's domains that has been scanned. For a practice verified
    by document or attestation (or an automated one without a check): none.
    """
    if practice.verification != "automated" or not practice.check_id:
        return Observation.objects.none()
    return latest_observations(organisation).filter(check_id=practice.check_id)


def check_history(
    organisation: Organisation, check_id: str, *, since: datetime, until: datetime
) -> list[tuple[int, datetime, str, int]]:
    """(domain id, observed at, status, observation id) of every observation of one check
    on the organisation's domains that count now, from `since` to `until`, plus, per
    domain, the last one before `since` (the state at that moment). Callers check
    permission."""
    domains = list(
        Domain.objects.counting().filter(organisation=organisation).values_list("pk", flat=True)
    )
    if check_id in PLATFORM_CHECKS:
        return _platform_history(organisation, check_id, since=since, until=until)
    observations = Observation.objects.filter(
        organisation=organisation, domain_id__in=domains, check_id=check_id, observed_at__lte=until
    )
    rows = list(observations.filter(observed_at__gte=since).values_list(*_HISTORY))
    for domain_id in domains:
        before = observations.filter(domain_id=domain_id, observed_at__lt=since)
        earlier = before.order_by("-observed_at", "-pk").values_list(*_HISTORY).first()
        if earlier is not None:
            rows.append(earlier)
    return rows


_HISTORY = ("domain_id", "observed_at", "status", "pk")


def _platform_history(
    organisation: Organisation, check_id: str, *, since: datetime, until: datetime
) -> list[tuple[int, datetime, str, int]]:
    # One series, keyed 0 where a domain's id would be: the platform's own records.
    observations = Observation.objects.filter(
        organisation=organisation,
        source=Observation.Source.PLATFORM,
        check_id=check_id,
        observed_at__lte=until,
    )
    rows = [
        (0, observed_at, status, pk)
        for observed_at, status, pk in observations.filter(observed_at__gte=since).values_list(
            "observed_at", "status", "pk"
        )
    ]
    earlier = (
        observations.filter(observed_at__lt=since)
        .order_by("-observed_at", "-pk")
        .values_list("observed_at", "status", "pk")
        .first()
    )
    return [*rows, (0, *earlier)] if earlier is not None else rows


def platform_results(check_id: str, *, until: datetime) -> dict[int, dict[str, Any]]:
    """The result (its details hold the figures) of the latest observation of a
    platform check per organisation, as stood at `until`: what the published coalition
    figures are made from. Only the organisations the figures count
    (`accounts.counted_organisations`). Callers publish only aggregates."""
    observations = Observation.objects.filter(
        source=Observation.Source.PLATFORM,
        check_id=check_id,
        observed_at__lte=until,
        organisation__in=accounts.counted_organisations(),
    )
    latest = Observation.objects.filter(pk__in=_latest_platform(observations))
    return dict(latest.values_list("organisation_id", "result"))


def uncounted_domains(organisation: Organisation) -> list[Domain]:
    """The organisation's registered domains whose evidence does not count: control not
    proven, lapsed, contested or awarded to another organisation. Each says why with
    `get_control_display()`. Callers check permission."""
    return list(Domain.objects.filter(organisation=organisation).exclude(control__in=COUNTING))


SECURITY_TXT_CHECK = "security-txt"
# A file with recommendations only (WARN) has no error: RFC 9116 and sectxt call it valid.
VALID_VERDICTS = ("pass", "warn")


def latest_valid_security_txt(organisation: Organisation) -> Observation | None:
    """The newest current observation of the `security-txt` check that found a valid
    file, on a domain of the organisation that counts, with its stored body; None when
    no domain's current security.txt is valid. An older valid file does not count once
    a newer scan of the domain found it invalid. Callers check permission."""
    return (
        latest_observations(organisation)
        .filter(check_id=SECURITY_TXT_CHECK, status__in=VALID_VERDICTS, body__isnull=False)
        .select_related("body")
        .order_by("-observed_at", "-pk")
        .first()
    )


# The evidence pages ---------------------------------------------------------------------


@dataclass(frozen=True)
class CheckRow:
    """One check on one domain: its current observation, if any, and since when it holds."""

    check_id: str
    title: str
    verdict: CurrentVerdict | None

    @property
    def observation(self) -> Observation | None:
        return self.verdict.observation if self.verdict is not None else None


@dataclass(frozen=True)
class SharedFailure:
    """Several checks that could not reach the domain for one reason: shown as one."""

    code: str
    headline: str
    rows: list[CheckRow]


@dataclass(frozen=True)
class DomainEvidence:
    """A domain's current verdicts, one row per check, and its scan in progress if any."""

    domain: Domain
    rows: list[CheckRow]
    open_run: ScanRun | None

    @property
    def scanned(self) -> bool:
        return any(row.verdict is not None for row in self.rows)

    @cached_property
    def shared_failure(self) -> SharedFailure | None:
        """The failure of the whole domain that two or more checks report alone."""
        key_codes = {
            row.check_id: row.observation.key_codes for row in self.rows if row.observation
        }
        found = shared_host_failure(key_codes)
        if found is None:
            return None
        code, check_ids = found
        folded = [row for row in self.rows if row.check_id in check_ids]
        return SharedFailure(code, headline(code), folded)

    @property
    def other_rows(self) -> list[CheckRow]:
        """The rows not folded into `shared_failure`."""
        shared = self.shared_failure
        folded = {row.check_id for row in shared.rows} if shared else set()
        return [row for row in self.rows if row.check_id not in folded]


@dataclass(frozen=True)
class DomainControl:
    """A registered domain and where its proof of control stands, for its organisation."""

    domain: Domain
    can_prove: bool
    lapses_at: datetime | None

    @property
    def needs_proof(self) -> bool:
        """Whether the organisation should (still, or again) put the token in place."""
        return self.domain.control not in (Control.VERIFIED, Control.DEMO)

    @property
    def failing(self) -> bool:
        return self.domain.control == Control.VERIFIED and self.lapses_at is not None


@dataclass(frozen=True)
class OrganisationDomains:
    domains: list[DomainControl]
    can_add: bool


def organisation_domains(user: Any, organisation: Organisation) -> OrganisationDomains | None:
    """The domains registered for the organisation, each with its proof of control, to
    those who may see it; None otherwise."""
    if not has_perm(user, Permission.ORGANISATION_VIEW, organisation):
        return None
    can_prove = has_perm(user, Permission.DOMAIN_PROVE, organisation)
    return OrganisationDomains(
        domains=[
            domain_control(domain, can_prove=can_prove)
            for domain in Domain.objects.filter(organisation=organisation)
        ],
        can_add=has_perm(user, Permission.ORGANISATION_MANAGE, organisation),
    )


def domain_control(domain: Domain, *, can_prove: bool) -> DomainControl:
    """The domain's proof of control as its page shows it; `can_prove` from the caller's
    `has_perm(user, Permission.DOMAIN_PROVE, ...)`."""
    failing_since = domain.failing_since if domain.control == Control.VERIFIED else None
    lapses_at = failing_since + proof_grace_period() if failing_since is not None else None
    return DomainControl(domain, can_prove=can_prove and not domain.is_demo, lapses_at=lapses_at)


@dataclass(frozen=True)
class OrganisationEvidence:
    domains: list[DomainEvidence]
    changes: list[VerdictChange]


def organisation_evidence(user: Any, organisation: Organisation) -> OrganisationEvidence | None:
    """The current evidence of each of the organisation's domains, or None if not allowed."""
    if not has_perm(user, Permission.EVIDENCE_VIEW, organisation):
        return None
    domains = list(organisation.domains.all())
    changes = VerdictChange.objects.filter(organisation=organisation)[:RECENT_CHANGES]
    return OrganisationEvidence(domains=_evidence_of(domains), changes=list(changes))


def _evidence_of(domains: list[Domain]) -> list[DomainEvidence]:
    verdicts = CurrentVerdict.objects.filter(domain__in=domains).select_related("observation")
    by_key = {(verdict.domain_id, verdict.check_id): verdict for verdict in verdicts}
    open_runs = ScanRun.objects.filter(domain__in=domains, state__in=ScanRun.OPEN_STATES)
    open_by_domain = {run.domain_id: run for run in open_runs}
    return [
        DomainEvidence(
            domain=domain,
            rows=[
                CheckRow(check.id, check.title, by_key.get((domain.pk, check.id)))
                for check in CHECKS.values()
            ],
            open_run=open_by_domain.get(domain.pk),
        )
        for domain in domains
    ]


def domain_for(user: Any, domain_id: int) -> Domain | None:
    """The domain if the user may see its evidence; None whether or not it exists."""
    visible = scope_of(user, Permission.EVIDENCE_VIEW, Domain)
    return visible.select_related("organisation").filter(pk=domain_id).first()


@dataclass(frozen=True)
class DomainHistory:
    evidence: DomainEvidence
    control: DomainControl
    changes: list[VerdictChange]
    observations: QuerySet[Observation]
    check_id: str | None
    can_scan: bool


def domain_history(user: Any, domain: Domain, *, check_id: str | None = None) -> DomainHistory:
    """Everything observed on a domain, newest first; `changed_from` marks verdict changes.

    The caller has the domain from `domain_for`, so the user may see it.
    """
    if check_id not in CHECKS:
        check_id = None
    change = VerdictChange.objects.filter(observation=OuterRef("pk")).values("from_status")
    observations = Observation.objects.filter(domain=domain).annotate(
        changed_from=Subquery(change[:1])
    )
    if check_id is not None:
        observations = observations.filter(check_id=check_id)
    return DomainHistory(
        evidence=_evidence_of([domain])[0],
        control=domain_control(domain, can_prove=has_perm(user, Permission.DOMAIN_PROVE, domain)),
        changes=list(VerdictChange.objects.filter(domain=domain)[: RECENT_CHANGES * 5]),
        observations=observations,
        check_id=check_id,
        can_scan=domain.control == Control.VERIFIED
        and has_perm(user, Permission.EVIDENCE_SCAN, domain),
    )


def observation_for(user: Any, observation_id: int) -> Observation | None:
    """The observation, with its evidence, if the user may see it; None otherwise."""
    return (
        scope_of(user, Permission.EVIDENCE_VIEW, Observation)
        .select_related("organisation", "domain", "body", "scan_run")
        .filter(pk=observation_id)
        .first()
    )


# Failing evidence, for the secretariat's workspace ---------------------------------------

FAILING = ("fail", "error")


def failing_checks(user: Any) -> QuerySet[CurrentVerdict]:
    """The checks failing now (`fail`, or `error`: the domain could not be checked) on the
    domains whose evidence the user may see, the longest-failing first."""
    domains = scope_of(user, Permission.EVIDENCE_VIEW, Domain)
    return (
        CurrentVerdict.objects.filter(domain__in=domains, status__in=FAILING)
        .select_related("domain__organisation", "observation")
        .order_by("since", "domain__name", "check_id")
    )


def failing_domain_count(user: Any) -> int:
    """How many of the domains the user may see have a check failing now."""
    return failing_checks(user).order_by().values("domain_id").distinct().count()


# Disputes, for the secretariat ------------------------------------------------------------


@dataclass(frozen=True)
class Dispute:
    """A name that more than one organisation claims, with a claim that is contested:
    every claim on it, the one that counts (if any) first."""

    name: str
    claims: list[Domain]

    @property
    def holder(self) -> Domain | None:
        return next((claim for claim in self.claims if claim.counts), None)


def disputes(user: Any) -> list[Dispute] | None:
    """Every contested name with all its claims, oldest dispute first; None unless the
    user settles disputes (the secretariat)."""
    if not has_perm(user, Permission.DOMAIN_AWARD):
        return None
    contested = Domain.objects.filter(control=Control.CONTESTED)
    names = list(
        contested.order_by("control_since", "name").values_list("name", flat=True).distinct()
    )
    claims = Domain.objects.filter(name__in=names).select_related("organisation")
    by_name: dict[str, list[Domain]] = {name: [] for name in names}
    for claim in claims.order_by("added_at", "pk"):
        by_name[claim.name].append(claim)
    return [
        Dispute(name, sorted(found, key=lambda claim: not claim.counts))
        for name, found in by_name.items()
    ]


def claim_to_award(user: Any, domain_id: int) -> Domain | None:
    """The claim, if the user may award it; None whether or not it exists."""
    visible = scope_of(user, Permission.DOMAIN_AWARD, Domain)
    return visible.select_related("organisation").filter(pk=domain_id).first()


def lapsed_domains(user: Any) -> QuerySet[Domain]:
    """Domains whose proof of control lapsed, most recent first, of the organisations
    whose evidence the user may see."""
    visible = scope_of(user, Permission.EVIDENCE_VIEW, Domain)
    return (
        visible.filter(control=Control.LAPSED)
        .select_related("organisation")
        .order_by("-control_since")
    )
