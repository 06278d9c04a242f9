"""Reading CWE ids, CVSS vectors, package URLs, CPE 2.3 names and vers ranges: what a
person types is kept clean, and a typo is refused naming its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.cvd import identifiers
from accord.cvd.exceptions import InvalidField

V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def refused(call: object, *args: object, field: str) -> str:
    with pytest.raises(InvalidField) as caught:
        call(*args)  # type: ignore[operator]
    assert caught.value.field == field
    return str(caught.value)


def test_cwe_ids_are_read_with_or_without_their_prefix_once_each() -> None:
    assert identifiers.parse_cwe_ids("CWE-79, 89;cwe-79  CWE-787") == [79, 89, 787]
    assert identifiers.parse_cwe_ids(["CWE-22", "22", 352]) == [22, 352]
    assert identifiers.parse_cwe_ids("") == []


@pytest.mark.parametrize("bad", ["CWE-0", "-5", "CWE-x", "7.5", "CWE-", "٣", "99999999"])
def test_a_cwe_id_that_is_not_a_positive_number_is_refused(bad: str) -> None:
    assert "is not a CWE id" in refused(identifiers.parse_cwe_ids, bad, field="cwe_ids")


def test_at_most_twenty_cwe_ids() -> None:
    refused(identifiers.parse_cwe_ids, list(range(1, 22)), field="cwe_ids")


def test_cvss_31_and_40_vectors_are_scored_by_the_library() -> None:
    v3 = identifiers.parse_cvss(f"  {V31} ")
    assert v3 == identifiers.Cvss(V31, "3.1", Decimal("9.8"), "Critical")
    v4 = identifiers.parse_cvss(V40)
    assert v4 == identifiers.Cvss(V40, "4.0", Decimal("9.3"), "Critical")
    none = identifiers.parse_cvss("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N")
    assert none is not None
    assert (none.score, none.severity) == (Decimal("0.0"), "None")
    assert identifiers.parse_cvss(" ") is None


def test_the_vector_is_stored_in_the_librarys_clean_order() -> None:
    shuffled = "CVSS:3.1/AC:L/AV:N/PR:N/UI:N/S:U/C:H/I:H/A:H"
    assert identifiers.parse_cvss(shuffled).vector == V31  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV"),
        ("CVSS:4.0/AV:N", "Missing mandatory"),
        ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/ or CVSS:4.0/"),
        ("AV:N/AC:L", "CVSS:3.1/ or CVSS:4.0/"),
        ("CVSS:3.1/" + "AV:N/" * 120, "at most 500"),
    ],
)
def test_a_bad_vector_is_refused_with_the_librarys_reason(bad: str, says: str) -> None:
    assert says in refused(identifiers.parse_cvss, bad, field="cvss_vector")


def test_a_package_url_is_kept_in_canonical_form_with_its_parts() -> None:
    purl = identifiers.parse_purl("pkg:npm/%40acme/widget@1.2.0")
    assert purl == identifiers.Purl("pkg:npm/%40acme/widget@1.2.0", "npm", "@acme", "widget")
    assert identifiers.parse_purl("pkg:pypi/requests").namespace == ""


@pytest.mark.parametrize("bad", ["npm/acme", "pkg:npm", "pkg:npm/", "pkg:/x", "pkg:" + "a" * 500])
def test_a_malformed_package_url_is_refused(bad: str) -> None:
    refused(identifiers.parse_purl, bad, field="purl")


def test_a_package_url_with_overlong_parts_is_refused() -> None:
    refused(identifiers.parse_purl, "pkg:npm/" + "n" * 201 + "/x", field="purl")


@pytest.mark.parametrize(
    ("name", "vendor", "product"),
    [
        ("cpe:2.3:a:acme:widget:1.2:*:*:*:*:*:*:*", "acme", "widget"),
        ("cpe:2.3:o:Linux:Linux_Kernel:5.10-rc1:*:*:en-us:*:*:*:*", "linux", "linux_kernel"),
        ("cpe:2.3:a:ac\\:me:wid*:*:*:*:*:*:*:*:*", "ac\\:me", "wid*"),
        ("cpe:2.3:h:*acme??:-:*:*:*:*:*:*:*:*", "*acme??", "-"),
        ("cpe:2.3:*:acme:x:*:*:*:en:*:*:*:*", "acme", "x"),
    ],
)
def test_a_cpe_23_name_is_read_by_the_bound_form_rules(
    name: str, vendor: str, product: str
) -> None:
    cpe = identifiers.parse_cpe(name)
    assert (cpe.text, cpe.vendor, cpe.product) == (name, vendor, product)


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("cpe:2.3:a:acme:widget:1.2:*:*:*:*:*:*", "13 components"),
        ("cpe:2.3:a:acme:widget:1.2:*:*:*:*:*:*:*:*", "13 components"),
        ("cpe:/a:acme:widget:1.2", "starts with cpe:2.3:"),
        ("cpe:2.2:a:acme:widget:1.2:*:*:*:*:*:*:*", "starts with cpe:2.3:"),
        ("cpe:2.3:x:acme:widget:1.2:*:*:*:*:*:*:*", "part is a"),
        ("cpe:2.3:a:ac me:widget:1.2:*:*:*:*:*:*:*", "vendor"),
        ("cpe:2.3:a:a*b:widget:1.2:*:*:*:*:*:*:*", "vendor"),
        ("cpe:2.3:a:acme:wid/get:1.2:*:*:*:*:*:*:*", "product"),
        ("cpe:2.3:a:acme:widget:1.2:*:*:english:*:*:*:*", "language"),
        ("cpe:2.3:a:acme:widget::*:*:*:*:*:*:*", "version"),
        ("cpe:2.3:a:acme:widget:*?:*:*:*:*:*:*:*", "version"),
        ("cpe:2.3:a:acme\\x:widget:1:*:*:*:*:*:*:*", "backslash"),
        ("cpe:2.3:a:acme:widget:1:*:*:*:*:*:*:*\\", "backslash"),
        ("cpe:2.3:a:äcme:widget:1:*:*:*:*:*:*:*", "ASCII"),
        ("cpe:2.3:a:" + "v" * 201 + ":widget:1:*:*:*:*:*:*:*", "too long"),
        ("cpe:2.3:a:" + "v" * 500, "at most 500"),
    ],
)
def test_a_malformed_cpe_name_is_refused(bad: str, says: str) -> None:
    assert says in refused(identifiers.parse_cpe, bad, field="cpe")


def test_a_declared_cpe_value_is_literal_and_lower_cased() -> None:
    assert identifiers.cpe_name_part(" Acme ", field="cpe_vendor") == "acme"
    assert identifiers.cpe_name_part("a\\:b", field="cpe_vendor") == "a\\:b"
    for bad in ("*", "-", "ac*", "?x", "a b", "ab\\", ""):
        with pytest.raises(InvalidField) as caught:
            identifiers.cpe_name_part(bad, field="cpe_product")
        assert caught.value.field == "cpe_product", bad


def test_a_vers_range_is_kept_in_canonical_form() -> None:
    assert identifiers.parse_vers("vers:npm/<2.0.0|>=1.0.0") == "vers:npm/>=1.0.0|<2.0.0"
    assert identifiers.parse_vers("  ") == ""


@pytest.mark.parametrize(
    "bad",
    [
        ">=1.0",
        "vers:nosuch/1.0",
        "vers:npm/",
        "vers:npm/>=x|<",
        "vers:nuget/ab",  # univers raises its own error class here
        "vers:maven/!c|*8<5",  # and a TypeError here
        "vers:npm/" + "1" * 500,
    ],
)
def test_a_malformed_vers_range_is_refused(bad: str) -> None:
    refused(identifiers.parse_vers, bad, field="versions")
