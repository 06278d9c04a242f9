"""OpenVEX 0.2.0 documents: what they say, and that the official schema accepts them and
refuses broken ones with the JSON path of what is wrong."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from accord.cvd.advisories import openvex
from accord.cvd.advisories.snapshot import ProductStatus, Vulnerability
from tests.cvd import vex_snapshots as samples


def statements_for(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [s for s in document["statements"] if s["vulnerability"]["name"] == name]


@pytest.mark.parametrize("name", samples.SNAPSHOTS)
def test_document_is_valid_against_the_official_schema(name: str) -> None:
    document = openvex.build(samples.SNAPSHOTS[name]())
    assert openvex.validate(document) == []
    assert openvex.FORMATS[0].validate(document) == []


def test_document_metadata() -> None:
    doc = openvex.build(samples.revised())
    assert doc["@context"] == "https://openvex.dev/ns/v0.2.0"
    assert doc["@id"] == "https://accord.example/advisories/ACC-2026-0007#openvex-v2"
    assert doc["author"] == "Coalición Ñandú"
    assert doc["role"] == "coordinator"
    assert doc["timestamp"] == "2026-01-12T09:30:00Z"
    assert doc["last_updated"] == "2026-02-03T14:00:00Z"
    assert doc["version"] == 2


def test_version_bump_changes_the_id() -> None:
    first = openvex.build(samples.snapshot())
    second = openvex.build(samples.revised())
    assert first["version"] == 1
    assert first["@id"] != second["@id"]
    assert first["timestamp"] == first["last_updated"]


def test_without_an_advisory_url_the_id_is_under_the_namespace() -> None:
    doc = openvex.build(samples.snapshot(advisory_url=""))
    assert doc["@id"] == "https://accord.example/ACC-2026-0007#openvex-v1"
    assert openvex.validate(doc) == []


def test_every_status() -> None:
    doc = openvex.build(samples.snapshot())
    by_product = {s["products"][0]["@id"]: s for s in statements_for(doc, "CVE-2026-12345")}
    # Fixed in 1.4.2: the range stays affected, and 1.4.2 is fixed (as CSAF says it).
    widget = by_product["pkg:npm/widget-server"]
    assert widget["status"] == "affected"
    assert widget["action_statement"] == "Update to 1.4.2 or later. Siehe Änderungsprotokoll."
    assert widget["status_notes"] == (
        "Affected versions: vers:npm/>=1.0.0|<1.4.2; other versions are not affected."
    )
    upgraded = by_product["pkg:npm/widget-server@1.4.2"]
    assert upgraded["status"] == "fixed"
    assert upgraded["products"][0]["identifiers"] == {"purl": "pkg:npm/widget-server@1.4.2"}
    assert upgraded["status_notes"] == "Fixed in version 1.4.2. Siehe Änderungsprotokoll."
    gadget = by_product["cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*"]
    assert gadget["status"] == "not_affected"
    assert gadget["justification"] == "vulnerable_code_not_in_execute_path"
    assert gadget["impact_statement"] == "Der Parser wird nie mit Benutzereingaben aufgerufen."
    thing = by_product["https://accord.example/advisories/ACC-2026-0007#product-P3"]
    assert thing["status"] == "affected"
    assert thing["action_statement"] == "Deaktivieren Sie das Modul „Vorschau“."
    assert thing["supplier"] == "Þór Systems"
    probe = by_product["pkg:pypi/probe"]
    assert probe["status"] == "under_investigation"
    assert probe["timestamp"] == "2026-02-03T14:00:00Z"
    appliance = by_product["https://accord.example/advisories/ACC-2026-0007#product-P6"]
    assert appliance["status"] == "fixed"
    assert "status_notes" not in appliance
    # unknown is no OpenVEX status: P5 is left out.
    assert len(by_product) == 6


def test_affected_without_a_note_still_has_an_action_statement() -> None:
    doc = openvex.build(samples.snapshot())
    (overflow,) = statements_for(doc, "ACC-2026-0007-V2")
    assert overflow["status"] == "affected"
    assert overflow["action_statement"] == openvex.NO_ACTION_YET


def test_not_affected_without_a_note_gives_the_justification_alone() -> None:
    bare = ProductStatus("P3", samples.OTHER, "not_affected", justification="component_not_present")
    flaw = Vulnerability(1, "Flaw", "", product_keys=("P3",), statuses=(bare,))
    doc = openvex.build(samples.snapshot(vulnerabilities=(flaw,)))
    (statement,) = doc["statements"]
    assert statement["justification"] == "component_not_present"
    assert "impact_statement" not in statement
    assert "description" not in statement["vulnerability"]
    assert openvex.validate(doc) == []


def test_vulnerability_names() -> None:
    doc = openvex.build(samples.snapshot())
    xss = statements_for(doc, "CVE-2026-12345")[0]["vulnerability"]
    assert xss["aliases"] == ["ACC-2026-0007-V1"]
    assert xss["description"] == "Ein Angreifer kann über den Parameter „q“ Skript einschleusen."
    overflow = statements_for(doc, "ACC-2026-0007-V2")[0]["vulnerability"]
    assert "aliases" not in overflow


def test_product_identifiers() -> None:
    doc = openvex.build(samples.snapshot())
    products = {s["products"][0]["@id"]: s["products"][0] for s in doc["statements"]}
    assert products["pkg:npm/widget-server"]["identifiers"] == {"purl": "pkg:npm/widget-server"}
    assert products["cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*"]["identifiers"] == {
        "cpe23": "cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*"
    }
    plain = products["https://accord.example/advisories/ACC-2026-0007#product-P3"]
    assert "identifiers" not in plain


def test_one_product() -> None:
    doc = openvex.build(samples.one_product())
    (statement,) = doc["statements"]
    assert statement["vulnerability"]["name"] == "CVE-2026-0001"
    assert statement["status"] == "affected"


def test_unanswered_vulnerability_is_under_investigation() -> None:
    doc = openvex.build(samples.unanswered())
    assert [s["status"] for s in doc["statements"]] == ["under_investigation"] * 2
    assert {s["status_notes"] for s in doc["statements"]} == {openvex.NO_STATEMENT_YET}


def test_withdrawn_is_a_new_version() -> None:
    doc = openvex.build(samples.withdrawn())
    assert doc["version"] == 3
    assert doc["last_updated"] == "2026-03-01T08:00:00Z"
    assert openvex.validate(doc) == []


def test_broken_document_fails_with_paths() -> None:
    doc = copy.deepcopy(openvex.build(samples.snapshot()))
    del doc["author"]
    affected = next(s for s in doc["statements"] if s["status"] == "affected")
    index = doc["statements"].index(affected)
    del affected["action_statement"]
    last = len(doc["statements"]) - 1
    assert last != index
    doc["statements"][last]["status"] = "exploitable"
    failures = openvex.validate(doc)
    found = {(f.path, f.message) for f in failures}
    assert ("$", "'author' is a required property") in found
    assert (f"$.statements[{index}]", "'action_statement' is a required property") in found
    assert any(p == f"$.statements[{last}].status" and "exploitable" in m for p, m in found)
    assert {f.format for f in failures} == {"openvex"}


def test_statement_notes_and_supplier() -> None:
    from accord.cvd.advisories.snapshot import Product

    nameless = Product("P9", "Bare", "")
    looking = ProductStatus("P9", "", "under_investigation", note="Wir prüfen das.")
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P9",), statuses=(looking,))
    doc = openvex.build(samples.snapshot(vulnerabilities=(flaw,), products=(nameless,)))
    (statement,) = doc["statements"]
    assert statement["status_notes"] == "Wir prüfen das."
    assert "supplier" not in statement
    assert openvex.validate(doc) == []


def test_every_format_is_registered() -> None:
    from accord.cvd.advisories.formats import all_formats

    found = all_formats()
    assert {"csaf", "csaf-vex", "openvex"} <= set(found)
    assert found["openvex"].media_type == "application/json"
    assert found["csaf-vex"].label == "CSAF 2.0 VEX"


# -- version ranges --------------------------------------------------------------------


def ranged(status: ProductStatus, **product: Any) -> list[dict[str, Any]]:
    import dataclasses

    widget = dataclasses.replace(samples.WIDGET, **product)
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P1",), statuses=(status,))
    doc = openvex.build(samples.snapshot(vulnerabilities=(flaw,), products=(widget,)))
    assert openvex.validate(doc) == []
    statements: list[dict[str, Any]] = doc["statements"]
    return statements


def test_affected_on_a_range_names_the_range() -> None:
    (statement,) = ranged(ProductStatus("P1", samples.ACME, "affected"))
    assert statement["products"][0]["@id"] == "pkg:npm/widget-server"
    assert statement["status_notes"] == (
        "Affected versions: vers:npm/>=1.0.0|<1.4.2; other versions are not affected."
    )


def test_not_affected_on_a_range_is_not_said_of_every_version() -> None:
    said = ProductStatus("P1", samples.ACME, "not_affected", justification="component_not_present")
    (statement,) = ranged(said)
    # The versionless purl would clear every version of the package.
    assert statement["products"] == [
        {"@id": "https://accord.example/advisories/ACC-2026-0007#product-P1"}
    ]
    assert statement["status_notes"] == (
        "This statement is about pkg:npm/widget-server, versions vers:npm/>=1.0.0|<1.4.2 only."
    )


def test_not_affected_without_a_range_is_every_version() -> None:
    said = ProductStatus("P1", samples.ACME, "not_affected", justification="component_not_present")
    (statement,) = ranged(said, versions="")
    assert statement["products"][0]["@id"] == "pkg:npm/widget-server"
    assert "status_notes" not in statement


def test_fixed_without_a_range_is_affected_before_the_fix() -> None:
    said = ProductStatus("P1", samples.ACME, "fixed", fixed_version="2.0.0")
    affected, fixed = ranged(said, versions="")
    assert (affected["status"], affected["products"][0]["@id"]) == (
        "affected",
        "pkg:npm/widget-server",
    )
    assert affected["status_notes"] == (
        "Affected versions: the versions before 2.0.0; other versions are not affected."
    )
    assert affected["action_statement"] == "Update to 2.0.0 or later."
    assert (fixed["status"], fixed["products"][0]["@id"]) == (
        "fixed",
        "pkg:npm/widget-server@2.0.0",
    )


def test_a_fixed_version_without_a_purl_is_named_under_the_advisory() -> None:
    said = ProductStatus("P1", samples.ACME, "fixed", fixed_version="2.0 beta")
    _, fixed = ranged(said, purl="")
    assert fixed["products"] == [
        {"@id": "https://accord.example/advisories/ACC-2026-0007#product-P1@2.0%20beta"}
    ]


def test_an_unanswered_range_names_the_range() -> None:
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P1",))
    doc = openvex.build(samples.snapshot(vulnerabilities=(flaw,), products=(samples.WIDGET,)))
    (statement,) = doc["statements"]
    assert statement["status"] == "under_investigation"
    assert statement["status_notes"] == (
        f"{openvex.NO_STATEMENT_YET} This statement is about the versions "
        "vers:npm/>=1.0.0|<1.4.2 only."
    )
