"""Exports: the open-data JSON and YAML, and an OSCAL catalog that trestle reads back."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from trestle.oscal.catalog import Catalog

from accord.catalogue.exceptions import CatalogueNotLoaded
from accord.catalogue.exports import export_catalogue
from accord.catalogue.models import CatalogueVersion, Practice
from accord.catalogue.services import load_catalogue
from tests.catalogue.factories import CVD_YAML, PROFILES_YAML, write_catalogue

pytestmark = pytest.mark.django_db


def exported(fmt: str = "json") -> Any:
    return json.loads(export_catalogue(fmt=fmt))


def walk_groups(groups: list[Any] | None) -> list[Any]:
    found = []
    for group in groups or []:
        found.append(group)
        found += walk_groups(getattr(group, "groups", None))
    return found


def test_nothing_loaded_tells_what_to_run(db: None) -> None:
    with pytest.raises(CatalogueNotLoaded, match="run `accord init`"):
        export_catalogue(fmt="json")


def test_unknown_format(mini_catalogue: CatalogueVersion) -> None:
    with pytest.raises(ValueError, match="json, yaml, oscal"):
        export_catalogue(fmt="xml")


def test_json_shape_and_key_order(mini_catalogue: CatalogueVersion) -> None:
    data = exported()
    assert list(data) == ["version", "released_on", "frameworks", "areas", "practices", "profiles"]
    assert (data["version"], data["released_on"]) == ("1.0.0", "2026-01-15")
    framework = data["frameworks"][0]
    assert list(framework) == [
        "id", "title", "short_title", "publisher", "year", "source", "description", "norms",
    ]  # fmt: skip
    assert framework["source"] == {"title": "A/70/174", "url": "https://undocs.org/A/70/174"}
    assert list(framework["norms"][0]) == [
        "id", "reference", "title", "summary", "private_sector_actionable", "actionability",
    ]  # fmt: skip
    assert [f["id"] for f in data["frameworks"]] == ["gge", "tech-accord"]
    assert [n["id"] for n in data["frameworks"][1]["norms"]] == ["1", "2"]
    assert data["areas"][0] == {
        "id": "cvd",
        "title": "Vulnerability disclosure",
        "description": "Receiving and handling vulnerability reports.",
    }
    practice = data["practices"][0]
    assert list(practice) == [
        "id", "area", "title", "statement", "rationale", "verification", "evidence", "level",
        "references", "mappings",
    ]  # fmt: skip
    assert practice["verification"] == "automated:security-txt"
    assert practice["references"] == [
        {"standard": "RFC 9116", "section": None, "url": "https://www.rfc-editor.org/rfc/rfc9116"}
    ]
    assert practice["mappings"][1] == {
        "framework": "tech-accord",
        "norm": "1",
        "interpretation": "Protecting users starts with hearing about flaws.",
    }
    assert data["profiles"][0] == {
        "id": "starter",
        "title": "Starter",
        "description": "The first steps for any organisation.",
        "practices": ["cvd.security-txt", "cvd.policy"],
    }


def test_json_is_indented_and_stable(mini_catalogue: CatalogueVersion) -> None:
    text = export_catalogue(fmt="json")
    assert text.startswith('{\n  "version": "1.0.0",')
    assert export_catalogue(fmt="json") == text


def test_withdrawn_practices_are_left_out(tmp_path: Path, mini_catalogue: CatalogueVersion) -> None:
    load_catalogue(
        path=write_catalogue(
            tmp_path / "v",
            {
                "practices/cvd.yaml": CVD_YAML.split("  - id: cvd.policy")[0],
                "profiles.yaml": PROFILES_YAML.replace("      - cvd.policy\n", ""),
            },
        )
    )
    data = exported()
    assert [p["id"] for p in data["practices"]] == ["cvd.security-txt", "sc.sbom"]
    assert "cvd.policy" not in json.dumps(data)


def test_yaml_says_the_same_as_json(mini_catalogue: CatalogueVersion) -> None:
    assert yaml.safe_load(export_catalogue(fmt="yaml")) == exported()


class TestOscal:
    def catalog(self) -> Catalog:
        return Catalog.model_validate(exported("oscal")["catalog"])

    def test_trestle_reads_it_back(self, mini_catalogue: CatalogueVersion) -> None:
        catalog = self.catalog()
        assert catalog.metadata.version == "1.0.0"
        assert catalog.metadata.title == "Accord norms catalogue"
        assert str(catalog.metadata.last_modified).startswith("2026-01-15")

    def test_one_control_per_practice(self, mini_catalogue: CatalogueVersion) -> None:
        controls = [
            c
            for g in walk_groups(self.catalog().groups)
            for c in getattr(g, "controls", None) or []
        ]
        assert [c.id for c in controls] == ["cvd.security-txt", "cvd.policy", "sc.sbom"]
        assert len(controls) == Practice.objects.current().count()

    def test_control_parts_and_props(self, mini_catalogue: CatalogueVersion) -> None:
        (area, *_) = self.catalog().groups or []
        control = (area.controls or [])[0]
        parts = {p.name: p.prose for p in control.parts or []}
        assert parts["statement"].startswith("Publish /.well-known/security.txt")
        assert parts["guidance"] == "Finders need to know where to send a report."
        assert parts["assessment-objective"].startswith("The file at /.well-known/security.txt")
        props = {p.name: p.value for p in control.props or []}
        assert props == {
            "label": "cvd.security-txt",
            "level": "baseline",
            "verification": "automated",
            "check-id": "security-txt",
        }

    def test_frameworks_and_norms_are_groups(self, mini_catalogue: CatalogueVersion) -> None:
        groups = walk_groups(self.catalog().groups)
        by_class = {cls: [g.id for g in groups if g.class_ == cls] for cls in ("framework", "norm")}
        assert by_class["framework"] == ["framework.gge", "framework.tech-accord"]
        assert by_class["norm"] == [
            "norm.gge.13j",
            "norm.gge.13i",
            "norm.tech-accord.1",
            "norm.tech-accord.2",
        ]

    def test_links_resolve_inside_the_document(self, mini_catalogue: CatalogueVersion) -> None:
        catalog = self.catalog()
        groups = walk_groups(catalog.groups)
        group_ids = {g.id for g in groups}
        resources = (
            {r.uuid for r in (catalog.back_matter.resources or [])}
            if catalog.back_matter
            else set()
        )
        links = [
            link
            for g in groups
            for c in getattr(g, "controls", None) or []
            for link in c.links or []
        ]
        links += [link for g in groups for link in g.links or []]
        maps_to = [link.href[1:] for link in links if link.rel == "maps-to"]
        references = [link.href[1:] for link in links if link.rel == "reference"]
        assert len(maps_to) == 4
        assert set(maps_to) <= group_ids
        assert references
        assert set(references) <= resources

    def test_reproducible_with_uuid5(self, mini_catalogue: CatalogueVersion) -> None:
        text = export_catalogue(fmt="oscal")
        assert export_catalogue(fmt="oscal") == text
        catalog = self.catalog()
        assert uuid.UUID(catalog.uuid).version == 5
        resources = catalog.back_matter.resources if catalog.back_matter else None
        assert resources
        assert all(uuid.UUID(r.uuid).version == 5 for r in resources)


def test_bundled_catalogue_exports_in_every_format(catalogue: CatalogueVersion) -> None:
    data = exported()
    assert len(data["practices"]) == Practice.objects.current().count()
    catalog = Catalog.model_validate(exported("oscal")["catalog"])
    controls = [c for g in walk_groups(catalog.groups) for c in getattr(g, "controls", None) or []]
    assert sorted(c.id for c in controls) == sorted(p["id"] for p in data["practices"])
    assert yaml.safe_load(export_catalogue(fmt="yaml")) == data
