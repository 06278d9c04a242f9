"""Fixtures for the fetcher, scanner and CLI tests: the fake internet on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accord.engine import scanner
from accord.engine.testing.fake_internet import FakeInternet
from accord.engine.testing.stub_cli import STUB_ASSESS


@pytest.fixture
def fake_internet() -> Iterator[Callable[..., FakeInternet]]:
    """Start a FakeInternet with the given sites; it stops at the end of the test."""
    started: list[FakeInternet] = []

    def start(sites: dict[str, Any] | None = None, **options: Any) -> FakeInternet:
        net = FakeInternet(sites, **options)
        net.start()
        started.append(net)
        return net

    yield start
    for net in started:
        net.stop()


@pytest.fixture
def stub_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the scanner's stub check set (accord.engine.testing.stub_checks)."""
    monkeypatch.setattr(scanner, "ASSESS", STUB_ASSESS)
