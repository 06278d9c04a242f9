# ruff: noqa: F811 (the fixtures `api` and `led` come from the embargo API tests)
"""The statements routes of the CVD API: vendors state and dispute, and read their own."""

from __future__ import annotations

from typing import Any

import pytest

from accord.cvd.models import AffectedProduct, Case, Statement
from tests.cvd.test_embargo_api import api, base, led  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_a_vendor_states_and_reads_only_its_own(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    from accord.cvd.models import Vulnerability

    vulnerability = Vulnerability.objects.create(case=led, number=1, title="Flaw")
    product = AffectedProduct.objects.create(vulnerability=vulnerability, purl="pkg:npm/acme/fw")
    vendor_a, vendor_b = api(w.vendor_a_admin, w.vendor_a), api(w.vendor_b_member, w.vendor_b)
    put = vendor_a.put(
        f"{base(led)}/statements",
        {"vulnerability": 1, "product": product.pk, "status": "fixed", "fixed_version": "3.1"},
        content_type=JSON,
    )
    assert put.status_code == 200, put.content
    assert (put.json()["vendor"], put.json()["product_label"]) == (
        "Acme Routers",
        "pkg:npm/acme/fw",
    )
    vendor_b.put(
        f"{base(led)}/statements", {"vulnerability": 1, "status": "unknown"}, content_type=JSON
    )
    assert [s["vendor"] for s in vendor_a.get(f"{base(led)}/statements").json()] == ["Acme Routers"]
    assert [s["vendor"] for s in vendor_b.get(f"{base(led)}/statements").json()] == [
        "Bolt Software"
    ]
    assert api(w.observer, w.observer_org).get(f"{base(led)}/statements").json() == []
    lead = api(w.coordinator, w.coordinator_org).get(f"{base(led)}/statements").json()
    assert {s["vendor"] for s in lead} == {"Acme Routers", "Bolt Software"}
    disputed = vendor_b.post(
        f"{base(led)}/statements/dispute",
        {"vulnerability": 1, "reason": "Not ours"},
        content_type=JSON,
    )
    assert disputed.json()["disputed"] is True
    withdrawn = vendor_b.post(
        f"{base(led)}/statements/dispute/withdraw", {"vulnerability": 1}, content_type=JSON
    )
    assert withdrawn.json()["disputed"] is False


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"vulnerability": 7, "status": "affected"}, 422, "vulnerability"),
        ({"vulnerability": 1, "product": 999, "status": "affected"}, 422, "product"),
        ({"vulnerability": 1, "status": "not_affected"}, 422, "justification"),
        ({"vulnerability": 1, "status": "fixed"}, 422, "fixed_version"),
        ({"vulnerability": 1, "status": "affected", "participant": 10**9}, 422, "participant"),
    ],
)
def test_a_bad_statement_is_a_422_naming_its_field(
    cvd_world: Any,
    led: Case,
    api: Any,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    w = cvd_world
    from accord.cvd.models import Vulnerability

    Vulnerability.objects.create(case=led, number=1, title="Flaw")
    response = api(w.vendor_a_admin, w.vendor_a).put(
        f"{base(led)}/statements", body, content_type=JSON
    )
    assert (response.status_code, response.json()["field"]) == (status, field)
    assert not Statement.objects.exists()


def test_a_vendor_cannot_state_for_another(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    from accord.cvd.models import Participant, Vulnerability

    Vulnerability.objects.create(case=led, number=1, title="Flaw")
    other = Participant.objects.get(case=led, organisation=w.vendor_a)
    response = api(w.vendor_b_member, w.vendor_b).put(
        f"{base(led)}/statements",
        {"vulnerability": 1, "status": "affected", "participant": other.pk},
        content_type=JSON,
    )
    assert response.status_code == 403
    observer = api(w.observer, w.observer_org).put(
        f"{base(led)}/statements", {"vulnerability": 1, "status": "affected"}, content_type=JSON
    )
    assert (observer.status_code, observer.json()["field"]) == (422, "participant")


def test_a_case_outside_yours_does_not_exist(cvd_world: Any, led: Case, api: Any) -> None:
    w = cvd_world
    outsider = api(w.outsider, w.outsider.memberships.get().organisation)
    assert outsider.get(f"{base(led)}/statements").status_code == 404
    response = outsider.put(
        f"{base(led)}/statements", {"vulnerability": 1, "status": "affected"}, content_type=JSON
    )
    assert response.status_code == 404
