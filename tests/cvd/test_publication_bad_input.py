"""Bad input to the publication routes, pages and API, with the real formats: NUL bytes,
lone surrogates, huge text, wrong types and bodies that are not JSON objects get a 4xx,
never a 500, and nothing is published or withdrawn."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.services import create_api_token
from accord.cvd.models import Advisory, Case, Vulnerability
from accord.cvd.services import cases, publication
from tests.cvd.advisory_world import make_ready

pytestmark = pytest.mark.django_db

HUGE = "x" * 200_000


@pytest.fixture
def led(cvd_world: Any) -> Case:
    """A ready case the coordinator organisation leads (an API token acts for one)."""
    w = cvd_world
    case = cases.open_case(
        actor=w.coordinator, title="Led by Gamma", organisation=w.coordinator_org
    )
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


def api(world: Any) -> Client:
    _, secret = create_api_token(
        user=world.coordinator, organisation=world.coordinator_org, name="tracker"
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def page(case: Case, name: str) -> str:
    return reverse(f"cvd:{name}", args=[case.reference])


def refused(response: Any) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])


FORM_BODIES = [
    b"summary=nul%00byte",
    b"summary=%ED%A0%80",  # a lone surrogate, as UTF-8 would have it
    b"summary=%FF%FE",  # not UTF-8 at all
    b"summary=" + HUGE.encode(),
    b"summary=a&summary=b&end_embargo=maybe%00",
    b"end_embargo=%00",
]


@pytest.mark.parametrize("body", FORM_BODIES, ids=range(len(FORM_BODIES)))
def test_the_publish_form_refuses_bad_input(cvd_world: Any, client_for: Any, body: bytes) -> None:
    case = make_ready(cvd_world)
    lead = client_for(cvd_world.secretariat)
    response = lead.post(
        page(case, "advisory_publish"), data=body, content_type="application/x-www-form-urlencoded"
    )
    if response.status_code == 302:  # a repeated field or an odd checkbox: the form reads
        advisory = Advisory.objects.get(case=case)  # the last value and publishes well
        assert advisory.version == 1
        return
    refused(response)
    assert not Advisory.objects.exists()


@pytest.mark.parametrize(
    "reason", ["nul\x00byte", HUGE, "", "   "], ids=["nul", "huge", "empty", "blank"]
)
def test_the_withdraw_form_refuses_bad_input(cvd_world: Any, client_for: Any, reason: str) -> None:
    case = make_ready(cvd_world)
    publication.publish_advisory(actor=cvd_world.secretariat, case=case)
    lead = client_for(cvd_world.secretariat)
    refused(lead.post(page(case, "advisory_withdraw"), {"reason": reason}))
    assert Advisory.objects.get(case=case).state == "published"


def test_bytes_that_are_not_utf8_are_read_as_replacement_characters(
    cvd_world: Any, client_for: Any
) -> None:
    """A form's bytes that are no UTF-8 (a lone surrogate encoded) decode to U+FFFD, as
    Django reads forms: a reason that is text, stored and shown."""
    case = make_ready(cvd_world)
    publication.publish_advisory(actor=cvd_world.secretariat, case=case)
    lead = client_for(cvd_world.secretariat)
    response = lead.post(
        page(case, "advisory_withdraw"),
        data=b"reason=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302
    advisory = Advisory.objects.get(case=case)
    assert advisory.state == "withdrawn"
    reason = advisory.documents["csaf"]["document"]["tracking"]["revision_history"][-1]
    json.dumps(reason, ensure_ascii=False).encode("utf-8")  # no surrogate was stored


def test_the_schedule_form_never_fails(cvd_world: Any, client_for: Any) -> None:
    case = make_ready(cvd_world)
    lead = client_for(cvd_world.secretariat)
    for body in (b"enabled=%00", b"enabled=%ED%A0%80", b"enabled=" + HUGE.encode()):
        response = lead.post(
            page(case, "advisory_schedule"),
            data=body,
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code in (302, 400, 409, 422), response.status_code
    assert not Advisory.objects.exists()


API_BODIES: list[bytes] = [
    b'{"summary": "\\u0000"}',
    b'{"summary": "\\ud800"}',
    b'{"summary": "\\udcff tail"}',
    json.dumps({"summary": HUGE}).encode(),
    b'{"summary": 123}',
    b'{"summary": ["a"]}',
    b'{"summary": {"a": 1}}',
    b'{"end_embargo": "perhaps"}',
    b'{"end_embargo": [true]}',
    b'{"end_embargo": {}}',
    b"[]",
    b'"summary"',
    b"42",
    b"null",
    b"{",
    b"{" * 5000,
    b"\xff\xfe{}",
    b'{"summary": "a", "summary": "\\u0000"}',
]


@pytest.mark.parametrize("body", API_BODIES, ids=range(len(API_BODIES)))
def test_the_publish_api_refuses_bad_input(cvd_world: Any, led: Case, body: bytes) -> None:
    client = api(cvd_world)
    url = f"/api/v1/cvd/cases/{led.reference}/advisory/publish"
    response = client.post(url, body, content_type="application/json")
    refused(response)
    assert response["Content-Type"].startswith("application/"), response["Content-Type"]
    assert not Advisory.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"reason": "\\u0000"}',
        b'{"reason": "\\ud800"}',
        b'{"reason": 7}',
        b'{"reason": null}',
        b"{}",
        json.dumps({"reason": HUGE}).encode(),
        b"[]",
        b"{",
    ],
    ids=range(8),
)
def test_the_withdraw_api_refuses_bad_input(cvd_world: Any, led: Case, body: bytes) -> None:
    publication.publish_advisory(actor=cvd_world.coordinator, case=led)
    client = api(cvd_world)
    url = f"/api/v1/cvd/cases/{led.reference}/advisory/withdraw"
    refused(client.post(url, body, content_type="application/json"))
    assert Advisory.objects.get(case=led).state == "published"


def test_bad_paths_and_queries_of_the_documents(cvd_world: Any, led: Case) -> None:
    publication.publish_advisory(actor=cvd_world.coordinator, case=led)
    client = api(cvd_world)
    base = f"/api/v1/cvd/cases/{led.reference}/advisory"
    bad_keys = [(key, "") for key in ("c%00saf", "%ED%A0%80", "x" * 5000)]
    bad_versions = [
        ("csaf", f"version={v}") for v in ("-1", "x", "99999999999999999999", "0", "%00", "7")
    ]
    for key, query in bad_keys + bad_versions:
        response = client.get(f"{base}/documents/{key}?{query}")
        assert response.status_code in (400, 404, 422), (key[:30], query, response.status_code)
    for reference in ("ACC-%00", "%ED%A0%80", "x" * 3000):
        response = client.get(f"/api/v1/cvd/cases/{reference}/advisory")
        assert response.status_code in (400, 404, 422), response.status_code
