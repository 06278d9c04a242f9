"""The JSON schemas the CSAF checks validate against (README.md gives sources and licences).

Every `$ref` resolves inside this folder: the registry's `retrieve` refuses anything else,
so validation never reaches the network.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

CSAF_ADVISORY = "csaf_json_schema.json"
CSAF_PROVIDER_METADATA = "provider_json_schema.json"

# file -> the URIs documents use to refer to it (CSAF refers to the CVSS schemas without the
# `?date` suffix their own ids carry).
_FILES = {
    CSAF_ADVISORY: (),
    CSAF_PROVIDER_METADATA: (),
    "cvss-v2.0.json": ("https://www.first.org/cvss/cvss-v2.0.json",),
    "cvss-v3.0.json": ("https://www.first.org/cvss/cvss-v3.0.json",),
    "cvss-v3.1.json": ("https://www.first.org/cvss/cvss-v3.1.json",),
}


def _refuse(uri: str) -> Resource[Any]:
    raise NoSuchResource(uri)


def _load(name: str) -> Any:
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


@cache
def registry() -> Registry[Any]:
    """All bundled schemas, under their own ids and the URIs that refer to them."""
    pairs: list[tuple[str, Resource[Any]]] = []
    for name, aliases in _FILES.items():
        resource = Resource.from_contents(_load(name))
        pairs += [(uri, resource) for uri in (resource.id(), *aliases) if uri]
    return Registry(retrieve=_refuse).with_resources(pairs)  # type: ignore[call-arg]


@cache
def validator(name: str) -> Draft202012Validator:
    """A validator for the bundled schema `name` (compiled once per process)."""
    return Draft202012Validator(_load(name), registry=registry())


def schema_errors(name: str, document: Any, *, limit: int = 10) -> list[str]:
    """Up to `limit` readable messages, `<JSON path>: <problem>`, sorted by path."""
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(map(str, e.path)))
    return [f"{error.json_path}: {error.message[:300]}" for error in errors[:limit]]
