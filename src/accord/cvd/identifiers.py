"""Reading the identifiers a vulnerability is described with: CWE ids, CVSS vectors,
package URLs, CPE 2.3 names and vers version ranges.

Each parser takes what a person typed and returns its clean parts, or raises
`InvalidField` naming the field with a message they can act on. CVSS, PURL and vers are
read by the libraries the ecosystem maintains for them (`cvss`, `packageurl-python`,
`univers`); no maintained library checks a CPE 2.3 formatted string strictly, so
`parse_cpe` does, by the bound-form grammar of NISTIR 7695 (section 6.2).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from decimal import Decimal

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError
from packageurl import PackageURL
from univers.version_range import VersionRange

from accord.cvd.exceptions import InvalidField

MAX_CWE_IDS = 20
MAX_IDENTIFIER = 500
# The largest CWE id MITRE has given is four digits; anything past this is a typo.
MAX_CWE = 1_000_000


# The CVE JSON 5 schema's pattern for a CVE id.
CVE_ID = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")


def parse_cve_id(value: str) -> str:
    """A CVE id as the CVE List writes it (`CVE-2026-12345`), or "" for none."""
    cve_id = value.strip().upper()
    if cve_id and not CVE_ID.fullmatch(cve_id):
        raise InvalidField(
            f"{value.strip()[:40]!r} is not a CVE id: CVE-YYYY-NNNN, four or more digits.",
            field="cve_id",
        )
    return cve_id


def parse_cwe_ids(value: str | list[str] | list[int]) -> list[int]:
    """CWE ids from `CWE-79, 89` (or a list of such), as positive ints, in order, once each."""
    items = re.split(r"[\s,;]+", value) if isinstance(value, str) else [str(v) for v in value]
    found: list[int] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        digits = item[4:] if item[:4].upper() == "CWE-" else item
        if not digits.isascii() or not digits.isdigit() or not 0 < int(digits) < MAX_CWE:
            raise InvalidField(
                f"“{item[:40]}” is not a CWE id: write CWE-79 or 79.", field="cwe_ids"
            )
        if int(digits) not in found:
            found.append(int(digits))
    if len(found) > MAX_CWE_IDS:
        raise InvalidField(f"Name at most {MAX_CWE_IDS} CWE ids.", field="cwe_ids")
    return found


@dataclass(frozen=True)
class Cvss:
    vector: str
    version: str  # "3.1" or "4.0"
    score: Decimal
    severity: str


def parse_cvss(value: str) -> Cvss | None:
    """A CVSS 3.1 or 4.0 base vector, scored by the `cvss` library; None when blank."""
    vector = value.strip()
    if not vector:
        return None
    if len(vector) > MAX_IDENTIFIER:
        raise InvalidField("A CVSS vector is at most 500 characters.", field="cvss_vector")
    try:
        if vector.startswith("CVSS:3.1/"):
            v3 = CVSS3(vector)
            return Cvss(v3.clean_vector(), "3.1", Decimal(v3.base_score), v3.severities()[0])
        if vector.startswith("CVSS:4.0/"):
            v4 = CVSS4(vector)
            score = Decimal(str(v4.base_score))
            return Cvss(v4.clean_vector(), "4.0", score, v4.severity or "None")
    except CVSSError as exc:
        raise InvalidField(f"The CVSS vector is not valid: {exc}", field="cvss_vector") from exc
    raise InvalidField("A CVSS vector starts with CVSS:3.1/ or CVSS:4.0/.", field="cvss_vector")


@dataclass(frozen=True)
class Purl:
    text: str
    type: str
    namespace: str
    name: str


def parse_purl(value: str) -> Purl:
    """A package URL (`pkg:npm/%40acme/widget@1.2`), in its canonical form."""
    text = value.strip()
    if len(text) > MAX_IDENTIFIER:
        raise InvalidField("A package URL is at most 500 characters.", field="purl")
    try:
        purl = PackageURL.from_string(text)
    except ValueError as exc:
        raise InvalidField(f"The package URL is not valid: {exc}", field="purl") from exc
    namespace, name = purl.namespace or "", purl.name or ""
    if len(namespace) > 200 or len(name) > 200 or len(purl.type) > 40:
        raise InvalidField("The package URL's parts are too long.", field="purl")
    return Purl(purl.to_string(), purl.type, namespace, name)


@dataclass(frozen=True)
class Cpe:
    text: str
    part: str
    vendor: str
    product: str


# NISTIR 7695 6.2: after `cpe:2.3:`, eleven attributes in this order.
CPE_ATTRIBUTES = (
    "part", "vendor", "product", "version", "update", "edition",
    "language", "sw_edition", "target_sw", "target_hw", "other",
)  # fmt: skip
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "_-.")
# A backslash quotes any printable punctuation but nothing else.
_QUOTABLE = frozenset(string.punctuation)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:\\?-(?:[A-Za-z]{2}|\d{3}))?")


def _cpe_components(text: str) -> list[str]:
    """Split at the colons that are not quoted, keeping each quoted character with its
    backslash; a lone trailing backslash or an unquotable character is refused."""
    components, current, i = [], "", 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 == len(text) or text[i + 1] not in _QUOTABLE:
                raise InvalidField(
                    "In a CPE name a backslash quotes one punctuation character.", field="cpe"
                )
            current += text[i : i + 2]
            i += 2
            continue
        if char == ":":
            components.append(current)
            current = ""
        else:
            current += char
        i += 1
    components.append(current)
    return components


def _quoted_or_unreserved(body: str) -> bool:
    i = 0
    while i < len(body):
        if body[i] == "\\":
            if i + 1 == len(body) or body[i + 1] not in _QUOTABLE:
                return False
            i += 2
        elif body[i] in _UNRESERVED:
            i += 1
        else:
            return False
    return bool(body)


_WILDCARDS = re.compile(r"^(\*|\?+)?(.*?)((?<!\\)(?:\*|\?+))?$", re.DOTALL)


def _valid_value(value: str, *, wildcards: bool = True) -> bool:
    """An attribute value: `*` (any), `-` (not applicable), or unreserved and quoted
    characters with at most a leading and a trailing wildcard (`*`, or one or more `?`)."""
    if value in ("*", "-"):
        return wildcards
    match = _WILDCARDS.fullmatch(value)
    assert match is not None  # the pattern matches any string
    lead, body, trail = match.groups()
    if (lead or trail) and not wildcards:
        return False
    return _quoted_or_unreserved(body)


def parse_cpe(value: str) -> Cpe:
    """A CPE 2.3 formatted string (`cpe:2.3:a:acme:widget:1.2:*:*:*:*:*:*:*`), checked
    strictly: thirteen components, the part a, o, h, * or -, each value well formed."""
    text = value.strip()
    if len(text) > MAX_IDENTIFIER:
        raise InvalidField("A CPE name is at most 500 characters.", field="cpe")
    if not text.isascii() or not text.isprintable():
        raise InvalidField("A CPE name is printable ASCII.", field="cpe")
    components = _cpe_components(text)
    if components[:2] != ["cpe", "2.3"]:
        raise InvalidField("A CPE 2.3 name starts with cpe:2.3:.", field="cpe")
    if len(components) != 13:
        raise InvalidField(
            f"A CPE 2.3 name has 13 components separated by colons; this has {len(components)}.",
            field="cpe",
        )
    attributes = dict(zip(CPE_ATTRIBUTES, components[2:], strict=True))
    if attributes["part"] not in ("a", "o", "h", "*", "-"):
        raise InvalidField(
            "A CPE name's part is a (application), o (operating system) or h (hardware).",
            field="cpe",
        )
    for name, attribute in attributes.items():
        if name == "part":
            continue
        if name == "language" and (attribute in ("*", "-") or _LANGUAGE.fullmatch(attribute)):
            continue
        if name == "language" or not _valid_value(attribute):
            raise InvalidField(
                f"The CPE name's {name} “{attribute[:40]}” is not valid.", field="cpe"
            )
    vendor, product = attributes["vendor"].lower(), attributes["product"].lower()
    if len(vendor) > 200 or len(product) > 200:
        raise InvalidField("The CPE name's vendor or product is too long.", field="cpe")
    return Cpe(text, attributes["part"], vendor, product)


def cpe_name_part(value: str, *, field: str) -> str:
    """A CPE vendor or product as an organisation declares it: a literal value, no
    wildcard, lower-cased (CPE values compare regardless of case)."""
    text = value.strip().lower()
    if len(text) > 200 or not _valid_value(text, wildcards=False):
        raise InvalidField(
            "Write the CPE value as it appears in the name, without wildcards "
            "(letters, digits, _ - . and backslash-quoted punctuation).",
            field=field,
        )
    return text


def parse_vers(value: str) -> str:
    """A vers version range (`vers:npm/>=1.0.0|<1.4.2`), in its canonical form; blank
    stays blank (all versions)."""
    text = value.strip()
    if not text:
        return ""
    if len(text) > MAX_IDENTIFIER:
        raise InvalidField("A version range is at most 500 characters.", field="versions")
    try:
        parsed = VersionRange.from_string(text)
    # univers raises its own version errors, and TypeError on some malformed ranges,
    # beside ValueError: whatever it cannot read is the person's typo, not a crash.
    except Exception as exc:
        raise InvalidField(f"The version range is not valid: {exc}", field="versions") from exc
    return str(parsed)
