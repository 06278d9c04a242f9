"""The formats of one advisory agree product by product: the status CSAF gives a product
is the one its CVE record and the OpenVEX document give it, and a fixed version CSAF
names is the one OpenVEX names."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from accord.cvd.advisories import csaf, cve, openvex
from accord.cvd.advisories.snapshot import ProductStatus, Snapshot, Vulnerability
from tests.cvd import vex_snapshots as samples

CSAF_STATUS = {
    "known_affected": "affected",
    "known_not_affected": "not_affected",
    "fixed": "fixed",
    "under_investigation": "under_investigation",
}
# What a CVE record can say for each status: it has no "under investigation" nor
# "fixed" (a fix without a version is affected in the range, or unknown without one).
CVE_SAYS = {
    "affected": {"affected"},
    "not_affected": {"not_affected"},
    "under_investigation": {"unknown"},
    "unstated": {"unknown"},
    "fixed": {"affected", "unknown"},
}


def blanket() -> Snapshot:
    """Acme says its Widget is affected; another vendor, later, that the vulnerability
    touches none of its products, P1 included (bbf810b)."""
    statuses = (
        ProductStatus("P1", samples.ACME, "affected", updated_at=samples.JAN),
        ProductStatus("P1", samples.OTHER, "not_affected", updated_at=samples.MAR),
        ProductStatus("P3", samples.OTHER, "not_affected", updated_at=samples.MAR),
        ProductStatus("P3", samples.ACME, "affected", updated_at=samples.JAN),
    )
    flaw = Vulnerability(
        1,
        "Flaw",
        "A flaw.",
        cve_id="CVE-2026-4242",
        product_keys=("P1", "P2", "P3"),
        statuses=statuses,
    )
    return samples.snapshot(vulnerabilities=(flaw,))


def ranged_not_affected() -> Snapshot:
    said = ProductStatus("P1", samples.ACME, "not_affected", justification="component_not_present")
    flaw = Vulnerability(
        1, "Flaw", "A flaw.", cve_id="CVE-2026-4243", product_keys=("P1", "P4"), statuses=(said,)
    )
    return samples.snapshot(vulnerabilities=(flaw,))


def with_cve_ids(snapshot: Snapshot) -> Snapshot:
    numbered = tuple(
        dataclasses.replace(v, cve_id=v.cve_id or f"CVE-2026-{9000 + v.number}")
        for v in snapshot.vulnerabilities
    )
    return dataclasses.replace(snapshot, vulnerabilities=numbered)


SNAPSHOTS = {
    **{name: build for name, build in samples.SNAPSHOTS.items() if name != "withdrawn"},
    "blanket-not-affected": blanket,
    "ranged-not-affected": ranged_not_affected,
}


def csaf_says(snapshot: Snapshot, v: Vulnerability) -> dict[str, tuple[str, tuple[str, ...]]]:
    document = csaf.build_advisory(snapshot)
    (found,) = [
        e
        for e in document["vulnerabilities"]
        if any(i["text"].endswith(f"-V{v.number}") for i in e["ids"])
    ]
    versions = _csaf_versions(document["product_tree"])
    said: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key in v.product_keys:
        groups = [g for g, ids in found["product_status"].items() if key in ids]
        assert len(groups) <= 1, (key, groups)
        fixes = tuple(
            sorted(
                versions[pid]
                for pid in found["product_status"].get("fixed", ())
                if pid.startswith(f"{key}-FIX")
            )
        )
        said[key] = (CSAF_STATUS[groups[0]] if groups else "unstated", fixes)
    return said


def _csaf_versions(tree: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for branch in tree.get("branches", ()):
        if branch.get("category") == "product_version":
            found[branch["product"]["product_id"]] = branch["name"]
        found |= _csaf_versions(branch)
    return found


def openvex_says(snapshot: Snapshot, v: Vulnerability) -> dict[str, tuple[str, tuple[str, ...]]]:
    document = openvex.build(snapshot)
    base = snapshot.advisory_url
    name = v.cve_id or csaf.vulnerability_id(snapshot, v)
    statements = [s for s in document["statements"] if s["vulnerability"]["name"] == name]
    said: dict[str, tuple[str, tuple[str, ...]]] = {}
    for key in v.product_keys:
        product = snapshot.product(key)
        ids = {product.purl, product.cpe, f"{base}#product-{key}"} - {""}
        own = [s for s in statements if s["products"][0]["@id"] in ids]
        assert len(own) <= 1, (key, own)
        prefixes = tuple(f"{i}@" for i in ids)
        fixes = tuple(
            sorted(
                s["products"][0]["@id"].rsplit("@", 1)[1]
                for s in statements
                if s["status"] == "fixed" and s["products"][0]["@id"].startswith(prefixes)
            )
        )
        said[key] = (own[0]["status"] if own else "unstated", fixes)
    return said


def cve_says(snapshot: Snapshot, v: Vulnerability) -> dict[str, str]:
    record = cve.build(snapshot)["records"][v.cve_id]
    entries = record["containers"]["cna"]["affected"]
    assert len(entries) == len(v.product_keys)
    said = {}
    for key, entry in zip(v.product_keys, entries, strict=True):
        statuses = {version["status"] for version in entry.get("versions", ())}
        if "affected" in statuses:
            said[key] = "affected"
        elif "unaffected" in statuses:
            said[key] = "not_affected"
        elif statuses:
            said[key] = "unknown"
        else:
            said[key] = {"unaffected": "not_affected"}.get(
                entry["defaultStatus"], entry["defaultStatus"]
            )
    return said


@pytest.mark.parametrize("name", SNAPSHOTS)
def test_every_format_says_the_same_of_each_product(name: str) -> None:
    snapshot = with_cve_ids(SNAPSHOTS[name]())
    for v in snapshot.vulnerabilities:
        in_csaf = csaf_says(snapshot, v)
        assert openvex_says(snapshot, v) == in_csaf, v.number
        in_cve = cve_says(snapshot, v)
        for key, (status, _) in in_csaf.items():
            assert in_cve[key] in CVE_SAYS[status], (v.number, key, status, in_cve[key])


def test_a_vendors_own_statement_wins_in_every_format() -> None:
    snapshot = blanket()
    (v,) = snapshot.vulnerabilities
    assert csaf_says(snapshot, v)["P1"] == ("affected", ())
    assert openvex_says(snapshot, v)["P1"] == ("affected", ())
    assert cve_says(snapshot, v)["P1"] == "affected"
    # P3 is Þór's: its own not_affected wins over Acme's earlier affected.
    assert cve_says(snapshot, v)["P3"] == "not_affected"
