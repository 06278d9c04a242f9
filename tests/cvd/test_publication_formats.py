"""Publishing a case built through the services, with the real formats: every document
passes its schema and the BSI validator's mandatory tests, and what was published says
what the case says."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.accounts.models import Organisation
from accord.cvd.advisories import csaf_validator, formats
from accord.cvd.models import Case
from accord.cvd.selectors import provider as provider_selectors
from accord.cvd.services import cases, products, publication, statements, vulnerabilities
from tests.cvd import vex_snapshots as samples
from tests.cvd.advisory_world import make_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def validator(settings: Any) -> None:
    settings.ACCORD_CSAF_VALIDATOR = samples.require_csaf_validator()


def test_a_published_case_passes_every_format_and_the_validator(
    cvd_world: Any, validator: None
) -> None:
    case = make_ready(cvd_world)
    advisory = publication.publish_advisory(actor=cvd_world.secretariat, case=case)
    assert set(advisory.documents) >= {"csaf", "csaf-vex", "openvex"}
    for key, document in advisory.documents.items():
        assert formats.all_formats()[key].validate(document) == [], key


# A rich case, built through the services -------------------------------------------------

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
NOTE = "Deaktivieren Sie das Modul „Vorschau“ (東京) 🛡️."


def rich_case(world: Any, *, tlp: str, title: str) -> Case:
    """Three vendors (one with a non-ASCII name), three vulnerabilities (CVSS 3.1, CVSS
    4.0, none), products by purl (with and without a vers range) and by CPE, and every VEX
    status among the vendors: affected with a note, not affected with each justification,
    fixed in a version, under investigation, unknown."""
    w = world
    lead = w.secretariat
    case = cases.open_case(
        actor=lead, title=title, summary="Zwei Schwachstellen; Updates sind verfügbar.", tlp=tlp
    )
    thor, _ = Organisation.objects.get_or_create(slug="thor", defaults={"name": "Þór Systems ÄÖÜ"})
    vendors = [
        cases.add_participant(actor=lead, case=case, role="vendor", organisation=org)
        for org in (w.vendor_a, w.vendor_b, thor)
    ]
    plan: list[tuple[dict[str, Any], list[dict[str, str]]]] = [
        (
            {
                "title": "Cross-site scripting in the «Übersicht» page",
                "cwe_ids": "CWE-79",
                "cvss_vector": V31,
                "description": "Ein Angreifer kann über den Parameter „q“ Skript einschleusen.",
            },
            [
                {"purl": "pkg:npm/widget-server", "versions": "vers:npm/>=1.0.0|<1.4.2"},
                {"cpe": "cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*"},
                {"purl": "pkg:pypi/probe"},
                {"cpe": "cpe:2.3:a:thor:thing:3.0:*:*:*:*:*:*:*"},
            ],
        ),
        (
            {
                "title": "Heap overflow in the image decoder",
                "cwe_ids": "CWE-787",
                "cvss_vector": V40,
                "description": "A crafted PNG overflows a heap buffer.",
            },
            [
                {"purl": "pkg:golang/example.com/acme/decoder", "versions": "vers:golang/<0.9.3"},
                {"cpe": "cpe:2.3:a:bolt:bolt_server:*:*:*:*:*:*:*:*"},
                {"cpe": "cpe:2.3:h:thor:appliance:2.0:*:*:*:*:*:*:*"},
            ],
        ),
        (
            {"title": "Path traversal", "cwe_ids": "CWE-22", "description": ""},
            [
                {"purl": "pkg:maven/org.acme/acme-core", "versions": "vers:maven/>=3.0|<3.2.1"},
                {"purl": "pkg:npm/%40bolt/lib"},
                {"purl": "pkg:pypi/thing-lib", "versions": "vers:pypi/<2.0"},
            ],
        ),
    ]
    made = []
    for fields, wanted in plan:
        vulnerability = vulnerabilities.add_vulnerability(actor=lead, case=case, **fields)
        found = [
            products.add_affected_product(actor=lead, vulnerability=vulnerability, **product)
            for product in wanted
        ]
        made.append((vulnerability, found))
    (v1, (npm, gadget, probe, thing)), (v2, (decoder, bolt_server, appliance)), (
        v3, (maven, bolt_lib, thing_lib)) = made  # fmt: skip
    acme, bolt, thor_p = vendors

    def state(participant: Any, vulnerability: Any, product: Any, status: str,
              **more: str) -> None:  # fmt: skip
        statements.make_statement(
            actor=lead, participant=participant, vulnerability=vulnerability, product=product,
            status=status, **more,
        )  # fmt: skip

    # Each vendor states on its own products.
    state(acme, v1, npm, "fixed", fixed_version="1.4.2", note="Siehe Änderungsprotokoll.")
    state(acme, v1, gadget, "affected", note=NOTE)
    state(bolt, v1, probe, "not_affected", justification="component_not_present")
    state(thor_p, v1, thing, "under_investigation")
    state(acme, v2, decoder, "not_affected", justification="vulnerable_code_not_present")
    state(bolt, v2, bolt_server, "not_affected",
          justification="vulnerable_code_cannot_be_controlled_by_adversary")  # fmt: skip
    state(thor_p, v2, appliance, "unknown")
    state(acme, v3, maven, "not_affected", justification="vulnerable_code_not_in_execute_path")
    state(bolt, v3, bolt_lib, "not_affected", justification="inline_mitigations_already_exist")
    state(thor_p, v3, thing_lib, "affected", note="Kein Update: nutzen Sie die Umgehung.")
    case.refresh_from_db()
    return case


def every_csaf_document(advisories: list[Any]) -> list[dict[str, Any]]:
    return [a.documents[key] for a in advisories for key in ("csaf", "csaf-vex")]


def test_rich_cases_publish_and_every_document_passes_the_validator(
    cvd_world: Any, validator: None, settings: Any
) -> None:
    """Two cases, each published with the validator on (publication refuses any failure);
    then one batched run of the validator over all four CSAF documents, and every format's
    own validation of what was stored."""
    clear = rich_case(cvd_world, tlp="clear", title="Widget Server und Gadget: Schwachstellen")
    strict = rich_case(cvd_world, tlp="amber+strict", title="Nur für Acme: «vertraulich»")
    published = [
        publication.publish_advisory(actor=cvd_world.secretariat, case=case)
        for case in (clear, strict)
    ]
    for advisory in published:
        assert set(advisory.documents) == {"csaf", "csaf-vex", "openvex"}  # no CVE id: no record
    batched = csaf_validator.mandatory_test_failures_of_each(
        every_csaf_document(published), format_key="csaf"
    )
    assert batched == [[]] * 4
    settings.ACCORD_CSAF_VALIDATOR = ""  # the node runs are done: the schemas and checks
    for advisory in published:
        for key, document in advisory.documents.items():
            assert formats.all_formats()[key].validate(document) == [], key

    csaf = published[0].documents["csaf"]
    assert csaf["document"]["title"] == "Widget Server und Gadget: Schwachstellen"
    statuses = {
        v["cve"] if "cve" in v else v["title"]: set(v["product_status"])
        for v in csaf["vulnerabilities"]
    }
    assert set().union(*statuses.values()) >= {
        "known_affected", "known_not_affected", "fixed", "under_investigation",
    }  # fmt: skip
    flags = {f["label"] for v in csaf["vulnerabilities"] for f in v.get("flags", [])}
    assert flags == {
        "component_not_present",
        "vulnerable_code_not_present",
        "vulnerable_code_cannot_be_controlled_by_adversary",
        "vulnerable_code_not_in_execute_path",
        "inline_mitigations_already_exist",
    }
    scores = [s for v in csaf["vulnerabilities"] for s in v.get("scores", [])]
    assert any("cvss_v3" in s for s in scores)
    text = json.dumps(csaf, ensure_ascii=False)
    assert NOTE in text
    assert V40 in text  # CSAF 2.0 has no cvss_v4 score: the vector is in a note
    assert any(p.get("product_id", "").endswith("-FIX1") for p in _full_names(csaf))
    assert "Þór Systems ÄÖÜ" in text
    openvex = published[0].documents["openvex"]
    assert {s["status"] for s in openvex["statements"]} >= {
        "affected", "not_affected", "fixed", "under_investigation",
    }  # fmt: skip
    assert all(
        s.get("action_statement") for s in openvex["statements"] if s["status"] == "affected"
    )

    restricted = published[1].documents["csaf"]["document"]["distribution"]
    assert restricted["tlp"]["label"] == "AMBER"
    assert "STRICT" in restricted["text"].upper()
    provider_selectors.forget()
    index = provider_selectors.public_directory().index_txt().decode()
    assert published[0].tracking_id.lower() in index
    assert published[1].tracking_id.lower() not in index


def _full_names(csaf: dict[str, Any]) -> list[dict[str, Any]]:
    """Every product named in the product tree's branches."""
    found: list[dict[str, Any]] = []

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            if "product" in branch:
                found.append(branch["product"])
            walk(branch.get("branches", []))

    walk(csaf["product_tree"].get("branches", []))
    found.extend(csaf["product_tree"].get("full_product_names", []))
    return found


def test_a_vendor_stating_on_its_own_product_is_its_vendor(cvd_world: Any) -> None:
    """Bolt says "not affected" of the whole vulnerability; Acme says its router is
    affected. The router is Acme's, so the CSAF advisory gives Acme's status for it,
    whichever vendor's name sorts first."""
    w = cvd_world
    lead = w.secretariat
    vulnerability = w.case.vulnerabilities.get(number=1)
    router = products.add_affected_product(
        actor=lead, vulnerability=vulnerability, purl="pkg:npm/router", versions="vers:npm/<2.0"
    )
    bolt, _ = Organisation.objects.get_or_create(slug="aaa", defaults={"name": "Aaa First"})
    first = cases.add_participant(actor=lead, case=w.case, role="vendor", organisation=bolt)
    for vendor in (first, w.participant_b):
        statements.make_statement(
            actor=lead, participant=vendor, vulnerability=vulnerability,
            status="not_affected", justification="component_not_present",
        )  # fmt: skip
    statements.make_statement(
        actor=lead, participant=w.participant_a, vulnerability=vulnerability, product=router,
        status="affected", note="Update to 2.0.",
    )  # fmt: skip
    w.case.refresh_from_db()
    advisory = publication.publish_advisory(actor=lead, case=w.case)
    csaf = advisory.documents["csaf"]
    [entry] = csaf["vulnerabilities"]
    assert entry["product_status"] == {"known_affected": ["P1"]}
    vendors = [b["name"] for b in csaf["product_tree"]["branches"]]
    assert vendors == ["Acme Routers"]
