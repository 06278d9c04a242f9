"""Fixtures for the publication tests: stand-in formats (the real builders are written
elsewhere), registered by replacing `all_formats`, and a case ready to publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from accord.cvd.advisories import formats
from accord.cvd.advisories.formats import Failure, Format
from accord.cvd.advisories.snapshot import Snapshot
from accord.cvd.models import Case
from accord.cvd.services import products, statements

MEDIA = {
    "cve": "application/json",
    "csaf": "application/json",
    "csaf-vex": "application/json",
    "openvex": "application/json",
}


@dataclass
class FakeFormats:
    """The formats in use; `failing` names formats whose validator refuses."""

    failing: dict[str, list[Failure]] = field(default_factory=dict)
    built: list[Snapshot] = field(default_factory=list)

    def fail(self, key: str, path: str, message: str) -> None:
        self.failing.setdefault(key, []).append(Failure(key, path, message))

    def make(self, key: str) -> Format:
        def build(snapshot: Snapshot) -> dict[str, Any]:
            self.built.append(snapshot)
            return {
                "format": key,
                "tracking_id": snapshot.reference,
                "version": snapshot.version,
                "title": snapshot.title,
                "tlp": snapshot.tlp,
                "withdrawn": snapshot.withdrawn,
                "note": "<script>alert(1)</script>",
                "products": [p.key for p in snapshot.products],
                "released": snapshot.current_release,
            }

        def validate(document: dict[str, Any]) -> list[Failure]:
            return list(self.failing.get(key, []))

        return Format(key, key.upper(), MEDIA[key], build, validate)


@pytest.fixture
def fake_formats(monkeypatch: pytest.MonkeyPatch) -> FakeFormats:
    fakes = FakeFormats()
    registry = {key: fakes.make(key) for key in MEDIA}
    monkeypatch.setattr(formats, "all_formats", lambda: dict(registry))
    return fakes


def make_ready(world: Any, case: Case | None = None) -> Case:
    """Give the world's vulnerability a product and both vendors' statements."""
    case = case or world.case
    vulnerability = case.vulnerabilities.get(number=1)
    product = products.add_affected_product(
        actor=world.secretariat, vulnerability=vulnerability, purl="pkg:npm/acme/router@1.0"
    )
    statements.make_statement(
        actor=world.secretariat,
        participant=world.participant_a,
        vulnerability=vulnerability,
        product=product,
        status="affected",
    )
    statements.make_statement(
        actor=world.secretariat,
        participant=world.participant_b,
        vulnerability=vulnerability,
        status="not_affected",
        justification="component_not_present",
    )
    case.refresh_from_db()
    return case


@pytest.fixture
def ready(cvd_world: Any, fake_formats: FakeFormats) -> Case:
    """The world's case (TLP:AMBER, led by the secretariat), ready to publish."""
    return make_ready(cvd_world)
