"""OpenVEX 0.2.0: one statement per vulnerability and product, from the same `Snapshot`
as the CSAF documents, validated against the official JSON schema (schemas/README.md).

As in CSAF: `unknown` statements are left out, and a vulnerability no vendor has answered
for is stated `under_investigation` for its products, with a note saying so. An `affected`
statement carries the vendor's note as its action statement (the spec requires one), else
says no fix or workaround is named yet.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

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
                "products": [_product(snapshot.product(key), base)],
                "status": "under_investigation",
                "status_notes": NO_STATEMENT_YET,
            }
            for key in keys
        ]
    return [_statement(snapshot, st, vulnerability, base) for st in chosen]


def _statement(
    snapshot: Snapshot, st: ProductStatus, vulnerability: dict[str, Any], base: str
) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "vulnerability": vulnerability,
        "products": [_product(snapshot.product(st.product_key), base)],
        "status": st.status,
        "supplier": st.vendor or snapshot.product(st.product_key).vendor,
    }
    if not statement["supplier"]:
        del statement["supplier"]
    if st.updated_at:
        statement["timestamp"] = timestamp(st.updated_at)
    if st.status == "not_affected":
        if st.justification:
            statement["justification"] = st.justification
        if st.note or not st.justification:
            statement["impact_statement"] = st.note or "The vendor states it is not affected."
    elif st.status == "affected":
        statement["action_statement"] = st.note or NO_ACTION_YET
    elif st.status == "fixed":
        notes = [f"Fixed in version {st.fixed_version}." if st.fixed_version else "", st.note]
        if text := " ".join(n for n in notes if n):
            statement["status_notes"] = text
    elif st.note:
        statement["status_notes"] = st.note
    return statement


def _product(product: Product, base: str) -> dict[str, Any]:
    identifiers = {k: v for k, v in (("purl", product.purl), ("cpe23", product.cpe)) if v}
    found: dict[str, Any] = {"@id": product.purl or product.cpe or f"{base}#product-{product.key}"}
    if identifiers:
        found["identifiers"] = identifiers
    return found


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
