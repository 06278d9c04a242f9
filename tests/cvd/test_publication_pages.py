"""The case's Publication tab, the downloads of its advisory, and what bad input gets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accord.cvd.models import Advisory, Case
from accord.cvd.services import cases, embargo, publication
from tests.cvd.advisory_world import FakeFormats

pytestmark = pytest.mark.django_db


def url(case: Case, name: str = "publication", *args: Any) -> str:
    return reverse(f"cvd:{name}", args=[case.reference, *args])


def text(response: Any) -> str:
    return response.content.decode()


def test_the_lead_sees_what_is_missing(
    cvd_world: Any, client_for: Any, fake_formats: FakeFormats
) -> None:
    page = text(client_for(cvd_world.secretariat).get(url(cvd_world.case)))
    assert "V1 names no affected product." in page
    assert "V1 has no statement from Acme Routers." in page
    assert 'type="submit" disabled' in page
    assert "Preview" not in page


def test_the_preview_is_escaped_json(cvd_world: Any, client_for: Any, ready: Case) -> None:
    response = client_for(cvd_world.secretariat).get(url(ready))
    page = text(response)
    assert response.status_code == 200
    assert 'id="preview-csaf"' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page
    assert "Every vulnerability names its products" in page


def test_publishing_from_the_tab(cvd_world: Any, client_for: Any, ready: Case) -> None:
    lead = client_for(cvd_world.secretariat)
    response = lead.post(url(ready, "advisory_publish"), {"summary": ""})
    assert response.status_code == 302
    advisory = Advisory.objects.get(case=ready)
    page = text(lead.get(url(ready)))
    assert "Version <strong>1</strong>" in page
    assert url(ready, "advisory_download", "csaf") in page
    assert url(ready, "advisory_revision_download", 1, "openvex") in page
    assert "Initial release." in page
    again = lead.post(url(ready, "advisory_publish"), {"summary": "Fixed in 1.4.2"})
    assert again.status_code == 302
    advisory.refresh_from_db()
    assert advisory.version == 2


def test_failures_are_listed_with_their_paths(
    cvd_world: Any, client_for: Any, ready: Case, fake_formats: FakeFormats
) -> None:
    fake_formats.fail("csaf", "$.document.tracking.id", "does not match the pattern")
    response = client_for(cvd_world.secretariat).post(url(ready, "advisory_publish"), {})
    assert response.status_code == 422
    page = text(response)
    assert "Nothing was published" in page
    assert "<code>$.document.tracking.id</code>" in page
    assert "does not match the pattern" in page
    assert not Advisory.objects.exists()


def test_an_active_embargo_needs_the_confirmation(
    cvd_world: Any, client_for: Any, ready: Case
) -> None:
    w = cvd_world
    proposal = embargo.propose_embargo(
        actor=w.secretariat, case=ready, ends_at=timezone.now() + timedelta(days=9)
    )
    embargo.adopt_embargo(actor=w.secretariat, proposal=proposal)
    lead = client_for(w.secretariat)
    assert "publishing now ends it" in text(lead.get(url(ready)))
    refused = lead.post(url(ready, "advisory_publish"), {})
    assert refused.status_code == 409
    assert "The embargo is active" in text(refused)
    assert lead.post(url(ready, "advisory_publish"), {"end_embargo": "on"}).status_code == 302
    ready.refresh_from_db()
    assert ready.embargo_state == "exited"


def test_the_lead_sets_publication_at_the_embargos_end(
    cvd_world: Any, client_for: Any, ready: Case
) -> None:
    w = cvd_world
    proposal = embargo.propose_embargo(
        actor=w.secretariat, case=ready, ends_at=timezone.now() + timedelta(days=9)
    )
    embargo.adopt_embargo(actor=w.secretariat, proposal=proposal)
    lead = client_for(w.secretariat)
    assert lead.post(url(ready, "advisory_schedule"), {"enabled": "on"}).status_code == 302
    ready.refresh_from_db()
    assert ready.publish_at_embargo_end
    assert client_for(w.vendor_a_admin).post(url(ready, "advisory_schedule"), {}).status_code == 403


def test_participants_download_outsiders_do_not(
    cvd_world: Any, client_for: Any, ready: Case
) -> None:
    w = cvd_world
    publication.publish_advisory(actor=w.secretariat, case=ready)
    vendor = client_for(w.vendor_b_member)
    page = text(vendor.get(url(ready)))
    assert url(ready, "advisory_download", "csaf") in page
    assert "Publish the advisory" not in page
    response = vendor.get(url(ready, "advisory_download", "csaf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{ready.reference}-v1-csaf.json"'
    )
    assert json.loads(response.content)["tracking_id"] == ready.reference
    assert vendor.get(url(ready, "advisory_download", "nope")).status_code == 404
    assert vendor.get(url(ready, "advisory_revision_download", 9, "csaf")).status_code == 404
    assert vendor.post(url(ready, "advisory_publish"), {"summary": "x"}).status_code == 403
    outsider = client_for(w.outsider)
    assert outsider.get(url(ready, "advisory_download", "csaf")).status_code == 404
    from django.test import Client

    assert Client().get(url(ready, "advisory_download", "csaf")).status_code == 404


def test_a_clear_advisory_is_downloaded_by_anyone(
    cvd_world: Any, client_for: Any, ready: Case
) -> None:
    from django.test import Client

    cases.edit_case(actor=cvd_world.secretariat, case=ready, tlp="clear")
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert Client().get(url(ready, "advisory_download", "openvex")).status_code == 200


def test_withdrawing_from_the_tab(cvd_world: Any, client_for: Any, ready: Case) -> None:
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    lead = client_for(cvd_world.secretariat)
    blank = lead.post(url(ready, "advisory_withdraw"), {"reason": ""})
    assert blank.status_code == 422
    assert lead.post(url(ready, "advisory_withdraw"), {"reason": "Wrong"}).status_code == 302
    page = text(lead.get(url(ready)))
    assert "Withdrawn: Wrong" in page
    assert "Withdraw the advisory" not in page


@pytest.mark.parametrize(
    "summary", ["nul\x00byte", "x" * 100_000, "lone \udcff surrogate", "\ud800"]
)
def test_bad_input_never_gives_a_500(
    cvd_world: Any, client_for: Any, ready: Case, summary: str
) -> None:
    lead = client_for(cvd_world.secretariat)
    body = {"summary": summary}
    try:
        response = lead.post(url(ready, "advisory_publish"), body)
    except UnicodeEncodeError:  # the test client cannot send a lone surrogate: send bytes
        response = lead.post(
            url(ready, "advisory_publish"),
            data=b"summary=%ED%A0%80",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code in (302, 400, 422), response.status_code
    assert lead.get(url(ready, "advisory_download", "c\x00sv")).status_code in (400, 404)
    # A path this long the edge refuses before any view.
    assert lead.get(f"/cvd/{ready.reference}/advisory/{'x' * 5000}.json").status_code in (404, 422)


def test_a_case_outside_is_not_found(cvd_world: Any, client_for: Any, ready: Case) -> None:
    assert client_for(cvd_world.outsider).get(url(ready)).status_code == 404
