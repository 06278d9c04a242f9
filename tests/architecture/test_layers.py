"""The import-linter contracts in pyproject.toml hold, and would catch a layering break."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter not installed")


def lint_imports(source: Path) -> subprocess.CompletedProcess[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["importlinter"]["contracts"], "no import contracts declared"
    return subprocess.run(
        [str(LINT_IMPORTS), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=source,
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def copy_of_the_source(tmp_path: Path) -> Path:
    shutil.copytree(
        ROOT / "src" / "accord", tmp_path / "accord", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def test_the_project_keeps_its_contracts() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout


def test_evidence_importing_a_domain_app_breaks_the_layers(tmp_path: Path) -> None:
    source = copy_of_the_source(tmp_path)
    (source / "accord" / "evidence" / "upward.py").write_text(
        "from accord.commitments import services\n", encoding="utf-8"
    )
    result = lint_imports(source)
    assert result.returncode == 1
    assert "accord.evidence is not allowed to import accord.commitments" in result.stdout


def test_the_engine_importing_django_breaks_its_contract(tmp_path: Path) -> None:
    source = copy_of_the_source(tmp_path)
    (source / "accord" / "engine" / "djangoish.py").write_text(
        "from django.db import models\n", encoding="utf-8"
    )
    result = lint_imports(source)
    assert result.returncode == 1
    assert "accord.engine is not allowed to import django" in result.stdout
