"""What an advisory says, taken from a case at the moment it is published.

Every format is built from one `Snapshot`, so the CVE record, the CSAF documents and the
OpenVEX document cannot disagree. It holds plain values only (no model instances), so the
builders are pure functions, tested on snapshots written by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal

VexStatus = Literal["affected", "not_affected", "fixed", "under_investigation", "unknown"]
# CSAF 2.0 involvement party categories (3.2.1.6.2) and statuses (3.2.1.6.4).
PartyCategory = Literal["coordinator", "discoverer", "other", "user", "vendor"]
InvolvementStatus = Literal[
    "completed", "contact_attempted", "disputed", "in_progress", "not_contacted", "open"
]


@dataclass(frozen=True)
class Publisher:
    """Who publishes: the coalition's instance (CSAF `document.publisher`, the CVE
    record's `providerMetadata`)."""

    name: str
    namespace: str  # The instance's public base URL, `https://accord.example`
    contact_details: str = ""
    cna_org_id: str = ""  # The CNA's UUID at CVE Services, when the coalition is one
    cna_short_name: str = ""  # The CNA's short name at CVE Services (ACCORD_CVE_SERVICES_ORG)


@dataclass(frozen=True)
class Product:
    """An affected product, named once in the advisory by `key` (`P1`, `P2`, ...)."""

    key: str
    name: str  # Human-readable product name
    vendor: str  # Vendor name (the vendor participant's, else from the purl or CPE)
    purl: str = ""
    cpe: str = ""  # CPE 2.3 formatted string
    versions: str = ""  # A vers range, `vers:npm/>=1.0.0|<1.4.2`; blank: every version


@dataclass(frozen=True)
class ProductStatus:
    """One vendor's statement on one vulnerability for one product."""

    product_key: str
    vendor: str  # The vendor participant's name
    status: VexStatus
    justification: str = ""  # For not_affected: a VEX justification key
    fixed_version: str = ""  # For fixed: the first version that is not affected
    note: str = ""  # The vendor's note: impact statement or action statement
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Vulnerability:
    """One flaw of the case, with what each vendor said of each product."""

    number: int  # V1, V2, ... within the case
    title: str
    description: str
    cwe_ids: tuple[int, ...] = ()
    cvss_vector: str = ""
    cvss_version: str = ""  # "3.1" or "4.0"
    cvss_score: Decimal | None = None
    cvss_severity: str = ""  # As the cvss library names it: "High", "Critical", ...
    cve_id: str = ""
    product_keys: tuple[str, ...] = ()  # The products it touches
    statuses: tuple[ProductStatus, ...] = ()


@dataclass(frozen=True)
class Involvement:
    """A party's part in the disclosure (CSAF `vulnerabilities[].involvements`)."""

    party: PartyCategory
    status: InvolvementStatus
    name: str
    date: datetime | None = None
    summary: str = ""


@dataclass(frozen=True)
class Revision:
    """One entry of the advisory's history: version 1 is the first release."""

    number: int
    date: datetime
    summary: str


@dataclass(frozen=True)
class Reference:
    url: str
    summary: str
    category: Literal["self", "external"] = "external"


@dataclass(frozen=True)
class Snapshot:
    """The advisory of one case, at one version."""

    reference: str  # The case's reference, `ACC-2026-0001`: the CSAF tracking id
    title: str
    summary: str
    tlp: str  # The case's TLP 2.0 level: clear, green, amber, amber+strict, red
    publisher: Publisher
    revisions: tuple[Revision, ...]  # Oldest first; the last one is this version
    vulnerabilities: tuple[Vulnerability, ...]
    products: tuple[Product, ...]
    involvements: tuple[Involvement, ...] = ()
    acknowledgments: tuple[str, ...] = ()  # Names of those credited (reporters who agreed)
    references: tuple[Reference, ...] = ()
    advisory_url: str = ""  # The advisory's own page
    withdrawn: bool = False
    withdrawal_reason: str = ""
    generator: str = "Accord"
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.revisions[-1].number

    @property
    def initial_release(self) -> datetime:
        return self.revisions[0].date

    @property
    def current_release(self) -> datetime:
        return self.revisions[-1].date

    def product(self, key: str) -> Product:
        return next(p for p in self.products if p.key == key)
