"""Changing commitments: committing, proving, reviewing, publishing, and keeping each
commitment's derived status current.

A commitment's status is never set by hand. `refresh_commitment` derives it (the rules
are in `accord.commitments.status`) from the commitment's attestations, reviewed documents
and the evidence engine's observations, and keeps every change as a `StatusChange` with
the audit event `commitments:commitment:status`. It runs after each change of proof here,
after each observation the evidence engine records, and daily for all commitments
(`tasks.refresh_all_commitments_task`), since a lapse comes with time alone.

The organisation's admins are told (`accord.commitments.notices`) of a document reviewed,
of evidence failing on a verified commitment, and of a lapse.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.accounts import selectors as accounts
from accord.accounts import services as accounts_services
from accord.accounts.permissions import Permission, has_perm
from accord.audit.services import record_event
from accord.catalogue import selectors as catalogue
from accord.commitments import notices, selectors
from accord.commitments.exceptions import (
    AlreadyCommitted,
    AlreadyReviewed,
    CommitmentWithdrawn,
    InvalidInput,
    NotAllowed,
    UnknownPractice,
    UnknownProfile,
    UnsupportedFileType,
    UploadTooLarge,
)
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
    StatusChange,
)
from accord.commitments.status import Observed, derive_status, failing_since
from accord.commitments.uploads import ACCEPTED_DESCRIPTION, OverLimit, Refused, Sniffed, sniff
from accord.evidence.hooks import DomainControlChanged, ObservationRecorded

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.catalogue.models import Practice

__all__ = [
    "CommitResult",
    "attest_implementation",
    "commit_to_practice",
    "commit_to_practices",
    "commit_to_profile",
    "derive_status",
    "refresh_all_commitments",
    "refresh_commitment",
    "refresh_commitments_for",
    "review_document",
    "set_publication",
    "upload_document",
    "withdraw_commitment",
]

DEFAULT_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
MAX_YEARS_AHEAD = 10
MAX_ATTESTATION_LENGTH = 10_000
MAX_NOTE_LENGTH = 5_000
REFRESH_BATCH = 500


def upload_max_bytes() -> int:
    """The largest evidence document accepted, in bytes (ACCORD_UPLOAD_MAX_BYTES)."""
    return int(getattr(settings, "ACCORD_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def _require(actor: Any, permission: Permission, obj: Any, message: str) -> None:
    if not has_perm(actor, permission, obj):
        raise NotAllowed(message)


def _require_admin(actor: Any, organisation: Organisation) -> None:
    _require(
        actor,
        Permission.COMMITMENT_MANAGE,
        organisation,
        f"Only the admins of {organisation.name} can change its commitments.",
    )


def _active(commitment: Commitment) -> None:
    if commitment.withdrawn_at is not None:
        raise CommitmentWithdrawn("This commitment was withdrawn; commit to the practice again.")


# Committing ----------------------------------------------------------------------------


def _check_target_date(target_date: date, now: datetime) -> None:
    today = timezone.localdate(now)
    if target_date < today:
        raise InvalidInput(
            f"The target date {target_date.isoformat()} is in the past; choose today or later.",
            field="target_date",
        )
    if target_date.year > today.year + MAX_YEARS_AHEAD:
        raise InvalidInput(
            f"Choose a target date within {MAX_YEARS_AHEAD} years.", field="target_date"
        )


def _current_practice(slug: str) -> Practice:
    practice = catalogue.get_practice(slug)
    if practice is None or practice.withdrawn_in is not None:
        raise UnknownPractice(f"There is no practice “{slug}” in the current catalogue.")
    return practice


@transaction.atomic
def commit_to_practice(
    *,
    organisation: Organisation,
    practice_id: str,
    target_date: date,
    actor: Any,
    now: datetime | None = None,
) -> Commitment:
    """Commit the organisation to one practice (by its catalogue id) by `target_date`.

    Raises `NotAllowed` unless the actor administers the organisation, `UnknownPractice`,
    `InvalidInput` for a target date in the past, `AlreadyCommitted`.
    """
    moment = now or timezone.now()
    _require_admin(actor, organisation)
    practice = _current_practice(practice_id)
    _check_target_date(target_date, moment)
    if Commitment.objects.active().filter(organisation=organisation, practice=practice).exists():
        raise AlreadyCommitted(f"{organisation.name} is already committed to {practice.slug}.")
    return _commit(organisation, practice, target_date, actor, moment, profile=None)


@dataclass(frozen=True)
class CommitResult:
    """What committing to several practices did: the new commitments, and the practices
    skipped because the organisation was already committed to them."""

    created: list[Commitment] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@transaction.atomic
def commit_to_profile(
    *,
    organisation: Organisation,
    profile_slug: str,
    target_date: date,
    actor: Any,
    now: datetime | None = None,
) -> CommitResult:
    """Commit the organisation to every current practice of a profile, all or nothing.

    Practices the organisation is already committed to are skipped, not refused.
    """
    moment = now or timezone.now()
    _require_admin(actor, organisation)
    profile = catalogue.get_profile(profile_slug)
    if profile is None:
        raise UnknownProfile(f"There is no profile “{profile_slug}” in the catalogue.")
    _check_target_date(target_date, moment)
    practices: list[Practice] = list(profile.current_practices)  # type: ignore[attr-defined]
    return _commit_all(organisation, practices, target_date, actor, moment, profile.slug)


@transaction.atomic
def commit_to_practices(
    *,
    organisation: Organisation,
    practice_ids: list[str],
    target_date: date,
    actor: Any,
    now: datetime | None = None,
) -> CommitResult:
    """Commit the organisation to several practices at once, all or nothing; those it is
    already committed to are skipped. Raises `UnknownPractice` naming the first unknown."""
    moment = now or timezone.now()
    _require_admin(actor, organisation)
    if not practice_ids:
        raise InvalidInput("Choose at least one practice.", field="practices")
    practices = [_current_practice(slug) for slug in dict.fromkeys(practice_ids)]
    _check_target_date(target_date, moment)
    return _commit_all(organisation, practices, target_date, actor, moment, None)


def _commit_all(
    organisation: Organisation,
    practices: list[Practice],
    target_date: date,
    actor: Any,
    now: datetime,
    profile: str | None,
) -> CommitResult:
    committed = set(
        Commitment.objects.active()
        .filter(organisation=organisation, practice__in=practices)
        .values_list("practice_id", flat=True)
    )
    created = [
        _commit(organisation, practice, target_date, actor, now, profile=profile)
        for practice in practices
        if practice.pk not in committed
    ]
    skipped = [practice.slug for practice in practices if practice.pk in committed]
    return CommitResult(created=created, skipped=skipped)


def _commit(
    organisation: Organisation,
    practice: Practice,
    target_date: date,
    actor: Any,
    now: datetime,
    *,
    profile: str | None,
) -> Commitment:
    try:
        with transaction.atomic():
            commitment = Commitment.objects.create(
                organisation=organisation,
                practice=practice,
                target_date=target_date,
                committed_at=now,
                committed_by=actor,
                status=Status.COMMITTED,
                status_since=now,
            )
    except IntegrityError as exc:  # committed a moment ago, by another request
        raise AlreadyCommitted(
            f"{organisation.name} is already committed to {practice.slug}."
        ) from exc
    _record_commitment(commitment, actor, profile)
    refresh_commitment(commitment=commitment, now=now)
    return commitment


def _record_commitment(commitment: Commitment, actor: Any, profile: str | None) -> None:
    target_date = commitment.target_date
    via = f" (profile {profile})" if profile else ""
    StatusChange.objects.create(
        commitment=commitment,
        from_status="",
        to_status=Status.COMMITTED,
        changed_at=commitment.committed_at,
        cause=f"committed{via}, target date {target_date.isoformat()}",
    )
    record_event(
        tag="commitments:commitment:create",
        actor=actor,
        target=commitment,
        organisation=commitment.organisation,
        data={"practice": commitment.practice.slug, "target_date": target_date, "profile": profile},
    )


@transaction.atomic
def withdraw_commitment(
    *, commitment: Commitment, actor: Any, now: datetime | None = None
) -> Commitment:
    """Withdraw the commitment. Its history stays; the organisation may commit again."""
    _require_admin(actor, commitment.organisation)
    _active(commitment)
    commitment.withdrawn_at = now or timezone.now()
    commitment.save(update_fields=["withdrawn_at"])
    record_event(
        tag="commitments:commitment:withdraw",
        actor=actor,
        target=commitment,
        organisation=commitment.organisation,
        data={"practice": commitment.practice.slug, "status": commitment.status},
    )
    return commitment


# Proof ---------------------------------------------------------------------------------


@transaction.atomic
def attest_implementation(
    *,
    commitment: Commitment,
    text: str,
    actor: Any,
    is_public: bool = False,
    now: datetime | None = None,
) -> Attestation:
    """Declare, in the organisation's words, that the practice is implemented."""
    _require_admin(actor, commitment.organisation)
    _active(commitment)
    text = text.strip()
    if not text:
        raise InvalidInput("Say how the practice is implemented.", field="text")
    if len(text) > MAX_ATTESTATION_LENGTH:
        raise InvalidInput(
            f"Keep the attestation under {MAX_ATTESTATION_LENGTH} characters.", field="text"
        )
    moment = now or timezone.now()
    attestation = Attestation.objects.create(
        commitment=commitment, text=text, declared_by=actor, declared_at=moment, is_public=is_public
    )
    record_event(
        tag="commitments:attestation:create",
        actor=actor,
        target=attestation,
        organisation=commitment.organisation,
        data={"practice": commitment.practice.slug, "is_public": is_public},
    )
    refresh_commitment(commitment=commitment, now=moment)
    return attestation


def _read_upload(uploaded_file: UploadedFile) -> bytes:
    limit = upload_max_bytes()
    too_large = UploadTooLarge(too_large_message())
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise too_large
    data = b"".join(uploaded_file.chunks())
    if len(data) > limit:
        raise too_large
    if not data:
        raise InvalidInput("The file is empty.", field="file")
    return data


def too_large_message() -> str:
    """What a person is told of a file over the upload limit."""
    return f"The file is larger than the {_mebibytes(upload_max_bytes())} limit."


def _mebibytes(size: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


@transaction.atomic
def upload_document(
    *,
    commitment: Commitment,
    uploaded_file: UploadedFile,
    actor: Any,
    is_public: bool = False,
    now: datetime | None = None,
) -> EvidenceDocument:
    """Keep a document proving the practice, for the secretariat to review.

    The type is read from the bytes (PDF, plain text, Markdown, PNG, JPEG, JSON) and must
    agree with the file's name; raises `UnsupportedFileType` otherwise, `UploadTooLarge`
    above ACCORD_UPLOAD_MAX_BYTES, `InvalidInput` for JSON nested too deeply. Nothing is
    stored unless the document is accepted.
    """
    data, sniffed = _accepted_upload(commitment, uploaded_file, actor)
    moment = now or timezone.now()
    document = EvidenceDocument(
        commitment=commitment,
        filename=sniffed.filename,
        content_type=sniffed.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        uploaded_at=moment,
        is_public=is_public,
    )
    # A random stored name: the person's file name is shown, never used as a path.
    document.file.save(f"{uuid.uuid4().hex}{sniffed.extension}", ContentFile(data), save=False)
    try:
        document.save()
        _record_upload(document, actor)
        refresh_commitment(commitment=commitment, now=moment)
    except Exception:
        document.file.delete(save=False)
        raise
    return document


def _accepted_upload(
    commitment: Commitment, uploaded_file: UploadedFile, actor: Any
) -> tuple[bytes, Sniffed]:
    _require_admin(actor, commitment.organisation)
    _active(commitment)
    if commitment.practice.verification == catalogue.Verification.AUTOMATED:
        raise InvalidInput(
            "The evidence engine verifies this practice from your domains; documents are "
            "not reviewed for it. Attest the implementation instead."
        )
    data = _read_upload(uploaded_file)
    try:
        return data, sniff(uploaded_file.name or "", data)
    except OverLimit as exc:
        raise InvalidInput(str(exc), field="file") from exc
    except Refused as exc:
        raise UnsupportedFileType(f"{exc} Accepted: {ACCEPTED_DESCRIPTION}.") from exc


def _record_upload(document: EvidenceDocument, actor: Any) -> None:
    record_event(
        tag="commitments:document:upload",
        actor=actor,
        target=document,
        organisation=document.commitment.organisation,
        data={
            "practice": document.commitment.practice.slug,
            "filename": document.filename,
            "content_type": document.content_type,
            "size": document.size,
            "sha256": document.sha256,
            "is_public": document.is_public,
        },
    )


@transaction.atomic
def review_document(
    *,
    document: EvidenceDocument,
    accept: bool,
    note: str,
    reviewer: Any,
    now: datetime | None = None,
) -> EvidenceDocument:
    """Accept or reject a document awaiting review; a rejection says why in `note`."""
    _require(
        reviewer, Permission.DOCUMENT_REVIEW, document, "Only the secretariat reviews documents."
    )
    document = EvidenceDocument.objects.select_for_update().get(pk=document.pk)
    if document.review != EvidenceDocument.Review.PENDING:
        raise AlreadyReviewed(f"“{document.filename}” was {document.review} already.")
    note = _review_note(note, accept=accept)
    moment = now or timezone.now()
    review = EvidenceDocument.Review
    document.review = review.ACCEPTED if accept else review.REJECTED
    document.reviewed_by = reviewer
    document.reviewed_at = moment
    document.review_note = note
    document.save(update_fields=["review", "reviewed_by", "reviewed_at", "review_note"])
    commitment = document.commitment
    record_event(
        tag="commitments:document:review",
        actor=reviewer,
        target=document,
        organisation=commitment.organisation,
        data={"practice": commitment.practice.slug, "review": document.review, "note": note},
    )
    refresh_commitment(commitment=commitment, now=moment)
    notices.document_reviewed(document)
    return document


def _review_note(note: str, *, accept: bool) -> str:
    note = note.strip()
    if not accept and not note:
        raise InvalidInput(
            "Say why the document is rejected, so the organisation can fix it.", field="note"
        )
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"Keep the note under {MAX_NOTE_LENGTH} characters.", field="note")
    return note


# Publication ---------------------------------------------------------------------------


@transaction.atomic
def set_publication(
    *, organisation: Organisation, public_profile: bool, badges: bool, actor: Any
) -> PublicationPreference:
    """What the organisation shows publicly: its scorecard by name, and its badges."""
    _require_admin(actor, organisation)
    preference, _ = PublicationPreference.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    preference.public_profile = public_profile
    preference.badges = badges
    preference.updated_at = timezone.now()
    preference.save()
    record_event(
        tag="commitments:publication:update",
        actor=actor,
        target=preference,
        organisation=organisation,
        data={"public_profile": public_profile, "badges": badges},
    )
    return preference


# Deriving status -----------------------------------------------------------------------


@transaction.atomic
def refresh_commitment(*, commitment: Commitment, now: datetime) -> StatusChange | None:
    """Derive the commitment's status at `now`; record the change if there is one.

    Idempotent: a second call at the same moment changes nothing. A call for a moment
    before the current status began (evidence stored late) leaves history alone.
    """
    locked = Commitment.objects.select_for_update().select_related("practice").get(pk=commitment.pk)
    if locked.withdrawn_at is not None or now < locked.status_since:
        return None
    proof = selectors.proof_for_status(locked, now=now)
    grace = selectors.grace_period()
    status, cause = derive_status(
        verification=locked.practice.verification,
        attested=proof.attested,
        document_reviews=proof.document_reviews,
        observations=proof.observations,
        previous_status=locked.status,
        now=now,
        grace=grace,
    )
    _tell_of_failing_evidence(locked, status, proof.observations, now, grace)
    if status == locked.status:
        return None
    change = _change_status(locked, status, cause, now, proof.latest_observation_id)
    # A document-proven commitment lapses only by a review, whose notice says so.
    if status == Status.LAPSED and _automated(locked):
        notices.lapsed(locked, change)
    commitment.status, commitment.status_since = locked.status, locked.status_since
    commitment.first_verified_at = locked.first_verified_at
    return change


def _automated(commitment: Commitment) -> bool:
    return bool(commitment.practice.verification == catalogue.Verification.AUTOMATED)


def _tell_of_failing_evidence(
    commitment: Commitment,
    status: Status,
    observations: list[Observed],
    now: datetime,
    grace: timedelta,
) -> None:
    # Verified, but the evidence fails: the grace period runs (told once per failure).
    if status != Status.VERIFIED or not _automated(commitment):
        return
    since = failing_since(observations, now=now)
    if since is not None:
        notices.grace_began(commitment, failing_since=since, grace=grace)


def _change_status(
    commitment: Commitment, status: Status, cause: str, now: datetime, observation_id: int | None
) -> StatusChange:
    change = StatusChange.objects.create(
        commitment=commitment,
        from_status=commitment.status,
        to_status=status,
        changed_at=now,
        cause=cause[:300],
        observation_id=observation_id,
    )
    commitment.status = status
    commitment.status_since = now
    if status == Status.VERIFIED and commitment.first_verified_at is None:
        commitment.first_verified_at = now
    commitment.save(update_fields=["status", "status_since", "first_verified_at"])
    record_event(
        tag="commitments:commitment:status",
        target=commitment,
        organisation=commitment.organisation,
        data={
            "practice": commitment.practice.slug,
            "from": change.from_status,
            "to": status,
            "cause": change.cause,
            "observation_id": observation_id,
        },
    )
    return change


def follow_observation(recorded: ObservationRecorded) -> int:
    """Re-derive the commitments the new observation's check verifies (subscribed to
    `evidence:observation:record`, so it runs once the observation is committed)."""
    organisation = accounts.organisation_with_id(recorded.organisation_id)
    if organisation is None:
        return 0
    with transaction.atomic():
        return refresh_commitments_for(
            organisation=organisation, now=recorded.observed_at, check_id=recorded.check_id
        )


def follow_domain_control(changed: DomainControlChanged) -> int:
    """Re-derive the organisation's automated commitments once one of its domains began
    or stopped counting as evidence (subscribed to `evidence:domain:prove` and
    `evidence:domain:lapse`)."""
    organisation = accounts.organisation_with_id(changed.organisation_id)
    if organisation is None:
        return 0
    with transaction.atomic():
        return refresh_commitments_for(organisation=organisation, now=changed.at, automated=True)


def refresh_commitments_for(
    *,
    organisation: Organisation,
    now: datetime,
    check_id: str | None = None,
    automated: bool = False,
) -> int:
    """Re-derive the organisation's active commitments (only those verified by `check_id`,
    when given, or by any check, with `automated`); returns how many changed status. The
    evidence engine calls this after it records an observation."""
    commitments = Commitment.objects.active().filter(organisation=organisation)
    if automated:
        commitments = commitments.filter(practice__verification=catalogue.Verification.AUTOMATED)
    if check_id is not None:
        commitments = commitments.filter(
            practice__verification=catalogue.Verification.AUTOMATED, practice__check_id=check_id
        )
    return sum(
        refresh_commitment(commitment=commitment, now=now) is not None
        for commitment in commitments.order_by("pk")
    )


def refresh_all_commitments(*, now: datetime) -> int:
    """Re-derive every active commitment (daily: lapses come with time alone); returns
    how many changed. Each commitment in its own transaction; safe to run twice."""
    changed = 0
    last_pk = 0
    while True:
        batch = list(
            Commitment.objects.active().filter(pk__gt=last_pk).order_by("pk")[:REFRESH_BATCH]
        )
        if not batch:
            return changed
        for commitment in batch:
            changed += refresh_commitment(commitment=commitment, now=now) is not None
        last_pk = batch[-1].pk


# Demo history ---------------------------------------------------------------------------


@dataclass
class DemoHistory:
    """Made-up commitments of demo organisations and everything that hangs off them."""

    commitments: list[Commitment] = field(default_factory=list)
    status_changes: list[StatusChange] = field(default_factory=list)
    attestations: list[Attestation] = field(default_factory=list)
    documents: list[EvidenceDocument] = field(default_factory=list)
    publications: list[PublicationPreference] = field(default_factory=list)


@transaction.atomic
def import_demo_history(*, history: DemoHistory) -> None:
    """Store the demo organisations' commitment history, for `accord demo`: one insert
    per table and one audit event. The statuses in it were derived by
    `status.derive_status`, replayed over the history, as the services would have."""
    organisations = [c.organisation for c in history.commitments] + [
        p.organisation for p in history.publications
    ]
    accounts_services.require_demo(
        organisations, message="Only demo organisations' history is imported in bulk."
    )
    Commitment.objects.bulk_create(history.commitments, batch_size=500)
    StatusChange.objects.bulk_create(history.status_changes, batch_size=500)
    Attestation.objects.bulk_create(history.attestations, batch_size=500)
    EvidenceDocument.objects.bulk_create(history.documents, batch_size=500)
    PublicationPreference.objects.bulk_create(history.publications, batch_size=500)
    if history.commitments:
        counts = {"commitments": len(history.commitments), "documents": len(history.documents)}
        record_event(tag="commitments:history:import", data=counts)
