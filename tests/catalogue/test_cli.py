"""The `accord catalogue` commands, driven through the CLI as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from accord.catalogue.models import CatalogueVersion
from accord.cli import main
from tests.catalogue.factories import CVD_YAML, write_catalogue


def test_validate_a_valid_catalogue(mini_path: Path) -> None:
    result = CliRunner().invoke(main, ["catalogue", "validate", str(mini_path)])
    assert result.exit_code == 0
    assert f"{mini_path}: valid" in result.output


def test_validate_prints_file_line_and_message(tmp_path: Path) -> None:
    root = write_catalogue(
        tmp_path / "catalogue",
        {"practices/cvd.yaml": CVD_YAML.replace("automated:security-txt", "automated:nope")},
    )
    result = CliRunner().invoke(main, ["catalogue", "validate", str(root)])
    assert result.exit_code == 1
    assert f"{root}/practices/cvd.yaml:7: practice 'cvd.security-txt': unknown check id 'nope'" in (
        result.stderr
    )


@pytest.mark.django_db
def test_export_prints_the_loaded_catalogue(mini_catalogue: CatalogueVersion) -> None:
    result = CliRunner().invoke(main, ["catalogue", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["version"] == "1.0.0"


@pytest.mark.django_db
def test_export_before_init_says_what_to_do(db: None) -> None:
    result = CliRunner().invoke(main, ["catalogue", "export"])
    assert result.exit_code == 1
    assert "run `accord init`" in result.stderr
