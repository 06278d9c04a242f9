"""Advisory snapshots written by hand, for the CSAF and OpenVEX tests: non-ASCII text,
one and many products, every VEX status, CVSS 3.1 and 4.0, revisions, withdrawal."""

from __future__ import annotations

import dataclasses
import os
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from accord.cvd.advisories.snapshot import (
    Involvement,
    Product,
    ProductStatus,
    Publisher,
    Reference,
    Revision,
    Snapshot,
    Vulnerability,
)

REPO = Path(__file__).resolve().parents[2]
VALIDATOR_SCRIPT = REPO / "tools" / "csaf-validator" / "validate.mjs"
VALIDATOR_MODULES = REPO / "tools" / "csaf-validator" / "node_modules"

PUBLISHER = Publisher(
    name="Coalición Ñandú",
    namespace="https://accord.example",
    contact_details="cvd@accord.example",
)
ACME = "Acme Gerätebau GmbH"
OTHER = "Þór Systems"

WIDGET = Product(
    "P1", "Widget Server", ACME, purl="pkg:npm/widget-server", versions="vers:npm/>=1.0.0|<1.4.2"
)
GADGET = Product("P2", "Gadget Ünit", ACME, cpe="cpe:2.3:a:acme:gadget:*:*:*:*:*:*:*:*")
THING = Product("P3", "Thing 東京", OTHER)
PROBE = Product("P4", "Probe", OTHER, purl="pkg:pypi/probe")
SPARE = Product("P5", "Spare", OTHER)
APPLIANCE = Product("P6", "Appliance", ACME)  # fixed, without a version

CVSS31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
CVSS40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
JAN = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)
FEB = datetime(2026, 2, 3, 14, 0, tzinfo=UTC)
MAR = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def every_status() -> tuple[ProductStatus, ...]:
    return (
        ProductStatus("P1", ACME, "fixed", fixed_version="1.4.2", note="Siehe Änderungsprotokoll."),
        ProductStatus(
            "P2",
            ACME,
            "not_affected",
            justification="vulnerable_code_not_in_execute_path",
            note="Der Parser wird nie mit Benutzereingaben aufgerufen.",
        ),
        ProductStatus("P3", OTHER, "affected", note="Deaktivieren Sie das Modul „Vorschau“."),
        ProductStatus("P4", OTHER, "under_investigation", updated_at=FEB),
        ProductStatus("P5", OTHER, "unknown"),
        ProductStatus("P6", ACME, "fixed"),
    )


def snapshot(**changes: Any) -> Snapshot:
    """Two vulnerabilities over six products, every status, version 1."""
    xss = Vulnerability(
        number=1,
        title="Cross-site scripting in the «Übersicht» page",
        description="Ein Angreifer kann über den Parameter „q“ Skript einschleusen.",
        cwe_ids=(79,),
        cvss_vector=CVSS31,
        cvss_version="3.1",
        cvss_score=Decimal("6.1"),
        cvss_severity="Medium",
        cve_id="CVE-2026-12345",
        product_keys=("P1", "P2", "P3", "P4", "P5", "P6"),
        statuses=every_status(),
    )
    overflow = Vulnerability(
        number=2,
        title="Heap overflow in the image decoder",
        description="A crafted PNG overflows a heap buffer.",
        cwe_ids=(122, 787),
        cvss_vector=CVSS40,
        cvss_version="4.0",
        cvss_score=Decimal("9.3"),
        cvss_severity="Critical",
        product_keys=("P3",),
        statuses=(ProductStatus("P3", OTHER, "affected"),),
    )
    base = Snapshot(
        reference="ACC-2026-0007",
        title="Widget Server und Gadget: mehrere Schwachstellen",
        summary="Zwei Schwachstellen; Updates sind verfügbar. 🛡️",
        tlp="clear",
        publisher=PUBLISHER,
        revisions=(Revision(1, JAN, "Erste Veröffentlichung"),),
        vulnerabilities=(xss, overflow),
        products=(WIDGET, GADGET, THING, PROBE, SPARE, APPLIANCE),
        involvements=(
            Involvement("vendor", "completed", ACME, FEB, "Fix released"),
            Involvement("coordinator", "completed", PUBLISHER.name, JAN),
            Involvement("discoverer", "completed", "Zoë Ångström"),
        ),
        acknowledgments=("Zoë Ångström", "Jörg Ñúñez"),
        references=(Reference("https://acme.example/psirt/2026-01", "Acmes eigene Meldung"),),
        advisory_url="https://accord.example/advisories/ACC-2026-0007",
    )
    return dataclasses.replace(base, **changes)


def one_product(**changes: Any) -> Snapshot:
    only = Vulnerability(
        number=1,
        title="Path traversal",
        description="",
        cwe_ids=(22,),
        cve_id="CVE-2026-0001",
        product_keys=("P1",),
        statuses=(ProductStatus("P1", ACME, "affected"),),
    )
    return snapshot(vulnerabilities=(only,), products=(WIDGET,), involvements=(), **changes)


def revised(**changes: Any) -> Snapshot:
    return snapshot(
        revisions=(
            Revision(1, JAN, "Erste Veröffentlichung"),
            Revision(2, FEB, "Fixed version 1.4.2 added"),
        ),
        **changes,
    )


def withdrawn(**changes: Any) -> Snapshot:
    return snapshot(
        revisions=(
            Revision(1, JAN, "Erste Veröffentlichung"),
            Revision(2, FEB, "Fixed version 1.4.2 added"),
            Revision(3, MAR, "Withdrawn"),
        ),
        withdrawn=True,
        withdrawal_reason="Die Meldung war ein Duplikat von ACC-2026-0003.",
        **changes,
    )


def unanswered(**changes: Any) -> Snapshot:
    quiet = Vulnerability(
        number=1,
        title="Nobody answered",
        description="No vendor has said anything.",
        product_keys=("P3", "P5"),
        statuses=(ProductStatus("P5", OTHER, "unknown"),),
    )
    return snapshot(vulnerabilities=(quiet,), **changes)


def two_fixes(**changes: Any) -> Snapshot:
    """One product fixed in 1.4.2 for one flaw and 1.5.0 for another; one without a
    version range fixed in two versions."""

    def flaw(number: int, version: str, other: str) -> Vulnerability:
        return Vulnerability(
            number=number,
            title=f"Flaw {number}",
            description=f"Flaw number {number}.",
            cvss_vector="CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N",
            product_keys=("P1", "P3"),
            statuses=(
                ProductStatus("P1", ACME, "fixed", fixed_version=version),
                ProductStatus("P3", OTHER, "fixed", fixed_version=other),
            ),
        )

    return snapshot(
        vulnerabilities=(flaw(1, "1.4.2", "3.1"), flaw(2, "1.5.0", "3.2")),
        products=(WIDGET, THING),
        **changes,
    )


SNAPSHOTS = {
    "two-fixes": two_fixes,
    "many-products": snapshot,
    "one-product": one_product,
    "revised": revised,
    "withdrawn": withdrawn,
    "unanswered": unanswered,
    "tlp-green": lambda: snapshot(tlp="green"),
    "tlp-amber": lambda: snapshot(tlp="amber"),
    "tlp-amber+strict": lambda: snapshot(tlp="amber+strict"),
    "tlp-red": lambda: snapshot(tlp="red"),
}


def require_csaf_validator() -> str:
    """The validator script, or skip (fail where ACCORD_REQUIRE_CSAF_VALIDATOR=1, as in CI,
    whose `make test` installs it)."""
    import shutil

    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not VALIDATOR_MODULES.is_dir():
        missing.append(f"{VALIDATOR_MODULES} (make tools/csaf-validator/node_modules/.installed)")
    if missing:
        message = "the CSAF validator needs " + " and ".join(missing)
        if os.environ.get("ACCORD_REQUIRE_CSAF_VALIDATOR") == "1":
            pytest.fail(f"{message} (ACCORD_REQUIRE_CSAF_VALIDATOR is set)", pytrace=False)
        pytest.skip(message)
    return str(VALIDATOR_SCRIPT)
