"""Two years of fictional adoption history for `accord demo`.

About 200 demo organisations (the named ones of `accord.demo` and generated ones), each
with commitments, attestations, documents and evidence-engine observations, so the
dashboard, the scorecards and the badges show figures worth looking at. Everything is
flagged `is_demo` and every name ends in " (demo)".

How the history is made:

- Organisations join in waves (the launch, then two later drives) and a trickle between,
  committing to the profiles their sector cares about, often two together, adding
  profiles and single practices later.
- Each practice takes a time to put in place that grows with its level and verification
  method, shrinks with the organisation's size, and varies by organisation; some never
  get done, which leaves commitments overdue (a few of those are withdrawn).
- The evidence engine's view of each organisation's domain is a series of verdicts per
  check: failing until the practice is in place, then passing, with the odd failure
  later. Failures longer than the grace period make a verified commitment lapse until
  the check passes again. Stored are the first observation of each verdict and the
  latest one, with the `CurrentVerdict` and a `VerdictChange` per change; the daily
  observations in between are left out.
- Documents are reviewed by the secretariat a few days after upload, sometimes
  rejected and uploaded again, and renewed after a year.
- Statuses are not invented: each commitment's history is replayed through
  `accord.commitments.status.derive_status`, the rules the services apply, at every moment
  its proof or evidence changed and at each daily refresh a lapse would happen, so the
  stored `StatusChange` rows are what the services would have recorded.

The same seed and `now` give the same history (each organisation draws from its own
seeded generator). Organisations that already have commitments are left alone, so a
second run changes nothing. Rows are written by each app's bulk import service
(`evidence.services.import_demo_evidence`, `commitments.services.import_demo_history`),
and one audit event (`demo:adoption:seed`) records the counts.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from accord.accounts.models import Membership, Organisation
from accord.audit.services import record_event
from accord.commitments import services as commitments
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
    StatusChange,
)
from accord.commitments.services import DemoHistory
from accord.demo.adoption.organisations import (
    ORGANISATIONS,
    SEED,
    ensure_organisations,
    generated_organisations,
    rng_for,
)
from accord.demo.adoption.plan import (
    CatalogueView,
    CommitmentPlan,
    DocumentPlan,
    OrganisationPlan,
    PracticeInfo,
    plan_organisation,
    replay_status,
)
from accord.evidence import services as evidence
from accord.evidence.models import CurrentVerdict, Domain, Observation, VerdictChange

__all__ = [
    "DEMO_DOCUMENT",
    "DEMO_DOCUMENT_TEXT",
    "ORGANISATIONS",
    "SEED",
    "generated_organisations",
    "seed_adoption",
    "summary",
]

DEMO_DOCUMENT = "evidence-documents/demo/demo-evidence.txt"
DEMO_DOCUMENT_TEXT = (
    b"Fictional evidence document of an Accord demo organisation.\n"
    b"It stands in for every document the demo data says was uploaded.\n"
)
FAILURE_CODES = {
    "security-txt": ("no_security_txt", "No security.txt was found."),
    "security-txt-fresh": ("expired", "The Expires date has passed."),
    "security-txt-signed": ("unsigned", "The file carries no OpenPGP signature."),
    "security-contact-reachable": ("no_contact", "No Contact field was found."),
    "vdp": ("no_policy", "No Policy URI was found in security.txt."),
    "csaf-provider": ("no_provider_metadata", "No provider-metadata.json was found."),
    "csaf-security-txt": ("no_csaf_field", "security.txt has no CSAF field."),
    "https-hsts": ("no_hsts", "The HTTPS response has no Strict-Transport-Security header."),
}
CHECK_PATHS = {
    "vdp": "/security/disclosure-policy",
    "csaf-provider": "/.well-known/csaf/provider-metadata.json",
    "https-hsts": "/",
}


# Writing -------------------------------------------------------------------------------


@dataclass
class Rows:
    """Everything to write, in the order it is written."""

    observations: list[Observation] = field(default_factory=list)
    verdicts: list[CurrentVerdict] = field(default_factory=list)
    verdict_changes: list[VerdictChange] = field(default_factory=list)
    # The commitments' side, in the form commitments.import_demo_history takes it.
    history: DemoHistory = field(default_factory=DemoHistory)
    organisations: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "organisations": self.organisations,
            "commitments": len(self.history.commitments),
            "status_changes": len(self.history.status_changes),
            "attestations": len(self.history.attestations),
            "documents": len(self.history.documents),
            "observations": len(self.observations),
            "verdict_changes": len(self.verdict_changes),
            "publications": len(self.history.publications),
        }


@transaction.atomic
def seed_adoption(*, now: datetime, total: int = ORGANISATIONS) -> dict[str, int]:
    """Give every demo organisation without commitments two years of history at `now`.

    Creates the generated organisations first, so there are `total` demo organisations.
    Returns the counts of what was written (all zero when there was nothing to do).
    """
    created = ensure_organisations(total=total, now=now)
    catalogue = CatalogueView.load()
    rows = Rows()
    if catalogue.practices:
        for organisation in _organisations_to_seed():
            _history(rows, organisation, catalogue, now)
    rows.organisations = len({c.organisation_id for c in rows.history.commitments})
    _write(rows)
    counts = rows.counts() | {"organisations_created": created}
    if any(counts.values()):
        record_event(tag="demo:adoption:seed", data=counts)
    return counts


def _organisations_to_seed() -> list[Organisation]:
    seeded = Commitment.objects.values("organisation_id")
    return list(
        Organisation.objects.filter(is_demo=True)
        .exclude(pk__in=seeded)
        .prefetch_related("domains")
        .order_by("slug")
    )


def _history(
    rows: Rows, organisation: Organisation, catalogue: CatalogueView, now: datetime
) -> None:
    plan = plan_organisation(organisation, catalogue, now=now)
    domain = min(organisation.domains.all(), key=lambda d: d.name, default=None)
    stored = _evidence(rows, organisation, domain, plan, now) if domain is not None else {}
    admin = _admin_of(organisation)
    for commitment_plan in plan.commitments:
        observations = stored.get(commitment_plan.practice.check_id, [])
        _commitment_rows(rows, organisation, commitment_plan, observations, admin, plan, now)
    if (
        plan.publish
        and not PublicationPreference.objects.filter(organisation=organisation).exists()
    ):
        rows.history.publications.append(
            PublicationPreference(
                organisation=organisation, public_profile=True, badges=True, updated_at=plan.joined
            )
        )


def _admin_of(organisation: Organisation) -> Any:
    membership = (
        Membership.objects.filter(organisation=organisation, role=Membership.Role.ORG_ADMIN)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return membership.user if membership is not None else None


def _evidence(
    rows: Rows, organisation: Organisation, domain: Domain, plan: OrganisationPlan, now: datetime
) -> dict[str, list[Observation]]:
    """The stored observations of each check on the domain, oldest first."""
    rng = rng_for(organisation.slug, "scans")
    stored: dict[str, list[Observation]] = {}
    for check_id, series in plan.verdicts.items():
        latest = now - timedelta(hours=rng.uniform(1, 20))
        moments = [*series, (latest, series[-1][1])] if latest > series[-1][0] else series
        made = [
            _observation(organisation, domain, check_id, at, verdict) for at, verdict in moments
        ]
        rows.observations += made
        for previous, observation in itertools.pairwise(made):
            if previous.status != observation.status:
                rows.verdict_changes.append(_verdict_change(previous, observation))
        rows.verdicts.append(
            CurrentVerdict(
                domain=domain,
                check_id=check_id,
                status=made[-1].status,
                since=series[-1][0],
                observation=made[-1],
            )
        )
        stored[check_id] = made
    return stored


def _observation(
    organisation: Organisation, domain: Domain, check_id: str, at: datetime, verdict: str
) -> Observation:
    url = f"https://{domain.name}{CHECK_PATHS.get(check_id, '/.well-known/security.txt')}"
    errors = []
    if verdict != "pass":
        code, message = FAILURE_CODES.get(check_id, ("failed", "The check failed."))
        errors = [{"code": code, "message": message, "line": None}]
    result = {
        "status": verdict,
        "url": url,
        "errors": errors,
        "recommendations": [],
        "notifications": [],
        "details": {"demo": True},
    }
    missing = verdict != "pass" and check_id in ("security-txt", "csaf-provider")
    return Observation(
        organisation=organisation,
        domain=domain,
        domain_name=domain.name,
        check_id=check_id,
        check_version="1",
        observed_at=at,
        status=verdict,
        codes=[error["code"] for error in errors],
        result=result,
        url_chain=[url],
        http_status=404 if missing else 200,
    )


def _verdict_change(previous: Observation, observation: Observation) -> VerdictChange:
    return VerdictChange(
        organisation=observation.organisation,
        domain=observation.domain,
        domain_name=observation.domain_name,
        check_id=observation.check_id,
        from_status=previous.status,
        to_status=observation.status,
        observation=observation,
        previous_observation=previous,
        changed_at=observation.observed_at,
    )


def _commitment_rows(
    rows: Rows,
    organisation: Organisation,
    plan: CommitmentPlan,
    observations: list[Observation],
    admin: Any,
    org_plan: OrganisationPlan,
    now: datetime,
) -> None:
    changes = replay_status(plan, [(o.observed_at, o.status) for o in observations], now=now)
    last = changes[-1]
    verified = [c.at for c in changes if c.to_status == Status.VERIFIED]
    commitment = Commitment(
        organisation=organisation,
        practice_id=plan.practice.pk,
        target_date=plan.target_date,
        committed_at=plan.committed_at,
        committed_by=admin,
        status=last.to_status,
        status_since=last.at,
        first_verified_at=verified[0] if verified else None,
        withdrawn_at=plan.withdrawn_at,
    )
    rows.history.commitments.append(commitment)
    for change in changes:
        index = change.observed_index
        rows.history.status_changes.append(
            StatusChange(
                commitment=commitment,
                from_status=change.from_status,
                to_status=change.to_status,
                changed_at=change.at,
                cause=change.cause[:300],
                observation=observations[index] if index is not None else None,
            )
        )
    rng = rng_for(organisation.slug, plan.practice.slug)
    public = org_plan.publish
    for at in plan.attestations:
        rows.history.attestations.append(
            Attestation(
                commitment=commitment,
                text=_attestation_text(plan.practice),
                declared_by=admin,
                declared_at=at,
                is_public=public and rng.random() < org_plan.public_proof,
            )
        )
    for document in plan.documents:
        rows.history.documents.append(
            _document(commitment, plan.practice, document, admin, public, rng)
        )


def _attestation_text(practice: PracticeInfo) -> str:
    return (
        f"Demo attestation: we have put {practice.slug} in place across our organisation. "
        "(Fictional text of a demo organisation.)"
    )


_DEMO_SHA256 = hashlib.sha256(DEMO_DOCUMENT_TEXT).hexdigest()


def _document(
    commitment: Commitment,
    practice: PracticeInfo,
    plan: DocumentPlan,
    admin: Any,
    public: bool,
    rng: random.Random,
) -> EvidenceDocument:
    name = practice.slug.split(".", 1)[-1]
    return EvidenceDocument(
        commitment=commitment,
        file=DEMO_DOCUMENT,
        filename=f"{name}-{plan.uploaded_at:%Y-%m}.txt",
        content_type="text/plain",
        size=len(DEMO_DOCUMENT_TEXT),
        sha256=_DEMO_SHA256,
        uploaded_by=admin,
        uploaded_at=plan.uploaded_at,
        review=plan.review,
        reviewed_at=plan.reviewed_at,
        review_note=plan.note,
        is_public=public and rng.random() < 0.6,
    )


def _write(rows: Rows) -> None:
    if rows.history.documents and not default_storage.exists(DEMO_DOCUMENT):
        default_storage.save(DEMO_DOCUMENT, ContentFile(DEMO_DOCUMENT_TEXT))
    evidence.import_demo_evidence(
        observations=rows.observations,
        verdicts=rows.verdicts,
        verdict_changes=rows.verdict_changes,
    )
    commitments.import_demo_history(history=rows.history)


def summary(counts: dict[str, int]) -> str:
    """One line for the operator."""
    if not counts.get("commitments"):
        return "Demo adoption history is in place already."
    return (
        f"Demo adoption history: {counts['organisations']} organisations, "
        f"{counts['commitments']} commitments, {counts['status_changes']} status changes, "
        f"{counts['observations']} observations, {counts['documents']} documents."
    )
