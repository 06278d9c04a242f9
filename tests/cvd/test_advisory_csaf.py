"""CSAF 2.0 security advisory and VEX documents: what they say, that the OASIS schema and
the BSI validator's mandatory tests (6.1) accept them, and that broken ones are refused
with the JSON path of what is wrong."""

from __future__ import annotations

import copy
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from accord.cvd.advisories import csaf, csaf_validator, formats
from accord.cvd.advisories.snapshot import ProductStatus, Vulnerability
from tests.corpus import corpus, corpus_files
from tests.cvd import vex_snapshots as samples

BUILDERS = {"csaf": csaf.build_advisory, "csaf-vex": csaf.build_vex}
# Not valid CSAF 2.0 (README of the engine's schemas): an empty product and branch name.
CORPUS_INVALID = {"schwarz_informatik-c1234.json"}


def vulnerability(document: dict[str, Any], number: int = 1) -> dict[str, Any]:
    return document["vulnerabilities"][number - 1]


def all_product_ids(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(branches: list[dict[str, Any]]) -> None:
        for branch in branches:
            if "product" in branch:
                found.add(branch["product"]["product_id"])
            walk(branch.get("branches", []))

    walk(document["product_tree"]["branches"])
    return found


@pytest.fixture(scope="module")
def built() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (name, key): build(make())
        for name, make in samples.SNAPSHOTS.items()
        for key, build in BUILDERS.items()
    }


@pytest.fixture(scope="module")
def mandatory_results(
    built: dict[tuple[str, str], dict[str, Any]],
) -> dict[tuple[str, str], list[formats.Failure]]:
    """Every built document through the BSI validator, in one run of node."""
    script = samples.require_csaf_validator()
    keys = list(built)
    results = csaf_validator.mandatory_test_failures_of_each(
        [built[k] for k in keys], format_key="csaf", script=script
    )
    assert results is not None
    return dict(zip(keys, results, strict=True))


# -- every document is valid -----------------------------------------------------------


@pytest.mark.parametrize("key", BUILDERS)
@pytest.mark.parametrize("name", samples.SNAPSHOTS)
def test_document_is_valid_against_the_schema_and_profile(
    built: dict[tuple[str, str], dict[str, Any]], name: str, key: str
) -> None:
    assert csaf.schema_failures(built[name, key], format_key=key) == []


@pytest.mark.parametrize("key", BUILDERS)
@pytest.mark.parametrize("name", samples.SNAPSHOTS)
def test_document_passes_the_mandatory_tests(
    mandatory_results: dict[tuple[str, str], list[formats.Failure]], name: str, key: str
) -> None:
    assert mandatory_results[name, key] == []


def test_validate_runs_schema_and_mandatory_tests(settings: Any) -> None:
    settings.ACCORD_CSAF_VALIDATOR = samples.require_csaf_validator()
    advisory, vex = csaf.FORMATS
    assert (advisory.key, vex.key) == ("csaf", "csaf-vex")
    assert advisory.validate(advisory.build(samples.revised())) == []
    assert vex.validate(vex.build(samples.revised())) == []


# -- what the document says ------------------------------------------------------------


def test_document_metadata() -> None:
    doc = csaf.build_advisory(samples.revised())["document"]
    assert doc["category"] == "csaf_security_advisory"
    assert doc["csaf_version"] == "2.0"
    assert doc["lang"] == "en"
    assert doc["title"] == "Widget Server und Gadget: mehrere Schwachstellen"
    assert doc["publisher"] == {
        "category": "coordinator",
        "name": "Coalición Ñandú",
        "namespace": "https://accord.example",
        "contact_details": "cvd@accord.example",
    }
    assert doc["notes"] == [
        {
            "category": "summary",
            "title": "Summary",
            "text": "Zwei Schwachstellen; Updates sind verfügbar. 🛡️",
        }
    ]
    assert doc["acknowledgments"] == [{"names": ["Zoë Ångström", "Jörg Ñúñez"]}]
    assert doc["references"] == [
        {
            "category": "self",
            "summary": "This advisory",
            "url": "https://accord.example/advisories/ACC-2026-0007",
        },
        {
            "category": "external",
            "summary": "Acmes eigene Meldung",
            "url": "https://acme.example/psirt/2026-01",
        },
    ]
    assert doc["tracking"]["generator"]["engine"]["name"] == "Accord"


def test_vex_has_its_own_tracking_id() -> None:
    advisory = csaf.build_advisory(samples.snapshot())["document"]
    vex = csaf.build_vex(samples.snapshot())["document"]
    assert advisory["tracking"]["id"] == "ACC-2026-0007"
    assert vex["tracking"]["id"] == "ACC-2026-0007-VEX"
    assert vex["category"] == "csaf_vex"


def test_revision_history_and_version_bump() -> None:
    first = csaf.build_advisory(samples.snapshot())["document"]["tracking"]
    second = csaf.build_advisory(samples.revised())["document"]["tracking"]
    assert first["version"] == "1"
    assert first["initial_release_date"] == first["current_release_date"] == "2026-01-12T09:30:00Z"
    assert second["version"] == "2"
    assert second["status"] == "final"
    assert second["initial_release_date"] == "2026-01-12T09:30:00Z"
    assert second["current_release_date"] == "2026-02-03T14:00:00Z"
    assert second["revision_history"] == [
        {"number": "1", "date": "2026-01-12T09:30:00Z", "summary": "Erste Veröffentlichung"},
        {"number": "2", "date": "2026-02-03T14:00:00Z", "summary": "Fixed version 1.4.2 added"},
    ]


def test_withdrawn_advisory_stays_final_and_says_why() -> None:
    doc = csaf.build_advisory(samples.withdrawn())["document"]
    assert doc["tracking"]["status"] == "final"
    assert doc["tracking"]["version"] == "3"
    assert doc["tracking"]["revision_history"][-1]["summary"] == "Withdrawn"
    withdrawal = doc["notes"][0]
    assert withdrawal["title"] == "Withdrawn"
    assert "withdrawn in version 3" in withdrawal["text"]
    assert "Duplikat von ACC-2026-0003" in withdrawal["text"]


@pytest.mark.parametrize(
    ("tlp", "label"),
    [
        ("clear", "WHITE"),
        ("green", "GREEN"),
        ("amber", "AMBER"),
        ("amber+strict", "AMBER"),
        ("red", "RED"),
    ],
)
def test_tlp_2_levels_map_to_csaf_labels(tlp: str, label: str) -> None:
    distribution = csaf.build_advisory(samples.snapshot(tlp=tlp))["document"]["distribution"]
    assert distribution["tlp"] == {"label": label, "url": "https://www.first.org/tlp/"}
    if tlp == "amber+strict":
        assert distribution["text"].startswith("TLP:AMBER+STRICT")
        assert "only within the recipient's own organisation" in distribution["text"]
    else:
        assert "text" not in distribution


def test_product_tree_vendor_product_version() -> None:
    tree = csaf.build_advisory(samples.snapshot())["product_tree"]["branches"]
    assert [(b["category"], b["name"]) for b in tree] == [
        ("vendor", "Acme Gerätebau GmbH"),
        ("vendor", "Þór Systems"),
    ]
    widget = tree[0]["branches"][0]
    assert widget["category"] == "product_name"
    assert widget["name"] == "Widget Server"
    affected, fixed = widget["branches"]
    assert affected["category"] == "product_version_range"
    assert affected["name"] == "vers:npm/>=1.0.0|<1.4.2"
    assert affected["product"]["product_id"] == "P1"
    assert affected["product"]["product_identification_helper"] == {"purl": "pkg:npm/widget-server"}
    assert fixed["category"] == "product_version"
    assert fixed["name"] == "1.4.2"
    assert fixed["product"]["product_id"] == "P1-FIX1"
    gadget = tree[0]["branches"][1]
    assert gadget["product"]["product_identification_helper"] == {
        "cpe": "cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*"
    }
    thing = tree[1]["branches"][0]
    assert thing["product"] == {"name": "Þór Systems Thing 東京", "product_id": "P3"}


def test_product_fixed_without_a_range_gets_one_below_the_fix() -> None:
    fixed = ProductStatus("P3", samples.OTHER, "fixed", fixed_version="2.0")
    only = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P3",), statuses=(fixed,))
    doc = csaf.build_advisory(samples.snapshot(vulnerabilities=(only,)))
    thing = doc["product_tree"]["branches"][1]["branches"][0]
    assert [leaf["name"] for leaf in thing["branches"]] == ["vers:generic/<2.0", "2.0"]
    assert csaf.schema_failures(doc) == []


def test_several_fixed_versions_of_one_product() -> None:
    doc = csaf.build_advisory(samples.two_fixes())
    widget, thing = (vendor["branches"][0] for vendor in doc["product_tree"]["branches"])
    assert [(b["name"], b["product"]["product_id"]) for b in widget["branches"]] == [
        ("vers:npm/>=1.0.0|<1.4.2", "P1"),
        ("1.4.2", "P1-FIX1"),
        ("1.5.0", "P1-FIX2"),
    ]
    assert [(b["name"], b["product"]["product_id"]) for b in thing["branches"]] == [
        ("vers:generic/*", "P3"),
        ("3.1", "P3-FIX1"),
        ("3.2", "P3-FIX2"),
    ]
    assert vulnerability(doc, 2)["product_status"] == {
        "fixed": ["P1-FIX2", "P3-FIX2"],
        "known_affected": ["P1", "P3"],
    }
    assert vulnerability(doc)["scores"][0]["cvss_v3"]["version"] == "3.0"


def test_product_ids_are_stable_and_defined() -> None:
    one = csaf.build_advisory(samples.snapshot())
    again = csaf.build_advisory(samples.snapshot())
    assert one == again
    assert all_product_ids(one) == {"P1", "P1-FIX1", "P2", "P3", "P4", "P5", "P6"}


def test_one_product() -> None:
    doc = csaf.build_advisory(samples.one_product())
    assert all_product_ids(doc) == {"P1"}
    vuln = vulnerability(doc)
    assert vuln["product_status"] == {"known_affected": ["P1"]}
    # An empty description still gives the note 6.1.27.5 asks for.
    assert vuln["notes"][0] == {
        "category": "description",
        "title": "Description",
        "text": "Path traversal",
    }
    assert vuln["remediations"][0]["category"] == "none_available"


def test_every_vex_status() -> None:
    vuln = vulnerability(csaf.build_vex(samples.snapshot()))
    assert vuln["product_status"] == {
        "fixed": ["P1-FIX1", "P6"],
        "known_affected": ["P1", "P3"],
        "known_not_affected": ["P2"],
        "under_investigation": ["P4"],
    }
    assert not any("P5" in ids for ids in vuln["product_status"].values())  # unknown: left out
    assert vuln["flags"] == [
        {"label": "vulnerable_code_not_in_execute_path", "product_ids": ["P2"]}
    ]
    assert vuln["threats"] == [
        {
            "category": "impact",
            "details": "Der Parser wird nie mit Benutzereingaben aufgerufen.",
            "product_ids": ["P2"],
        }
    ]
    remediations = {r["product_ids"][0]: r for r in vuln["remediations"]}
    assert remediations["P1"]["category"] == "vendor_fix"
    assert "1.4.2" in remediations["P1"]["details"]
    assert remediations["P3"] == {
        "category": "mitigation",
        "details": "Deaktivieren Sie das Modul „Vorschau“.",
        "product_ids": ["P3"],
    }


def test_vulnerability_identity_and_weakness() -> None:
    doc = csaf.build_advisory(samples.snapshot())
    first, second = doc["vulnerabilities"]
    assert first["cve"] == "CVE-2026-12345"
    assert first["ids"] == [{"system_name": "Coalición Ñandú case", "text": "ACC-2026-0007-V1"}]
    assert first["title"] == "Cross-site scripting in the «Übersicht» page"
    assert first["notes"][0]["text"].startswith("Ein Angreifer kann")
    assert first["cwe"] == {
        "id": "CWE-79",
        "name": "Improper Neutralization of Input During Web Page Generation "
        "('Cross-site Scripting')",
    }
    assert "cve" not in second
    assert second["ids"][0]["text"] == "ACC-2026-0007-V2"
    assert second["cwe"] == {"id": "CWE-122", "name": "Heap-based Buffer Overflow"}
    weaknesses = next(n for n in second["notes"] if n["title"] == "Weaknesses (CWE)")
    assert weaknesses["text"] == "CWE-122, CWE-787"


def test_cwe_not_in_the_catalogue_is_left_to_a_note() -> None:
    odd = Vulnerability(1, "Odd", "Odd.", cwe_ids=(999999,), product_keys=("P3",))
    vuln = vulnerability(csaf.build_advisory(samples.snapshot(vulnerabilities=(odd,))))
    assert "cwe" not in vuln
    assert {"category": "other", "title": "Weaknesses (CWE)", "text": "CWE-999999"} in vuln["notes"]


def test_cvss_3_1_is_a_score() -> None:
    vuln = vulnerability(csaf.build_advisory(samples.snapshot()))
    assert vuln["scores"] == [
        {
            "cvss_v3": {
                "version": "3.1",
                "vectorString": samples.CVSS31,
                "baseScore": 6.1,
                "baseSeverity": "MEDIUM",
            },
            "products": ["P1", "P3"],
        }
    ]


def test_cvss_4_0_is_a_note_not_a_score() -> None:
    vuln = vulnerability(csaf.build_advisory(samples.snapshot()), 2)
    assert "scores" not in vuln
    note = next(n for n in vuln["notes"] if n["title"] == "CVSS v4.0")
    assert samples.CVSS40 in note["text"]
    assert "9.3 (Critical)" in note["text"]


def test_invalid_cvss_vector_is_left_out() -> None:
    bad = Vulnerability(1, "Bad", "Bad.", cvss_vector="CVSS:3.1/AV:X", product_keys=("P3",))
    assert "scores" not in vulnerability(
        csaf.build_advisory(samples.snapshot(vulnerabilities=(bad,)))
    )


def test_involvements() -> None:
    vuln = vulnerability(csaf.build_advisory(samples.snapshot()))
    assert vuln["involvements"] == [
        {
            "party": "vendor",
            "status": "completed",
            "date": "2026-02-03T14:00:00Z",
            "summary": "Acme Gerätebau GmbH: Fix released",
        },
        {
            "party": "coordinator",
            "status": "completed",
            "date": "2026-01-12T09:30:00Z",
            "summary": "Coalición Ñandú",
        },
        {"party": "discoverer", "status": "completed", "summary": "Zoë Ångström"},
    ]
    assert vuln["acknowledgments"] == [{"names": ["Zoë Ångström", "Jörg Ñúñez"]}]


def test_involvements_of_one_party_on_one_date_are_merged() -> None:
    from accord.cvd.advisories.snapshot import Involvement

    twice = (
        Involvement("vendor", "completed", "A", samples.FEB, "one"),
        Involvement("vendor", "completed", "B", samples.FEB, "two"),
    )
    vuln = vulnerability(csaf.build_advisory(samples.snapshot(involvements=twice)))
    assert [i["summary"] for i in vuln["involvements"]] == ["A: one; B: two"]


def test_unanswered_vulnerability_is_under_investigation() -> None:
    vuln = vulnerability(csaf.build_vex(samples.unanswered()))
    assert vuln["product_status"] == {"under_investigation": ["P3", "P5"]}
    assert any(n["title"] == "Product status" for n in vuln["notes"])


def test_one_status_per_product_the_vendors_own_first() -> None:
    mine = ProductStatus("P3", samples.OTHER, "not_affected", justification="component_not_present")
    theirs = ProductStatus("P3", samples.ACME, "affected", updated_at=samples.MAR)
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P3",), statuses=(theirs, mine))
    vuln = vulnerability(csaf.build_advisory(samples.snapshot(vulnerabilities=(flaw,))))
    assert vuln["product_status"] == {"known_not_affected": ["P3"]}


def test_naive_datetimes_are_taken_as_utc() -> None:
    from datetime import datetime

    assert csaf.timestamp(datetime(2026, 5, 1, 12, 0)) == "2026-05-01T12:00:00Z"


# -- the CWE names are the validator's -------------------------------------------------


def test_cwe_names_match_the_validator_library() -> None:
    samples.require_csaf_validator()
    listing = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            "import c from '@secvisogram/csaf-validator-lib/lib/shared/cwec.js';"
            "process.stdout.write(JSON.stringify(c.weaknesses))",
        ],
        cwd=samples.VALIDATOR_SCRIPT.parent,
        capture_output=True,
        check=True,
        timeout=120,
    )
    theirs = {int(w["id"][4:]): w["name"] for w in json.loads(listing.stdout)}
    assert csaf.cwe_names() == theirs


# -- broken documents are refused, with JSON paths -------------------------------------


def broken_vex() -> dict[str, Any]:
    doc = copy.deepcopy(csaf.build_vex(samples.snapshot()))
    del doc["document"]["title"]  # schema
    vulnerability(doc)["cwe"]["name"] = "Cross-site scripting"  # 6.1.11
    vulnerability(doc)["product_status"]["known_affected"].append("P99")  # 6.1.1
    del vulnerability(doc)["remediations"]  # 6.1.27.10
    del vulnerability(doc, 2)["ids"]  # 6.1.27.8
    return doc


def test_broken_document_fails_the_schema_and_profile_with_paths() -> None:
    failures = csaf.schema_failures(broken_vex(), format_key="csaf-vex")
    paths = {(f.path, f.message) for f in failures}
    assert ("$.document", "'title' is a required property") in paths
    assert (
        "$.vulnerabilities[0].product_status.known_affected[2]",
        "P99: no action statement (6.1.27.10)",
    ) in paths
    assert any(p == "$.vulnerabilities[1]" and "6.1.27.8" in m for p, m in paths)
    assert {f.format for f in failures} == {"csaf-vex"}


def test_broken_document_fails_the_mandatory_tests_with_paths(settings: Any) -> None:
    settings.ACCORD_CSAF_VALIDATOR = samples.require_csaf_validator()
    failures = csaf.validate(broken_vex(), format_key="csaf-vex")
    found = [(f.path, f.message.split(":")[0]) for f in failures]
    assert ("$.document", "'title' is a required property") in found
    assert ("$.vulnerabilities[0].cwe.name", "mandatoryTest_6_1_11") in found
    assert ("$.vulnerabilities[0].product_status.known_affected[2]", "mandatoryTest_6_1_1") in found
    assert (
        "$.vulnerabilities[0].product_status.known_affected[0]",
        "mandatoryTest_6_1_27_10",
    ) in found
    assert ("$.vulnerabilities[1]", "mandatoryTest_6_1_27_8") in found
    # Where the validator ran, its profile tests stand in for the fallback's.
    assert not any("(6.1.27" in f.message for f in failures)


def test_without_the_validator_the_schema_alone_and_a_log_line(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ACCORD_CSAF_VALIDATOR = ""
    doc = csaf.build_advisory(samples.snapshot())
    vulnerability(doc)["cwe"]["name"] = "Wrong name"  # only the mandatory tests see this
    with caplog.at_level(logging.WARNING, logger="accord.cvd.advisories.csaf_validator"):
        assert csaf.validate(doc) == []
    assert "checked against the JSON schema only" in caplog.text


def test_json_pointer_to_json_path() -> None:
    assert csaf_validator.json_path("") == "$"
    assert (
        csaf_validator.json_path("/vulnerabilities/0/cwe/name") == "$.vulnerabilities[0].cwe.name"
    )
    assert csaf_validator.json_path("/a~1b/c~0d") == "$.a/b.c~d"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("process.exit(3)", "the CSAF validator failed: exit 3"),
        ("process.stdout.write('not json')", "the CSAF validator answered nonsense"),
        ("process.stdout.write('[]')", "the CSAF validator answered for other documents"),
        ("setTimeout(() => {}, 5000)", "the CSAF validator took over"),
    ],
)
def test_a_misbehaving_validator_blocks_publication(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str, expected: str
) -> None:
    samples.require_csaf_validator()
    monkeypatch.setattr(csaf_validator, "TIMEOUT_SECONDS", 1.0)
    fake = tmp_path / "validate.mjs"
    fake.write_text(script)
    failures = csaf_validator.mandatory_test_failures({}, format_key="csaf", script=str(fake))
    assert failures is not None
    assert len(failures) == 1
    assert failures[0].path == "$"
    assert failures[0].message.startswith(expected)


def test_an_oversized_document_is_not_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    script = samples.require_csaf_validator()
    monkeypatch.setattr(csaf_validator, "MAX_DOCUMENT_BYTES", 100)
    failures = csaf_validator.mandatory_test_failures(
        csaf.build_advisory(samples.snapshot()), format_key="csaf", script=script
    )
    assert failures is not None
    assert "larger than 100 bytes" in failures[0].message


def test_the_validator_cannot_reach_the_network() -> None:
    script = samples.require_csaf_validator()
    done = subprocess.run(
        ["node", script, "--self-test-network"], capture_output=True, check=True, timeout=60
    )
    assert json.loads(done.stdout)["network"] == "refused"


# -- real CSAF documents ---------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_documents() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in corpus_files("csaf", "*.json")
        if path.is_file() and not path.name.startswith("provider-metadata")
    }


@corpus
def test_corpus_advisories_pass_validate(corpus_documents: dict[str, dict[str, Any]]) -> None:
    assert len(corpus_documents) >= 20
    for name, document in corpus_documents.items():
        failures = csaf.schema_failures(document)
        if name in CORPUS_INVALID:
            assert failures, name
            assert failures[0].path.startswith("$.")
        else:
            assert failures == [], name


@corpus
def test_corpus_advisories_pass_the_mandatory_tests(
    corpus_documents: dict[str, dict[str, Any]],
) -> None:
    script = samples.require_csaf_validator()
    names = sorted(corpus_documents)
    results = csaf_validator.mandatory_test_failures_of_each(
        [corpus_documents[n] for n in names], format_key="csaf", script=script
    )
    assert results is not None
    assert {n: r for n, r in zip(names, results, strict=True) if r} == {}


def test_missing_validator_skips_locally_and_fails_where_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(samples, "VALIDATOR_MODULES", tmp_path / "absent")
    monkeypatch.delenv("ACCORD_REQUIRE_CSAF_VALIDATOR", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make tools/csaf-validator"):
        samples.require_csaf_validator()
    monkeypatch.setenv("ACCORD_REQUIRE_CSAF_VALIDATOR", "1")
    with pytest.raises(pytest.fail.Exception, match="ACCORD_REQUIRE_CSAF_VALIDATOR is set"):
        samples.require_csaf_validator()


def test_latest_statement_wins_between_other_vendors() -> None:
    from datetime import datetime

    older = ProductStatus("P4", "A", "affected", updated_at=datetime(2026, 1, 1, 12, 0))
    newer = ProductStatus(
        "P4", "B", "fixed", fixed_version="2.0", note="Danke.", updated_at=samples.FEB
    )
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P4",), statuses=(newer, older))
    doc = csaf.build_advisory(samples.snapshot(vulnerabilities=(flaw,)))
    vuln = vulnerability(doc)
    assert vuln["product_status"] == {"fixed": ["P4-FIX1"], "known_affected": ["P4"]}
    assert (
        vuln["remediations"][0]["details"] == "Fixed in version 2.0: update to it or later. Danke."
    )
    probe = doc["product_tree"]["branches"][1]["branches"][1]
    assert probe["branches"][0]["name"] == "vers:pypi/<2.0"  # the scheme from the purl


def test_fixed_without_a_version_keeps_the_vendors_note() -> None:
    fixed = ProductStatus("P6", samples.ACME, "fixed", note="Behoben im Dienst selbst.")
    flaw = Vulnerability(1, "Flaw", "A flaw.", product_keys=("P6",), statuses=(fixed,))
    vuln = vulnerability(csaf.build_vex(samples.snapshot(vulnerabilities=(flaw,))))
    assert vuln["product_status"] == {"fixed": ["P6"]}
    assert vuln["remediations"] == [
        {"category": "vendor_fix", "details": "Behoben im Dienst selbst.", "product_ids": ["P6"]}
    ]


def profile_case(name: str) -> tuple[dict[str, Any], str]:
    vex = copy.deepcopy(csaf.build_vex(samples.snapshot()))
    if name == "no product tree":
        del vex["product_tree"]
        return vex, "a product_tree is required (6.1.27.4)"
    if name == "no vulnerabilities":
        del vex["vulnerabilities"]
        return vex, "a VEX document needs vulnerabilities (6.1.27.11)"
    if name == "no product status":
        del vulnerability(vex)["product_status"]
        return vex, "a product_status is required (6.1.27.6)"
    if name == "no impact statement":
        del vulnerability(vex)["flags"], vulnerability(vex)["threats"]
        return vex, "P2: no impact statement (6.1.27.9)"
    advisory = copy.deepcopy(csaf.build_advisory(samples.snapshot()))
    del vulnerability(advisory)["notes"]
    return advisory, "notes are required (6.1.27.5)"


@pytest.mark.parametrize(
    "name",
    [
        "no product tree",
        "no vulnerabilities",
        "no product status",
        "no impact statement",
        "no vulnerability notes",
    ],
)
def test_profile_requirements_hold_without_node(name: str) -> None:
    document, message = profile_case(name)
    assert message in [f.message for f in csaf.schema_failures(document)]


def test_profile_requirements_apply_to_advisories_and_vex_only() -> None:
    doc = copy.deepcopy(csaf.build_advisory(samples.snapshot()))
    doc["document"]["category"] = "csaf_base"
    del doc["product_tree"]
    assert csaf.schema_failures(doc) == []
    assert csaf.schema_failures([]) != []  # type: ignore[arg-type]
