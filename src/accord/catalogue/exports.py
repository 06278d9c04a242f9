"""The loaded catalogue in open formats: JSON and YAML open data, and an OSCAL catalog.

The open-data form is the catalogue as its YAML says it, withdrawn practices left out,
with a stable key order so that two exports of the same catalogue are identical.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from accord.catalogue import selectors
from accord.catalogue.exceptions import CatalogueNotLoaded
from accord.catalogue.models import CatalogueVersion, Framework, Norm, Practice, Profile

FORMATS = ("json", "yaml", "oscal")
MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml", "oscal": "application/json"}
OSCAL_TITLE = "Accord norms catalogue"

__all__ = ["FORMATS", "MEDIA_TYPES", "CatalogueNotLoaded", "export_catalogue", "open_data"]


def export_catalogue(*, fmt: str) -> str:
    """The current catalogue as `json`, `yaml` or `oscal` (an OSCAL catalog in JSON).

    Raises `CatalogueNotLoaded` before `accord init`, `ValueError` for another format.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    version = selectors.current_version()
    if version is None:
        raise CatalogueNotLoaded()
    data = open_data(version)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    # trestle takes a third of a second to import; only OSCAL exports pay for it.
    from accord.catalogue.oscal import build_catalog

    catalog = build_catalog(data, digest=version.digest, title=OSCAL_TITLE)
    return catalog.oscal_serialize_json(pretty=True)


def open_data(version: CatalogueVersion) -> dict[str, Any]:
    """The catalogue as plain data, in the documented key order."""
    return {
        "version": version.version,
        "released_on": version.released_on.isoformat() if version.released_on else None,
        "frameworks": [_framework(f) for f in selectors.list_frameworks()],
        "areas": [
            {"id": a.slug, "title": a.title, "description": a.description}
            for a in selectors.list_areas()
        ],
        "practices": [_practice(p) for p in selectors.practices_for_export()],
        "profiles": [_profile(p) for p in selectors.list_profiles()],
    }


def _framework(framework: Framework) -> dict[str, Any]:
    return {
        "id": framework.slug,
        "title": framework.title,
        "short_title": framework.short_title,
        "publisher": framework.publisher,
        "year": framework.year,
        "source": {"title": framework.source_title, "url": framework.source_url},
        "description": framework.description,
        "norms": [_norm(n) for n in framework.norms.all()],
    }


def _norm(norm: Norm) -> dict[str, Any]:
    return {
        "id": norm.key,
        "reference": norm.reference,
        "title": norm.title,
        "summary": norm.summary,
        "private_sector_actionable": norm.private_sector_actionable,
        "actionability": norm.actionability_note,
    }


def _practice(practice: Practice) -> dict[str, Any]:
    return {
        "id": practice.slug,
        "area": practice.area.slug,
        "title": practice.title,
        "statement": practice.statement,
        "rationale": practice.rationale,
        "verification": practice.verification_method,
        "evidence": practice.evidence,
        "level": practice.level,
        "references": [
            {"standard": r["standard"], "section": r.get("section"), "url": r.get("url")}
            for r in practice.references
        ],
        "mappings": [
            {
                "framework": m.norm.framework.slug,
                "norm": m.norm.key,
                "interpretation": m.interpretation,
            }
            for m in practice.mappings.all()
        ],
    }


def _profile(profile: Profile) -> dict[str, Any]:
    practices = getattr(profile, "current_practices", [])
    return {
        "id": profile.slug,
        "title": profile.title,
        "description": profile.description,
        "practices": [p.slug for p in practices],
    }
