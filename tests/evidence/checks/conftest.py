"""Fixtures for the checks' tests."""

from __future__ import annotations

import pytest
from tests.evidence.checks.fakes import FakeFetcher


@pytest.fixture
def fetcher() -> FakeFetcher:
    return FakeFetcher()
