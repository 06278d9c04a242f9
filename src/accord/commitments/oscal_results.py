"""An organisation's adoption of the catalogue as OSCAL assessment results.

Built with compliance-trestle's OSCAL models, so what it writes, trestle reads back.

Layout (one document per export, one `result` in it):

- Findings: one per active commitment. The target is the practice's control in the
  catalogue's OSCAL export (`type: objective-id`, `target-id` the control id, made by the
  catalogue's own function so the ids match). A verified practice is `satisfied` (reason
  `pass`); a lapsed one `not-satisfied` (reason `fail`); committed and implemented ones
  `not-satisfied` (reason `other`), not yet shown by evidence. Accord's own status, the
  target date and whether it is overdue are props (namespace `urn:accord:adoption`).
- Observations: one per piece of stored evidence behind the commitments:
  the current evidence-engine observation of each check on each domain (method `TEST`,
  subject the domain as an inventory item, origin the evidence engine as a tool), each
  reviewed document (`EXAMINE`, origin the secretariat) and each attestation
  (`INTERVIEW`: the organisation's own declaration, origin the organisation). Documents
  still awaiting review are left out: nobody has examined them yet. Findings point at
  their observations with `related-observations`.
- Reviewed controls: the controls of the committed practices.
- `import-ap`: OSCAL asks for the assessment plan; Accord has none apart from the
  catalogue, whose practices are what is assessed. So `import-ap` points (`#<uuid>`) at a
  back-matter resource for the catalogue's OSCAL export (`/api/v1/catalogue/export?
  format=oscal`, relative to the instance), named with its version.

Every UUID is a uuid5 of a fixed namespace and the natural key of what it names (the
organisation's slug, a practice id, a domain and check and time), so the same data
exported at the same `now` gives the same bytes, and an observation keeps its UUID from
one export to the next.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.common import Finding, Observation, Property

from accord.catalogue import oscal as catalogue_oscal
from accord.catalogue.selectors import current_version
from accord.commitments.models import Attestation, Commitment, EvidenceDocument, Status
from accord.evidence.selectors import latest_observations

if TYPE_CHECKING:
    from accord.accounts.models import Organisation
    from accord.evidence import models as evidence

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:accord:assessment-results")
ACCORD_NS = "urn:accord:adoption"
CATALOGUE_EXPORT_HREF = "/api/v1/catalogue/export?format=oscal"
CATALOGUE_MEDIA_TYPE = "application/oscal.catalog+json"

_STATE = {Status.VERIFIED: ("satisfied", "pass"), Status.LAPSED: ("not-satisfied", "fail")}
_IMPLEMENTATION = {
    Status.COMMITTED: "planned",
    Status.IMPLEMENTED: "implemented",
    Status.VERIFIED: "implemented",
}


def export_assessment_results(*, organisation: Organisation, now: datetime) -> str:
    """The organisation's OSCAL assessment results at `now`, as JSON."""
    model = build_assessment_results(organisation=organisation, now=now)
    return model.oscal_serialize_json(pretty=True)


def control_id(practice_id: str) -> str:
    """The id of the practice's control in the catalogue's OSCAL export."""
    # The catalogue's export names its controls with this function; using it keeps the
    # finding targets pointing at the controls it writes.
    return catalogue_oscal.control_id(practice_id)


def build_assessment_results(*, organisation: Organisation, now: datetime) -> AssessmentResults:
    """The OSCAL model behind `export_assessment_results` (see the module docstring)."""
    moment = now.astimezone(UTC)
    version = current_version()
    catalogue = _uuid("catalogue", version.version if version else "-")
    evidence_set = _Evidence.gather(organisation)
    return AssessmentResults.model_validate(
        {
            "uuid": str(_uuid("assessment-results", organisation.slug, moment.isoformat())),
            "metadata": _metadata(organisation, moment),
            "import-ap": {
                "href": f"#{catalogue}",
                "remarks": "Accord assesses against its catalogue of practices; there is no "
                "separate assessment plan. The reference names the catalogue's OSCAL export.",
            },
            "results": [_result(organisation, evidence_set, moment)],
            "back-matter": {"resources": [_catalogue_resource(catalogue, version)]},
        }
    )


def _uuid(*names: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, "\x1f".join(names))


def _line(text: str) -> str:
    return " ".join(text.split()) or "-"


def _prop(name: str, value: Any) -> Property:
    return Property.model_validate({"name": name, "value": _line(str(value)), "ns": ACCORD_NS})


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _party(*names: str) -> str:
    return str(_uuid("party", *names))


def _metadata(organisation: Organisation, moment: datetime) -> dict[str, Any]:
    instance = str(settings.ACCORD_INSTANCE_NAME)
    return {
        "title": _line(f"Assessment results: {organisation.name}"),
        "last-modified": moment,
        "version": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "oscal-version": OSCAL_VERSION,
        "parties": [
            {
                "uuid": _party("organisation", organisation.slug),
                "type": "organization",
                "name": _line(organisation.name),
            },
            {
                "uuid": _party("secretariat"),
                "type": "organization",
                "name": _line(f"{instance} secretariat"),
            },
        ],
    }


def _catalogue_resource(resource_uuid: uuid.UUID, version: Any) -> dict[str, Any]:
    label = f"Accord norms catalogue {version.version}" if version else "Accord norms catalogue"
    return {
        "uuid": str(resource_uuid),
        "title": label,
        "description": "The catalogue of practices assessed, as an OSCAL catalog.",
        "rlinks": [{"href": CATALOGUE_EXPORT_HREF, "media-type": CATALOGUE_MEDIA_TYPE}],
    }


@dataclass
class _Evidence:
    """The organisation's commitments and the observations made of them."""

    commitments: list[Commitment]
    checks: dict[str, list[evidence.Observation]] = field(default_factory=dict)

    @classmethod
    def gather(cls, organisation: Organisation) -> _Evidence:
        commitments = list(
            Commitment.objects.active()
            .filter(organisation=organisation)
            .select_related("practice")
            .prefetch_related(
                "attestations",
                _reviewed_documents(),
            )
        )
        wanted = {c.practice.check_id for c in commitments if c.practice.check_id}
        checks: dict[str, list[evidence.Observation]] = defaultdict(list)
        for observation in latest_observations(organisation).filter(check_id__in=wanted):
            checks[observation.check_id].append(observation)
        return cls(commitments, dict(checks))

    def domains(self) -> list[str]:
        return sorted({o.domain_name for found in self.checks.values() for o in found})

    def start(self, moment: datetime) -> datetime:
        return min((c.committed_at for c in self.commitments), default=moment)


def _reviewed_documents() -> Prefetch:
    reviewed = EvidenceDocument.objects.exclude(review=EvidenceDocument.Review.PENDING)
    return Prefetch("documents", queryset=reviewed.order_by("uploaded_at", "pk"))


def _result(organisation: Organisation, found: _Evidence, moment: datetime) -> dict[str, Any]:
    slug = organisation.slug
    observations: dict[str, Observation] = {}
    findings: list[Finding] = []
    for commitment in found.commitments:
        related = _observations_of(slug, commitment, found)
        observations.update((str(o.uuid), o) for o in related)
        findings.append(_finding(slug, commitment, related, moment))
    return {
        "uuid": str(_uuid("result", slug, moment.isoformat())),
        "title": _line(f"Adoption of the Accord catalogue by {organisation.name}"),
        "description": (
            "Where the organisation stands on each practice it committed to, and the "
            "evidence behind it: automated checks of its domains, documents reviewed by "
            "the secretariat, and its own attestations."
        ),
        "start": found.start(moment),
        "end": moment,
        "local-definitions": _local_definitions(slug, found.domains()),
        "reviewed-controls": _reviewed_controls(found.commitments),
        "observations": list(observations.values()) or None,
        "findings": findings or None,
    }


def _tool() -> str:
    return str(_uuid("component", "evidence-engine"))


def _platform() -> str:
    return str(_uuid("assessment-platform", "accord"))


def _domain_item(slug: str, domain: str) -> str:
    return str(_uuid("domain", slug, domain))


def _local_definitions(slug: str, domains: list[str]) -> dict[str, Any]:
    engine = {
        "uuid": _tool(),
        "type": "software",
        "title": "Accord evidence engine",
        "description": "Accord's automated checks of what an organisation's domains publish.",
        "status": {"state": "operational"},
    }
    items = [
        {
            "uuid": _domain_item(slug, domain),
            "description": f"The domain {domain}, registered by the organisation.",
            "props": [{"name": "fqdn", "value": domain}],
        }
        for domain in domains
    ]
    platform = {
        "uuid": _platform(),
        "title": _line(f"Accord at {settings.ACCORD_INSTANCE_NAME}"),
        "uses-components": [{"component-uuid": _tool()}],
    }
    return {
        "components": [engine],
        "inventory-items": items or None,
        "assessment-assets": {"assessment-platforms": [platform]},
    }


def _reviewed_controls(commitments: list[Commitment]) -> dict[str, Any]:
    if not commitments:
        return {
            "description": "The organisation has committed to no practice yet.",
            "control-selections": [{"include-all": {}}],
        }
    controls = [{"control-id": control_id(c.practice.slug)} for c in commitments]
    return {
        "description": "The practices the organisation committed to.",
        "control-selections": [{"include-controls": controls}],
    }


def _observations_of(slug: str, commitment: Commitment, found: _Evidence) -> list[Observation]:
    practice = commitment.practice
    made = [_check_observation(slug, o) for o in found.checks.get(practice.check_id, [])]
    made += [_document_observation(slug, commitment, d) for d in commitment.documents.all()]
    made += [_attestation_observation(slug, commitment, a) for a in commitment.attestations.all()]
    return made


def _check_observation(slug: str, found: evidence.Observation) -> Observation:
    codes = ", ".join(found.key_codes) or "none"
    url = str(found.result.get("url") or "")
    relevant = {"description": f"What the check read ({url or 'no document'})."}
    if url:
        relevant["href"] = url
    return Observation.model_validate(
        {
            "uuid": str(
                _uuid("check", slug, found.domain_name, found.check_id, _stamp(found.observed_at))
            ),
            "title": _line(f"{found.check_title} on {found.domain_name}"),
            "description": (
                f"The {found.check_id} check (version {found.check_version}) found "
                f"{found.status} on {found.domain_name}. Codes: {codes}."
            ),
            "props": [
                _prop("check-id", found.check_id),
                _prop("verdict", found.status),
                *[_prop("code", code) for code in found.codes],
            ],
            "methods": ["TEST"],
            "origins": [{"actors": [{"type": "tool", "actor-uuid": _tool()}]}],
            "subjects": [
                {
                    "subject-uuid": _domain_item(slug, found.domain_name),
                    "type": "inventory-item",
                    "title": found.domain_name,
                }
            ],
            "relevant-evidence": [relevant],
            "collected": found.observed_at,
        }
    )


def _document_observation(
    slug: str, commitment: Commitment, document: EvidenceDocument
) -> Observation:
    reviewed = document.reviewed_at or document.uploaded_at
    note = f" Note: {document.review_note.strip()}" if document.review_note.strip() else ""
    return Observation.model_validate(
        {
            "uuid": str(
                _uuid(
                    "document",
                    slug,
                    commitment.practice.slug,
                    document.sha256,
                    _stamp(document.uploaded_at),
                )
            ),
            "title": _line(f"Document {document.filename}"),
            "description": (
                f"Uploaded {document.uploaded_at:%Y-%m-%d} for {commitment.practice.slug}; "
                f"{document.get_review_display().lower()} by the secretariat on "
                f"{reviewed:%Y-%m-%d}.{note}"
            ),
            "props": [_prop("review", document.review), _prop("sha256", document.sha256)],
            "methods": ["EXAMINE"],
            "origins": [{"actors": [{"type": "party", "actor-uuid": _party("secretariat")}]}],
            "relevant-evidence": [
                {"description": _line(f"{document.filename} (SHA-256 {document.sha256})")}
            ],
            "collected": reviewed,
        }
    )


def _attestation_observation(
    slug: str, commitment: Commitment, attestation: Attestation
) -> Observation:
    return Observation.model_validate(
        {
            "uuid": str(
                _uuid(
                    "attestation", slug, commitment.practice.slug, _stamp(attestation.declared_at)
                )
            ),
            "title": _line(f"Attestation for {commitment.practice.slug}"),
            "description": attestation.text.strip() or "(no text)",
            "methods": ["INTERVIEW"],
            "origins": [
                {"actors": [{"type": "party", "actor-uuid": _party("organisation", slug)}]}
            ],
            "collected": attestation.declared_at,
        }
    )


def _finding(
    slug: str, commitment: Commitment, related: Iterable[Observation], moment: datetime
) -> Finding:
    practice = commitment.practice
    state, reason = _STATE.get(Status(commitment.status), ("not-satisfied", "other"))
    target: dict[str, Any] = {
        "type": "objective-id",
        "target-id": control_id(practice.slug),
        "title": _line(practice.title),
        "status": {"state": state, "reason": reason},
    }
    if commitment.status in _IMPLEMENTATION:
        target["implementation-status"] = {"state": _IMPLEMENTATION[Status(commitment.status)]}
    overdue = commitment.is_overdue(today=moment.date())
    return Finding.model_validate(
        {
            "uuid": str(_uuid("finding", slug, practice.slug)),
            "title": _line(practice.title),
            "description": (
                f"Committed on {commitment.committed_at:%Y-%m-%d} with a target date of "
                f"{commitment.target_date:%Y-%m-%d}; {commitment.get_status_display().lower()} "
                f"since {commitment.status_since:%Y-%m-%d}."
            ),
            "props": [
                _prop("status", commitment.status),
                _prop("target-date", commitment.target_date.isoformat()),
                _prop("overdue", str(overdue).lower()),
            ],
            "origins": [{"actors": [{"type": "assessment-platform", "actor-uuid": _platform()}]}],
            "target": target,
            "related-observations": [{"observation-uuid": str(o.uuid)} for o in related] or None,
        }
    )
