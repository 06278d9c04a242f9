"""`accord` commands on a data directory where `accord init` has not run: one line that
says what to do, and exit 2; never a traceback. The catalogue export needs no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DATABASE_COMMANDS = [
    ["catalogue", "export", "--format", "json"],
    ["audit", "verify"],
    ["audit", "head"],
    ["report", "--year", "2026", "--out", "report.html"],
    ["backup", "--out", "backup.tar.gz"],
    ["createadmin", "--email", "admin@example.org"],
    ["worker"],
    ["serve", "--port", "8799"],
]
PG_SERVER = os.environ.get("PG_TEST_URL", "postgres://postgres@127.0.0.1:5432/accord")


def accord(data_dir: Path, *args: str, database_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ACCORD_DATA_DIR": str(data_dir),
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_ADMIN_PASSWORD": "a long enough passphrase 42",
        "DJANGO_SETTINGS_MODULE": "accord.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "accord.cli", *args],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_says_run_init(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("accord: ")
    assert "run `accord init`" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", DATABASE_COMMANDS[1:], ids=" ".join)
def test_a_fresh_sqlite_data_directory_says_to_run_init(tmp_path: Path, command: list[str]) -> None:
    result = accord(tmp_path, *command)
    assert_says_run_init(result)
    assert "has no database yet" in result.stderr
    assert not (tmp_path / "accord.sqlite3").exists()  # looking did not create it


def test_the_catalogue_exports_from_the_bundled_yaml_before_init(tmp_path: Path) -> None:
    result = accord(tmp_path, "catalogue", "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert "exported the bundled catalogue" in result.stderr
    exported = json.loads(result.stdout)
    assert exported["frameworks"]
    assert not (tmp_path / "accord.sqlite3").exists()


def test_a_database_with_some_migrations_missing_says_to_upgrade(tmp_path: Path) -> None:
    assert accord(tmp_path, "init", "--quiet").returncode == 0
    sqlite = pytest.importorskip("sqlite3")
    with sqlite.connect(tmp_path / "accord.sqlite3") as db:
        db.execute("DELETE FROM django_migrations WHERE app = 'figures'")
    result = accord(tmp_path, "audit", "verify")
    assert_says_run_init(result)
    assert "not up to date" in result.stderr


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    server = PG_SERVER.rsplit("/", 1)[0]
    name = f"accord_uninit_{uuid.uuid4().hex[:8]}"
    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{server}/{name}"
        finally:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=" ".join)
def test_an_empty_postgresql_database_says_to_run_init(
    tmp_path: Path, empty_postgres: str, command: list[str]
) -> None:
    result = accord(tmp_path, *command, database_url=empty_postgres)
    assert_says_run_init(result)
    assert "no tables yet" in result.stderr


def test_an_unreachable_database_is_one_line_too(tmp_path: Path) -> None:
    result = accord(tmp_path, "audit", "head", database_url="postgres://nobody@127.0.0.1:9/none")
    assert result.returncode == 2
    assert "cannot read the database" in result.stderr
    assert "Traceback" not in result.stderr
