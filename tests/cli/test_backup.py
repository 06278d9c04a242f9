"""`accord backup` and `accord restore` as an operator uses them: a demo instance goes into
one archive and comes back table for table, with its uploads and keys, and its audit log
still verifies; a damaged or altered archive, or a target that is not empty, is refused
with one line and a non-zero exit, and nothing is written.

Each run of `accord` is a process of its own, with its own data directory, as in use.
The SQLite tests run in the SQLite pass of the suite; the PostgreSQL round trip in the
PostgreSQL pass, on two databases of its own beside the test database.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

DATABASE_URL = os.environ.get("ACCORD_DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgres")
sqlite_pass = pytest.mark.skipif(ON_POSTGRES, reason="SQLite instances: run in the SQLite pass")
postgres_pass = pytest.mark.skipif(
    not ON_POSTGRES, reason="PostgreSQL round trip: runs in the PostgreSQL pass"
)
# A small demo: enough organisations for every kind of row, quick to make.
SEED_DEMO = (
    "import django; django.setup(); from accord.demo import seed_demo; "
    "[None for _ in seed_demo(organisations=24)]"
)


def accord(
    data_dir: Path, *args: str, database_url: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    return run(data_dir, "-m", "accord.cli", *args, database_url=database_url, **env)


def run(
    data_dir: Path, *args: str, database_url: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"ACCORD_SECRET_KEY", "ACCORD_AUDIT_KEY", "ACCORD_LOG_FORMAT"}
    }
    environment.update(
        ACCORD_DATA_DIR=str(data_dir),
        ACCORD_DATABASE_URL=database_url,
        ACCORD_ADMIN_PASSWORD="a long enough passphrase 42",
        DJANGO_SETTINGS_MODULE="accord.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def make_demo(data_dir: Path, database_url: str = "") -> None:
    for step in (["-m", "accord.cli", "init", "--quiet"], ["-c", SEED_DEMO]):
        done = run(data_dir, *step, database_url=database_url)
        assert done.returncode == 0, done.stderr
    admin = accord(
        data_dir, "createadmin", "--email", "sec@coalition.example", database_url=database_url
    )
    assert admin.returncode == 0, admin.stderr


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """One line on stderr, a non-zero exit, no traceback, and the words that say why."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def model_tables() -> set[str]:
    return {model._meta.db_table for model in apps.get_models(include_auto_created=True)}


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"'), key=repr) for t in tables}  # noqa: S608


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def rebuilt(archive: Path, out: Path, change: Any) -> Path:
    """A copy of `archive` with its members passed through `change(name, data)`, which
    returns the new data, None to leave the member out, or a list of extra members."""
    members: list[tuple[str, bytes]] = []
    with tarfile.open(archive) as tar:
        for info in tar:
            data = tar.extractfile(info).read()  # type: ignore[union-attr]
            changed = change(info.name, data)
            if isinstance(changed, list):
                members += [(info.name, data), *changed]
            elif changed is not None:
                members.append((info.name, changed))
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


# SQLite: the round trip --------------------------------------------------------------------


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo instance on SQLite, with a secretariat admin and an uploaded document."""
    data_dir = tmp_path_factory.mktemp("instance")
    make_demo(data_dir)
    return data_dir


@pytest.fixture(scope="module")
def archive(instance: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archives") / "accord.tar.gz"
    result = accord(instance, "backup", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out}" in result.stdout
    return out


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    return tmp_path / "restored"


@sqlite_pass
def test_the_archive_holds_database_uploads_keys_and_a_manifest(archive: Path) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert names[0] == "database/accord.sqlite3"
    assert names[-1] == "manifest.json"
    assert {"keys/secret_key", "keys/audit_key"} <= set(names)
    assert any(name.startswith("media/") for name in names)
    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["accord_version"] == "0.1.0"
    assert "audit.0001_initial" in manifest["migrations"]
    assert re.match(r"\d{4}-\d\d-\d\dT", manifest["created"])
    assert set(manifest["files"]) == set(names) - {"manifest.json"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in manifest["files"].values())
    assert archive.stat().st_mode & 0o077 == 0  # it holds the keys: the owner's alone


@sqlite_pass
def test_a_restored_instance_has_every_row_upload_and_key_and_its_audit_log_verifies(
    instance: Path, archive: Path, empty: Path
) -> None:
    result = accord(empty, "restore", str(archive))
    assert result.returncode == 0, result.stderr
    assert "Restored the backup" in result.stdout

    before, after = sqlite_rows(instance / "accord.sqlite3"), sqlite_rows(empty / "accord.sqlite3")
    assert model_tables() <= before.keys()
    assert len(before["commitments_commitment"]) > 100  # a demo worth the name
    assert before == after
    assert files_under(instance / "media") == files_under(empty / "media")
    assert files_under(instance / "media")
    for key in ("secret_key", "audit_key"):
        assert (empty / key).read_text() == (instance / key).read_text()

    verified = accord(empty, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "Audit log intact" in verified.stdout
    assert accord(empty, "audit", "head").stdout == accord(instance, "audit", "head").stdout


@sqlite_pass
def test_a_backup_without_keys_restores_and_needs_the_keys_put_back(
    instance: Path, tmp_path: Path, empty: Path
) -> None:
    out = tmp_path / "nokeys.tar.gz"
    assert accord(instance, "backup", "--no-keys", "--out", str(out)).returncode == 0
    with tarfile.open(out) as tar:
        assert not [name for name in tar.getnames() if name.startswith("keys/")]

    result = accord(empty, "restore", str(out))
    assert result.returncode == 0, result.stderr
    assert "has no keys" in result.stderr
    # Restoring generated no keys of its own, which would have replaced the real ones.
    assert not (empty / "audit_key").exists()
    assert not (empty / "secret_key").exists()
    for key in ("secret_key", "audit_key"):
        shutil.copy(instance / key, empty / key)
    assert accord(empty, "audit", "verify").returncode == 0


@sqlite_pass
@pytest.mark.parametrize(
    "already_there", ["accord.sqlite3", "media/evidence-documents/old.pdf", "audit_key"]
)
def test_restoring_over_anything_is_refused_and_changes_nothing(
    archive: Path, empty: Path, already_there: str
) -> None:
    existing = empty / already_there
    existing.parent.mkdir(parents=True)
    existing.write_bytes(b"what was here before")
    result = accord(empty, "restore", str(archive))
    assert_refused(result, "refusing to restore", already_there.split("/")[0])
    assert existing.read_bytes() == b"what was here before"
    assert sorted(p.relative_to(empty).as_posix() for p in empty.rglob("*") if p.is_file()) == [
        already_there
    ]


def edit_upload(name: str, data: bytes) -> bytes:
    return data + b"!" if name.startswith("media/") else data


def add_member(name: str, data: bytes) -> bytes | list[tuple[str, bytes]]:
    return [("media/planted.html", b"<script>")] if name == "keys/audit_key" else data


def escape_the_folder(name: str, data: bytes) -> bytes | list[tuple[str, bytes]]:
    return [("../../etc/cron.d/x", b"* * * * * root true")] if name == "manifest.json" else data


@sqlite_pass
@pytest.mark.parametrize(
    ("change", "words"),
    [
        (edit_upload, ["media/", "does not match its checksum"]),
        (add_member, ["media/planted.html", "not in its manifest"]),
        (escape_the_folder, ["unexpected entry", "../../etc/cron.d/x"]),
    ],
)
def test_an_altered_archive_is_refused_before_anything_is_written(
    archive: Path, tmp_path: Path, empty: Path, change: Any, words: list[str]
) -> None:
    altered = rebuilt(archive, tmp_path / "altered.tar.gz", change)
    assert_refused(accord(empty, "restore", str(altered)), *words)
    assert not empty.exists()


@sqlite_pass
def test_an_archive_from_a_newer_accord_is_refused(
    archive: Path, tmp_path: Path, empty: Path
) -> None:
    def future(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["migrations"].append("figures.9999_from_the_future")
        manifest["accord_version"] = "9.0.0"
        return json.dumps(manifest).encode()

    newer = rebuilt(archive, tmp_path / "newer.tar.gz", future)
    assert_refused(accord(empty, "restore", str(newer)), "newer Accord", "9999_from_the_future")
    assert not (empty / "accord.sqlite3").exists()
    assert not (empty / "audit_key").exists()


@sqlite_pass
@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda path, archive: path.write_text("just some notes\n"), ["not a tar archive"]),
        (lambda path, archive: path.write_bytes(b""), ["not a tar archive"]),
        (
            lambda path, archive: path.write_bytes(
                archive.read_bytes()[: archive.stat().st_size // 2]
            ),
            ["damaged"],
        ),
        (lambda path, archive: None, ["no such file"]),
        (lambda path, archive: path.mkdir(), ["is not a file"]),
    ],
    ids=["text", "empty", "truncated", "missing", "a directory"],
)
def test_a_file_that_is_no_sound_archive_is_one_line(
    archive: Path, tmp_path: Path, empty: Path, make: Any, words: list[str]
) -> None:
    path = tmp_path / "backup.tar.gz"
    make(path, archive)
    assert_refused(accord(empty, "restore", str(path)), *words)
    assert not empty.exists()


@sqlite_pass
@pytest.mark.parametrize(
    ("out", "words"),
    [
        ("missing-folder/accord.tar.gz", ["is not a directory"]),
        ("a-file/accord.tar.gz", ["is not a directory"]),
        (".", ["is a directory"]),
        ("media/accord.tar.gz", ["inside the uploads"]),
    ],
)
def test_a_backup_that_cannot_be_written_is_one_line(
    instance: Path, out: str, words: list[str]
) -> None:
    (instance / "a-file").write_text("")
    assert_refused(accord(instance, "backup", "--out", str(instance / out)), *words)
    assert not list(instance.glob(".accord-backup-*"))


@sqlite_pass
def test_a_backup_replaces_an_older_archive_only_when_complete(
    instance: Path, tmp_path: Path
) -> None:
    out = tmp_path / "nightly.tar.gz"
    out.write_bytes(b"yesterday's archive")
    assert accord(instance, "backup", "--out", str(out)).returncode == 0
    with tarfile.open(out) as tar:
        assert "manifest.json" in tar.getnames()
    assert not list(tmp_path.glob(".accord-*"))


WRITER = """
import os, sys, time, django
django.setup()
from django.db import transaction
from accord.audit.services import record_event
stop, ready = sys.argv[1:]
deadline = time.monotonic() + 120
for n in range(100_000):
    with transaction.atomic():
        record_event(tag="ops:backup:probe", data={"n": n})
    if n == 20:
        open(ready, "w").close()
    if os.path.exists(stop) or time.monotonic() > deadline:
        break
"""


@sqlite_pass
def test_a_backup_taken_while_events_are_written_restores_a_chain_that_verifies(
    tmp_path: Path,
) -> None:
    live, restored = tmp_path / "live", tmp_path / "restored"
    assert accord(live, "init", "--quiet").returncode == 0
    stop, ready = tmp_path / "stop", tmp_path / "ready"
    environment = {**os.environ, "ACCORD_DATA_DIR": str(live), "ACCORD_DATABASE_URL": ""}
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(stop), str(ready)], env=environment
    )
    try:
        while not ready.exists():  # the writer is under way
            assert writer.poll() is None, "the writer stopped before it had written"
            time.sleep(0.05)
        made = accord(live, "backup", "--out", str(tmp_path / "live.tar.gz"))
    finally:
        stop.touch()
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert made.returncode == 0, made.stderr
    assert accord(restored, "restore", str(tmp_path / "live.tar.gz")).returncode == 0
    verified = accord(restored, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    events = int(verified.stdout.split(": ")[1].split()[0])
    assert events > 20  # the copy was taken while the writer was busy


# PostgreSQL --------------------------------------------------------------------------------


def _pg_major(url: str) -> int:
    import psycopg

    with psycopg.connect(url, connect_timeout=3) as connection:
        return int(connection.info.server_version) // 10000


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Two fresh databases beside the suite's own (`<name>_backup`, `<name>_restore`) on
    its server, removed afterwards. Skips when pg_dump or pg_restore is missing or older
    than the server, which it would refuse to dump."""
    import psycopg

    server, name = DATABASE_URL.rsplit("/", 1)
    major = _pg_major(f"{server}/postgres")
    for tool in ("pg_dump", "pg_restore"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        version = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
        tool_major = int(re.search(r"(\d+)\.\d+", version.stdout).group(1))  # type: ignore[union-attr]
        if tool_major < major:
            pytest.skip(f"{tool} {tool_major} is older than the server ({major})")
    names = {"source": f"{name}_backup", "target": f"{name}_restore"}
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        for database in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"')
        try:
            yield {role: f"{server}/{database}" for role, database in names.items()}
        finally:
            for database in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def pg_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order, and each sequence's position."""
    import psycopg

    with psycopg.connect(url) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
            )
        ]
        rows = {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}  # noqa: S608
        sequences = db.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall()
        rows["(sequences)"] = sorted(sequences, key=repr)
        return rows


@postgres_pass
def test_a_postgresql_instance_round_trips_through_pg_dump_and_pg_restore(
    pg: dict[str, str], tmp_path: Path
) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    make_demo(source, pg["source"])
    out = tmp_path / "pg.tar.gz"
    made = accord(source, "backup", "--out", str(out), database_url=pg["source"])
    assert made.returncode == 0, made.stderr
    with tarfile.open(out) as tar:
        assert "database/accord.pgdump" in tar.getnames()

    restored = accord(target, "restore", str(out), database_url=pg["target"])
    assert restored.returncode == 0, restored.stderr
    before, after = pg_rows(pg["source"]), pg_rows(pg["target"])
    assert model_tables() <= before.keys()
    assert len(before["commitments_commitment"]) > 100
    assert before == after
    assert files_under(source / "media") == files_under(target / "media")
    verified = accord(target, "audit", "verify", database_url=pg["target"])
    assert verified.returncode == 0, verified.stderr
    assert "Audit log intact" in verified.stdout

    # Again into the same, no longer empty, database: refused, and nothing changes.
    again = accord(tmp_path / "again", "restore", str(out), database_url=pg["target"])
    assert_refused(again, "refusing to restore", "tables in database")
    assert pg_rows(pg["target"]) == after
    # A PostgreSQL archive does not go into SQLite.
    assert_refused(accord(tmp_path / "sqlite", "restore", str(out)), "PostgreSQL", "SQLite")


@postgres_pass
def test_backup_without_pg_dump_on_the_path_is_one_line(pg: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "source"
    done = accord(source, "init", "--quiet", database_url=pg["source"])
    assert done.returncode == 0, done.stderr
    result = accord(
        source,
        "backup",
        "--out",
        str(tmp_path / "x.tar.gz"),
        database_url=pg["source"],
        PATH="/nowhere",
    )
    assert_refused(result, "pg_dump was not found on PATH")
    assert not (tmp_path / "x.tar.gz").exists()


# The commands in the test process, on the test database ------------------------------------


@pytest.fixture
def no_key_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """`accord restore` sets the key variables for its process: set them back afterwards."""
    monkeypatch.setenv("ACCORD_SECRET_KEY", "")
    monkeypatch.setenv("ACCORD_AUDIT_KEY", "")


@pytest.fixture
def dump_tools() -> None:
    if ON_POSTGRES and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")


# Transactional: the SQLite copy waits for a test's open transaction, as for any writer's.
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("dump_tools", "no_key_variables")
def test_backup_says_what_it_wrote_and_restore_refuses_the_running_database(
    tmp_path: Path,
) -> None:
    from click.testing import CliRunner

    from accord.cli import main

    out = tmp_path / "accord.tar.gz"
    made = CliRunner().invoke(main, ["backup", "--out", str(out), "--no-keys"])
    assert made.exit_code == 0, made.output
    assert f"Wrote {out} (" in made.output
    assert "no keys" in made.output
    assert re.search(r"SHA-256 [0-9a-f]{64}", made.output)

    refused = CliRunner().invoke(main, ["restore", str(out)])
    assert refused.exit_code == 1
    assert refused.output.startswith("Error: ")
    assert len(refused.output.strip().splitlines()) == 1
    assert re.search("held in memory|refusing to restore", refused.output)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_key_variables")
def test_restore_of_a_file_that_is_no_archive_is_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from accord.cli import main

    (tmp_path / "notes.txt").write_text("not an archive")
    refused = CliRunner().invoke(main, ["restore", str(tmp_path / "notes.txt")])
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        f"Error: {tmp_path / 'notes.txt'} is not an Accord backup: not a tar archive"
    ]
