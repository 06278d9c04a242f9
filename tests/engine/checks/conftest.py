"""Fixtures for the checks' tests."""

from __future__ import annotations

import pytest
from tests.engine.checks.fakes import FakeFetcher


@pytest.fixture
def fetcher() -> FakeFetcher:
    return FakeFetcher()
