"""Publishing a case's advisory: its first release, each update, its withdrawal.

Only the lead coordinator publishes. A case that lacks what an advisory needs is
refused with the list of every missing item (409); an active embargo blocks
publication unless the lead ends it in the same step (its reason: "published"). Every
format is built from one snapshot of the case and validated: if any document fails,
nothing is stored and the error carries each failure (format, JSON path, message).
Once stored, the audit event and the timeline entry are written, and
`cvd:advisory:release` is announced to the apps above after the commit.

The lead may also let the embargo's end publish the advisory (`publish_at_embargo_end`):
`publish_at_embargo_end` below runs inside the scheduler's ending of the embargo, as the
system; a refusal then is written on the timeline for the coordinators, who are told.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accord.access import Permission
from accord.accounts import selectors as accounts
from accord.cvd import rules, states
from accord.cvd.advisories import csaf_validator, formats
from accord.cvd.advisories.build import as_json, revision_of, snapshot_from_json, snapshot_of
from accord.cvd.advisories.formats import Failure
from accord.cvd.advisories.snapshot import Revision, Snapshot
from accord.cvd.exceptions import (
    CvdError,
    DocumentsInvalid,
    InvalidField,
    NotReady,
    StateConflict,
)
from accord.cvd.hooks import ADVISORY_RELEASED, AdvisoryReleased
from accord.cvd.models import Advisory, AdvisoryRevision, Case, CaseEvent
from accord.cvd.selectors.publication import missing_for_publication
from accord.cvd.services import embargo
from accord.cvd.services._common import (
    MAX_SUMMARY,
    record,
    refuse_controls,
    require,
    require_visible,
)
from accord.notifications import services as notifications

if TYPE_CHECKING:
    from accord.accounts.models import User

logger = logging.getLogger(__name__)

FIRST_RELEASE = "Initial release."
PUBLISHED_REASON = "published"
MAX_REASON = 2_000
ACTIONS = {"published": "published", "updated": "updated", "withdrawn": "withdrawn"}


def _text(value: str, *, field: str, limit: int) -> str:
    text = " ".join(refuse_controls(value, field=field, multiline=True).split())
    if len(text) > limit:
        raise InvalidField(f"At most {limit:,} characters.", field=field)
    return text


def _lead(actor: User | None, case: Case, what: str) -> None:
    if actor is not None:  # None: the scheduler, at the embargo's end
        require_visible(actor, case, "case")
        require(actor, Permission.CVD_CASE_COORDINATE, case, f"Only the case's coordinator {what}.")


def embargo_holds(case: Case) -> bool:
    active = case.embargo_state in (states.EM_ACTIVE, states.EM_REVISE)
    return active and (case.embargo_ends_at is None or case.embargo_ends_at > timezone.now())


def _documents(snapshot: Any) -> dict[str, Any]:
    """Every format's document; DocumentsInvalid with every failure if any fails."""
    documents: dict[str, Any] = {}
    failures: list[Failure] = []
    try:
        known = formats.all_formats()
    except ImportError as exc:  # an instance without a format's module publishes nothing
        raise DocumentsInvalid([Failure("*", "$", f"A format is not installed: {exc}")]) from exc
    for key, fmt in known.items():
        if not fmt.applies(snapshot):
            continue
        try:
            document = as_json(fmt.build(snapshot))
            failures.extend(fmt.validate(document))
        except Exception as exc:  # a builder's bug refuses the publication, never a 500
            logger.exception("format %s could not be built for %s", key, snapshot.reference)
            failures.append(Failure(key, "$", f"The document could not be built: {exc}"))
            continue
        documents[key] = document
    if failures:
        raise DocumentsInvalid(failures)
    return documents


def _revisions(advisory: Advisory | None, summary: str, now: Any) -> tuple[Revision, ...]:
    """The advisory's history with the next version, `summary`, published `now`."""
    version = advisory.version + 1 if advisory else 1
    earlier = tuple(
        revision_of(r.number, r.published_at, r.summary)
        for r in (advisory.revisions.order_by("number") if advisory else [])
    )
    return (*earlier, revision_of(version, now, summary))


def _store(
    case: Case,
    advisory: Advisory | None,
    snapshot: Snapshot,
    documents: dict[str, Any],
    *,
    actor: User | None,
) -> Advisory:
    """Store `snapshot`'s version with its documents (built and validated)."""
    now = snapshot.current_release
    if advisory is None:
        advisory = Advisory(case=case, tracking_id=case.reference, initial_release_at=now)
    advisory.title, advisory.summary, advisory.tlp = snapshot.title, snapshot.summary, snapshot.tlp
    advisory.state = Advisory.State.WITHDRAWN if snapshot.withdrawn else Advisory.State.PUBLISHED
    advisory.version, advisory.current_release_at = snapshot.version, now
    advisory.documents, advisory.snapshot = documents, as_json(snapshot)
    advisory.cve_ids = [v.cve_id for v in snapshot.vulnerabilities if v.cve_id]
    advisory.save()
    AdvisoryRevision.objects.create(
        advisory=advisory,
        number=snapshot.version,
        summary=snapshot.revisions[-1].summary[:MAX_SUMMARY],
        published_at=now,
        published_by=actor,
        documents=documents,
        tlp=snapshot.tlp,
    )
    return advisory


def _snapshot(case: Case, revisions: tuple[Revision, ...]) -> Snapshot:
    """The case as it stands; a failure to read it refuses like a format's (never a
    500)."""
    try:
        return snapshot_of(case, version=revisions[-1].number, revisions=revisions)
    except Exception as exc:
        logger.exception("the snapshot of %s could not be built", case.reference)
        failure = Failure("*", "$", f"The case could not be read into an advisory: {exc}")
        raise DocumentsInvalid([failure]) from exc


@dataclasses.dataclass(frozen=True)
class _Built:
    """A version built and validated before the transaction, and what the case was."""

    marker: tuple[int, int]
    snapshot: Snapshot
    documents: dict[str, Any]


def _marker(case: Case) -> tuple[int, int]:
    """The advisory's version and the case's latest timeline entry: every change to
    the case writes one, so an equal marker means the case has not changed."""
    version = Advisory.objects.filter(case=case).values_list("version", flat=True).first()
    last = CaseEvent.objects.filter(case=case).order_by("-pk").values_list("pk", flat=True)
    return version or 0, last.first() or 0


def _unchanged(case: Case, built: _Built | None) -> None:
    if built is not None and _marker(case) != built.marker:
        raise StateConflict("The case changed while publishing; try again. Allowed: publish again.")


def _build(snapshot: Snapshot) -> tuple[Snapshot, dict[str, Any]]:
    return snapshot, _documents(snapshot)


def _announce(advisory: Advisory, action: str, actor: User | None, summary: str) -> None:
    who = "the embargo's end" if actor is None else "the coordinator"
    record(
        case=advisory.case,
        tag=f"cvd:advisory:{action}",
        actor=actor,
        target=advisory,
        summary=f"Advisory {advisory.tracking_id} version {advisory.version} {action} "
        f"by {who}: {summary}",
        data={
            "advisory": advisory.pk,
            "version": advisory.version,
            "tlp": advisory.tlp,
            "formats": sorted(advisory.documents),
            "summary": summary,
        },
    )
    ADVISORY_RELEASED.announce(
        AdvisoryReleased(
            advisory_id=advisory.pk,
            case_id=advisory.case_id,
            tracking_id=advisory.tracking_id,
            version=advisory.version,
            action=action,
            tlp=advisory.tlp,
            formats=tuple(sorted(advisory.documents)),
            actor_id=actor.pk if actor is not None else None,
        )
    )


def _ready(case: Case, current: Advisory | None, summary: str) -> str:
    """Refuse what cannot be published; the version's summary."""
    missing = missing_for_publication(case)
    if missing:
        raise NotReady(missing)
    if current is not None and current.state == Advisory.State.WITHDRAWN:
        raise StateConflict("The advisory was withdrawn; it is not published again. Allowed: none.")
    summary = _text(summary, field="summary", limit=MAX_SUMMARY)
    if not summary:
        if current is not None:
            raise InvalidField("Say what changed since the last version.", field="summary")
        summary = FIRST_RELEASE
    return summary


EMBARGO_HOLDS = (
    "The embargo is active: end it to publish now, or publish when it ends. "
    "Allowed: end the embargo and publish."
)


def _publish(
    case: Case, *, actor: User | None, summary: str, end_embargo: bool, built: _Built | None = None
) -> Advisory:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    _unchanged(locked, built)
    current = Advisory.objects.select_for_update().filter(case=locked).first()
    summary = _ready(locked, current, summary)
    # An embargo past its date the scheduler has not ended yet ends as scheduled (it
    # held) before the publication, not by it.
    embargo.end_if_due(locked)
    holds = embargo_holds(locked)
    if holds and not end_embargo:
        raise StateConflict(EMBARGO_HOLDS)
    if built is None:  # the embargo's end: built here, inside the scheduler's transaction
        revisions = _revisions(current, summary, timezone.now())
        snapshot, documents = _build(_snapshot(locked, revisions))
    else:
        snapshot, documents = built.snapshot, built.documents
    advisory = _store(locked, current, snapshot, documents, actor=actor)
    if holds and actor is not None:
        embargo.end_embargo(actor=actor, case=locked, reason=PUBLISHED_REASON)
    _announce(advisory, "published" if advisory.version == 1 else "updated", actor, summary)
    return advisory


def publish_advisory(
    *, actor: User, case: Case, summary: str = "", end_embargo: bool = False
) -> Advisory:
    """The lead publishes the case's advisory: version 1, or the next version with
    `summary` saying what changed. With the embargo active, `end_embargo` ends it (its
    reason: "published"); without it, publication is refused.

    The documents are built and validated (the node validator may take a minute)
    before the transaction, holding no lock; inside it, the case is locked and, if it
    changed meanwhile, the publication is refused (409: try again)."""
    _lead(actor, case, "publishes the advisory")
    case = Case.objects.get(pk=case.pk)  # as it stands, not as the caller read it
    marker = _marker(case)
    current = Advisory.objects.filter(case=case).first()
    text = _ready(case, current, summary)
    if embargo_holds(case) and not end_embargo:
        raise StateConflict(EMBARGO_HOLDS)
    snapshot, documents = _build(_snapshot(case, _revisions(current, text, timezone.now())))
    built = _Built(marker, snapshot, documents)
    with transaction.atomic():
        return _publish(case, actor=actor, summary=summary, end_embargo=end_embargo, built=built)


@transaction.atomic
def withdraw_advisory(*, actor: User, case: Case, reason: str) -> Advisory:
    """The lead withdraws the published advisory, saying why: a new version of the last
    published one (its content and TLP, not the case's now) that says it was withdrawn
    (the documents stay published, marked so)."""
    _lead(actor, case, "withdraws the advisory")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    current = Advisory.objects.select_for_update().filter(case=locked).first()
    if current is None:
        raise StateConflict("No advisory is published. Allowed: publish.")
    if current.state == Advisory.State.WITHDRAWN:
        raise StateConflict("The advisory is withdrawn already. Allowed: none.")
    reason = _text(reason, field="reason", limit=MAX_REASON)
    if not reason:
        raise InvalidField("Say why the advisory is withdrawn.", field="reason")
    summary = f"Withdrawn: {reason}"[:MAX_SUMMARY]
    # What was published, marked withdrawn: not what the case holds since (a flaw
    # added under embargo, edited text, another TLP).
    published = snapshot_from_json(current.snapshot)
    snapshot = dataclasses.replace(
        published,
        revisions=_revisions(current, summary, timezone.now()),
        withdrawn=True,
        withdrawal_reason=reason,
    )
    advisory = _store(locked, current, snapshot, _documents(snapshot), actor=actor)
    _announce(advisory, "withdrawn", actor, reason)
    return advisory


@transaction.atomic
def set_publish_at_embargo_end(*, actor: User, case: Case, enabled: bool) -> Case:
    """The lead lets the embargo's end publish the advisory by itself, or no longer."""
    _lead(actor, case, "decides when the advisory is published")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.publish_at_embargo_end == enabled:
        return locked
    locked.publish_at_embargo_end = enabled
    locked.save(update_fields=["publish_at_embargo_end"])
    record(
        case=locked,
        tag="cvd:advisory:schedule",
        actor=actor,
        summary="The advisory will be published when the embargo ends"
        if enabled
        else "The advisory will not be published by the embargo's end",
        data={"publish_at_embargo_end": enabled},
        audience="coordinators",
    )
    return locked


def publish_at_embargo_end(case: Case) -> Advisory | None:
    """At the embargo's end (inside the scheduler's transaction), publish the advisory if
    the lead asked for it. A refusal stores nothing of the advisory: it is written on
    the timeline for the coordinators, who are told."""
    if not case.publish_at_embargo_end:
        return None
    if Advisory.objects.filter(case=case).exists():  # the lead published it already
        return None
    try:
        with transaction.atomic():
            return _publish(case, actor=None, summary="", end_embargo=False)
    except CvdError as exc:
        _refused_at_embargo_end(case, exc)
    except Exception as exc:  # a bug must not undo the embargo's end at every run
        logger.exception("the advisory of %s could not be published", case.reference)
        _refused_at_embargo_end(case, exc)
    return None


def _refused_at_embargo_end(case: Case, exc: Exception) -> None:
    items = list(getattr(exc, "missing", ())) or [
        f"{f.format} {f.path}: {f.message}" for f in getattr(exc, "failures", ())
    ]
    record(
        case=case,
        tag="cvd:advisory:refuse",
        actor=None,
        summary=f"The advisory was not published at the embargo's end: {exc}",
        data={"reason": str(exc), "items": items},
        audience="coordinators",
    )
    link = reverse("cvd:publication", args=[case.reference])
    notifications.notify(
        recipients=coordinators_of(case),
        kind="cvd:advisory:refuse",
        subject=f"{case.reference}: the advisory was not published at the embargo's end",
        body=f"{exc}\n\nOpen the case's Publication tab to publish it.",
        link=link,
        key=f"cvd:advisory:refuse:{case.pk}:{case.embargo_exited_at}",
    )


def coordinators_of(case: Case) -> list[User]:
    """The people who lead `case`: its coordinating organisation's members (the
    secretariat when it has none) and coordinator participants in person or by their
    organisation."""
    people: dict[int, User] = {}
    lead = (
        accounts.members_of(case.coordinator) if case.coordinator else accounts.secretariat_people()
    )
    people.update((u.pk, u) for u in lead)
    for party in case.participants.filter(role=rules.COORDINATOR, removed_at__isnull=True):
        if party.user is not None and party.user.is_active:
            people[party.user.pk] = party.user
        if party.organisation is not None:
            people.update((u.pk, u) for u in accounts.members_of(party.organisation))
    return list(people.values())


def preview_advisory(*, actor: User, case: Case) -> tuple[dict[str, Any], list[Failure]]:
    """The documents the next publication would store, and their failures, without
    storing anything (the lead's preview). Empty while the case is not ready. The CSAF
    documents are checked against the schema alone (the page is seen often, the node
    validator takes seconds): publication runs the full validator."""
    _lead(actor, case, "previews the advisory")
    if missing_for_publication(case):
        return {}, []
    current = Advisory.objects.filter(case=case).first()
    revisions = _revisions(current, "Preview", timezone.now())
    try:
        with csaf_validator.skipped():
            return _documents(_snapshot(case, revisions)), []
    except DocumentsInvalid as exc:
        return {}, list(exc.failures)
