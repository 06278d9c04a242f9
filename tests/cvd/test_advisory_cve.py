"""CVE JSON 5: the records built from snapshots written by hand, checked against the
bundled schema, and real records from the CVE List accepted by the same validator."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.cvd.advisories import cve
from accord.cvd.advisories.snapshot import (
    Product,
    ProductStatus,
    Publisher,
    Reference,
    Revision,
    Snapshot,
    Vulnerability,
)
from tests.corpus import corpus, corpus_files

CNA = "f0e7a9a1-1c2b-4d3e-8f4a-5b6c7d8e9f00"
FIRST = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
WIDGET = Product(
    key="P1",
    name="Widget",
    vendor="Acme Ünïcode GmbH",
    purl="pkg:npm/%40acme/widget",
    versions="vers:npm/>=1.0.0|<1.4.2",
)
ROUTER = Product(
    key="P2",
    name="",
    vendor="",
    cpe="cpe:2.3:o:acme:router_firmware:*:*:*:*:*:*:*:*",
    versions="vers:generic/>=2.0|<=2.7",
)
LIBRARY = Product(key="P3", name="parser", vendor="Bolt", purl="pkg:pypi/bolt-parser")
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def vulnerability(**changes: Any) -> Vulnerability:
    base = Vulnerability(
        number=1,
        title="Débordement de tas dans le routeur — 堆溢出",
        description="Un attaquant distant exécute du code arbitraire. «Überlauf»",
        cwe_ids=(787, 79),
        cvss_vector=V31,
        cvss_version="3.1",
        cvss_score=Decimal("6.1"),
        cvss_severity="Medium",
        cve_id="CVE-2026-0001",
        product_keys=("P1",),
        statuses=(ProductStatus("P1", "Acme", "affected"),),
    )
    return dataclasses.replace(base, **changes)


def snapshot(*vulnerabilities: Vulnerability, **changes: Any) -> Snapshot:
    base = Snapshot(
        reference="ACC-2026-0007",
        title="Routeur: débordement de tas",
        summary="Résumé.",
        tlp="clear",
        publisher=Publisher(name="Gamma CERT", namespace="https://accord.example"),
        revisions=(Revision(1, FIRST, "Première publication"), Revision(2, LATER, "Fix")),
        vulnerabilities=vulnerabilities or (vulnerability(),),
        products=(WIDGET, ROUTER, LIBRARY),
        acknowledgments=("Zoë Ångström",),
        references=(Reference("https://acme.example/psirt/1", "Acme's notice"),),
        advisory_url="https://accord.example/advisories/ACC-2026-0007",
    )
    return dataclasses.replace(base, **changes)


def record_of(built: Snapshot, cve_id: str = "CVE-2026-0001") -> dict[str, Any]:
    document = cve.build(built)
    assert cve.validate(document) == [], cve.validate(document)
    record: dict[str, Any] = document["records"][cve_id]
    return record


def cna_of(built: Snapshot, cve_id: str = "CVE-2026-0001") -> dict[str, Any]:
    cna: dict[str, Any] = record_of(built, cve_id)["containers"]["cna"]
    return cna


def test_a_record_is_valid_and_says_what_the_case_says() -> None:
    record = record_of(snapshot())
    assert record["dataType"] == "CVE_RECORD"
    assert record["dataVersion"] == "5.1"
    assert record["cveMetadata"]["cveId"] == "CVE-2026-0001"
    assert record["cveMetadata"]["state"] == "PUBLISHED"
    assert record["cveMetadata"]["datePublished"] == "2026-03-02T09:30:00.000Z"
    cna = record["containers"]["cna"]
    assert cna["title"] == "Débordement de tas dans le routeur — 堆溢出"
    assert cna["descriptions"] == [
        {"lang": "en", "value": "Un attaquant distant exécute du code arbitraire. «Überlauf»"}
    ]
    assert cna["datePublic"] == "2026-03-02T09:30:00.000Z"
    assert cna["providerMetadata"]["dateUpdated"] == "2026-03-09T14:00:00.000Z"
    assert [p["descriptions"][0]["cweId"] for p in cna["problemTypes"]] == ["CWE-787", "CWE-79"]
    assert cna["problemTypes"][1]["descriptions"][0] == {
        "lang": "en",
        "cweId": "CWE-79",
        "description": "CWE-79 Improper Neutralization of Input During Web Page Generation "
        "('Cross-site Scripting')",
        "type": "CWE",
    }
    assert cna["credits"] == [{"lang": "en", "value": "Zoë Ångström", "type": "finder"}]
    assert [r["url"] for r in cna["references"]] == [
        "https://accord.example/advisories/ACC-2026-0007",
        "https://acme.example/psirt/1",
    ]


def test_non_ascii_text_survives_serialisation() -> None:
    text = json.dumps(cve.build(snapshot()), ensure_ascii=False)
    assert "堆溢出" in text
    assert "Ångström" in text
    again = json.loads(text)["records"]["CVE-2026-0001"]["containers"]["cna"]
    assert again["affected"][0]["vendor"] == "Acme Ünïcode GmbH"


def test_the_assigner_is_the_cna_when_the_coalition_is_one() -> None:
    publisher = Publisher("Gamma CERT", "https://accord.example", cna_org_id=CNA)
    named = dataclasses.replace(publisher, cna_short_name="GammaCERT")
    record = record_of(snapshot(publisher=named))
    assert record["cveMetadata"]["assignerOrgId"] == CNA
    assert record["cveMetadata"]["assignerShortName"] == "GammaCERT"
    cna = record["containers"]["cna"]
    assert cna["providerMetadata"]["orgId"] == CNA
    assert cna["providerMetadata"]["shortName"] == "GammaCERT"
    assert "x_accord" not in cna


def test_without_a_cna_the_record_says_it_is_not_the_assigners() -> None:
    record = record_of(snapshot())
    assert record["cveMetadata"]["assignerOrgId"] == cve.UNKNOWN_ASSIGNER
    assert "assignerShortName" not in record["cveMetadata"]
    assert record["containers"]["cna"]["x_accord"]["assigner"] == "unknown"
    assert "authoritative record" in record["containers"]["cna"]["x_accord"]["notice"]


def test_a_purl_names_its_package_collection() -> None:
    widget, parser = cna_of(snapshot(vulnerability(product_keys=("P1", "P3"), statuses=())))[
        "affected"
    ]
    assert widget["collectionURL"] == "https://www.npmjs.com"
    assert widget["packageName"] == "@acme/widget"
    assert (widget["vendor"], widget["product"]) == ("Acme Ünïcode GmbH", "Widget")
    assert parser["collectionURL"] == "https://pypi.org"
    assert parser["packageName"] == "bolt-parser"


@pytest.mark.parametrize(
    ("purl", "collection", "package"),
    [
        (
            "pkg:maven/org.acme/widget-core",
            "https://repo.maven.apache.org/maven2",
            "org.acme:widget-core",
        ),
        ("pkg:golang/github.com/acme/widget", "https://pkg.go.dev", "github.com/acme/widget"),
        ("pkg:cargo/widget", "https://crates.io", "widget"),
        ("pkg:gem/widget", "https://rubygems.org", "widget"),
        ("pkg:nuget/Acme.Widget", "https://www.nuget.org", "Acme.Widget"),
        ("pkg:github/acme/widget", "https://github.com", "acme/widget"),
    ],
)
def test_each_package_type_has_its_registry(purl: str, collection: str, package: str) -> None:
    product = Product(key="P1", name="Widget", vendor="Acme", purl=purl)
    cna = cna_of(snapshot(products=(product,)))
    assert cna["affected"][0]["collectionURL"] == collection
    assert cna["affected"][0]["packageName"] == package


def test_an_unknown_package_type_falls_back_to_vendor_and_product() -> None:
    product = Product(key="P1", name="Widget", vendor="Acme", purl="pkg:generic/widget")
    affected = cna_of(snapshot(products=(product,)))["affected"][0]
    assert "collectionURL" not in affected
    assert (affected["vendor"], affected["product"]) == ("Acme", "Widget")


def test_a_cpe_gives_vendor_product_and_cpes() -> None:
    cna = cna_of(snapshot(vulnerability(product_keys=("P2",), statuses=())))
    (router,) = cna["affected"]
    assert router["vendor"] == "acme"
    assert router["product"] == "router firmware"
    assert router["cpes"] == ["cpe:2.3:o:acme:router_firmware:*:*:*:*:*:*:*:*"]
    # No one has stated on it: its range is in question, not affected (CSAF: under
    # investigation, which CVE has no word for).
    assert router["versions"] == [
        {"version": "2.0", "versionType": "custom", "lessThanOrEqual": "2.7", "status": "unknown"}
    ]
    assert router["defaultStatus"] == "unknown"


def test_many_products_make_many_entries() -> None:
    statuses = (
        ProductStatus("P1", "Acme", "affected"),
        ProductStatus("P2", "Acme", "affected"),
        ProductStatus("P3", "Bolt", "affected"),
    )
    cna = cna_of(snapshot(vulnerability(product_keys=("P1", "P2", "P3"), statuses=statuses)))
    assert [a["product"] for a in cna["affected"]] == ["Widget", "router firmware", "parser"]


def versions_for(versions: str, status: ProductStatus | None = None) -> dict[str, Any]:
    product = dataclasses.replace(WIDGET, versions=versions)
    statuses = (status,) if status else (ProductStatus("P1", "Acme", "affected"),)
    cna = cna_of(snapshot(vulnerability(statuses=statuses), products=(product,)))
    affected: dict[str, Any] = cna["affected"][0]
    return {k: affected.get(k) for k in ("versions", "defaultStatus")}


def test_a_bounded_range_is_a_range_and_other_versions_unaffected() -> None:
    assert versions_for("vers:npm/>=1.0.0|<1.4.2") == {
        "versions": [
            {"version": "1.0.0", "versionType": "semver", "lessThan": "1.4.2", "status": "affected"}
        ],
        "defaultStatus": "unaffected",
    }


def test_several_ranges_single_versions_and_exclusions() -> None:
    found = versions_for("vers:pypi/0.9|>=1.0|<1.2|>2.0|!=2.1|<3.0")
    assert found["defaultStatus"] == "unaffected"
    assert found["versions"] == [
        {"version": "2.1", "status": "unaffected"},
        {"version": "2.0", "status": "unaffected"},
        {"version": "0.9", "status": "affected"},
        {"version": "1.0", "versionType": "python", "lessThan": "1.2", "status": "affected"},
        {"version": "2.0", "versionType": "python", "lessThan": "3.0", "status": "affected"},
    ]


def test_open_ranges_and_every_version() -> None:
    below = versions_for("vers:npm/<2.0.0")["versions"]
    assert below == [
        {"version": "0", "versionType": "semver", "lessThan": "2.0.0", "status": "affected"}
    ]
    above = versions_for("vers:npm/>=3.1.0")["versions"]
    assert above == [
        {"version": "3.1.0", "versionType": "semver", "lessThan": "*", "status": "affected"}
    ]
    every = versions_for("vers:npm/*")["versions"]
    assert every == [
        {"version": "0", "versionType": "semver", "lessThan": "*", "status": "affected"}
    ]


def test_no_range_and_no_statement_is_unknown() -> None:
    affected = cna_of(snapshot(vulnerability(product_keys=("P3",), statuses=())))["affected"]
    assert affected[0]["defaultStatus"] == "unknown"
    assert "versions" not in affected[0]


def test_fixed_without_a_range_is_affected_below_the_fix() -> None:
    product = dataclasses.replace(WIDGET, versions="")
    fixed = ProductStatus("P1", "Acme", "fixed", fixed_version="1.4.2")
    cna = cna_of(snapshot(vulnerability(statuses=(fixed,)), products=(product,)))
    assert cna["affected"][0]["versions"] == [
        {"version": "0", "versionType": "semver", "lessThan": "1.4.2", "status": "affected"}
    ]
    assert cna["affected"][0]["defaultStatus"] == "unaffected"


def test_fixed_in_an_open_range_changes_status_at_the_fix() -> None:
    fixed = ProductStatus("P1", "Acme", "fixed", fixed_version="2.3.0")
    found = versions_for("vers:npm/>=2.0.0", fixed)
    assert found["versions"] == [
        {
            "version": "2.0.0",
            "versionType": "semver",
            "lessThan": "*",
            "status": "affected",
            "changes": [{"at": "2.3.0", "status": "unaffected"}],
        }
    ]
    # A fix below the range's start changes nothing in it.
    early = versions_for("vers:npm/>=2.0.0", dataclasses.replace(fixed, fixed_version="1.0.0"))
    assert "changes" not in early["versions"][0]


@pytest.mark.parametrize(
    ("status", "in_range", "default"),
    [
        ("affected", "affected", "unaffected"),
        ("not_affected", "unaffected", "unknown"),
        ("under_investigation", "unknown", "unknown"),
        ("unknown", "unknown", "unknown"),
        ("fixed", "affected", "unaffected"),
    ],
)
def test_every_vex_status(status: str, in_range: str, default: str) -> None:
    said = ProductStatus("P1", "Acme", status)  # type: ignore[arg-type]
    found = versions_for("vers:npm/>=1.0.0|<1.4.2", said)
    assert [v["status"] for v in found["versions"]] == [in_range]
    assert found["defaultStatus"] == default


@pytest.mark.parametrize(
    ("status", "default"),
    [("affected", "affected"), ("not_affected", "unaffected"), ("under_investigation", "unknown")],
)
def test_a_statement_without_a_range_covers_every_version(status: str, default: str) -> None:
    said = ProductStatus("P3", "Bolt", status)  # type: ignore[arg-type]
    affected = cna_of(snapshot(vulnerability(product_keys=("P3",), statuses=(said,))))
    assert affected["affected"][0]["defaultStatus"] == default


def test_two_vendors_on_one_product_are_one_entry_the_own_vendors() -> None:
    # Widget's vendor is WIDGET.vendor; another vendor's later blanket statement on the
    # vulnerability does not make a second, conflicting entry for it (as in CSAF).
    statuses = (
        ProductStatus("P1", WIDGET.vendor, "affected", updated_at=FIRST),
        ProductStatus("P1", "Reseller", "not_affected", updated_at=LATER),
    )
    cna = cna_of(snapshot(vulnerability(statuses=statuses)))
    (entry,) = cna["affected"]
    assert entry["vendor"] == WIDGET.vendor
    assert [v["status"] for v in entry["versions"]] == ["affected"]


def test_of_two_other_vendors_the_latest_speaks() -> None:
    statuses = (
        ProductStatus("P3", "Reseller", "not_affected", updated_at=LATER),
        ProductStatus("P3", "Other", "affected", updated_at=FIRST),
    )
    cna = cna_of(snapshot(vulnerability(product_keys=("P3",), statuses=statuses)))
    assert [a["defaultStatus"] for a in cna["affected"]] == ["unaffected"]


def test_cvss_31_metrics_are_computed_in_full() -> None:
    (metric,) = cna_of(snapshot())["metrics"]
    v31 = metric["cvssV3_1"]
    assert v31["version"] == "3.1"
    assert v31["vectorString"] == V31
    assert v31["baseScore"] == 6.1
    assert v31["baseSeverity"] == "MEDIUM"
    assert v31["scope"] == "CHANGED"
    assert v31["userInteraction"] == "REQUIRED"


def test_cvss_40_metrics_use_the_schemas_names() -> None:
    vector = V40 + "/E:P/MSI:S/S:P"
    (metric,) = cna_of(snapshot(vulnerability(cvss_vector=vector, cvss_version="4.0")))["metrics"]
    v40 = metric["cvssV4_0"]
    assert v40["version"] == "4.0"
    assert v40["baseSeverity"] in {"CRITICAL", "HIGH"}
    assert v40["attackRequirements"] == "NONE"
    assert v40["vulnConfidentialityImpact"] == "HIGH"
    assert v40["exploitMaturity"] == "PROOF_OF_CONCEPT"
    assert v40["modifiedSubIntegrityImpact"] == "SAFETY"
    assert v40["Safety"] == "PRESENT"
    # Metrics the vector does not state are not claimed.
    assert "modifiedAttackVector" not in v40
    plain = cna_of(snapshot(vulnerability(cvss_vector=V40, cvss_version="4.0")))["metrics"][0]
    assert plain["cvssV4_0"]["baseScore"] == 9.3
    assert plain["cvssV4_0"]["baseSeverity"] == "CRITICAL"


def test_no_cvss_no_cwe_no_credit_leaves_them_out() -> None:
    bare = vulnerability(cvss_vector="", cwe_ids=())
    cna = cna_of(snapshot(bare, acknowledgments=()))
    assert not {"metrics", "problemTypes", "credits"} & set(cna)


def test_a_long_description_is_cut_to_the_schemas_limit() -> None:
    cna = cna_of(snapshot(vulnerability(description="é" * 5000)))
    assert len(cna["descriptions"][0]["value"]) == 4096
    assert cna["descriptions"][0]["value"].endswith("…")


def test_a_blank_description_says_the_title() -> None:
    cna = cna_of(snapshot(vulnerability(description="")))
    assert cna["descriptions"][0]["value"] == "Débordement de tas dans le routeur — 堆溢出"


def test_only_vulnerabilities_with_a_cve_id_get_a_record() -> None:
    first = vulnerability()
    second = vulnerability(number=2, cve_id="CVE-2026-10002", title="XSS")
    none = vulnerability(number=3, cve_id="", title="Unassigned")
    document = cve.build(snapshot(first, second, none))
    assert sorted(document["records"]) == ["CVE-2026-0001", "CVE-2026-10002"]
    assert cve.validate(document) == []


def test_no_cve_id_at_all_is_one_failure() -> None:
    document = cve.build(snapshot(vulnerability(cve_id="")))
    assert document == {"records": {}}
    (failure,) = cve.validate(document)
    assert failure.format == "cve"
    assert failure.path == "$.records"
    assert "CVE id" in failure.message


def test_a_withdrawn_advisory_rejects_its_records() -> None:
    withdrawn = snapshot(withdrawn=True, withdrawal_reason="Doublon de CVE-2026-0002.")
    record = record_of(withdrawn)
    assert record["cveMetadata"]["state"] == "REJECTED"
    assert record["cveMetadata"]["dateRejected"] == "2026-03-09T14:00:00.000Z"
    cna = record["containers"]["cna"]
    assert cna["rejectedReasons"] == [{"lang": "en", "value": "Doublon de CVE-2026-0002."}]
    assert "affected" not in cna


def test_no_reference_at_all_is_refused() -> None:
    document = cve.build(snapshot(advisory_url="", references=()))
    paths = {f.path for f in cve.validate(document)}
    assert "$.records['CVE-2026-0001'].containers.cna.references" in paths


def test_a_bad_cve_id_is_a_failure_at_its_path() -> None:
    document = cve.build(snapshot(vulnerability(cve_id="CVE-26-1")))
    failures = cve.validate(document)
    assert [f.path for f in failures] == ["$.records['CVE-26-1'].cveMetadata.cveId"]
    assert "does not match" in failures[0].message


def test_an_invalid_field_is_named_by_its_path() -> None:
    document = cve.build(snapshot())
    broken = copy.deepcopy(document)
    broken["records"]["CVE-2026-0001"]["containers"]["cna"]["affected"][0]["vendor"] = ""
    failures = cve.validate(broken)
    assert [f.path for f in failures] == [
        "$.records['CVE-2026-0001'].containers.cna.affected[0].vendor"
    ]
    wrong_status = copy.deepcopy(document)
    versions = wrong_status["records"]["CVE-2026-0001"]["containers"]["cna"]["affected"][0]
    versions["versions"][0]["status"] = "fixed"
    paths = [f.path for f in cve.validate(wrong_status)]
    assert "$.records['CVE-2026-0001'].containers.cna.affected[0].versions[0].status" in paths


def test_a_malformed_url_and_date_are_refused() -> None:
    document = cve.build(snapshot())
    cna = document["records"]["CVE-2026-0001"]["containers"]["cna"]
    cna["references"][1]["url"] = "not a url"
    cna["datePublic"] = "2026-02-30T00:00:00Z"
    paths = {f.path for f in cve.validate(document)}
    assert "$.records['CVE-2026-0001'].containers.cna.references[1].url" in paths
    assert "$.records['CVE-2026-0001'].containers.cna.datePublic" in paths


def test_a_record_filed_under_another_id_is_refused() -> None:
    document = cve.build(snapshot())
    document["records"]["CVE-2026-9999"] = document["records"].pop("CVE-2026-0001")
    (failure,) = cve.validate(document)
    assert failure.path == "$.records['CVE-2026-9999'].cveMetadata.cveId"


def test_the_format_is_registered_by_its_module() -> None:
    (fmt,) = cve.FORMATS
    assert (fmt.key, fmt.label, fmt.media_type) == ("cve", "CVE JSON 5", "application/json")
    assert fmt.build is cve.build
    assert fmt.validate is cve.validate


@corpus
@pytest.mark.parametrize("path", corpus_files("cve", "CVE-*.json"), ids=lambda p: p.name)
def test_real_cve_records_are_valid(path: Path) -> None:
    record = json.loads(path.read_text("utf-8"))
    cve_id = record["cveMetadata"]["cveId"]
    assert cve.validate({"records": {cve_id: record}}) == []


@corpus
def test_a_real_record_broken_is_refused_at_the_path() -> None:
    (path,) = corpus_files("cve", "CVE-2025-1091.json")
    record = json.loads(path.read_text("utf-8"))
    record["containers"]["cna"]["metrics"][0]["cvssV3_1"]["baseSeverity"] = "Severe"
    failures = cve.validate({"records": {"CVE-2025-1091": record}})
    paths = [f.path for f in failures]
    assert "$.records['CVE-2025-1091'].containers.cna.metrics[0].cvssV3_1.baseSeverity" in paths
    assert all(p.startswith("$.records['CVE-2025-1091'].containers.cna.metrics[0]") for p in paths)


def test_a_cvss_40_vector_with_every_metric_is_valid() -> None:
    vector = (
        V40 + "/E:U/CR:H/IR:M/AR:L/MAV:A/MAC:H/MAT:P/MPR:L/MUI:A/MVC:L/MVI:N/MVA:H"
        "/MSC:L/MSI:S/MSA:N/S:N/AU:Y/R:I/V:C/RE:M/U:Amber"
    )
    (metric,) = cna_of(snapshot(vulnerability(cvss_vector=vector)))["metrics"]
    v40 = metric["cvssV4_0"]
    assert v40["vectorString"] == vector
    assert (v40["Recovery"], v40["providerUrgency"], v40["Automatable"]) == (
        "IRRECOVERABLE",
        "AMBER",
        "YES",
    )
    assert v40["modifiedSubConfidentialityImpact"] == "LOW"


def test_a_vector_the_library_cannot_score_is_refused() -> None:
    document = cve.build(snapshot(vulnerability(cvss_vector="CVSS:3.1/AV:Q")))
    paths = [f.path for f in cve.validate(document)]
    assert "$.records['CVE-2026-0001'].containers.cna.metrics[0].cvssV3_1" in paths


def test_a_record_missing_its_product_names_says_what_each_form_needs() -> None:
    document = cve.build(snapshot())
    del document["records"]["CVE-2026-0001"]["containers"]["cna"]["affected"][0]["vendor"]
    document["records"]["CVE-2026-0001"]["containers"]["cna"]["affected"][0].pop("collectionURL")
    (failure,) = cve.validate(document)
    assert failure.path == "$.records['CVE-2026-0001'].containers.cna.affected[0]"
    assert "'vendor' is a required property" in failure.message
    assert "not valid under any" not in failure.message


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"records": []},
        {"records": {"CVE-2026-0001": []}},
        {"records": {"CVE-2026-0001": {"cveMetadata": 3}}},
    ],
)
def test_a_malformed_document_is_failures_not_an_exception(document: Any) -> None:
    failures = cve.validate(document)
    assert failures
    assert all(f.path.startswith("$.records") for f in failures)


def test_versions_left_out_of_a_range_are_unaffected_only_beside_affected_ones() -> None:
    affected = versions_for("vers:npm/>=1.0.0|!=1.2.0|<2.0.0")
    assert affected["versions"][0] == {"version": "1.2.0", "status": "unaffected"}
    said = ProductStatus("P1", "Acme", "under_investigation")
    unknown = versions_for("vers:npm/>=1.0.0|!=1.2.0|<2.0.0", said)
    assert [v["status"] for v in unknown["versions"]] == ["unknown"]
    assert unknown["defaultStatus"] == "unknown"
