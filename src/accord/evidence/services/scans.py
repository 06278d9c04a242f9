"""Registering domains, scanning them and storing what the checks saw.

A registered domain is a claim: it is scanned, and its observations count, only once
its organisation proves control (`accord.evidence.services.control`). Demo
organisations' domains are fictional: they count for the demo's made-up figures, and
are never scanned.

A scan is: retrieve and evaluate (`accord.engine.checks.assess_domain`, async, through
a `Fetcher`), then store one `Observation` per check. Storing keeps each check's current
verdict; a verdict that differs from the one before it is a `VerdictChange`, the audit
event `evidence:verdict:change` and the hook of the same name (`accord.evidence.notices`
tells the organisation's admins when a check turns to fail).

Scans run as tasks (`accord.evidence.tasks`): `request_scan` opens a `ScanRun` and
enqueues its task when the transaction commits; the task calls `run_scan`, which runs
the scan once however often the task is delivered. `schedule_due_scans` requests a scan
of every domain whose latest observation is older than the scan interval.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import hashlib
import json
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.module_loading import import_string

from accord import errors
from accord.accounts import services as accounts_services
from accord.accounts.permissions import Permission, has_perm
from accord.audit.hooks import Hook
from accord.audit.services import record_event
from accord.engine.domains import InvalidDomain as DomainNameError
from accord.engine.domains import normalise_domain
from accord.engine.registry import CHECKS
from accord.engine.types import (
    CheckResult,
    Fetcher,
    FetchError,
    FetchOutcome,
    Finding,
    Response,
    Status,
)
from accord.evidence.hooks import (
    DOMAIN_LAPSED,
    OBSERVATION_RECORDED,
    VERDICT_CHANGED,
    DomainControlChanged,
    ObservationRecorded,
    VerdictChanged,
)
from accord.evidence.models import (
    Control,
    CurrentVerdict,
    Domain,
    EvidenceBody,
    Observation,
    ScanRun,
    VerdictChange,
)

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

DEFAULT_INTERVAL = timedelta(days=1)
SCHEDULE_BATCH = 1000
# A person may ask for a scan of a domain at most this often; the domain may not be theirs.
MANUAL_SCAN_COOLDOWN = timedelta(minutes=5)


class EvidenceError(errors.DomainError):
    """A change to evidence that cannot be made; the message is meant for the person."""


class NotAllowed(EvidenceError, errors.NotAllowed):
    """The actor may not make this change."""


class UnknownCheck(EvidenceError, errors.Invalid):
    """A check id that is not in `accord.engine.registry`."""

    field = "check_id"


class ScanNotDue(EvidenceError, errors.Conflict):
    """A scan of the domain is queued already, or ran a few minutes ago."""


class InvalidDomain(EvidenceError, errors.Invalid):
    """A domain name that cannot be registered: malformed, or registered already."""

    field = "name"


# Domains ------------------------------------------------------------------------------


@transaction.atomic
def add_domain(*, organisation: Organisation, name: str, actor: Any) -> Domain:
    """Register a domain name for the organisation, in its normal ASCII form, as a claim
    with a token of its own: it is scanned, and counts, once the organisation proves
    control with that token (`check_domain_control`). Another organisation may hold a
    verified claim on the same name; proof then opens a dispute. A demo organisation's
    domain is fictional: it is marked demo, counts at once and is never scanned.

    `actor=None` is the instance itself (CLI, demo data, admissions); people always pass
    themselves. Records `evidence:domain:add` (the claim).
    """
    _require_manager(actor, organisation, "Only the organisation's admins can add domains.")
    try:
        normal = normalise_domain(name)
    except DomainNameError as exc:
        raise InvalidDomain(str(exc)) from exc
    if Domain.objects.filter(organisation=organisation, name=normal).exists():
        raise InvalidDomain(f"{normal} is already registered for {organisation.name}.")
    held = Domain.objects.counting().filter(name=normal).exists()
    if organisation.is_demo and not held:
        domain = Domain.objects.create(organisation=organisation, name=normal, **_demo_control())
    else:
        domain = Domain.objects.create(organisation=organisation, name=normal)
    record_event(
        tag="evidence:domain:add",
        actor=actor,
        target=domain,
        organisation=organisation,
        data={"domain": normal, "control": domain.control},
    )
    return domain


def _demo_control(at: datetime | None = None) -> dict[str, Any]:
    moment = at or timezone.now()
    return {
        "control": Control.DEMO,
        "control_since": moment,
        "verified_at": moment,
        "verified_by": Domain.Method.DEMO,
    }


@transaction.atomic
def remove_domain(*, domain: Domain, actor: Any) -> None:
    """Stop checking a domain. Its observations stay in the organisation's history, with
    the domain's name; its current verdicts and scan runs go with it. A domain that
    counted stops counting: `evidence:domain:lapse` is announced (reason `removed`)."""
    organisation = domain.organisation
    _require_manager(actor, organisation, "Only the organisation's admins can remove domains.")
    record_event(
        tag="evidence:domain:remove",
        actor=actor,
        target=domain,
        organisation=organisation,
        data={"domain": domain.name},
    )
    if domain.counts:
        announce_control(DOMAIN_LAPSED, domain, reason="removed", at=timezone.now())
    domain.delete()


DEMO_ONLY = "Only demo organisations' evidence is imported in bulk."


@transaction.atomic
def import_demo_domains(*, domains: list[Domain]) -> list[Domain]:
    """Register the fictional domains of demo organisations at once, for `accord demo`.
    They are marked demo: they count for the demo's made-up figures, and are not
    scanned, as there is nothing at those names to scan."""
    accounts_services.require_demo([domain.organisation for domain in domains], message=DEMO_ONLY)
    for domain in domains:
        domain.name = normalise_domain(domain.name)
        for field, value in _demo_control(domain.added_at).items():
            setattr(domain, field, value)
    created = Domain.objects.bulk_create(domains)
    if created:
        record_event(tag="evidence:domain:import", data={"demo": len(created)})
    return created


@transaction.atomic
def import_demo_evidence(
    *,
    observations: list[Observation],
    verdicts: list[CurrentVerdict],
    verdict_changes: list[VerdictChange],
) -> None:
    """Store a made-up history of observations on demo organisations' domains, for
    `accord demo`, in one insert per table and one audit event."""
    accounts_services.require_demo(
        [observation.organisation for observation in observations], message=DEMO_ONLY
    )
    Observation.objects.bulk_create(observations, batch_size=500)
    CurrentVerdict.objects.bulk_create(verdicts, batch_size=500)
    VerdictChange.objects.bulk_create(verdict_changes, batch_size=500)
    if observations:
        counts = {"observations": len(observations), "verdict_changes": len(verdict_changes)}
        record_event(tag="evidence:history:import", data=counts)


def _require_manager(actor: Any, organisation: Organisation, message: str) -> None:
    if actor is not None and not has_perm(actor, Permission.ORGANISATION_MANAGE, organisation):
        raise NotAllowed(message)


def announce_control(
    hook: Hook[DomainControlChanged], domain: Domain, *, reason: str, at: datetime
) -> None:
    """Tell the apps above that the domain began or stopped counting as evidence."""
    hook.announce(
        DomainControlChanged(
            domain_id=domain.pk,
            organisation_id=domain.organisation_id,
            name=domain.name,
            reason=reason,
            at=at,
        )
    )


# Storing observations -----------------------------------------------------------------


@dataclass(frozen=True)
class RetrievedEvidence:
    """The fetch behind a check's result: the raw evidence an observation keeps."""

    url_chain: tuple[str, ...] = ()
    http_status: int | None = None
    body: bytes | None = None
    truncated: bool = False  # the site sent more than the fetch's size limit

    @classmethod
    def from_outcome(cls, outcome: FetchOutcome | None) -> RetrievedEvidence:
        if outcome is None:
            return cls()
        chain = (*outcome.redirects, outcome.url)
        if isinstance(outcome, FetchError):
            return cls(url_chain=chain)
        return cls(chain, outcome.status, outcome.body, outcome.truncated)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest() if self.body is not None else ""


@transaction.atomic
def record_observation(
    *,
    domain: Domain,
    check_id: str,
    result: CheckResult,
    retrieved_meta: RetrievedEvidence | None = None,
    now: datetime,
    scan_run: ScanRun | None = None,
) -> Observation:
    """Store one check's result on the domain, observed at `now`, with its evidence.

    Records the audit event `evidence:observation:record`, so an organisation's first
    verdict and the evidence behind it are in the chain. When the status differs from
    the latest earlier observation of this check on this domain, records a
    `VerdictChange` and the audit event `evidence:verdict:change` too.
    """
    if check_id not in CHECKS:
        raise UnknownCheck(f"unknown check {check_id!r}")
    if result.check_id != check_id:
        raise ValueError(f"a result of {result.check_id!r} recorded as {check_id!r}")
    meta = retrieved_meta or RetrievedEvidence()
    observation = Observation.objects.create(
        organisation_id=domain.organisation_id,
        domain=domain,
        domain_name=domain.name,
        check_id=check_id,
        check_version=check_version(check_id),
        observed_at=now,
        status=str(result.status),
        codes=finding_codes(result),
        result=_json_safe(result.as_dict()),
        url_chain=list(meta.url_chain),
        http_status=meta.http_status,
        content_sha256=meta.sha256,
        body=_stored_body(meta.body, meta.sha256),
        fetch_truncated=meta.truncated,
        scan_run=scan_run,
    )
    _record_observed(domain, observation)
    _update_verdict(domain, observation)
    OBSERVATION_RECORDED.announce(
        ObservationRecorded(
            observation_id=observation.pk,
            organisation_id=domain.organisation_id,
            check_id=check_id,
            observed_at=now,
        )
    )
    return observation


def _record_observed(domain: Domain, observation: Observation) -> None:
    # Kept small: one event per observation; the evidence itself is in the row.
    record_event(
        tag="evidence:observation:record",
        target=observation,
        organisation=domain.organisation,
        data={
            "domain": domain.name,
            "check_id": observation.check_id,
            "verdict": observation.status,
            "observation_id": observation.pk,
            "sha256": observation.content_sha256,
        },
    )


def check_version(check_id: str) -> str:
    """The version of the check's semantics, stored with each observation."""
    from accord.engine.checks import get_check

    return str(get_check(check_id).version)


def finding_codes(result: CheckResult) -> list[str]:
    """Every finding code of the result: errors, recommendations, notifications."""
    findings: list[Finding] = [*result.errors, *result.recommendations, *result.notifications]
    return list(dict.fromkeys(finding.code for finding in findings))


class _Encoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    # Check details may hold dates or other objects; store what JSON can say of them.
    safe: dict[str, Any] = json.loads(json.dumps(data, cls=_Encoder))
    return safe


def _stored_body(body: bytes | None, digest: str) -> EvidenceBody | None:
    if body is None:
        return None
    stored = EvidenceBody.objects.defer("content").filter(sha256=digest).first()
    if stored is not None:
        return stored
    try:
        with transaction.atomic():
            return EvidenceBody.objects.create(
                sha256=digest, content=body[: EvidenceBody.MAX_STORED_BYTES], size=len(body)
            )
    except IntegrityError:  # a concurrent scan stored the same body first
        return EvidenceBody.objects.defer("content").get(sha256=digest)


def _update_verdict(domain: Domain, observation: Observation) -> None:
    current, created = CurrentVerdict.objects.select_for_update().get_or_create(
        domain=domain,
        check_id=observation.check_id,
        defaults={
            "status": observation.status,
            "since": observation.observed_at,
            "observation": observation,
        },
    )
    if created:
        return
    previous = current.observation
    if observation.observed_at < previous.observed_at:
        return  # an older observation stored late is history, not news
    if observation.status != current.status:
        current.status = observation.status
        current.since = observation.observed_at
        _record_change(domain, previous, observation)
    current.observation = observation
    current.save(update_fields=["status", "since", "observation"])


def _record_change(domain: Domain, previous: Observation, observation: Observation) -> None:
    change = VerdictChange.objects.create(
        organisation_id=domain.organisation_id,
        domain=domain,
        domain_name=domain.name,
        check_id=observation.check_id,
        from_status=previous.status,
        to_status=observation.status,
        observation=observation,
        previous_observation=previous,
        changed_at=observation.observed_at,
    )
    record_event(
        tag="evidence:verdict:change",
        target=change,
        organisation=domain.organisation,
        data={
            "domain": domain.name,
            "check_id": observation.check_id,
            "from": previous.status,
            "to": observation.status,
            "codes": observation.key_codes,
            "observation_id": observation.pk,
        },
    )
    VERDICT_CHANGED.announce(
        VerdictChanged(
            verdict_change_id=change.pk,
            organisation_id=domain.organisation_id,
            domain_id=domain.pk,
            domain_name=domain.name,
            check_id=change.check_id,
            from_status=change.from_status,
            to_status=change.to_status,
            changed_at=change.changed_at,
        )
    )


# Scanning -----------------------------------------------------------------------------


def safe_fetcher() -> Fetcher:
    """The fetcher real scans use: the SafeFetcher, with the instance's lab options."""
    from accord.engine.fetcher import SafeFetcher, parse_connect_to

    return SafeFetcher(
        allow_private=settings.ACCORD_SCAN_ALLOW_PRIVATE,
        connect_to=[parse_connect_to(rule) for rule in settings.ACCORD_SCAN_CONNECT_TO],
        ca_bundle=settings.ACCORD_SCAN_CA_BUNDLE,
    )


def _run_blocking[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the async engine to completion from synchronous code.

    When the calling thread already runs an event loop (an ASGI server, a browser
    driver in tests), the engine gets a loop of its own in a short-lived thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def scan_domain(
    *,
    domain_id: int,
    fetcher: Fetcher | None = None,
    now: datetime | None = None,
    scan_run: ScanRun | None = None,
) -> list[Observation]:
    """Run every check on the domain and store one observation per check.

    Not one transaction: the checks fetch first, with no transaction open, so a slow
    site never holds a database lock; then the observations are stored in one. Without
    `fetcher`, scans with the one `settings.ACCORD_SCAN_FETCHER` makes (the SafeFetcher).
    """
    domain = Domain.objects.get(pk=domain_id)
    moment = now or timezone.now()
    results, recorder = _run_blocking(_assess(domain.name, fetcher, moment))
    return _store(domain.pk, results, recorder, moment, scan_run)


class _RecordingFetcher:
    """Passes fetches through and keeps what each URL returned: the results' evidence."""

    def __init__(self, inner: Fetcher) -> None:
        self._inner = inner
        self.outcomes: dict[str, FetchOutcome] = {}

    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome:
        outcome = await self._inner.get(url, max_bytes=max_bytes)
        self.outcomes[url] = outcome
        return outcome

    def evidence_for(self, url: str | None) -> RetrievedEvidence:
        """What the fetch of `url` (as asked for, or as finally answered) returned."""
        if url is None:
            return RetrievedEvidence()
        outcome = self.outcomes.get(url)
        if outcome is None:
            outcome = next(
                (o for o in self.outcomes.values() if isinstance(o, Response) and o.url == url),
                None,
            )
        return RetrievedEvidence.from_outcome(outcome)


async def _assess(
    name: str, fetcher: Fetcher | None, now: datetime
) -> tuple[dict[str, CheckResult], _RecordingFetcher]:
    from accord.engine.checks import assess_domain

    timeout = settings.ACCORD_SCAN_DOMAIN_TIMEOUT
    async with _opened(fetcher) as inner:
        recorder = _RecordingFetcher(inner)
        try:
            async with asyncio.timeout(timeout):
                return await assess_domain(name, recorder, now=now), recorder
        except TimeoutError:
            message = f"the domain was not assessed within {timeout:g} s"
            return _errors("deadline_exceeded", message), recorder
        except ValueError as exc:
            return _errors("invalid_domain", str(exc)), recorder


@contextlib.asynccontextmanager
async def _opened(fetcher: Fetcher | None) -> AsyncIterator[Fetcher]:
    if fetcher is not None:
        yield fetcher
        return
    made: Fetcher = import_string(settings.ACCORD_SCAN_FETCHER)()
    try:
        yield made
    finally:
        close = getattr(made, "aclose", None)
        if close is not None:
            await close()


def _errors(code: str, message: str) -> dict[str, CheckResult]:
    finding = Finding(code, message)
    return {check_id: CheckResult(check_id, Status.ERROR, errors=[finding]) for check_id in CHECKS}


@transaction.atomic
def _store(
    domain_id: int,
    results: dict[str, CheckResult],
    recorder: _RecordingFetcher,
    now: datetime,
    scan_run: ScanRun | None,
) -> list[Observation]:
    domain = Domain.objects.select_for_update().filter(pk=domain_id).first()
    if domain is None:
        return []  # the domain was removed while its checks ran
    return [
        record_observation(
            domain=domain,
            check_id=check_id,
            result=result,
            retrieved_meta=recorder.evidence_for(result.url),
            now=now,
            scan_run=scan_run,
        )
        for check_id, result in results.items()
    ]


# Scan runs: requesting, running, scheduling ----------------------------------------------


@transaction.atomic
def request_scan(
    *,
    domain: Domain,
    trigger: str,
    now: datetime | None = None,
    stale_after: timedelta = DEFAULT_INTERVAL,
) -> ScanRun | None:
    """Queue a scan of the domain; None when one is queued or running already.

    The task is enqueued once the transaction commits, so no worker looks for a run that
    a rollback took back. An open run requested more than `stale_after` ago is taken as
    lost (its worker died, or the queue dropped it) and abandoned, so one lost task
    cannot stop a domain's scans for good. Records `evidence:scan:queue` for the new run
    and `evidence:scan:abandon` for each run given up.
    """
    moment = now or timezone.now()
    open_runs = ScanRun.objects.filter(domain=domain, state__in=ScanRun.OPEN_STATES)
    for lost in open_runs.filter(requested_at__lt=moment - stale_after):
        _abandon_run(lost, moment, domain)
    if open_runs.exists():
        return None
    try:
        with transaction.atomic():
            run = ScanRun.objects.create(domain=domain, trigger=trigger, requested_at=moment)
    except IntegrityError:  # another scheduler queued it in the meantime
        return None
    _record_run(run, "queue", domain=domain)
    # robust: a broker that is down must not undo the change that asked for the scan;
    # the run stays queued, and is re-queued once it is stale.
    transaction.on_commit(functools.partial(_enqueue_scan, run.pk), robust=True)
    return run


def _record_run(run: ScanRun, action: str, *, domain: Domain, **data: Any) -> None:
    """The audit event `evidence:scan:<action>` for a run entering a new state."""
    record_event(
        tag=f"evidence:scan:{action}",
        target=run,
        organisation=domain.organisation,
        data={"domain": domain.name, "trigger": run.trigger, "state": run.state, **data},
    )


def _abandon_run(run: ScanRun, moment: datetime, domain: Domain) -> None:
    error = "no result in time; re-queued"
    still_open = ScanRun.objects.filter(pk=run.pk, state__in=ScanRun.OPEN_STATES)
    if still_open.update(state=ScanRun.State.ABANDONED, finished_at=moment, error=error):
        run.state, run.finished_at, run.error = ScanRun.State.ABANDONED, moment, error
        _record_run(run, "abandon", domain=domain, error=error)


def _enqueue_scan(run_id: int) -> None:
    from accord.evidence.tasks import scan_domain_task

    scan_domain_task.enqueue(run_id)


@transaction.atomic
def request_manual_scan(*, domain: Domain, actor: Any, now: datetime | None = None) -> ScanRun:
    """A person asks for a scan of one of their organisation's domains now."""
    if not has_perm(actor, Permission.EVIDENCE_SCAN, domain):
        raise NotAllowed("Only the organisation's admins can ask for a scan.")
    if domain.control != Control.VERIFIED:
        raise ScanNotDue(not_scanned_reason(domain))
    moment = now or timezone.now()
    recent = domain.scan_runs.filter(requested_at__gt=moment - MANUAL_SCAN_COOLDOWN)
    if recent.exists():
        raise ScanNotDue("This domain was scanned a few minutes ago; try again later.")
    run = request_scan(domain=domain, trigger=ScanRun.Trigger.MANUAL, now=moment)
    if run is None:
        raise ScanNotDue("A scan of this domain is already queued.")
    record_event(
        tag="evidence:scan:request",
        actor=actor,
        target=run,
        organisation=domain.organisation,
        data={"domain": domain.name},
    )
    return run


def run_scan(*, run_id: int, fetcher: Fetcher | None = None, now: datetime | None = None) -> int:
    """Carry out a queued scan run: claim it, scan its domain, close it.

    A run that is no longer queued (done, running elsewhere, abandoned, or gone with its
    domain) is left alone, so a task delivered twice scans once. Returns the number of
    observations stored. Each change of the run's state records an audit event:
    `evidence:scan:start`, then `evidence:scan:finish` or `evidence:scan:fail`. A run
    whose domain no longer has proven control is abandoned unscanned.
    """
    run = _claim_run(run_id, now or timezone.now())
    if run is None:
        return 0
    if run.domain.control != Control.VERIFIED:  # its proof lapsed while the run waited
        _close_run(run, ScanRun.State.ABANDONED, not_scanned_reason(run.domain), now)
        return 0
    try:
        observations = scan_domain(domain_id=run.domain_id, fetcher=fetcher, now=now, scan_run=run)
    except Exception as exc:
        _close_run(run, ScanRun.State.FAILED, f"{type(exc).__name__}: {exc}", now)
        raise
    _close_run(run, ScanRun.State.DONE, "", now, observations=len(observations))
    return len(observations)


@transaction.atomic
def _claim_run(run_id: int, moment: datetime) -> ScanRun | None:
    queued = ScanRun.objects.filter(pk=run_id, state=ScanRun.State.QUEUED)
    if not queued.update(state=ScanRun.State.RUNNING, started_at=moment):
        return None
    run = ScanRun.objects.select_related("domain__organisation").get(pk=run_id)
    _record_run(run, "start", domain=run.domain)
    return run


@transaction.atomic
def _close_run(run: ScanRun, state: str, error: str, now: datetime | None, **data: Any) -> None:
    running = ScanRun.objects.filter(pk=run.pk, state=ScanRun.State.RUNNING)
    if not running.update(state=state, error=error[:2000], finished_at=now or timezone.now()):
        return
    run.state, run.error = state, error[:2000]
    actions: dict[str, str] = {ScanRun.State.FAILED: "fail", ScanRun.State.ABANDONED: "abandon"}
    action = actions.get(state, "finish")
    extra = {"error": run.error} if run.error else {}
    _record_run(run, action, domain=run.domain, **extra, **data)


def not_scanned_reason(domain: Domain) -> str:
    """Why the domain is not scanned, in words for its organisation."""
    if domain.control == Control.DEMO:
        return "Demo organisation: fictional domain, not scanned."
    if domain.control == Control.VERIFIED:
        return ""
    return (
        f"{domain.name} is not scanned until its organisation proves control "
        f"({domain.get_control_display().lower()})."
    )


def schedule_due_scans(
    *, now: datetime, interval: timedelta = DEFAULT_INTERVAL, limit: int = SCHEDULE_BATCH
) -> int:
    """Queue a scan of each domain not observed, nor asked to be scanned, within `interval`.

    Returns how many were queued. Idempotent: a domain with a scan queued, or requested
    within the interval (even one that failed), is left alone, by this call and by any
    scheduler running at the same time. At most `limit` per call, so a call stays short;
    the next one takes the rest.
    """
    cutoff = now - interval
    observed = CurrentVerdict.objects.filter(
        domain=OuterRef("pk"), observation__observed_at__gt=cutoff
    )
    requested = ScanRun.objects.filter(domain=OuterRef("pk"), requested_at__gt=cutoff)
    # Only domains whose control is proven are scanned: the others may not be theirs.
    # Demo domains are fictional; their seeded evidence stays as seeded.
    candidates = Domain.objects.filter(control=Control.VERIFIED).select_related("organisation")
    due = candidates.filter(~Exists(observed), ~Exists(requested)).order_by("pk")[:limit]
    queued = 0
    for domain in due:
        trigger = ScanRun.Trigger.SCHEDULED
        if request_scan(domain=domain, trigger=trigger, now=now, stale_after=interval):
            queued += 1
    return queued
