"""The formats an advisory is published in, each a builder and a validator.

A builder turns a `Snapshot` into the format's JSON document (a dict; for CVE JSON 5,
a dict of records by CVE id). A validator returns the document's failures, each with
its JSON path; an empty list means the document may be published.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accord.cvd.advisories.snapshot import Snapshot


@dataclass(frozen=True)
class Failure:
    """Why a document may not be published: where (a JSON path, `$.document.title`)
    and what is wrong."""

    format: str
    path: str
    message: str


@dataclass(frozen=True)
class Format:
    key: str  # cve, csaf, csaf-vex, openvex
    label: str
    media_type: str
    build: Callable[[Snapshot], dict[str, Any]]
    validate: Callable[[dict[str, Any]], list[Failure]]
    # Whether the advisory has this format at all: CVE records only for CVE ids.
    applies: Callable[[Snapshot], bool] = lambda snapshot: True


# The modules that each define `FORMATS: tuple[Format, ...]`, in the order offered.
_MODULES = ("cve", "csaf", "openvex")


def all_formats() -> dict[str, Format]:
    """Every format by key, from the modules that define them."""
    from importlib import import_module

    found: dict[str, Format] = {}
    for name in _MODULES:
        module = import_module(f"accord.cvd.advisories.{name}")
        found.update((f.key, f) for f in module.FORMATS)
    return found
