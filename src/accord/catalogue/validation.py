"""Checking a whole catalogue: every file, then the references across files.

`validate_catalogue` is what `accord catalogue validate` prints; `parse_catalogue` is what
the loader reads, so validation and loading share one parser (`accord.catalogue.parsing`).

Plain Python on purpose: the CLI validates files without setting up Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from accord.catalogue.exceptions import CatalogueInvalid
from accord.catalogue.parsing import (
    CATALOGUE_LIMITS,
    CatalogueFiles,
    FrameworkEntry,
    MappingEntry,
    ParsedCatalogue,
    PracticeEntry,
    PracticeFile,
    Problem,
    ProfileEntry,
    Source,
    Where,
)
from accord.engine import limits

BUNDLED = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class ReadResult:
    catalogue: ParsedCatalogue | None
    problems: list[Problem]


# -- public entry points ---------------------------------------------------------------


def validate_catalogue(path: Path) -> list[Problem]:
    """Every problem in the catalogue at `path`, sorted by file and line.

    `path` is a catalogue folder, a file inside one (the whole folder is checked), or a
    lone practices or framework file, checked against the bundled catalogue in place of
    the bundled file for the same area or framework.
    """
    return read_catalogue(Path(path)).problems


def parse_catalogue(path: Path) -> ParsedCatalogue:
    """The catalogue folder at `path`, typed; raises `CatalogueInvalid` on any problem."""
    result = read_catalogue(Path(path))
    if result.problems or result.catalogue is None:
        raise CatalogueInvalid(result.problems)
    return result.catalogue


def read_catalogue(path: Path) -> ReadResult:
    """The typed catalogue (None for a lone file or when unreadable) and its problems."""
    root = find_root(path)
    if root is not None:
        return read_sources(*collect_sources(root))
    if path.is_file():
        return ReadResult(None, _sorted(_read_lone_file(path)))
    return ReadResult(None, [Problem(str(path), 1, "no catalogue.yaml in or above this folder")])


def read_sources(sources: list[Source], problems: list[Problem]) -> ReadResult:
    """Parse and check a catalogue folder's files (from `collect_sources`)."""
    files = CatalogueFiles(list(problems))
    files.unreadable = {"areas", "frameworks", "practices"} - {s.kind for s in sources}
    for source in sources:
        files.add(source)
    catalogue = _assemble(files, catalogue_digest(sources))
    return ReadResult(catalogue, _sorted(files.problems))


def find_root(path: Path) -> Path | None:
    """The catalogue folder `path` is, or is a file or folder of (two levels at most)."""
    start = path if path.is_dir() else path.parent
    for folder in [start, *list(start.parents)[:2]]:
        if (folder / "catalogue.yaml").is_file():
            return folder
    return None


# -- source files ----------------------------------------------------------------------


def collect_sources(
    root: Path, *, report_missing: bool = True
) -> tuple[list[Source], list[Problem]]:
    """The catalogue's files in a stable order, and a problem for each required one missing."""
    problems: list[Problem] = []
    paths: list[Path] = []
    for name in ("catalogue.yaml", "areas.yaml", "profiles.yaml"):
        if (root / name).is_file():
            paths.append(root / name)
        elif name != "profiles.yaml":
            problems.append(Problem(str(root / name), 1, "required file is missing"))
    for folder in ("frameworks", "practices"):
        found = sorted((root / folder).glob("*.yaml"))
        if not found:
            problems.append(Problem(str(root / folder), 1, f"no {folder} (*.yaml files) found"))
        paths.extend(found)
        problems += [
            Problem(str(p), 1, "not read: catalogue files end in .yaml")
            for p in sorted((root / folder).glob("*.yml"))
        ]
    sources = [Source(p.relative_to(root).as_posix(), str(p), p.read_bytes()) for p in paths]
    return sources, problems if report_missing else []


def catalogue_digest(sources: Iterable[Source]) -> str:
    """SHA-256 over each file's path and bytes, so a rename also changes it."""
    digest = hashlib.sha256()
    for source in sorted(sources, key=lambda s: s.relative):
        name = source.relative.encode()
        digest.update(len(name).to_bytes(4, "big") + name)
        digest.update(len(source.data).to_bytes(8, "big") + source.data)
    return digest.hexdigest()


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line))


# -- checks across files --------------------------------------------------------------------


def _assemble(files: CatalogueFiles, digest: str) -> ParsedCatalogue | None:
    """Check across files; the typed catalogue, or None when catalogue.yaml was unreadable."""
    files.problems.extend(_cross_check(files))
    if files.index is None:
        return None
    area_positions = {a.slug: i for i, a in enumerate(files.areas)}
    practices = sorted(  # stable: within an area, the order of its file
        (p for f in files.practice_files for p in f.practices),
        key=lambda p: area_positions.get(p.area, len(area_positions)),
    )
    return ParsedCatalogue(
        version=files.index.version,
        released_on=files.index.released_on,
        changelog=files.index.changelog,
        frameworks=tuple(sorted(files.frameworks, key=lambda f: (f.position, f.slug))),
        areas=tuple(files.areas),
        practices=tuple(practices),
        profiles=tuple(files.profiles),
        digest=digest,
    )


def _cross_check(files: CatalogueFiles) -> list[Problem]:
    practices = [p for f in files.practice_files for p in f.practices]
    problems = _duplicates(((f.slug, f.where) for f in files.frameworks), "framework id")
    problems += _duplicates(((a.slug, a.where) for a in files.areas), "area id")
    problems += _duplicates(((p.slug, p.where) for p in practices), "practice id")
    problems += _duplicates(((p.slug, p.where) for p in files.profiles), "profile id")
    for framework in files.frameworks:
        norms = ((n.key, n.where) for n in framework.norms)
        problems += _duplicates(norms, f"norm id in '{framework.slug}'")
    if "areas" not in files.unreadable:
        problems += _check_areas(files.practice_files, {a.slug for a in files.areas})
    if "frameworks" not in files.unreadable:
        problems += _check_mappings(practices, files.frameworks)
    if "practices" not in files.unreadable:
        problems += _check_profiles(files.profiles, {p.slug for p in practices})
    return problems


def _duplicates(items: Iterable[tuple[str, Where]], label: str) -> list[Problem]:
    first_seen: dict[str, Where] = {}
    problems = []
    for key, where in items:
        if key and key in first_seen:
            message = f"duplicate {label} '{key}' (first at {first_seen[key]})"
            problems.append(where.problem(message))
        first_seen.setdefault(key, where)
    return problems


def _check_areas(files: list[PracticeFile], area_ids: set[str]) -> list[Problem]:
    known = ", ".join(sorted(area_ids)) or "none"
    return [
        f.where.problem(f"unknown area '{f.area}' (areas.yaml lists: {known})")
        for f in files
        if f.area and f.area not in area_ids
    ]


def _check_mappings(
    practices: list[PracticeEntry], frameworks: list[FrameworkEntry]
) -> list[Problem]:
    norms = {f.slug: {n.key for n in f.norms} for f in frameworks}
    problems = []
    for practice in practices:
        seen: set[str] = set()
        for mapping in practice.mappings:
            problem = _mapping_problem(mapping, norms, seen)
            if problem:
                problems.append(mapping.where.problem(f"practice '{practice.slug}': {problem}"))
            seen.add(mapping.qualified_norm)
    return problems


def _mapping_problem(mapping: MappingEntry, norms: dict[str, set[str]], seen: set[str]) -> str:
    if not mapping.framework or not mapping.norm:
        return ""  # already reported as malformed
    if mapping.framework not in norms:
        known = ", ".join(sorted(norms)) or "none"
        return f"maps to unknown framework '{mapping.framework}' (known: {known})"
    if mapping.norm not in norms[mapping.framework]:
        return f"maps to unknown norm '{mapping.qualified_norm}'"
    if mapping.qualified_norm in seen:
        return f"maps to '{mapping.qualified_norm}' twice"
    return ""


def _check_profiles(profiles: list[ProfileEntry], practice_ids: set[str]) -> list[Problem]:
    problems = []
    for profile in profiles:
        seen: set[str] = set()
        for practice, where in zip(profile.practices, profile.practice_wheres, strict=True):
            if practice and practice not in practice_ids:
                problems.append(
                    where.problem(f"profile '{profile.slug}' names unknown practice '{practice}'")
                )
            elif practice in seen:
                problems.append(where.problem(f"profile '{profile.slug}' names '{practice}' twice"))
            seen.add(practice)
    return problems


# -- a lone file, checked against the bundled catalogue ------------------------------------


def _read_lone_file(path: Path) -> list[Problem]:
    """Check one practices or framework file with the bundled catalogue as its context.

    The lone file takes the place of the bundled file for the same area (practices) or
    framework, so an edited copy of a bundled file does not clash with its original.
    """
    lone = Source(path.name, str(path), path.read_bytes())
    kind = _lone_kind(lone)
    if kind is None:
        return [Problem(str(path), 1, _LONE_HELP)]
    bundled, _ = collect_sources(BUNDLED, report_missing=False) if BUNDLED.is_dir() else ([], [])
    files, mine = CatalogueFiles(), CatalogueFiles()
    mine.add(lone, kind)
    replaced = _replaced_files(bundled, mine, kind)
    for source in bundled:
        if source.display not in replaced:
            files.add(source)
    files.merge(mine)
    _assemble(files, "")
    return files.problems


_LONE_HELP = (
    "not a catalogue file: expected a practices file (area, practices), a framework file "
    "(id, norms), areas.yaml, profiles.yaml or catalogue.yaml"
)
_LONE_KINDS = {
    "practices": "practices",
    "norms": "frameworks",
    "areas": "areas",
    "profiles": "profiles",
    "version": "catalogue",
}


def _lone_kind(source: Source) -> str | None:
    """What kind of catalogue file this is, from its top-level fields."""
    try:
        node = limits.compose_yaml(source.data.decode("utf-8", "replace"), CATALOGUE_LIMITS)
    except limits.ParseRefused:
        # Unreadable: parse it as a practices file so that the syntax error is reported.
        return "practices"
    if not isinstance(node, yaml.MappingNode):
        return None
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return next((kind for key, kind in _LONE_KINDS.items() if key in keys), None)


def _replaced_files(bundled: list[Source], mine: CatalogueFiles, kind: str) -> set[str]:
    """The bundled files the lone file stands in for."""
    if kind not in ("practices", "frameworks"):
        return {s.display for s in bundled if s.kind == kind}
    context = CatalogueFiles()
    for source in bundled:
        if source.kind == kind:
            context.add(source)
    if kind == "practices":
        areas = {f.area for f in mine.practice_files}
        return {f.where.file for f in context.practice_files if f.area in areas}
    slugs = {f.slug for f in mine.frameworks}
    return {f.where.file for f in context.frameworks if f.slug in slugs}
