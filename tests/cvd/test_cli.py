"""`accord cvd`: coordinators named from the shell, and cases read as a named person."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from django.utils import timezone

from accord.audit.models import Event
from accord.cli import main
from accord.cvd.models import Case

pytestmark = pytest.mark.django_db


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_coordinators_are_granted_listed_and_revoked(cvd_world: Any) -> None:
    listed = run("cvd", "coordinators")
    assert "gamma\tGamma CERT" in listed.output
    granted = run("cvd", "coordinator", "grant", "acme")
    assert granted.exit_code == 0, granted.output
    assert "Acme Routers now acts as coordinator." in granted.output
    again = run("cvd", "coordinator", "grant", "acme")
    assert again.exit_code == 1
    assert "is a coordinator already" in again.output
    assert run("cvd", "coordinator", "revoke", "acme").exit_code == 0
    assert Event.objects.filter(tag="cvd:coordinator:grant", actor__isnull=True).exists()
    unknown = run("cvd", "coordinator", "grant", "nobody")
    assert unknown.exit_code == 1
    assert "No organisation has the slug 'nobody'." in unknown.output


def test_no_coordinator_is_said_so(db: None) -> None:
    assert "the secretariat triages every report" in run("cvd", "coordinators").output


def test_cases_are_read_as_the_person_named(cvd_world: Any) -> None:
    reference = cvd_world.case.reference
    vendor = run("cvd", "cases", "--as", "psirt@acme.example")
    assert reference in vendor.output
    assert "TLP:AMBER" in vendor.output
    outsider = run("cvd", "cases", "--as", "someone@other.example")
    assert reference not in outsider.output
    assert "takes part in no case" in outsider.output
    shown = run("cvd", "show", reference, "--as", "psirt@acme.example")
    assert "V1 Heap overflow" in shown.output
    assert "Vendor: Bolt Software" in shown.output
    hidden = run("cvd", "show", reference, "--as", "someone@other.example")
    assert hidden.exit_code == 1
    assert "that someone@other.example may see" in hidden.output
    nobody = run("cvd", "cases", "--as", "ghost@example.org")
    assert nobody.exit_code == 1
    assert "No active account" in nobody.output


def test_due_embargoes_end_from_the_shell(cvd_world: Any) -> None:
    Case.objects.filter(pk=cvd_world.case.pk).update(
        embargo_state="active", embargo_ends_at=timezone.now() - timedelta(minutes=1)
    )
    assert "Ended 1 embargo." in run("cvd", "end-embargoes").output
    assert Case.objects.get(pk=cvd_world.case.pk).embargo_state == "exited"
    assert "Ended 0 embargoes." in run("cvd", "end-embargoes").output


def test_export_writes_an_advisory_as_the_person_named(
    cvd_world: Any, ready: Any, tmp_path: Any
) -> None:
    import json

    from accord.cvd.services import cases, publication

    reference = ready.reference
    missing = run("cvd", "export", reference, "--format", "csaf")
    assert missing.exit_code == 1
    assert "No advisory" in missing.output
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    shown = run("cvd", "export", reference, "--format", "csaf", "--as", "psirt@acme.example")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["tracking_id"] == reference
    hidden = run("cvd", "export", reference, "--format", "csaf", "--as", "someone@other.example")
    assert hidden.exit_code == 1
    assert len(hidden.output.strip().splitlines()) == 1
    assert run("cvd", "export", reference, "--format", "csaf").exit_code == 1
    cases.edit_case(actor=cvd_world.secretariat, case=ready, tlp="clear")
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready, summary="Now public")
    out = tmp_path / "vex.json"
    written = run("cvd", "export", reference, "--format", "openvex", "--output", str(out))
    assert written.exit_code == 0, written.output
    assert json.loads(out.read_text())["version"] == 2
    assert run("cvd", "export", reference, "--format", "nope").exit_code == 2
