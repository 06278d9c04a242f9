"""The cases API with a bearer token: the same rules and refusals as the pages, and a
vendor's tracking system driving its own part."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from accord.accounts.models import Membership, Organisation
from accord.accounts.services import create_api_token
from accord.cvd.models import (
    AffectedProduct,
    Case,
    ParticipantInvitation,
    Report,
    VendorProduct,
    Vulnerability,
)
from accord.cvd.services import cases, products

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cvd"
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


class Api:
    def __init__(self, user: Any, organisation: Organisation) -> None:
        _, secret = create_api_token(user=user, organisation=organisation, name="tracker")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def call(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        send = getattr(self.client, method)
        kwargs = (
            {"data": json.dumps(body), "content_type": "application/json"}
            if body is not None
            else {}
        )
        response = send(BASE + path, **kwargs)
        assert response.status_code == status, response.content[:400]
        return response.json() if response.content else None


@pytest.fixture
def apis(cvd_world: Any) -> dict[str, Api]:
    w = cvd_world
    # The secretariat acts through a token too: it needs an organisation to issue one for.
    home = Organisation.objects.create(name="Secretariat office", slug="office")
    Membership.objects.create(user=w.secretariat, organisation=home, role="org_admin")
    return {
        "lead": Api(w.secretariat, home),
        "vendor": Api(w.vendor_a_admin, w.vendor_a),
        "other": Api(w.vendor_b_member, w.vendor_b),
        "outsider": Api(w.outsider, w.outsider.memberships.get().organisation),
    }


def test_a_token_is_required() -> None:
    assert Client().get(f"{BASE}/cases").status_code == 401


def test_cases_are_listed_filtered_and_read(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    cases.open_case(actor=w.secretariat, title="Red", tlp="red")
    listed = apis["lead"].call("get", "/cases")
    assert [c["title"] for c in listed] == ["Red", w.case.title]
    assert [c["title"] for c in apis["lead"].call("get", "/cases?tlp=red")] == ["Red"]
    assert apis["lead"].call("get", "/cases?embargo_state=active") == []
    assert apis["lead"].call("get", "/cases?limit=1&offset=1")[0]["title"] == w.case.title
    assert [c["reference"] for c in apis["vendor"].call("get", "/cases")] == [w.case.reference]
    assert apis["outsider"].call("get", "/cases") == []
    one = apis["vendor"].call("get", f"/cases/{w.case.reference}")
    assert (one["tlp"], one["embargo_state"]) == ("amber", "none")
    apis["outsider"].call("get", f"/cases/{w.case.reference}", status=404)
    apis["lead"].call("get", "/cases?tlp=white", status=422)


def test_a_member_opens_a_case_through_the_api(cvd_world: Any, apis: dict[str, Api]) -> None:
    made = apis["other"].call(
        "post", "/cases", {"title": "Our own flaw", "tlp": "green"}, status=201
    )
    case = Case.objects.get(reference=made["reference"])
    assert case.coordinator == cvd_world.vendor_b
    apis["other"].call("post", "/cases", {"title": "x", "secretariat": True}, status=403)
    refused = apis["other"].call("post", "/cases", {"title": "x", "tlp": "white"}, status=422)
    assert refused["field"] == "tlp"
    led = apis["lead"].call(
        "post", "/cases", {"title": "Secretariat's", "secretariat": True}, status=201
    )
    assert Case.objects.get(reference=led["reference"]).coordinator is None


def test_the_lead_edits_a_case(cvd_world: Any, apis: dict[str, Api]) -> None:
    ref = cvd_world.case.reference
    edited = apis["lead"].call("patch", f"/cases/{ref}", {"tlp": "red", "summary": "New"})
    assert (edited["tlp"], edited["summary"], edited["title"]) == (
        "red",
        "New",
        cvd_world.case.title,
    )
    assert (
        apis["lead"].call("patch", f"/cases/{ref}", {"title": " "}, status=422)["field"] == "title"
    )
    apis["vendor"].call("patch", f"/cases/{ref}", {"tlp": "clear"}, status=403)
    apis["outsider"].call("patch", f"/cases/{ref}", {"tlp": "clear"}, status=404)


def test_a_vendors_tracking_system_drives_its_own_part(
    cvd_world: Any, apis: dict[str, Api]
) -> None:
    w = cvd_world
    ref = w.case.reference
    api = apis["vendor"]
    rows = api.call("get", f"/cases/{ref}/participants")
    mine = [r for r in rows if r["mine"]]
    assert [r["id"] for r in mine] == [w.participant_a.pk]
    path = f"/cases/{ref}/participants/{w.participant_a.pk}"
    assert (
        api.call("put", f"{path}/tracking-id", {"tracking_id": "ACME-42"})["tracking_id"]
        == "ACME-42"
    )
    assert api.call("put", f"{path}/state", {"state": "valid"})["rm_state"] == "valid"
    conflict = api.call("put", f"{path}/state", {"state": "received"}, status=409)
    assert "Allowed: accepted, deferred" in conflict["detail"]
    api.call("put", f"{path}/tracking-id", {"tracking_id": "x" * 101}, status=422)
    others = f"/cases/{ref}/participants/{w.participant_b.pk}"
    api.call("put", f"{others}/tracking-id", {"tracking_id": "x"}, status=403)
    seen = {r["id"]: r for r in apis["other"].call("get", f"/cases/{ref}/participants")}
    assert seen[w.participant_a.pk]["tracking_id"] is None
    lead = {r["id"]: r for r in apis["lead"].call("get", f"/cases/{ref}/participants")}
    assert lead[w.participant_a.pk]["tracking_id"] == "ACME-42"
    api.call("put", f"/cases/{ref}/participants/999999/state", {"state": "valid"}, status=404)
    apis["outsider"].call("get", f"/cases/{ref}/participants", status=404)


def test_the_reporter_stays_anonymous_to_vendors(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    report = Report.objects.create(
        reference="R-2026-0001",
        title="t",
        description="d",
        reporter_name="Rita",
        reporter_email="r@example.org",
    )
    case = cases.open_case(actor=w.secretariat, title="From a report", report=report)
    cases.add_participant(actor=w.secretariat, case=case, role="vendor", organisation=w.vendor_a)
    names = {
        r["role"]: r["name"]
        for r in apis["vendor"].call("get", f"/cases/{case.reference}/participants")
    }
    # A reporter who stayed anonymous is not even listed to vendors (rules.py).
    assert "reporter" not in names
    assert "Rita" not in str(names)
    names = {
        r["role"]: r["name"]
        for r in apis["lead"].call("get", f"/cases/{case.reference}/participants")
    }
    assert names["reporter"] == "Rita"


def test_the_lead_adds_and_removes_participants(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    ref = w.case.reference
    Organisation.objects.create(name="Zeta", slug="zeta")
    added = apis["lead"].call(
        "post",
        f"/cases/{ref}/participants",
        {"organisation": "zeta", "role": "observer"},
        status=201,
    )
    assert (added["role"], added["organisation"]) == ("observer", "zeta")
    apis["lead"].call(
        "post",
        f"/cases/{ref}/participants",
        {"organisation": "zeta", "role": "observer"},
        status=409,
    )
    apis["lead"].call("post", f"/cases/{ref}/participants", {"organisation": "nosuch"}, status=404)
    apis["vendor"].call("post", f"/cases/{ref}/participants", {"organisation": "zeta"}, status=403)
    apis["vendor"].call("delete", f"/cases/{ref}/participants/{added['id']}", status=403)
    apis["lead"].call("delete", f"/cases/{ref}/participants/{added['id']}", status=204)
    apis["lead"].call("delete", f"/cases/{ref}/participants/{added['id']}", status=404)


def test_vulnerabilities_and_products_through_the_api(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    ref = w.case.reference
    body = {
        "title": "SQLi",
        "cwe_ids": ["CWE-89", 20],
        "cvss_vector": V31,
        "ssvc": {"kind": "supplier", "inputs": {"E": "A", "U": "S", "TI": "T", "PSI": "S"}},
        "products": [{"purl": "pkg:pypi/acme-db", "versions": "vers:pypi/<3.1"}],
    }
    made = apis["lead"].call("post", f"/cases/{ref}/vulnerabilities", body, status=201)
    assert (made["number"], made["cwe_ids"], made["cvss_score"], made["cvss_severity"]) == (
        2,
        [89, 20],
        9.8,
        "Critical",
    )
    assert made["ssvc"]["outcome_name"] == "Immediate"
    assert made["products"][0]["versions"] == "vers:pypi/<3.1"
    listed = apis["vendor"].call("get", f"/cases/{ref}/vulnerabilities")
    assert [v["number"] for v in listed] == [1, 2]
    assert apis["vendor"].call("get", f"/cases/{ref}/vulnerabilities/2")["title"] == "SQLi"
    apis["vendor"].call("get", f"/cases/{ref}/vulnerabilities/9", status=404)
    edited = apis["lead"].call(
        "patch", f"/cases/{ref}/vulnerabilities/2", {"ssvc": {"kind": ""}, "cwe_ids": [79]}
    )
    assert (edited["ssvc"], edited["cwe_ids"], edited["cvss_vector"]) == (None, [79], V31)
    product = apis["lead"].call(
        "post",
        f"/cases/{ref}/vulnerabilities/2/products",
        {"cpe": "cpe:2.3:a:acme:db:*:*:*:*:*:*:*:*"},
        status=201,
    )
    apis["lead"].call(
        "delete", f"/cases/{ref}/vulnerabilities/2/products/{product['id']}", status=204
    )
    apis["lead"].call(
        "delete", f"/cases/{ref}/vulnerabilities/2/products/{product['id']}", status=404
    )
    apis["vendor"].call("patch", f"/cases/{ref}/vulnerabilities/2", {"title": "x"}, status=403)
    apis["lead"].call("delete", f"/cases/{ref}/vulnerabilities/2", status=204)
    apis["outsider"].call("get", f"/cases/{ref}/vulnerabilities", status=404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "cvss_vector": "CVSS:3.1/AV:N"}, "cvss_vector"),
        ({"title": "x", "cwe_ids": ["CWE-x"]}, "cwe_ids"),
        ({"title": "x", "products": [{"purl": "npm/x"}]}, "purl"),
        ({"title": "x", "products": [{"cpe": "cpe:2.3:a:x:y"}]}, "cpe"),
        (
            {"title": "x", "products": [{"purl": "pkg:npm/x", "versions": "vers:npm/>=x"}]},
            "versions",
        ),
        ({"title": "x", "ssvc": {"kind": "deployer", "inputs": {"E": "Z"}}}, "deployer_E"),
    ],
)
def test_a_bad_value_is_a_422_naming_its_field_and_nothing_is_stored(
    cvd_world: Any, apis: dict[str, Api], body: dict[str, Any], field: str
) -> None:
    refused = apis["lead"].call(
        "post", f"/cases/{cvd_world.case.reference}/vulnerabilities", body, status=422
    )
    assert refused["field"] == field
    assert refused["detail"]
    assert Vulnerability.objects.count() == 1
    assert not AffectedProduct.objects.exists()


def test_suggestions_and_invitations_are_for_the_lead(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    ref = w.case.reference
    maker = Organisation.objects.create(name="Widget Makers", slug="widgets")
    VendorProduct.objects.create(organisation=maker, purl_type="npm", purl_namespace="@acme")
    products.add_affected_product(
        actor=w.secretariat, vulnerability=w.vulnerability, purl="pkg:npm/%40acme/w"
    )
    (suggestion,) = apis["lead"].call("get", f"/cases/{ref}/suggestions")
    assert suggestion["organisation"] == "widgets"
    assert suggestion["matches"]
    apis["vendor"].call("get", f"/cases/{ref}/suggestions", status=403)
    sent = apis["lead"].call(
        "post",
        f"/cases/{ref}/invitations",
        {"email": "psirt@tiny.example", "name": "Tiny"},
        status=201,
    )
    assert "key" not in sent
    assert "digest" not in sent
    assert [i["email"] for i in apis["lead"].call("get", f"/cases/{ref}/invitations")] == [
        "psirt@tiny.example"
    ]
    apis["vendor"].call("get", f"/cases/{ref}/invitations", status=403)
    apis["vendor"].call("delete", f"/cases/{ref}/invitations/{sent['id']}", status=404)
    revoked = apis["lead"].call("delete", f"/cases/{ref}/invitations/{sent['id']}")
    assert revoked["revoked_at"] is not None
    apis["lead"].call("delete", f"/cases/{ref}/invitations/{sent['id']}", status=409)
    apis["lead"].call("post", f"/cases/{ref}/invitations", {"email": "nope"}, status=422)
    assert ParticipantInvitation.objects.count() == 1


def test_an_organisation_declares_its_products_through_the_api(
    cvd_world: Any, apis: dict[str, Api]
) -> None:
    declared = apis["vendor"].call(
        "post", "/products", {"cpe_vendor": "Acme", "cpe_product": "router"}, status=201
    )
    assert (declared["cpe_vendor"], declared["cpe_product"]) == ("acme", "router")
    assert [p["id"] for p in apis["vendor"].call("get", "/products")] == [declared["id"]]
    assert apis["other"].call("get", "/products") == []
    apis["other"].call(
        "post", "/products", {"purl_type": "npm", "purl_namespace": "@bolt"}, status=403
    )
    assert (
        apis["vendor"].call("post", "/products", {"cpe_vendor": "*"}, status=422)["field"]
        == "cpe_vendor"
    )
    apis["other"].call("delete", f"/products/{declared['id']}", status=404)
    apis["vendor"].call("delete", f"/products/{declared['id']}", status=204)
    assert not VendorProduct.objects.exists()


def test_a_token_acts_within_its_own_organisation_only(cvd_world: Any) -> None:
    """Someone in two organisations holds a token for each: the token of an organisation
    outside the case reads nothing of it, though its owner, signed in, reads it all."""
    w = cvd_world
    Membership.objects.create(user=w.outsider, organisation=w.vendor_a, role="member")
    ref = w.case.reference
    through_vendor = Api(w.outsider, w.vendor_a)
    through_other = Api(
        w.outsider, w.outsider.memberships.exclude(organisation=w.vendor_a).get().organisation
    )
    assert through_vendor.call("get", f"/cases/{ref}")["reference"] == ref
    through_other.call("get", f"/cases/{ref}", status=404)
    assert ref not in str(through_other.call("get", "/cases"))
    through_other.call("get", f"/cases/{ref}/participants", status=404)


def test_the_api_searches_what_the_token_may_read(cvd_world: Any, apis: dict[str, Api]) -> None:
    w = cvd_world
    Vulnerability.objects.filter(pk=w.vulnerability.pk).update(cve_id="CVE-2026-12345")
    found = apis["vendor"].call("get", "/cases?text=CVE-2026-12345")
    assert [c["reference"] for c in found] == [w.case.reference]
    assert apis["outsider"].call("get", "/cases?text=CVE-2026-12345") == []
    assert apis["vendor"].call("get", "/cases?text=nothing-like-this") == []


def test_the_lead_closes_a_case_through_the_api(cvd_world: Any, apis: dict[str, Api]) -> None:
    ref = cvd_world.case.reference
    apis["vendor"].call("post", f"/cases/{ref}/close", {"reason": "x"}, status=403)
    closed = apis["lead"].call("post", f"/cases/{ref}/close", {"reason": "Fixed everywhere."})
    assert closed["closed_at"] is not None
    apis["lead"].call("post", f"/cases/{ref}/close", {"reason": "again"}, status=409)
    assert apis["lead"].call("post", f"/cases/{ref}/reopen")["closed_at"] is None
