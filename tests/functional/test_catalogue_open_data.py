"""A developer reads the bundled catalogue through the public API and its exports."""

from __future__ import annotations

import json

import pytest
import yaml
from django.test import Client
from trestle.oscal.catalog import Catalog

from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.catalogue.validation import BUNDLED

pytestmark = pytest.mark.django_db
API = "/api/v1/catalogue"


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    if not (BUNDLED / "profiles.yaml").is_file():
        pytest.skip("the bundled catalogue is not written yet")
    return load_catalogue()


def all_practices(client: Client) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    while True:
        page = client.get(f"{API}/practices", {"limit": 20, "offset": len(items)}).json()
        items += page["items"]
        if len(items) >= page["count"]:
            return items


def test_paging_the_api_gives_what_the_exports_give(
    client: Client, catalogue: CatalogueVersion
) -> None:
    paged = [p["id"] for p in all_practices(client)]
    exported = json.loads(client.get(f"{API}/export").content)
    assert paged == [p["id"] for p in exported["practices"]]
    assert len(set(paged)) == len(paged) == client.get(f"{API}/").json()["practices"]
    assert yaml.safe_load(client.get(f"{API}/export", {"format": "yaml"}).content) == exported
    oscal = json.loads(client.get(f"{API}/export", {"format": "oscal"}).content)
    catalog = Catalog.model_validate(oscal["catalog"])
    controls = [c.id for g in catalog.groups or [] for c in getattr(g, "controls", None) or []]
    assert sorted(controls) == sorted(paged)


def test_a_practice_reads_the_same_in_the_api_and_the_export(
    client: Client, catalogue: CatalogueVersion
) -> None:
    exported = {p["id"]: p for p in json.loads(client.get(f"{API}/export").content)["practices"]}
    detail = client.get(f"{API}/practices/cvd.security-txt").json()
    assert detail["mappings"] == exported["cvd.security-txt"]["mappings"]
    assert detail["references"] == exported["cvd.security-txt"]["references"]
    for mapping in detail["mappings"]:
        norm = f"{mapping['framework']}:{mapping['norm']}"
        found = client.get(f"{API}/practices", {"norm": norm}).json()
        assert "cvd.security-txt" in [p["id"] for p in found["items"]]


def test_every_profile_names_practices_the_api_knows(
    client: Client, catalogue: CatalogueVersion
) -> None:
    known = {p["id"] for p in all_practices(client)}
    for profile in client.get(f"{API}/profiles").json():
        assert profile["practices"]
        assert set(profile["practices"]) <= known
        assert client.get(f"{API}/profiles/{profile['id']}").json() == profile
