"""CVE JSON 5: one CVE record per vulnerability that has a CVE id.

The record is the one a CNA submits to CVE Services (`accord.cvd.cve_services` sends its
`cna` container), and the one the advisory offers for download. It is validated against
the bundled CVE JSON 5.1.1 schema that cvelib ships, never one fetched at run time.

Who assigned the id: a CVE record names the CNA that assigned its id (`assignerOrgId`).
When the coalition is a CNA (`Publisher.cna_org_id`), that is its UUID. When it is not,
the id came from another CNA whose UUID the instance does not know, so the record says
`UNKNOWN_ASSIGNER` (a UUID that is visibly a placeholder) and, in `x_accord`, that it is
a copy published by the coordinator, not the record of the CVE List.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from packageurl import PackageURL
from univers.version_range import VersionRange

from accord.cvd.advisories.csaf import cwe_names
from accord.cvd.advisories.formats import Failure, Format
from accord.cvd.advisories.snapshot import Product, ProductStatus, Snapshot, Vulnerability
from accord.cvd.advisories.statuses import one_status_per_product

KEY = "cve"
DATA_VERSION = "5.1"
SCHEMA_FILE = "CVE_JSON_bundled_5.1.1.json"
# Not any organisation's UUID: version 4 in form, so the record stays valid, and all
# zeroes otherwise, so no reader mistakes it for a CNA.
UNKNOWN_ASSIGNER = "00000000-0000-4000-8000-000000000000"
NOT_ASSIGNED_HERE = (
    "Published by the coordinator, which is not the CNA that assigned this CVE id; "
    "the authoritative record is the one in the CVE List."
)
MAX_TEXT = 4096  # The schema's limit on a description's value

# The package collection each purl type names (CVE JSON 5 `collectionURL`).
COLLECTIONS = {
    "npm": "https://www.npmjs.com",
    "pypi": "https://pypi.org",
    "maven": "https://repo.maven.apache.org/maven2",
    "golang": "https://pkg.go.dev",
    "cargo": "https://crates.io",
    "gem": "https://rubygems.org",
    "nuget": "https://www.nuget.org",
    "github": "https://github.com",
    "composer": "https://packagist.org",
    "hex": "https://hex.pm",
    "pub": "https://pub.dev",
    "cocoapods": "https://cocoapods.org",
    "docker": "https://hub.docker.com",
    "hackage": "https://hackage.haskell.org",
    "cran": "https://cran.r-project.org",
    "conan": "https://conan.io/center",
    "swift": "https://swiftpackageindex.com",
    "bitbucket": "https://bitbucket.org",
}
# The CVE `versionType` for a vers scheme; any other scheme is named as it is.
VERSION_TYPES = {
    "npm": "semver",
    "cargo": "semver",
    "golang": "semver",
    "nuget": "semver",
    "composer": "semver",
    "hex": "semver",
    "pypi": "python",
    "gem": "rubygems",
    "generic": "custom",
}


def build(snapshot: Snapshot) -> dict[str, Any]:
    """`{"records": {cve_id: record}}`, one record per vulnerability with a CVE id."""
    return {
        "records": {
            vulnerability.cve_id: _record(snapshot, vulnerability)
            for vulnerability in snapshot.vulnerabilities
            if vulnerability.cve_id
        }
    }


def _timestamp(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _record(snapshot: Snapshot, vulnerability: Vulnerability) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "cveId": vulnerability.cve_id,
        "assignerOrgId": snapshot.publisher.cna_org_id or UNKNOWN_ASSIGNER,
        "state": "REJECTED" if snapshot.withdrawn else "PUBLISHED",
        "datePublished": _timestamp(snapshot.initial_release),
        "dateUpdated": _timestamp(snapshot.current_release),
    }
    if snapshot.publisher.cna_short_name:
        metadata["assignerShortName"] = snapshot.publisher.cna_short_name
    if snapshot.withdrawn:
        metadata["dateRejected"] = _timestamp(snapshot.current_release)
        cna = _rejected_container(snapshot)
    else:
        cna = _published_container(snapshot, vulnerability)
    return {
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": metadata,
        "containers": {"cna": cna},
    }


def _provider(snapshot: Snapshot) -> dict[str, Any]:
    publisher = snapshot.publisher
    provider = {
        "orgId": publisher.cna_org_id or UNKNOWN_ASSIGNER,
        "dateUpdated": _timestamp(snapshot.current_release),
    }
    if publisher.cna_short_name:
        provider["shortName"] = publisher.cna_short_name
    return provider


def _extensions(snapshot: Snapshot) -> dict[str, Any]:
    """The `x_` members: the generator, and the notice a non-CNA's copy carries."""
    found: dict[str, Any] = {"x_generator": {"engine": snapshot.generator}}
    if not snapshot.publisher.cna_org_id:
        found["x_accord"] = {"assigner": "unknown", "notice": NOT_ASSIGNED_HERE}
    return found


def _text(value: str) -> str:
    """`value` cut to the schema's limit; the advisory's page has the whole text."""
    text = value.strip()
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1].rstrip() + "…"


def _rejected_container(snapshot: Snapshot) -> dict[str, Any]:
    reason = snapshot.withdrawal_reason.strip() or "The advisory was withdrawn."
    return {
        "providerMetadata": _provider(snapshot),
        "rejectedReasons": [{"lang": "en", "value": _text(reason)}],
        **_extensions(snapshot),
    }


def _published_container(snapshot: Snapshot, vulnerability: Vulnerability) -> dict[str, Any]:
    described = vulnerability.description or vulnerability.title or snapshot.summary
    cna: dict[str, Any] = {
        "providerMetadata": _provider(snapshot),
        "title": vulnerability.title[:256],
        "datePublic": _timestamp(snapshot.initial_release),
        "descriptions": [{"lang": "en", "value": _text(described)}],
        "affected": _affected(snapshot, vulnerability),
        "references": _references(snapshot),
    }
    if vulnerability.cwe_ids:
        cna["problemTypes"] = [{"descriptions": [_cwe(cwe)]} for cwe in vulnerability.cwe_ids]
    if vulnerability.cvss_vector:
        cna["metrics"] = [_metric(vulnerability.cvss_vector)]
    if snapshot.acknowledgments:
        cna["credits"] = [
            {"lang": "en", "value": name, "type": "finder"}
            for name in dict.fromkeys(snapshot.acknowledgments)
        ]
    return cna | _extensions(snapshot)


def _cwe(number: int) -> dict[str, str]:
    """A problem type in the CVE List's usual words: `CWE-79 Improper Neutralization ...`,
    MITRE's name where the CWE catalogue knows the id."""
    name = cwe_names().get(number)
    description = f"CWE-{number} {name}" if name else f"CWE-{number}"
    return {"lang": "en", "cweId": f"CWE-{number}", "description": description, "type": "CWE"}


def _references(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The advisory's page first, then its references, each URL once. Empty when there is
    none at all, which the validator then refuses (a CVE record needs one)."""
    found: dict[str, dict[str, Any]] = {}
    if snapshot.advisory_url:
        found[snapshot.advisory_url] = {
            "url": snapshot.advisory_url,
            "name": snapshot.title[:512] or snapshot.reference,
            "tags": ["vendor-advisory"],
        }
    for reference in snapshot.references:
        entry: dict[str, Any] = {"url": reference.url}
        if reference.summary:
            entry["name"] = reference.summary[:512]
        found.setdefault(reference.url, entry)
    return list(found.values())


# --- metrics -------------------------------------------------------------------------

# CVSS 4.0 metric abbreviation -> the CVE schema's name, and its values by letter. The
# `cvss` library's own JSON names differ from the schema's (`POC`, `Negligible`), so the
# values are read from the vector here; the scores are the library's.
_LEVELS = {"H": "HIGH", "L": "LOW", "N": "NONE"}
_REQUIREMENT = {"H": "HIGH", "M": "MEDIUM", "L": "LOW"}
_SAFETY = _LEVELS | {"S": "SAFETY"}
_AV = {"N": "NETWORK", "A": "ADJACENT", "L": "LOCAL", "P": "PHYSICAL"}
_AC = {"L": "LOW", "H": "HIGH"}
_AT = {"N": "NONE", "P": "PRESENT"}
_UI = {"N": "NONE", "P": "PASSIVE", "A": "ACTIVE"}
CVSS4_METRICS: dict[str, tuple[str, dict[str, str]]] = {
    "AV": ("attackVector", _AV),
    "AC": ("attackComplexity", _AC),
    "AT": ("attackRequirements", _AT),
    "PR": ("privilegesRequired", _LEVELS),
    "UI": ("userInteraction", _UI),
    "VC": ("vulnConfidentialityImpact", _LEVELS),
    "VI": ("vulnIntegrityImpact", _LEVELS),
    "VA": ("vulnAvailabilityImpact", _LEVELS),
    "SC": ("subConfidentialityImpact", _LEVELS),
    "SI": ("subIntegrityImpact", _LEVELS),
    "SA": ("subAvailabilityImpact", _LEVELS),
    "E": ("exploitMaturity", {"A": "ATTACKED", "P": "PROOF_OF_CONCEPT", "U": "UNREPORTED"}),
    "CR": ("confidentialityRequirement", _REQUIREMENT),
    "IR": ("integrityRequirement", _REQUIREMENT),
    "AR": ("availabilityRequirement", _REQUIREMENT),
    "MAV": ("modifiedAttackVector", _AV),
    "MAC": ("modifiedAttackComplexity", _AC),
    "MAT": ("modifiedAttackRequirements", _AT),
    "MPR": ("modifiedPrivilegesRequired", _LEVELS),
    "MUI": ("modifiedUserInteraction", _UI),
    "MVC": ("modifiedVulnConfidentialityImpact", _LEVELS),
    "MVI": ("modifiedVulnIntegrityImpact", _LEVELS),
    "MVA": ("modifiedVulnAvailabilityImpact", _LEVELS),
    "MSC": ("modifiedSubConfidentialityImpact", _LEVELS),
    "MSI": ("modifiedSubIntegrityImpact", _SAFETY),
    "MSA": ("modifiedSubAvailabilityImpact", _SAFETY),
    "S": ("Safety", {"N": "NEGLIGIBLE", "P": "PRESENT"}),
    "AU": ("Automatable", {"N": "NO", "Y": "YES"}),
    "R": ("Recovery", {"A": "AUTOMATIC", "U": "USER", "I": "IRRECOVERABLE"}),
    "V": ("valueDensity", {"D": "DIFFUSE", "C": "CONCENTRATED"}),
    "RE": ("vulnerabilityResponseEffort", {"L": "LOW", "M": "MODERATE", "H": "HIGH"}),
    "U": (
        "providerUrgency",
        {"Clear": "CLEAR", "Green": "GREEN", "Amber": "AMBER", "Red": "RED"},
    ),
}


def _metric(vector: str) -> dict[str, Any]:
    """The CVSS metric object of `vector`, every field computed by the `cvss` library."""
    try:
        if vector.startswith("CVSS:3.1/"):
            return {"format": "CVSS", "cvssV3_1": CVSS3(vector).as_json(minimal=True)}
        if vector.startswith("CVSS:3.0/"):
            return {"format": "CVSS", "cvssV3_0": CVSS3(vector).as_json(minimal=True)}
        if vector.startswith("CVSS:4.0/"):
            return {"format": "CVSS", "cvssV4_0": _cvss4(vector)}
    except CVSSError:
        pass
    # Unscored, so the validator refuses it rather than the record saying less than asked.
    key = "cvssV4_0" if vector.startswith("CVSS:4.0/") else "cvssV3_1"
    return {"format": "CVSS", key: {"vectorString": vector}}


def _cvss4(vector: str) -> dict[str, Any]:
    scored = CVSS4(vector)
    clean = scored.clean_vector()
    metric: dict[str, Any] = {
        "version": "4.0",
        "vectorString": clean,
        "baseScore": float(scored.base_score),
        "baseSeverity": (scored.severity or "None").upper(),
    }
    # Only the metrics the vector states: a modified metric filled in from the base one
    # would claim an environmental assessment nobody made.
    for part in clean.split("/")[1:]:
        abbreviation, letter = part.split(":", 1)
        if abbreviation in CVSS4_METRICS:
            name, values = CVSS4_METRICS[abbreviation]
            metric[name] = values.get(letter, "NOT_DEFINED")
    return metric


# --- affected products -----------------------------------------------------------------


def _affected(snapshot: Snapshot, vulnerability: Vulnerability) -> list[dict[str, Any]]:
    """One entry per product, under the one statement that speaks for it (the same one
    CSAF and OpenVEX take: its own vendor's first); `unknown` for a product no one has
    stated on, since CVE has no "under investigation" default."""
    chosen = {st.product_key: st for st in one_status_per_product(snapshot, vulnerability)}
    return [
        _product(snapshot.product(key)) | _versions(snapshot.product(key), chosen.get(key))
        for key in vulnerability.product_keys
    ]


def _purl(product: Product) -> PackageURL | None:
    try:
        return PackageURL.from_string(product.purl) if product.purl else None
    except ValueError:
        return None


def _product(product: Product) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    purl = _purl(product)
    cpe_parts = product.cpe.split(":") if product.cpe.startswith("cpe:2.3:") else []
    cpe_vendor, cpe_product = (cpe_parts[3], cpe_parts[4]) if len(cpe_parts) > 4 else ("", "")
    vendor = product.vendor or _unescape(cpe_vendor) or (purl.namespace if purl else "")
    name = product.name or _unescape(cpe_product) or (purl.name if purl else "")
    entry["vendor"] = vendor or "N/A"
    entry["product"] = name or "N/A"
    if purl is not None and purl.type in COLLECTIONS:
        entry["collectionURL"] = COLLECTIONS[purl.type]
        entry["packageName"] = _package_name(purl)
    if product.cpe:
        entry["cpes"] = [product.cpe]
    return entry


def _unescape(part: str) -> str:
    return "" if part in ("*", "-") else part.replace("\\", "").replace("_", " ")


def _package_name(purl: PackageURL) -> str:
    """The package's name as its collection writes it."""
    if not purl.namespace:
        return str(purl.name)
    if purl.type == "maven":
        return f"{purl.namespace}:{purl.name}"
    return f"{purl.namespace}/{purl.name}"


def _version_type(product: Product, scheme: str = "") -> str:
    if not scheme:
        purl = _purl(product)
        scheme = purl.type if purl is not None else "generic"
    return VERSION_TYPES.get(scheme, scheme)


def _versions(product: Product, status: ProductStatus | None) -> dict[str, Any]:
    """`versions` and `defaultStatus` for `product` under one vendor statement.

    The range says which versions the statement is about; outside it nothing is claimed
    of a not-affected or unknown product, while an affected one is unaffected outside
    its range. Without a range, the statement covers every version."""
    said = status.status if status is not None else "unknown"
    ranges = _ranges(product)
    fixed = status.fixed_version.strip() if status is not None else ""
    if said == "fixed" and fixed:
        return _fixed(product, ranges, fixed)
    # A fix without its version leaves the range affected, and no one knows which
    # versions have it when there is no range.
    marked = {"affected": "affected", "fixed": "affected", "not_affected": "unaffected"}
    state = marked.get(said, "unknown")
    if not ranges:
        known = status is not None and said != "fixed"
        return {"defaultStatus": state if known else "unknown"}
    if state != "affected":
        # Versions the range leaves out (`!=`, the start of `>`) are unaffected only
        # beside affected ones; beside any other statement they are unknown, the default.
        ranges = [entry for entry in ranges if "status" not in entry]
    versions = [entry | {"status": entry.get("status", state)} for entry in ranges]
    default = "unaffected" if state == "affected" else "unknown"
    return {"versions": versions, "defaultStatus": default}


def _fixed(product: Product, ranges: list[dict[str, Any]], fixed: str) -> dict[str, Any]:
    """Fixed in `fixed`: affected in the range (or below `fixed`), unaffected from it."""
    if not ranges:
        start = {"version": "0", "versionType": _version_type(product), "lessThan": fixed}
        return {"versions": [start | {"status": "affected"}], "defaultStatus": "unaffected"}
    versions = []
    for entry in ranges:
        entry = entry | {"status": entry.get("status") or "affected"}
        open_ended = entry.get("lessThan") == "*" and entry["status"] == "affected"
        if open_ended and _not_before(product, fixed, entry["version"]):
            entry["changes"] = [{"at": fixed, "status": "unaffected"}]
        versions.append(entry)
    return {"versions": versions, "defaultStatus": "unaffected"}


def _not_before(product: Product, version: str, start: str) -> bool:
    """Whether `version` comes at or after `start` in the range's version scheme."""
    if start == "0":
        return True
    try:
        kind = VersionRange.from_string(product.versions).version_class
        return bool(kind(version) >= kind(start))
    except (ValueError, TypeError, NotImplementedError):
        return False


def _ranges(product: Product) -> list[dict[str, Any]]:
    """The vers range as CVE version entries, without their status (excluded versions,
    which must come first to win, carry `unaffected`). Empty for no range, or one that
    does not parse (the statement then covers every version)."""
    if not product.versions:
        return []
    try:
        parsed = VersionRange.from_string(product.versions)
    except (ValueError, TypeError, NotImplementedError):
        return []
    kind = _version_type(product, parsed.scheme)
    excluded: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    lower: tuple[str, str] | None = None
    for constraint in parsed.constraints:
        comparator = constraint.comparator
        # The version as the range writes it: univers normalises some (`2.0` to `2.0.0`).
        version = constraint.version.string if constraint.version is not None else ""
        if comparator == "*":
            entries.append({"version": "0", "versionType": kind, "lessThan": "*"})
        elif comparator == "!=":
            excluded.append({"version": version, "status": "unaffected"})
        elif comparator == "=":
            entries.append({"version": version})
        elif comparator in (">=", ">"):
            lower = (comparator, version)
        else:
            entries.append(_interval(kind, lower, comparator, version, excluded))
            lower = None
    if lower is not None:
        entries.append(_interval(kind, lower, "<", "*", excluded))
    return excluded + entries


def _interval(
    kind: str,
    lower: tuple[str, str] | None,
    comparator: str,
    upper: str,
    excluded: list[dict[str, Any]],
) -> dict[str, Any]:
    start = lower[1] if lower else "0"
    if lower and lower[0] == ">":
        # CVE ranges include their start; `>a` is `a` excluded, then the range from `a`.
        excluded.append({"version": start, "status": "unaffected"})
    limit = "lessThan" if comparator == "<" else "lessThanOrEqual"
    return {"version": start, "versionType": kind, limit: upper}


# --- validation -------------------------------------------------------------------------


@cache
def _schema() -> dict[str, Any]:
    text = resources.files("cvelib").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator(state: str) -> Draft7Validator:
    """The validator of a record in `state`: the bundled schema's branch for it, so a
    failure names the field rather than "not valid under any of the given schemas"."""
    schema = _schema()
    branch = 1 if state == "REJECTED" else 0
    chosen = {k: v for k, v in schema.items() if k != "oneOf"} | schema["oneOf"][branch]
    return Draft7Validator(chosen, format_checker=_format_checker())


def _format_checker() -> FormatChecker:
    checker = FormatChecker()

    # jsonschema checks `uri` only with an optional package; a URL's shape is enough.
    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.path)) and not any(
            c.isspace() for c in value
        )

    return checker


def _path(prefix: str, parts: Any) -> str:
    path = prefix
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).isidentifier():
            path += f".{part}"
        else:
            path += f"[{str(part)!r}]"
    return path


def _failure(prefix: str, error: ValidationError) -> Failure:
    detail = best_match([error]) if error.context else error
    message = detail.message
    if detail.context:
        # "<the whole object> is not valid under any of the given schemas" says nothing;
        # what each accepted form missed does.
        missed = dict.fromkeys(_short(leaf.message) for leaf in detail.context)
        message = "Matches none of the accepted forms: " + "; ".join(list(missed)[:4])
    return Failure(KEY, _path(prefix, detail.absolute_path), message[:500])


def _short(message: str) -> str:
    return message if len(message) <= 120 else message[:117] + "..."


def validate(document: dict[str, Any]) -> list[Failure]:
    """The failures of every record against the CVE JSON 5.1.1 schema, each with its path
    (`$.records['CVE-2026-0001'].containers.cna.affected[0].vendor`)."""
    records = document.get("records") if isinstance(document, dict) else None
    if not isinstance(records, dict):
        return [Failure(KEY, "$.records", "The document holds no CVE records.")]
    if not records:
        message = "No vulnerability of the advisory has a CVE id, so there is no CVE record."
        return [Failure(KEY, "$.records", message)]
    failures: list[Failure] = []
    for cve_id, record in records.items():
        prefix = _path("$.records", [cve_id])
        validator = _validator(str(_metadata(record).get("state")))
        errors = sorted(validator.iter_errors(record), key=lambda e: e.json_path)
        failures.extend(_failure(prefix, error) for error in errors)
        failures.extend(_mismatch(prefix, cve_id, record))
    return failures


def _metadata(record: Any) -> dict[str, Any]:
    found = record.get("cveMetadata") if isinstance(record, dict) else None
    return found if isinstance(found, dict) else {}


def _mismatch(prefix: str, cve_id: str, record: Any) -> list[Failure]:
    """A record filed under another id than its own."""
    own = _metadata(record).get("cveId")
    if isinstance(own, str) and own != cve_id:
        return [Failure(KEY, f"{prefix}.cveMetadata.cveId", f"The record is of {own}.")]
    return []


def applies(snapshot: Snapshot) -> bool:
    """An advisory has CVE records only once a vulnerability has a CVE id."""
    return any(vulnerability.cve_id for vulnerability in snapshot.vulnerabilities)


FORMATS = (
    Format(
        key=KEY,
        label="CVE JSON 5",
        media_type="application/json",
        build=build,
        validate=validate,
        applies=applies,
    ),
)
