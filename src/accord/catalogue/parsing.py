"""Reading the catalogue's YAML files into typed entries, noting each problem's line.

Files are composed into YAML nodes (safely, within `CATALOGUE_LIMITS`, by
`accord.engine.limits`: the CLI validates files anyone may hand it) rather than loaded into
plain values, so that a problem found later, such as a mapping to a norm no framework
defines, can still name its file and line. `accord.catalogue.validation` checks across
files and is what the CLI and the loader call.

Plain Python on purpose: the CLI validates files without setting up Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from accord.engine import limits
from accord.engine.registry import CHECKS, PLATFORM_CHECKS, is_known_check

# The bundled files nest five or six levels and take milliseconds to read.
CATALOGUE_LIMITS = limits.Limits(max_bytes=8 * 1024 * 1024, max_depth=32, max_seconds=5.0)

# semver.org's own expression for a semantic version.
SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
# Ids appear in URLs; practice ids are also OSCAL control ids, so they start with a letter.
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
NORM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
PRACTICE_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
ID_HINTS = {
    SLUG: "letters, digits, '-' and '_'",
    NORM_KEY: "letters, digits, '.', '-' and '_'",
    PRACTICE_ID: "a letter, then letters, digits, '.', '-' and '_'",
}
LEVELS = ("baseline", "advanced")
LARGEST_NUMBER = 32767  # the database keeps years and positions in small integers
MANUAL_VERIFICATIONS = ("document", "attestation")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the catalogue, where it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Where:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def problem(self, message: str) -> Problem:
        return Problem(self.file, self.line, message)


NOWHERE = Where("", 0)


@dataclass(frozen=True)
class Reference:
    standard: str
    section: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class NormEntry:
    key: str
    reference: str
    title: str
    summary: str
    private_sector_actionable: bool
    actionability: str
    where: Where = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class FrameworkEntry:
    slug: str
    title: str
    short_title: str
    publisher: str
    year: int
    position: int
    source_title: str
    source_url: str
    description: str
    norms: tuple[NormEntry, ...]
    where: Where = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class AreaEntry:
    slug: str
    title: str
    description: str
    where: Where = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class MappingEntry:
    framework: str
    norm: str
    interpretation: str
    where: Where = field(default=NOWHERE, compare=False, repr=False)

    @property
    def qualified_norm(self) -> str:
        return f"{self.framework}:{self.norm}"


@dataclass(frozen=True)
class PracticeEntry:
    slug: str
    area: str
    title: str
    statement: str
    rationale: str
    verification: str
    check_id: str
    evidence: str
    level: str
    references: tuple[Reference, ...]
    mappings: tuple[MappingEntry, ...]
    where: Where = field(default=NOWHERE, compare=False, repr=False)


@dataclass(frozen=True)
class ProfileEntry:
    slug: str
    title: str
    description: str
    practices: tuple[str, ...]
    where: Where = field(default=NOWHERE, compare=False, repr=False)
    practice_wheres: tuple[Where, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    date: date | None
    changes: tuple[str, ...]


@dataclass(frozen=True)
class ParsedCatalogue:
    """The whole catalogue as read from its files, checked and ready to load."""

    version: str
    released_on: date | None
    changelog: tuple[ChangelogEntry, ...]
    frameworks: tuple[FrameworkEntry, ...]
    areas: tuple[AreaEntry, ...]
    practices: tuple[PracticeEntry, ...]
    profiles: tuple[ProfileEntry, ...]
    digest: str

    @property
    def changes(self) -> tuple[str, ...]:
        """The changelog lines of this version."""
        entry = next((e for e in self.changelog if e.version == self.version), None)
        return entry.changes if entry else ()


@dataclass(frozen=True)
class Source:
    """One catalogue file: its path inside the catalogue, its path to show, its bytes."""

    relative: str
    display: str
    data: bytes

    @property
    def kind(self) -> str:
        folder, _, _ = self.relative.rpartition("/")
        return folder or self.relative.removesuffix(".yaml")


# -- reading one file's YAML nodes ---------------------------------------------------------

_NOT_SCALAR = object()
_INVALID = object()


class _File:
    """One YAML file being read; collects its problems with their line numbers."""

    def __init__(self, source: Source, problems: list[Problem]) -> None:
        self.display = source.display
        self.source = source
        self.problems = problems
        self._constructor = yaml.SafeLoader("")

    def where(self, node: yaml.Node) -> Where:
        return Where(self.display, node.start_mark.line + 1)

    def report(self, node: yaml.Node, message: str) -> None:
        self.problems.append(self.where(node).problem(message))

    def compose(self) -> yaml.Node | None:
        try:
            text = self.source.data.decode("utf-8")
        except UnicodeDecodeError:
            self.problems.append(Problem(self.display, 1, "file is not UTF-8 text"))
            return None
        try:
            node = limits.compose_yaml(text, CATALOGUE_LIMITS)
        except limits.ParseRefused as exc:
            self.problems.append(Problem(self.display, exc.line or 1, exc.message))
            return None
        if node is None:
            self.problems.append(Problem(self.display, 1, "file is empty"))
        return node

    def scalar(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return _NOT_SCALAR
        try:
            return self._constructor.construct_object(node)
        except (ValueError, yaml.YAMLError):
            return _INVALID

    def fields(self, node: yaml.Node, what: str, allowed: Iterable[str]) -> _Fields | None:
        if not isinstance(node, yaml.MappingNode):
            self.report(node, f"{what} must be a mapping of fields")
            return None
        return _Fields(self, node, what, frozenset(allowed))

    def items(self, node: yaml.Node | None, what: str) -> list[yaml.Node]:
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.report(node, f"{what} must be a list")
            return []
        return list(node.value)


class _Fields:
    """The fields of one YAML mapping, read with type checks."""

    def __init__(
        self, file: _File, node: yaml.MappingNode, what: str, allowed: frozenset[str]
    ) -> None:
        self.file, self.node, self.what = file, node, what
        self.values: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = file.scalar(key_node)
            if not isinstance(key, str):
                file.report(key_node, f"{what}: field names must be text")
            elif key in self.values:
                file.report(key_node, f"{what}: '{key}' is given twice")
            elif key not in allowed:
                file.report(key_node, f"{what}: unknown field '{key}'")
            else:
                self.values[key] = value_node

    @property
    def where(self) -> Where:
        return self.file.where(self.node)

    def report(self, key: str, message: str) -> None:
        self.file.report(self.values.get(key, self.node), f"{self.what}: {message}")

    def node_of(self, key: str, *, required: bool = True) -> yaml.Node | None:
        node = self.values.get(key)
        if node is not None and node.tag == "tag:yaml.org,2002:null":
            node = None
        if node is None and required:
            self.file.report(self.node, f"{self.what} is missing '{key}'")
        return node

    def text(self, key: str, *, required: bool = True, max_length: int = 0) -> str:
        node = self.node_of(key, required=required)
        if node is None:
            return ""
        value = self.file.scalar(node)
        if not isinstance(value, str):
            self.report(key, f"'{key}' must be text (put it in quotes)")
            return ""
        value = value.strip()
        if required and not value:
            self.report(key, f"'{key}' must not be empty")
        if max_length and len(value) > max_length:
            self.report(key, f"'{key}' is longer than {max_length} characters")
        return value

    def token(self, key: str, pattern: re.Pattern[str], max_length: int) -> str:
        """An id: text or a bare number, kept exactly as written ("01" stays "01")."""
        node = self.node_of(key)
        if node is None:
            return ""
        value = self.file.scalar(node)
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.report(key, f"'{key}' must be text")
            return ""
        raw = str(node.value).strip()
        if not pattern.match(raw) or len(raw) > max_length:
            hint = ID_HINTS[pattern]
            self.report(key, f"'{key}' {raw!r} is not a valid id: {hint}, at most {max_length}")
        return raw

    def flag(self, key: str) -> bool:
        node = self.node_of(key)
        value = self.file.scalar(node) if node is not None else False
        if node is not None and not isinstance(value, bool):
            self.report(key, f"'{key}' must be true or false")
        return value is True

    def number(self, key: str, *, required: bool = True) -> int:
        node = self.node_of(key, required=required)
        value = self.file.scalar(node) if node is not None else 0
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 0 <= value <= LARGEST_NUMBER
        ):
            self.report(key, f"'{key}' must be a whole number from 0 to {LARGEST_NUMBER}")
            return 0
        return value

    def day(self, key: str, *, required: bool = True) -> date | None:
        node = self.node_of(key, required=required)
        if node is None:
            return None
        value = self.file.scalar(node)
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                value = _INVALID
        if not isinstance(value, date):
            self.report(key, f"'{key}' must be a date such as 2026-01-31")
            return None
        return value

    def items(self, key: str, *, required: bool = True) -> list[yaml.Node]:
        node = self.node_of(key, required=required)
        found = self.file.items(node, f"{self.what}: '{key}'")
        if node is not None and required and not found and isinstance(node, yaml.SequenceNode):
            self.report(key, f"'{key}' must not be empty")
        return found

    def semver(self, key: str) -> str:
        node = self.node_of(key)
        value = self.file.scalar(node) if node is not None else ""
        if node is not None and not (isinstance(value, str) and SEMVER.match(value.strip())):
            self.report(key, f"'{key}' {node.value!r} is not a semantic version such as 1.0.0")
        return value.strip() if isinstance(value, str) else ""


# -- the files, one parser each ----------------------------------------------------------------


def parse_index(file: _File, node: yaml.Node) -> Index | None:
    fields = file.fields(node, "catalogue.yaml", ("version", "released_on", "changelog"))
    if fields is None:
        return None
    version = fields.semver("version")
    released_on = fields.day("released_on")
    changelog = []
    for item in fields.items("changelog", required=False):
        entry = file.fields(item, "changelog entry", ("version", "date", "changes"))
        if entry is None:
            continue
        changes = [_text_item(file, n, "change") for n in entry.items("changes")]
        changelog.append(ChangelogEntry(entry.semver("version"), entry.day("date"), tuple(changes)))
    return Index(version, released_on, tuple(changelog))


def _text_item(file: _File, node: yaml.Node, what: str) -> str:
    value = file.scalar(node)
    if not isinstance(value, str) or not value.strip():
        file.report(node, f"each {what} must be text")
        return ""
    return value.strip()


FRAMEWORK_FIELDS = (
    "id", "title", "short_title", "publisher", "year", "position", "source", "description",
    "norms",
)  # fmt: skip


def parse_framework(file: _File, node: yaml.Node) -> FrameworkEntry | None:
    fields = file.fields(node, "framework", FRAMEWORK_FIELDS)
    if fields is None:
        return None
    slug = fields.token("id", SLUG, 60)
    fields.what = f"framework '{slug}'"
    source_title, source_url = _parse_source(file, fields)
    norms = [_parse_norm(file, n, slug) for n in fields.items("norms")]
    return FrameworkEntry(
        slug=slug,
        title=fields.text("title", max_length=200),
        short_title=fields.text("short_title", max_length=60),
        publisher=fields.text("publisher", max_length=200),
        year=fields.number("year"),
        position=fields.number("position", required=False),
        source_title=source_title,
        source_url=source_url,
        description=fields.text("description"),
        norms=tuple(n for n in norms if n is not None),
        where=fields.where,
    )


def _parse_source(file: _File, fields: _Fields) -> tuple[str, str]:
    node = fields.node_of("source")
    source = None if node is None else file.fields(node, f"{fields.what}: source", ("title", "url"))
    if source is None:
        return "", ""
    return source.text("title", max_length=300), _url(source, "url", required=True)


def _url(fields: _Fields, key: str, *, required: bool) -> str:
    url = fields.text(key, required=required, max_length=500)
    if url and not url.startswith(("https://", "http://")):
        fields.report(key, f"'{key}' must be an http(s) address")
    return url


NORM_FIELDS = (
    "id", "reference", "title", "summary", "private_sector_actionable", "actionability",
)  # fmt: skip


def _parse_norm(file: _File, node: yaml.Node, framework: str) -> NormEntry | None:
    fields = file.fields(node, f"norm of '{framework}'", NORM_FIELDS)
    if fields is None:
        return None
    key = fields.token("id", NORM_KEY, 20)
    fields.what = f"norm '{framework}:{key}'"
    return NormEntry(
        key=key,
        reference=fields.text("reference", max_length=60),
        title=fields.text("title", max_length=200),
        summary=fields.text("summary"),
        private_sector_actionable=fields.flag("private_sector_actionable"),
        actionability=fields.text("actionability", required=False),
        where=fields.where,
    )


def _listed(
    file: _File, node: yaml.Node, kind: str, allowed: tuple[str, ...]
) -> Iterator[tuple[str, _Fields]]:
    """The entries of a file that is one list, such as areas.yaml: each its id and fields."""
    fields = file.fields(node, f"{kind}s.yaml", (f"{kind}s",))
    for item in fields.items(f"{kind}s") if fields else []:
        entry = file.fields(item, kind, allowed)
        if entry is None:
            continue
        slug = entry.token("id", SLUG, 60)
        entry.what = f"{kind} '{slug}'"
        yield slug, entry


def parse_areas(file: _File, node: yaml.Node) -> list[AreaEntry]:
    areas = []
    for slug, area in _listed(file, node, "area", ("id", "title", "description")):
        title = area.text("title", max_length=200)
        description = area.text("description", required=False)
        areas.append(AreaEntry(slug, title, description, area.where))
    return areas


@dataclass(frozen=True)
class PracticeFile:
    area: str
    where: Where
    practices: tuple[PracticeEntry, ...]


def parse_practice_file(file: _File, node: yaml.Node) -> PracticeFile | None:
    fields = file.fields(node, "practices file", ("area", "practices"))
    if fields is None:
        return None
    area = fields.token("area", SLUG, 60)
    area_node = fields.values.get("area", fields.node)
    parsed = [_parse_practice(file, n, area) for n in fields.items("practices")]
    practices = tuple(p for p in parsed if p is not None)
    return PracticeFile(area, file.where(area_node), practices)


PRACTICE_FIELDS = (
    "id", "title", "statement", "rationale", "verification", "evidence", "level",
    "references", "mappings",
)  # fmt: skip


def _parse_practice(file: _File, node: yaml.Node, area: str) -> PracticeEntry | None:
    fields = file.fields(node, "practice", PRACTICE_FIELDS)
    if fields is None:
        return None
    slug = fields.token("id", PRACTICE_ID, 80)
    fields.what = f"practice '{slug}'"
    verification, check_id = _parse_verification(fields)
    references = [_parse_reference(file, n) for n in fields.items("references", required=False)]
    mappings = [_parse_mapping(file, n, slug) for n in fields.items("mappings")]
    return PracticeEntry(
        slug=slug,
        area=area,
        title=fields.text("title", max_length=200),
        statement=fields.text("statement"),
        rationale=fields.text("rationale"),
        verification=verification,
        check_id=check_id,
        evidence=fields.text("evidence"),
        level=_parse_choice(fields, "level", LEVELS),
        references=tuple(r for r in references if r is not None),
        mappings=tuple(m for m in mappings if m is not None),
        where=fields.where,
    )


def _parse_choice(fields: _Fields, key: str, choices: tuple[str, ...]) -> str:
    value = fields.text(key)
    if value and value not in choices:
        fields.report(key, f"'{key}' must be one of {', '.join(choices)}, not '{value}'")
    return value


def _parse_verification(fields: _Fields) -> tuple[str, str]:
    value = fields.text("verification")
    if value in MANUAL_VERIFICATIONS:
        return value, ""
    kind, colon, check_id = value.partition(":")
    if kind == "automated" and colon:
        if not is_known_check(check_id):
            known = ", ".join(sorted([*CHECKS, *PLATFORM_CHECKS]))
            fields.report("verification", f"unknown check id '{check_id}' (known: {known})")
        return kind, check_id
    if value:
        fields.report(
            "verification",
            f"'verification' must be 'automated:<check-id>', 'document' or 'attestation',"
            f" not '{value}'",
        )
    return value, ""


def _parse_reference(file: _File, node: yaml.Node) -> Reference | None:
    fields = file.fields(node, "reference", ("standard", "section", "url"))
    if fields is None:
        return None
    standard = fields.text("standard", max_length=200)
    section = _section(fields)
    url = _url(fields, "url", required=False) or None
    return Reference(standard, section, url)


def _section(fields: _Fields) -> str | None:
    """A section as written: `2.5` stays "2.5", not the number 2.5."""
    node = fields.node_of("section", required=False)
    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode):
        fields.report("section", "'section' must be text")
        return None
    return str(node.value).strip() or None


def _parse_mapping(file: _File, node: yaml.Node, practice: str) -> MappingEntry | None:
    fields = file.fields(node, f"mapping of '{practice}'", ("norm", "interpretation"))
    if fields is None:
        return None
    norm = fields.text("norm")
    framework, colon, key = norm.partition(":")
    if norm and not (framework and colon and key):
        fields.report("norm", f"'norm' must read '<framework-id>:<norm-id>', not '{norm}'")
    interpretation = fields.text("interpretation")
    return MappingEntry(framework, key, interpretation, file.where(fields.values.get("norm", node)))


def parse_profiles(file: _File, node: yaml.Node) -> list[ProfileEntry]:
    profiles = []
    allowed = ("id", "title", "description", "practices")
    for slug, profile in _listed(file, node, "profile", allowed):
        title = profile.text("title", max_length=200)
        description = profile.text("description")
        nodes = profile.items("practices")
        practices = tuple(_text_item(file, n, "practice id") for n in nodes)
        wheres = tuple(file.where(n) for n in nodes)
        profiles.append(ProfileEntry(slug, title, description, practices, profile.where, wheres))
    return profiles


# -- every file of a catalogue -----------------------------------------------------------


@dataclass(frozen=True)
class Index:
    version: str
    released_on: date | None
    changelog: tuple[ChangelogEntry, ...]


class CatalogueFiles:
    """What the files said, file by file, before the checks across files."""

    def __init__(self, problems: list[Problem] | None = None) -> None:
        self.problems: list[Problem] = [] if problems is None else problems
        self.index: Index | None = None
        self.frameworks: list[FrameworkEntry] = []
        self.areas: list[AreaEntry] = []
        self.practice_files: list[PracticeFile] = []
        self.profiles: list[ProfileEntry] = []
        # Kinds of file that could not be read: checks that need them are skipped, so
        # one syntax error does not also report everything that refers into its file.
        self.unreadable: set[str] = set()

    def add(self, source: Source, kind: str | None = None) -> None:
        kind = kind or source.kind
        file = _File(source, self.problems)
        node = file.compose()
        if node is None:
            self.unreadable.add(kind)
            return
        match kind:
            case "catalogue":
                self.index = parse_index(file, node)
            case "areas":
                self.areas.extend(parse_areas(file, node))
            case "profiles":
                self.profiles.extend(parse_profiles(file, node))
            case "frameworks":
                if (framework := parse_framework(file, node)) is not None:
                    self.frameworks.append(framework)
            case "practices":
                if (practices := parse_practice_file(file, node)) is not None:
                    self.practice_files.append(practices)

    def merge(self, other: CatalogueFiles) -> None:
        """Add what another set of files said (a lone file validated in context)."""
        self.problems.extend(other.problems)
        self.index = other.index or self.index
        self.frameworks.extend(other.frameworks)
        self.areas.extend(other.areas)
        self.practice_files.extend(other.practice_files)
        self.profiles.extend(other.profiles)
        self.unreadable |= other.unreadable
