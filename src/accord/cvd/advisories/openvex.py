"""OpenVEX 0.2.0: one statement per vulnerability and product, from the same `Snapshot`
as the CSAF documents, validated against the official JSON schema (schemas/README.md).

As in CSAF: `unknown` statements are left out, and a vulnerability no vendor has answered
for is stated `under_investigation` for its products, with a note saying so. An `affected`
statement carries the vendor's note as its action statement (the spec requires one), else
says no fix or workaround is named yet.

Version ranges. OpenVEX 0.2.0 has no way to name a range of versions (openvex/spec#26
is still open): a product is an IRI, a purl names one version or, without one, every
version. So, as CSAF says it with a `product_version_range`:

- `affected` or `under_investigation` on a range is stated on the versionless purl (or
  CPE), with `status_notes` naming the range. A reader matching by purl takes it for
  every version, which errs on the side of caution, and the note says which ones.
- `not_affected`, and `fixed` without a version, on a range would tell a scanner that
  every version is safe, so they are stated on the advisory's own product IRI
  (`<advisory>#product-P1`) with no purl or CPE, and `status_notes` naming the product
  and the range: a person can read it, no tool suppresses a finding on it.
- `fixed` in a version is what CSAF says with `known_affected` and a separate fixed
  product: the range (without one, the versions before the fix) is `affected`, with the
  action statement "Update to 1.4.2 or later.", and the fixed version is `fixed` on its
  own purl, `pkg:npm/acme/router@1.4.2` (without a purl, an IRI naming the version).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from packageurl import PackageURL

from accord.cvd.advisories.csaf import engine_version, timestamp, vulnerability_id
from accord.cvd.advisories.formats import Failure, Format
from accord.cvd.advisories.snapshot import Product, ProductStatus, Snapshot, Vulnerability
from accord.cvd.advisories.statuses import one_status_per_product

CONTEXT = "https://openvex.dev/ns/v0.2.0"
SCHEMA = "schemas/openvex_json_schema.json"
MAX_SCHEMA_FAILURES = 50
NO_ACTION_YET = "The vendor has not yet named a fix or a workaround."
NO_STATEMENT_YET = "No vendor has yet stated whether this product is affected."


def build(snapshot: Snapshot) -> dict[str, Any]:
    base = (
        snapshot.advisory_url or f"{snapshot.publisher.namespace.rstrip('/')}/{snapshot.reference}"
    )
    statements = [
        statement
        for vulnerability in snapshot.vulnerabilities
        for statement in _statements(snapshot, vulnerability, base)
    ]
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": f"{base}#openvex-v{snapshot.version}",
        "author": snapshot.publisher.name,
        "role": "coordinator",
        "timestamp": timestamp(snapshot.initial_release),
        "last_updated": timestamp(snapshot.current_release),
        "version": snapshot.version,
        "tooling": " ".join(filter(None, (snapshot.generator or "Accord", engine_version()))),
        "statements": statements,
    }
    return document


def _statements(snapshot: Snapshot, v: Vulnerability, base: str) -> list[dict[str, Any]]:
    vulnerability: dict[str, Any] = {"name": v.cve_id or vulnerability_id(snapshot, v)}
    if v.cve_id:
        vulnerability["aliases"] = [vulnerability_id(snapshot, v)]
    if v.description:
        vulnerability["description"] = v.description
    chosen = one_status_per_product(snapshot, v)
    if not chosen:
        keys = v.product_keys or tuple(p.key for p in snapshot.products)
        return [
            {
                "vulnerability": vulnerability,
                "products": [_product(snapshot.product(key), base, "under_investigation")],
                "status": "under_investigation",
                "status_notes": " ".join(
                    n
                    for n in (
                        NO_STATEMENT_YET,
                        _range_note(snapshot.product(key), "under_investigation", ""),
                    )
                    if n
                ),
            }
            for key in keys
        ]
    return [
        statement
        for st in chosen
        for statement in _statements_of(snapshot, st, vulnerability, base)
    ]


def _statements_of(
    snapshot: Snapshot, st: ProductStatus, vulnerability: dict[str, Any], base: str
) -> list[dict[str, Any]]:
    """The statements one vendor statement makes: two for a fix in a named version (the
    affected versions, and the fixed one)."""
    product = snapshot.product(st.product_key)
    fixed = st.fixed_version.strip() if st.status == "fixed" else ""
    if not fixed:
        return [_statement(snapshot, st, vulnerability, base)]
    affected = _statement(snapshot, st, vulnerability, base, status="affected")
    notes = [f"Update to {fixed} or later.", st.note]
    affected["action_statement"] = " ".join(n for n in notes if n)
    upgraded = _statement(snapshot, st, vulnerability, base)
    upgraded["products"] = [_fixed_product(product, fixed, base)]
    return [affected, upgraded]


def _statement(
    snapshot: Snapshot,
    st: ProductStatus,
    vulnerability: dict[str, Any],
    base: str,
    *,
    status: str = "",
) -> dict[str, Any]:
    product = snapshot.product(st.product_key)
    status = status or st.status
    statement: dict[str, Any] = {
        "vulnerability": vulnerability,
        "products": [_product(product, base, status)],
        "status": status,
        "supplier": st.vendor or product.vendor,
    }
    if not statement["supplier"]:
        del statement["supplier"]
    if st.updated_at:
        statement["timestamp"] = timestamp(st.updated_at)
    notes = [_range_note(product, status, st.fixed_version.strip())]
    if status == "not_affected":
        if st.justification:
            statement["justification"] = st.justification
        if st.note or not st.justification:
            statement["impact_statement"] = st.note or "The vendor states it is not affected."
    elif status == "affected":
        statement["action_statement"] = st.note or NO_ACTION_YET
    elif status == "fixed":
        notes += [f"Fixed in version {st.fixed_version}." if st.fixed_version else "", st.note]
    elif st.note:
        notes.append(st.note)
    if text := " ".join(n for n in notes if n):
        statement["status_notes"] = text
    return statement


def _range_note(product: Product, status: str, fixed: str) -> str:
    """Which versions a statement on the whole product is about, when not all."""
    if status == "fixed" and fixed:
        return ""  # The fixed version's own purl says it.
    if product.versions:
        versions = product.versions
    elif status == "affected" and fixed:
        versions = f"the versions before {fixed}"
    else:
        return ""
    if status == "affected":
        return f"Affected versions: {versions}; other versions are not affected."
    if _names_every_version(product, status):
        return f"This statement is about the versions {versions} only."
    named = product.purl or product.cpe or product.name
    return f"This statement is about {named}, versions {versions} only."


def _names_every_version(product: Product, status: str) -> bool:
    """Whether the statement is made on the product's versionless purl or CPE: not for a
    status that clears a range, which would clear every version."""
    return not product.versions or status in ("affected", "under_investigation")


def _product(product: Product, base: str, status: str = "affected") -> dict[str, Any]:
    if not _names_every_version(product, status):
        return {"@id": f"{base}#product-{product.key}"}
    identifiers = {k: v for k, v in (("purl", product.purl), ("cpe23", product.cpe)) if v}
    found: dict[str, Any] = {"@id": product.purl or product.cpe or f"{base}#product-{product.key}"}
    if identifiers:
        found["identifiers"] = identifiers
    return found


def _fixed_product(product: Product, version: str, base: str) -> dict[str, Any]:
    """The fixed version as a product: its purl at that version, else the advisory's
    product IRI with the version."""
    try:
        purl = PackageURL.from_string(product.purl) if product.purl else None
    except ValueError:
        purl = None
    if purl is not None:
        fixed = PackageURL(
            type=purl.type,
            namespace=purl.namespace,
            name=purl.name,
            version=version,
            qualifiers=purl.qualifiers,
            subpath=purl.subpath,
        ).to_string()
        return {"@id": fixed, "identifiers": {"purl": fixed}}
    return {"@id": f"{base}#product-{product.key}@{quote(version, safe='')}"}


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry

    text = resources.files("accord.cvd.advisories").joinpath(SCHEMA).read_text(encoding="utf-8")
    # The schema refers only to itself; a registry that holds nothing keeps it offline.
    return Draft202012Validator(json.loads(text), registry=Registry())


def validate(document: dict[str, Any]) -> list[Failure]:
    """The official OpenVEX 0.2.0 JSON schema."""
    errors = sorted(
        _validator().iter_errors(document), key=lambda e: list(map(str, e.absolute_path))
    )
    return [Failure("openvex", e.json_path, e.message[:500]) for e in errors[:MAX_SCHEMA_FAILURES]]


FORMATS = (Format("openvex", "OpenVEX", "application/json", build, validate),)
