"""The one helper that caps every parser of uploaded or fetched data: size, depth, time."""

from __future__ import annotations

import time

import pytest

from accord.engine import limits
from accord.engine.limits import Limits, ParseRefused

DEEP_JSON = b"[" * 2_500 + b"]" * 2_500
TIGHT = Limits(max_depth=3)


def refusal(parse: object, *args: object, **kwargs: object) -> ParseRefused:
    with pytest.raises(ParseRefused) as caught:
        parse(*args, **kwargs)  # type: ignore[operator]
    return caught.value


# -- JSON -------------------------------------------------------------------------------


def test_json_within_the_limits_is_parsed() -> None:
    document = b'{"a": [1, {"b": "[[[[ \\" {{"}], "c": null}'
    assert limits.parse_json(document, TIGHT) == {"a": [1, {"b": '[[[[ " {{'}], "c": None}


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert limits.parse_json('["' + "[" * 5_000 + '"]', TIGHT) == ["[" * 5_000]


@pytest.mark.parametrize(
    "document",
    [
        DEEP_JSON,
        b"[" * 2_500,  # cut short as well
        b'{"a":' * 2_100 + b"1" + b"}" * 2_100,
        b"[[]" * 2_000 + b"]" * 2_000,  # no long run of openings
        b"[[[[1]]]]",  # one too deep for TIGHT, valid
        b"[[],[[]],[[[[]]]]]",
    ],
)
def test_json_nested_too_deep_is_refused_without_recursion(document: bytes) -> None:
    caught = refusal(limits.parse_json, document, TIGHT if len(document) < 100 else limits.DEFAULT)
    assert caught.code == limits.TOO_DEEP
    assert "nested more than" in caught.message


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b"[1, 2", limits.MALFORMED),
        (b"]]]][[", limits.MALFORMED),
        (b'{"a": 1} x', limits.MALFORMED),
        (b"\xff\xfe[]", limits.MALFORMED),
        (b"1" * 5_000, limits.MALFORMED),  # an integer too long to convert
    ],
)
def test_json_that_is_not_json_is_malformed(document: bytes, code: str) -> None:
    assert refusal(limits.parse_json, document, TIGHT).code == code


def test_json_over_the_size_cap_is_refused_unread() -> None:
    caught = refusal(limits.parse_json, b"[" + b"1," * 600 + b"1]", Limits(max_bytes=1_000))
    assert caught.code == limits.TOO_LARGE
    assert "1,000" in caught.message


def test_json_past_the_deadline_is_refused() -> None:
    document = b"[" + b'{"k": "v", "n": [1, 2, 3]},' * 200_000 + b"1]"
    caught = refusal(limits.parse_json, document, Limits(max_seconds=0.001))
    assert caught.code == limits.TOO_SLOW


def test_json_at_the_size_cap_is_parsed_in_bounded_time() -> None:
    document = b"[" + b"[[[]]]," * 1_000_000 + b"[]]"  # 7 MB, 4 deep
    started = time.monotonic()
    assert len(limits.parse_json(document)) == 1_000_001
    assert time.monotonic() - started < 2.0


def test_a_depth_beyond_what_python_can_parse_is_not_a_limit() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        Limits(max_depth=5_000)


# -- YAML -------------------------------------------------------------------------------


def test_yaml_is_loaded_safely_within_the_limits() -> None:
    assert limits.parse_yaml("a: [1, {b: two}]\n") == {"a": [1, {"b": "two"}]}
    with pytest.raises(ParseRefused, match="YAML"):
        limits.parse_yaml("!!python/object:os.system {}\n")


def test_yaml_nodes_keep_their_lines() -> None:
    node = limits.compose_yaml(b"a: 1\nb:\n  - c\n")
    assert node is not None
    assert [key.start_mark.line + 1 for key, _ in node.value] == [1, 2]


@pytest.mark.parametrize("document", ["a: " + "[" * 2_500, "- " * 2_500 + "x", "{" * 3_000])
def test_yaml_nested_too_deep_is_refused_without_recursion(document: str) -> None:
    assert refusal(limits.parse_yaml, document).code == limits.TOO_DEEP


def test_yaml_syntax_errors_say_which_line() -> None:
    caught = refusal(limits.compose_yaml, "a: 1\nb: [\n")
    assert caught.code == limits.MALFORMED
    assert caught.message.startswith("YAML syntax error")
    assert caught.line == 3


def test_yaml_alias_bombs_are_refused() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 9) + "]")
    assert refusal(limits.parse_yaml, "\n".join(lines)).code == limits.TOO_LARGE


def test_yaml_past_the_deadline_is_refused() -> None:
    document = "".join(f"k{n}: [a, b, c]\n" for n in range(20_000))
    assert refusal(limits.parse_yaml, document, Limits(max_seconds=0.001)).code == (limits.TOO_SLOW)


# -- CSV and XML ------------------------------------------------------------------------


def test_csv_rows_are_read_up_to_the_cap() -> None:
    text = b'a,b\n"c\nd",e\nf,g\n'
    assert limits.parse_csv(text) == [["a", "b"], ["c\nd", "e"], ["f", "g"]]
    assert limits.parse_csv(text, max_rows=1) == [["a", "b"]]
    assert refusal(limits.parse_csv, text, Limits(max_bytes=4)).code == limits.TOO_LARGE


def test_csv_past_the_deadline_is_refused() -> None:
    text = "a,b,c\n" * 200_000
    assert refusal(limits.parse_csv, text, Limits(max_seconds=0.001)).code == limits.TOO_SLOW


def test_xml_is_parsed_without_entities_or_dtds() -> None:
    assert limits.parse_xml(b"<a><b>text</b></a>").find("b").text == "text"  # type: ignore[union-attr]
    bomb = b'<!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;&x;</a>'
    assert refusal(limits.parse_xml, bomb).code == limits.MALFORMED
    assert refusal(limits.parse_xml, b"<a><b></a>").line == 1


def test_xml_nested_too_deep_or_too_slow_is_refused() -> None:
    deep = b"<a>" * 2_500 + b"</a>" * 2_500
    assert refusal(limits.parse_xml, deep).code == limits.TOO_DEEP
    wide = b"<r>" + b"<i>x</i>" * 200_000 + b"</r>"
    assert refusal(limits.parse_xml, wide, Limits(max_seconds=0.001)).code == limits.TOO_SLOW


def test_yaml_aliases_to_themselves_are_refused() -> None:
    assert refusal(limits.parse_yaml, "a: &a [1, *a]\n").code == limits.MALFORMED


def test_yaml_aliases_within_reason_are_followed() -> None:
    assert limits.parse_yaml("a: &a [1, 2]\nb: *a\n") == {"a": [1, 2], "b": [1, 2]}
