"""Writing the catalogue: loading a version from its YAML files into the database."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from accord.audit.services import record_event
from accord.catalogue.exceptions import CatalogueInvalid
from accord.catalogue.models import (
    Area,
    CatalogueVersion,
    Framework,
    Mapping,
    Norm,
    Practice,
    Profile,
)
from accord.catalogue.parsing import ParsedCatalogue, PracticeEntry, Problem
from accord.catalogue.validation import (
    BUNDLED,
    catalogue_digest,
    collect_sources,
    find_root,
    read_sources,
)


@transaction.atomic
def load_catalogue(*, path: Path | None = None, actor: Any = None) -> CatalogueVersion:
    """Load the catalogue folder at `path` (default: the bundled one) as the current version.

    Frameworks, norms, areas, practices, mappings and profiles are upserted by their stable
    ids. A practice no longer in the files is marked withdrawn in this version, never
    deleted, because commitments point at it; one that comes back is reinstated.

    Idempotent, and cheap when nothing changed: the files' SHA-256 digest is compared with
    the current version's before anything is parsed, and when they match nothing is
    written and no audit event is recorded, so `accord init` can call this every time.
    Any other load, a new version or edited files under the same version number, writes
    the changes and records one `catalogue:version:load` event with the counts.

    Raises `CatalogueInvalid` (with every problem) and loads nothing if the files are wrong.
    """
    root = find_root(path or BUNDLED)
    if root is None:
        where = str(path or BUNDLED)
        raise CatalogueInvalid([Problem(where, 1, "no catalogue.yaml in or above this folder")])
    sources, missing = collect_sources(root)
    current = CatalogueVersion.objects.filter(is_current=True).first()
    if current is not None and not missing and current.digest == catalogue_digest(sources):
        return current
    result = read_sources(sources, missing)
    if result.problems or result.catalogue is None:
        raise CatalogueInvalid(result.problems)
    return _load(result.catalogue, actor)


@dataclass
class _Outcome:
    introduced: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)


def _load(catalogue: ParsedCatalogue, actor: Any) -> CatalogueVersion:
    frameworks = _sync_frameworks(catalogue)
    norms = _sync_norms(catalogue, frameworks)
    areas = _sync_areas(catalogue)
    outcome = _Outcome()
    practices = _sync_practices(catalogue, areas, outcome)
    mappings = _sync_mappings(catalogue, practices, norms)
    _sync_profiles(catalogue, practices)
    Area.objects.exclude(slug__in=list(areas)).filter(practices__isnull=True).delete()
    version = _record_version(catalogue)
    data = {
        "version": catalogue.version,
        "digest": catalogue.digest,
        "frameworks": len(frameworks),
        "norms": len(norms),
        "areas": len(areas),
        "practices": len(practices),
        "automated": sum(1 for p in catalogue.practices if p.verification == "automated"),
        "mappings": mappings,
        "profiles": len(catalogue.profiles),
        "introduced": outcome.introduced,
        "withdrawn": outcome.withdrawn,
        "reinstated": outcome.reinstated,
    }
    record_event(tag="catalogue:version:load", actor=actor, target=version, data=data)
    return version


def _sync[K: Hashable, M: models.Model](
    model: type[M],
    existing: Iterable[M],
    key_of: Callable[[M], K],
    wanted: dict[K, dict[str, Any]],
    identity: Callable[[K], dict[str, Any]],
) -> tuple[dict[K, M], list[M]]:
    """Create the wanted rows that are missing and update the ones that differ.

    Returns the wanted rows by key, and the existing rows that are not wanted (for the
    caller to delete or withdraw). Three queries at most, whatever the number of rows.
    """
    by_key = {key_of(obj): obj for obj in existing}
    created, updated = [], []
    for key, values in wanted.items():
        obj = by_key.get(key)
        if obj is None:
            by_key[key] = obj = model(**identity(key), **values)
            created.append(obj)
        elif any(getattr(obj, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(obj, name, value)
            updated.append(obj)
    model._default_manager.bulk_create(created)
    if updated:
        names = sorted({name for values in wanted.values() for name in values})
        model._default_manager.bulk_update(updated, names)
    stale = [obj for key, obj in by_key.items() if key not in wanted]
    return {key: by_key[key] for key in wanted}, stale


def _sync_frameworks(catalogue: ParsedCatalogue) -> dict[str, Framework]:
    wanted = {
        f.slug: {
            "title": f.title,
            "short_title": f.short_title,
            "publisher": f.publisher,
            "year": f.year,
            "source_title": f.source_title,
            "source_url": f.source_url,
            "description": f.description,
            "position": f.position,
        }
        for f in catalogue.frameworks
    }
    rows, stale = _sync(
        Framework, Framework.objects.all(), lambda f: f.slug, wanted, lambda k: {"slug": k}
    )
    # Norms and their mappings go with the framework; practices stay.
    Framework.objects.filter(pk__in=[f.pk for f in stale]).delete()
    return rows


def _sync_norms(catalogue: ParsedCatalogue, frameworks: dict[str, Framework]) -> dict[str, Norm]:
    wanted = {
        (frameworks[f.slug].pk, n.key): {
            "reference": n.reference,
            "title": n.title,
            "summary": n.summary,
            "private_sector_actionable": n.private_sector_actionable,
            "actionability_note": n.actionability,
            "position": position,
        }
        for f in catalogue.frameworks
        for position, n in enumerate(f.norms)
    }
    rows, stale = _sync(
        Norm,
        Norm.objects.all(),
        lambda n: (n.framework_id, n.key),
        wanted,
        lambda k: {"framework_id": k[0], "key": k[1]},
    )
    Norm.objects.filter(pk__in=[n.pk for n in stale]).delete()
    slugs = {f.pk: slug for slug, f in frameworks.items()}
    return {f"{slugs[fw]}:{key}": norm for (fw, key), norm in rows.items()}


def _sync_areas(catalogue: ParsedCatalogue) -> dict[str, Area]:
    wanted = {
        a.slug: {"title": a.title, "description": a.description, "position": position}
        for position, a in enumerate(catalogue.areas)
    }
    # Areas no longer listed are deleted by the caller once no practice needs them.
    rows, _ = _sync(Area, Area.objects.all(), lambda a: a.slug, wanted, lambda k: {"slug": k})
    return rows


def _sync_practices(
    catalogue: ParsedCatalogue, areas: dict[str, Area], outcome: _Outcome
) -> dict[str, Practice]:
    existing = list(Practice.objects.all())
    was_withdrawn = {p.slug for p in existing if p.withdrawn_in is not None}
    wanted = {
        p.slug: _practice_fields(p, areas[p.area], position)
        for position, p in enumerate(catalogue.practices)
    }
    version = catalogue.version
    rows, stale = _sync(
        Practice,
        existing,
        lambda p: p.slug,
        wanted,
        lambda k: {"slug": k, "introduced_in": version},
    )
    withdrawn = [p for p in stale if p.withdrawn_in is None]
    for practice in withdrawn:
        practice.withdrawn_in = version
    Practice.objects.bulk_update(withdrawn, ["withdrawn_in"])
    outcome.introduced = sorted(set(wanted) - {p.slug for p in existing})
    outcome.withdrawn = sorted(p.slug for p in withdrawn)
    outcome.reinstated = sorted(was_withdrawn & set(wanted))
    return rows


def _practice_fields(entry: PracticeEntry, area: Area, position: int) -> dict[str, Any]:
    references = [
        {name: value for name, value in vars(ref).items() if value is not None}
        for ref in entry.references
    ]
    return {
        "area_id": area.pk,
        "title": entry.title,
        "statement": entry.statement,
        "rationale": entry.rationale,
        "verification": entry.verification,
        "check_id": entry.check_id,
        "evidence": entry.evidence,
        "level": entry.level,
        "references": references,
        "position": position,
        "withdrawn_in": None,
        "search_text": search_document(entry),
    }


def search_document(entry: PracticeEntry) -> str:
    """The text the practice search matches: case-folded, so any script compares alike."""
    parts = [entry.slug, entry.title, entry.statement, entry.rationale, entry.evidence]
    for ref in entry.references:
        parts += [ref.standard, ref.section or "", ref.url or ""]
    return "\n".join(part for part in parts if part).casefold()


def _sync_mappings(
    catalogue: ParsedCatalogue, practices: dict[str, Practice], norms: dict[str, Norm]
) -> int:
    wanted = {
        (practices[p.slug].pk, norms[m.qualified_norm].pk): {"interpretation": m.interpretation}
        for p in catalogue.practices
        for m in p.mappings
    }
    # A withdrawn practice keeps the mappings it had when it was withdrawn.
    existing = Mapping.objects.filter(practice_id__in=[p.pk for p in practices.values()])
    _, stale = _sync(
        Mapping,
        existing,
        lambda m: (m.practice_id, m.norm_id),
        wanted,
        lambda k: {"practice_id": k[0], "norm_id": k[1]},
    )
    Mapping.objects.filter(pk__in=[m.pk for m in stale]).delete()
    return len(wanted)


def _sync_profiles(catalogue: ParsedCatalogue, practices: dict[str, Practice]) -> None:
    wanted = {
        p.slug: {"title": p.title, "description": p.description, "position": position}
        for position, p in enumerate(catalogue.profiles)
    }
    rows, stale = _sync(
        Profile, Profile.objects.all(), lambda p: p.slug, wanted, lambda k: {"slug": k}
    )
    Profile.objects.filter(pk__in=[p.pk for p in stale]).delete()
    for entry in catalogue.profiles:
        rows[entry.slug].practices.set([practices[slug] for slug in entry.practices])


def _record_version(catalogue: ParsedCatalogue) -> CatalogueVersion:
    changelog = [
        {
            "version": e.version,
            "date": e.date.isoformat() if e.date else None,
            "changes": list(e.changes),
        }
        for e in catalogue.changelog
    ]
    version, _ = CatalogueVersion.objects.update_or_create(
        version=catalogue.version,
        defaults={
            "released_on": catalogue.released_on,
            "changes": list(catalogue.changes),
            "changelog": changelog,
            "digest": catalogue.digest,
            "loaded_at": timezone.now(),
            "is_current": True,
        },
    )
    CatalogueVersion.objects.exclude(pk=version.pk).update(is_current=False)
    return version
