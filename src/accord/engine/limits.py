"""Size, depth and time caps for every parser of uploaded or fetched data, in one place.

Each parser here takes the raw document and a `Limits`, and returns what it parsed or
raises `ParseRefused`, whose `code` says why: `too_large`, `too_deep`, `too_slow` or
`malformed`, with a message meant for the person. Apps turn it into a 4xx (`TooLarge`,
`Invalid`, `UnsupportedType`); checks turn it into a finding code.

How each cap holds, without recursion that can blow up:

- JSON is parsed by the standard library's C scanner, which recurses once per nesting
  level. So the nesting is measured first, in C (strings cut out with a regular
  expression, then bracket pairs removed level by level, see `_nesting_within`), and a
  document much deeper than `max_depth` never reaches the scanner. The scanner and the
  string pass are linear in the input (about 30 MB/s for the string pass, faster for
  the scanner), so the size cap is what bounds their time: under a second for 16 MiB.
  The deadline is checked between the bracket passes and after the parse.
- YAML is composed by PyYAML's Python composer, with the depth and the deadline checked
  at every node; when it has aliases, the values they stand for are counted by a walk
  with its own stack, each shared node counted once, and an alias to itself is refused.
- CSV: the deadline is checked at every row.
- XML: defusedxml (no DTD, no entities, no external references), read as a stream of
  events with the depth and the deadline checked at each.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

TOO_LARGE = "too_large"
TOO_DEEP = "too_deep"
TOO_SLOW = "too_slow"
MALFORMED = "malformed"

# Each nesting level costs a parser a few stack frames; beyond this Python's own
# recursion limit would be the cap, and it answers with a RecursionError.
DEEPEST_ALLOWED = 200


@dataclass(frozen=True)
class Limits:
    """The most a parser may be given (bytes, or characters for text), how deeply it may
    nest and how long it may take; and how many values a YAML document may stand for
    once its aliases are followed (a few aliases can stand for billions)."""

    max_bytes: int = 16 * 1024 * 1024
    max_depth: int = 64
    max_seconds: float = 2.0
    max_yaml_values: int = 1_000_000

    def __post_init__(self) -> None:
        if not 1 <= self.max_depth <= DEEPEST_ALLOWED:
            raise ValueError(f"max_depth must be between 1 and {DEEPEST_ALLOWED}")


DEFAULT = Limits()

# How much of a bad input line a message quotes.
SHOWN_CHARACTERS = 200


def quoted(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """`text` as a message quotes it (repr), cut to about `limit` characters with an
    ellipsis, so that a 100 KB line does not fill the screen."""
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit])[:-1] + "…" + repr(text[:limit])[-1]


class ParseRefused(ValueError):
    """The document was not parsed: `code` says why, `message` says it to the person,
    `line` (from 1) points at the problem when a line is known."""

    def __init__(self, code: str, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


class _Deadline:
    def __init__(self, limits: Limits) -> None:
        self.seconds = limits.max_seconds
        self.at = time.monotonic() + limits.max_seconds

    def check(self) -> None:
        if time.monotonic() > self.at:
            raise ParseRefused(TOO_SLOW, f"the document took longer than {self.seconds:g} s")


def _check_size(data: bytes | str, limits: Limits) -> None:
    if len(data) > limits.max_bytes:
        unit = "bytes" if isinstance(data, bytes) else "characters"
        raise ParseRefused(
            TOO_LARGE, f"the document is {len(data):,} {unit}; at most {limits.max_bytes:,}"
        )


def _too_deep(limits: Limits, *, line: int | None = None) -> ParseRefused:
    return ParseRefused(
        TOO_DEEP, f"the document is nested more than {limits.max_depth} levels deep", line=line
    )


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseRefused(MALFORMED, f"not UTF-8 text (byte {exc.start + 1})") from None


# -- JSON -------------------------------------------------------------------------------

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
# Every opening bracket becomes "(", every closing one ")", anything else is dropped.
_BRACKETS = bytes.maketrans(b"[{]}", b"(())"), bytes(set(range(256)) - set(b"[]{}"))


def _nesting_within(data: bytes, limits: Limits, deadline: _Deadline) -> bool:
    """Whether the JSON text nests at most `limits.max_depth` deep (True), or may still
    (False: then it is deeper if it parses); raises `too_deep` where that is sure.

    Innermost bracket pairs are removed `max_depth` times over (one level a pass, in C);
    what a valid document of that depth leaves is nothing. A run of more opening brackets
    than that, seen at any pass, is that deep already. Only when what is left holds at most
    `max_depth` openings may the parser see it: it then nests at most twice that deep,
    well within what the parser can recurse."""
    depth = limits.max_depth
    brackets = _JSON_STRING.sub(b"", data).translate(*_BRACKETS)
    if brackets.count(b"(") <= depth:
        return True
    run = b"(" * (depth + 1)
    for _ in range(depth):
        if run in brackets:
            raise _too_deep(limits)
        deadline.check()
        shorter = brackets.replace(b"()", b"")
        if not shorter:
            return True
        if len(shorter) == len(brackets):  # no pair left: unbalanced, the parser says where
            break
        brackets = shorter
    if brackets.count(b"(") > depth:
        raise _too_deep(limits)
    return False


def parse_json(data: bytes | str, limits: Limits = DEFAULT) -> Any:
    """The JSON document in `data` (UTF-8), within `limits`."""
    _check_size(data, limits)
    deadline = _Deadline(limits)
    text = _text(data)
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    within = _nesting_within(raw, limits, deadline)
    try:
        document = json.loads(text)
    except RecursionError:  # cannot happen below DEEPEST_ALLOWED; never a traceback
        raise _too_deep(limits) from None
    except json.JSONDecodeError as exc:
        raise ParseRefused(
            MALFORMED, f"not valid JSON: {exc.msg} (line {exc.lineno})", line=exc.lineno
        ) from None
    except ValueError as exc:  # an integer too long to convert, say
        raise ParseRefused(MALFORMED, f"not valid JSON: {exc}") from None
    if not within:
        raise _too_deep(limits)
    deadline.check()
    return document


# -- YAML -------------------------------------------------------------------------------


class _LimitedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting nesting and aliases and watching the clock."""

    def __init__(self, text: str, limits: Limits) -> None:
        super().__init__(text)
        self.limits = limits
        self.deadline = _Deadline(limits)
        self.depth = 0
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.deadline.check()
        self.aliases += self.check_event(yaml.AliasEvent)
        opens = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        self.depth += opens
        try:
            if self.depth > self.limits.max_depth:
                raise _too_deep(self.limits, line=self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= opens


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_values(root: yaml.Node, limits: Limits, deadline: _Deadline) -> None:
    """Count the values `root` stands for, aliases followed, without recursion."""
    values: dict[int, int] = {}  # node id -> values it stands for
    path: set[int] = set()  # nodes being counted: meeting one again is a loop
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, counted_children = stack.pop()
        key = id(node)
        if counted_children:
            path.discard(key)
            values[key] = 1 + sum(values[id(child)] for child in _children(node))
            if values[key] > limits.max_yaml_values:
                raise ParseRefused(
                    TOO_LARGE,
                    f"through its aliases the document stands for more than "
                    f"{limits.max_yaml_values:,} values",
                )
        elif key in path:
            raise ParseRefused(
                MALFORMED, "an alias refers to itself", line=node.start_mark.line + 1
            )
        elif key not in values:
            deadline.check()
            path.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))


def compose_yaml(data: bytes | str, limits: Limits = DEFAULT) -> yaml.Node | None:
    """The node tree of the one YAML document in `data` (None when empty), with each
    node's position, within `limits`."""
    _check_size(data, limits)
    loader = _LimitedLoader(_text(data), limits)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ParseRefused(MALFORMED, f"YAML syntax error: {exc.problem}", line=line) from None
    except yaml.YAMLError as exc:
        raise ParseRefused(MALFORMED, f"YAML syntax error: {exc}") from None
    finally:
        loader.dispose()
    if node is not None and loader.aliases:
        _check_values(node, limits, loader.deadline)
    return node


def parse_yaml(data: bytes | str, limits: Limits = DEFAULT) -> Any:
    """The one YAML document in `data`, as plain Python values (YAML's safe types only),
    within `limits`."""
    node = compose_yaml(data, limits)
    if node is None:
        return None
    try:
        return yaml.SafeLoader("").construct_document(node)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ParseRefused(MALFORMED, f"YAML value error: {exc.problem}", line=line) from None


# -- CSV --------------------------------------------------------------------------------


def parse_csv(
    data: bytes | str, limits: Limits = DEFAULT, *, max_rows: int | None = None
) -> list[list[str]]:
    """The rows of the CSV text in `data` (the first `max_rows` only, if given)."""
    _check_size(data, limits)
    deadline = _Deadline(limits)
    reader = csv.reader(io.StringIO(_text(data), newline=""))
    rows: list[list[str]] = []
    try:
        for row in itertools.islice(reader, max_rows):
            deadline.check()
            rows.append(row)
    except csv.Error as exc:
        raise ParseRefused(
            MALFORMED, f"not valid CSV: {exc} (line {reader.line_num})", line=reader.line_num
        ) from None
    return rows


# -- XML --------------------------------------------------------------------------------


def parse_xml(data: bytes, limits: Limits = DEFAULT) -> Element:
    """The root element of the XML document in `data`; a DTD, entity declarations and
    external references are refused (`malformed`)."""
    import xml.etree.ElementTree as ElementTree

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import iterparse

    _check_size(data, limits)
    deadline = _Deadline(limits)
    depth = 0
    root: Element | None = None
    try:
        for event, element in iterparse(io.BytesIO(data), ("start", "end"), forbid_dtd=True):
            deadline.check()
            if event == "end":
                depth -= 1
                continue
            depth += 1
            root = element if root is None else root
            if depth > limits.max_depth:
                raise _too_deep(limits)
    except ElementTree.ParseError as exc:
        line = exc.position[0]
        raise ParseRefused(MALFORMED, f"not valid XML: {exc}", line=line) from None
    except DefusedXmlException:
        raise ParseRefused(
            MALFORMED, "XML with a DTD, entities or external references is not accepted"
        ) from None
    if root is None:
        raise ParseRefused(MALFORMED, "not valid XML: no element")
    return root
