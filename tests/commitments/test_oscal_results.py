"""The OSCAL assessment-results export: trestle reads it back, and it says what Accord knows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from trestle.core import validator_factory
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.catalog import Catalog

from accord.accounts.models import Organisation, User
from accord.catalogue.exports import export_catalogue
from accord.catalogue.models import CatalogueVersion, Practice
from accord.commitments.models import Attestation, Commitment, EvidenceDocument, Status
from accord.commitments.oscal_results import control_id, export_assessment_results
from accord.evidence.models import Domain

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
URL = "/adoption/organisations/alpha/assessment-results.json"


def commit(organisation: Organisation, slug: str, status: str, **fields: Any) -> Commitment:
    fields.setdefault("target_date", date(2026, 12, 31))
    return Commitment.objects.create(
        organisation=organisation,
        practice=Practice.objects.get(slug=slug),
        committed_at=T0,
        status=status,
        status_since=T0 + timedelta(days=10),
        **fields,
    )


def document(commitment: Commitment, review: str, *, at: datetime) -> EvidenceDocument:
    reviewed = review != EvidenceDocument.Review.PENDING
    return EvidenceDocument.objects.create(
        commitment=commitment,
        file="evidence-documents/x.pdf",
        filename=f"{review}.pdf",
        content_type="application/pdf",
        size=10,
        sha256=f"{review[:1]}" * 64,
        uploaded_at=at,
        review=review,
        reviewed_at=at + timedelta(days=2) if reviewed else None,
        review_note="Not signed." if review == EvidenceDocument.Review.REJECTED else "",
    )


@pytest.fixture
def alpha(
    catalogue: CatalogueVersion, org_a: Organisation, alpha_domain: Domain, observe: Any
) -> Organisation:
    """Alpha: security.txt passing, HSTS failing, and four document practices at four
    statuses with their proof. Observations first: recording one re-derives commitments."""
    observe(alpha_domain, "security-txt", "fail", T0)
    observe(alpha_domain, "security-txt", "pass", T0 + timedelta(days=3))
    observe(alpha_domain, "https-hsts", "fail", T0 + timedelta(days=4))
    observe(alpha_domain, "vdp", "pass", T0)  # not committed: left out
    commit(org_a, "cvd.security-txt", Status.VERIFIED)
    commit(org_a, "secure-by-default.https-hsts", Status.COMMITTED, target_date=date(2026, 5, 1))
    verified = commit(org_a, "cvd.vulnerability-handling", Status.VERIFIED)
    document(verified, EvidenceDocument.Review.ACCEPTED, at=T0 + timedelta(days=5))
    implemented = commit(org_a, "cvd.safe-harbour", Status.IMPLEMENTED)
    Attestation.objects.create(commitment=implemented, text="We do.", declared_at=T0)
    document(implemented, EvidenceDocument.Review.PENDING, at=T0 + timedelta(days=6))
    lapsed = commit(org_a, "cvd.advisory-content", Status.LAPSED)
    document(lapsed, EvidenceDocument.Review.ACCEPTED, at=T0)
    document(lapsed, EvidenceDocument.Review.REJECTED, at=T0 + timedelta(days=20))
    commit(org_a, "governance.security-policy", Status.VERIFIED, withdrawn_at=T0)
    return org_a


def exported(organisation: Organisation) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(export_assessment_results(organisation=organisation, now=NOW))
    return data["assessment-results"]


def findings_by_target(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["target"]["target-id"]: f for f in results["results"][0]["findings"]}


def props(item: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["value"] for p in item.get("props", [])}


@pytest.mark.django_db
class TestTrestleReadsItBack:
    def test_oscal_read_of_the_written_file(self, alpha: Organisation, tmp_path: Path) -> None:
        path = tmp_path / "assessment-results.json"
        path.write_text(export_assessment_results(organisation=alpha, now=NOW), encoding="utf-8")
        model = AssessmentResults.oscal_read(path)
        assert isinstance(model, AssessmentResults)
        assert len(model.results) == 1

    def test_model_validate_and_every_trestle_validator(self, alpha: Organisation) -> None:
        model = AssessmentResults.model_validate(exported(alpha))
        # Duplicate UUIDs, references, links, and the rest trestle checks.
        for validator in validator_factory.validator_factory.get_all():
            assert validator.model_is_valid(model, True, None), validator.error_msg()

    def test_an_organisation_without_commitments_still_exports(
        self, catalogue: CatalogueVersion, org_b: Organisation
    ) -> None:
        results = exported(org_b)
        model = AssessmentResults.model_validate(results)
        assert model.results[0].findings is None
        selection = results["results"][0]["reviewed-controls"]["control-selections"][0]
        assert selection == {"include-all": {}}


@pytest.mark.django_db
class TestContent:
    def test_one_finding_per_active_commitment_targeting_the_catalogue_control(
        self, alpha: Organisation
    ) -> None:
        findings = findings_by_target(exported(alpha))
        assert set(findings) == {
            "cvd.security-txt",
            "secure-by-default.https-hsts",
            "cvd.vulnerability-handling",
            "cvd.safe-harbour",
            "cvd.advisory-content",
        }
        assert {f["target"]["type"] for f in findings.values()} == {"objective-id"}

    def test_targets_are_controls_of_the_catalogue_export(self, alpha: Organisation) -> None:
        catalog = Catalog.model_validate(json.loads(export_catalogue(fmt="oscal"))["catalog"])
        # Areas hold the practices' controls; framework groups hold norm groups only.
        controls = {
            control.id
            for group in catalog.groups or []
            for control in getattr(group, "controls", None) or []
        }
        results = exported(alpha)
        assert set(findings_by_target(results)) <= controls
        selected = results["results"][0]["reviewed-controls"]["control-selections"][0]
        assert {c["control-id"] for c in selected["include-controls"]} <= controls
        assert control_id("cvd.security-txt") == "cvd.security-txt"

    def test_status_maps_to_satisfied_only_when_verified(self, alpha: Organisation) -> None:
        findings = findings_by_target(exported(alpha))

        def state(slug: str) -> tuple[str, str, str | None]:
            target = findings[slug]["target"]
            implementation = target.get("implementation-status", {}).get("state")
            return target["status"]["state"], target["status"]["reason"], implementation

        assert state("cvd.security-txt") == ("satisfied", "pass", "implemented")
        assert state("cvd.advisory-content") == ("not-satisfied", "fail", None)
        assert state("cvd.safe-harbour") == ("not-satisfied", "other", "implemented")
        assert state("secure-by-default.https-hsts") == ("not-satisfied", "other", "planned")
        hsts = props(findings["secure-by-default.https-hsts"])
        assert hsts == {"status": "committed", "target-date": "2026-05-01", "overdue": "true"}
        assert props(findings["cvd.security-txt"])["overdue"] == "false"

    def test_observations_by_method(self, alpha: Organisation) -> None:
        observations = exported(alpha)["results"][0]["observations"]
        methods = sorted(o["methods"][0] for o in observations)
        # security-txt's and https-hsts's current observations, two reviewed documents
        # (the pending one has not been examined) and one attestation.
        assert methods == ["EXAMINE", "EXAMINE", "EXAMINE", "INTERVIEW", "TEST", "TEST"]
        tested = {o["title"]: o for o in observations if o["methods"] == ["TEST"]}
        security_txt = tested["security.txt is published on alpha.example"]
        assert props(security_txt)["verdict"] == "pass"
        assert security_txt["collected"].startswith("2026-03-04T09:00:00")
        assert security_txt["relevant-evidence"][0]["href"] == "https://alpha.example/"
        subject = security_txt["subjects"][0]
        items = exported(alpha)["results"][0]["local-definitions"]["inventory-items"]
        assert subject["subject-uuid"] in {item["uuid"] for item in items}

    def test_findings_point_at_their_observations(self, alpha: Organisation) -> None:
        result = exported(alpha)["results"][0]
        by_uuid = {o["uuid"]: o for o in result["observations"]}
        findings = findings_by_target(exported(alpha))
        related = {
            slug: sorted(
                by_uuid[r["observation-uuid"]]["methods"][0] for r in f["related-observations"]
            )
            for slug, f in findings.items()
            if "related-observations" in f
        }
        assert related == {
            "cvd.security-txt": ["TEST"],
            "secure-by-default.https-hsts": ["TEST"],
            "cvd.vulnerability-handling": ["EXAMINE"],
            "cvd.safe-harbour": ["INTERVIEW"],
            "cvd.advisory-content": ["EXAMINE", "EXAMINE"],
        }

    def test_import_ap_names_the_catalogue_in_the_back_matter(self, alpha: Organisation) -> None:
        results = exported(alpha)
        resource = results["back-matter"]["resources"][0]
        assert results["import-ap"]["href"] == f"#{resource['uuid']}"
        assert resource["rlinks"][0]["href"] == "/api/v1/catalogue/export?format=oscal"
        assert resource["title"].endswith(CatalogueVersion.objects.get(is_current=True).version)

    def test_the_same_data_exports_the_same_bytes(self, alpha: Organisation) -> None:
        first = export_assessment_results(organisation=alpha, now=NOW)
        assert export_assessment_results(organisation=alpha, now=NOW) == first
        later = exported(alpha)
        again = json.loads(
            export_assessment_results(organisation=alpha, now=NOW + timedelta(days=1))
        )["assessment-results"]
        # A later export is another document, but each observation and finding keeps its id.
        assert later["uuid"] != again["uuid"]
        assert [o["uuid"] for o in later["results"][0]["observations"]] == [
            o["uuid"] for o in again["results"][0]["observations"]
        ]
        assert set(findings_by_target(later)) == set(findings_by_target(again))


@pytest.mark.django_db
class TestDownload:
    def test_members_download_it(self, alpha: Organisation, carol: User, client_for: Any) -> None:
        response = client_for(carol).get(URL)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/json")
        disposition = response["Content-Disposition"]
        assert disposition == 'attachment; filename="alpha-assessment-results.json"'
        assert "no-store" in response["Cache-Control"]
        AssessmentResults.model_validate(json.loads(response.content)["assessment-results"])

    def test_the_secretariat_downloads_it(
        self, alpha: Organisation, secretariat: User, client_for: Any
    ) -> None:
        assert client_for(secretariat).get(URL).status_code == 200

    def test_anyone_else_gets_not_found(
        self, alpha: Organisation, bob: User, client_for: Any, client: Client
    ) -> None:
        assert client_for(bob).get(URL).status_code == 404
        assert client.get(URL).status_code == 404
        assert client_for(bob).get(URL.replace("alpha", "nobody")).status_code == 404
