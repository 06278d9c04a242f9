"""The advisory routes of the CVD API: publish, withdraw, revisions, documents, and the
refusals with every missing item or failure."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Organisation
from accord.accounts.services import create_api_token
from accord.cvd.models import Advisory, Case
from accord.cvd.services import cases, publication
from tests.cvd.advisory_world import FakeFormats

pytestmark = pytest.mark.django_db


def api(user: Any, organisation: Any = None) -> Client:
    _, secret = create_api_token(user=user, organisation=organisation, name="tracker")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def base(case: Case) -> str:
    return f"/api/v1/cvd/cases/{case.reference}/advisory"


@pytest.fixture
def led(cvd_world: Any, fake_formats: FakeFormats) -> Case:
    """A ready case the coordinator organisation leads (API tokens act for one)."""
    from tests.cvd.advisory_world import make_ready

    w = cvd_world
    case = cases.open_case(
        actor=w.coordinator, title="Led by Gamma", organisation=w.coordinator_org
    )
    from accord.cvd.models import Vulnerability

    Vulnerability.objects.create(case=case, number=1, title="Flaw")
    pa = cases.add_participant(
        actor=w.coordinator, case=case, role="vendor", organisation=w.vendor_a
    )
    pb = cases.add_participant(
        actor=w.coordinator, case=case, role="vendor", organisation=w.vendor_b
    )
    world = type(w)(
        **{**w.__dict__, "secretariat": w.coordinator, "participant_a": pa, "participant_b": pb}
    )
    return make_ready(world, case)


def test_publish_list_and_download(cvd_world: Any, led: Case) -> None:
    client = api(cvd_world.coordinator, cvd_world.coordinator_org)
    response = client.post(f"{base(led)}/publish", {}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["version"] == 1
    assert sorted(body["formats"]) == ["csaf", "csaf-vex", "cve", "openvex"]
    again = client.post(
        f"{base(led)}/publish", {"summary": "Update"}, content_type="application/json"
    )
    assert again.json()["version"] == 2
    revisions = client.get(f"{base(led)}/revisions").json()
    assert [r["number"] for r in revisions] == [2, 1]
    document = client.get(f"{base(led)}/documents/csaf").json()
    assert document["version"] == 2
    assert client.get(f"{base(led)}/documents/csaf?version=1").json()["version"] == 1
    assert client.get(f"{base(led)}/documents/nope").status_code == 404
    assert client.get(f"{base(led)}/documents/csaf?version=7").status_code == 404
    vendor = api(cvd_world.vendor_a_admin, cvd_world.vendor_a)
    assert vendor.get(f"{base(led)}/documents/cve").status_code == 200
    refused = vendor.post(f"{base(led)}/publish", {}, content_type="application/json")
    assert refused.status_code == 403
    from accord.accounts.models import Organisation

    outsider = api(cvd_world.outsider, Organisation.objects.get(slug="other"))
    assert outsider.get(f"{base(led)}").status_code == 404


def test_refusals_list_every_item(cvd_world: Any, led: Case, fake_formats: FakeFormats) -> None:
    client = api(cvd_world.coordinator, cvd_world.coordinator_org)
    fake_formats.fail("openvex", "$.statements", "is empty")
    failed = client.post(f"{base(led)}/publish", {}, content_type="application/json")
    assert failed.status_code == 422
    assert failed.json()["failures"] == [
        {"format": "openvex", "path": "$.statements", "message": "is empty"}
    ]
    assert not Advisory.objects.exists()
    empty = cases.open_case(
        actor=cvd_world.coordinator, title="Empty", organisation=cvd_world.coordinator_org
    )
    missing = client.post(f"{base(empty)}/publish", {}, content_type="application/json")
    assert missing.status_code == 409
    assert missing.json()["missing"] == ["The case has no vulnerability."]


def test_withdraw_and_bad_input(cvd_world: Any, led: Case) -> None:
    client = api(cvd_world.coordinator, cvd_world.coordinator_org)
    publication.publish_advisory(actor=cvd_world.coordinator, case=led)
    blank = client.post(f"{base(led)}/withdraw", {"reason": " "}, content_type="application/json")
    assert blank.status_code == 422
    assert blank.json()["field"] == "reason"
    done = client.post(
        f"{base(led)}/withdraw", {"reason": "Wrong"}, content_type="application/json"
    )
    assert done.json()["state"] == "withdrawn"
    for raw in (b'{"summary": "\\u0000"}', b'{"summary": "\\ud800"}', b"{" * 5000):
        response = client.post(f"{base(led)}/publish", raw, content_type="application/json")
        assert 400 <= response.status_code < 500, raw[:20]
    huge = client.post(
        f"{base(led)}/publish", {"summary": "x" * 100_000}, content_type="application/json"
    )
    assert huge.status_code in (413, 422)


def test_the_routes_are_in_the_openapi_document(db: None) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/cvd/cases/{reference}/advisory/publish" in paths
    assert "/api/v1/cvd/cases/{reference}/advisory/documents/{key}" in paths


def test_a_version_published_at_amber_is_served_only_in_the_case(cvd_world: Any, led: Case) -> None:
    coordinator = api(cvd_world.coordinator, cvd_world.coordinator_org)
    assert (
        coordinator.post(f"{base(led)}/publish", {}, content_type="application/json").status_code
        == 201
    )
    cases.edit_case(actor=cvd_world.coordinator, case=led, tlp="clear")
    body = {"summary": "Lowered to TLP:CLEAR"}
    assert (
        coordinator.post(f"{base(led)}/publish", body, content_type="application/json").status_code
        == 201
    )
    outsider = api(cvd_world.outsider, Organisation.objects.get(slug="other"))
    assert outsider.get(f"{base(led)}/documents/csaf?version=1").status_code == 404
    assert outsider.get(f"{base(led)}/documents/csaf?version=2").status_code == 200
    assert [r["number"] for r in outsider.get(f"{base(led)}/revisions").json()] == [2]
    assert [r["number"] for r in outsider.get(base(led)).json()["revisions"]] == [2]
    vendor = api(cvd_world.vendor_a_admin, cvd_world.vendor_a)
    assert vendor.get(f"{base(led)}/documents/csaf?version=1").status_code == 200
    assert [r["number"] for r in vendor.get(f"{base(led)}/revisions").json()] == [2, 1]
