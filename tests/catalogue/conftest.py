"""Catalogue fixtures: the small catalogue of `factories`, and the bundled one."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.catalogue.models import CatalogueVersion
from accord.catalogue.services import load_catalogue
from accord.catalogue.validation import BUNDLED
from tests.catalogue.factories import write_catalogue


@pytest.fixture
def mini_path(tmp_path: Path) -> Path:
    """The small test catalogue, written to a fresh folder."""
    return write_catalogue(tmp_path / "catalogue")


@pytest.fixture
def mini_catalogue(db: None, mini_path: Path) -> CatalogueVersion:
    """The small test catalogue, loaded."""
    return load_catalogue(path=mini_path)


@pytest.fixture
def catalogue(db: None) -> CatalogueVersion:
    """The bundled catalogue, loaded (skipped while its content is still being written)."""
    if not (BUNDLED / "profiles.yaml").is_file():
        pytest.skip(f"the bundled catalogue is not written yet ({BUNDLED}/profiles.yaml missing)")
    return load_catalogue()
