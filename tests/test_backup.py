"""`accord.backup` in the test process: the test database goes into an archive and comes
back, row for row, into a target of the test's own; an archive that is altered, damaged
or foreign is refused before anything is written; a restore that fails part-way removes
what it wrote; PostgreSQL's tools get the password in the environment only.

`tests/cli/test_backup.py` does the same through `accord backup` and `accord restore`,
on whole demo instances, each command a process of its own.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pysequoia
import pytest
from django.apps import apps
from django.db import connection
from django.db.utils import load_backend

from accord.backup import (
    BackupError,
    BackupSummary,
    RestoreTarget,
    create_backup,
    postgres,
    restore,
    restore_backup,
    use_archived_keys,
    verify_archive,
)
from accord.cvd import signing

pytestmark = pytest.mark.django_db(transaction=True)
UPLOAD = "evidence-documents/alpha/policy.pdf"


@pytest.fixture
def instance(settings: Any, catalogue: Any, alice: Any) -> Path:
    """The test database with the catalogue and a member, and one uploaded file."""
    settings.DATA_DIR = Path(settings.MEDIA_ROOT).parent / "data"  # no OpenPGP key yet
    media = Path(settings.MEDIA_ROOT)
    (media / UPLOAD).parent.mkdir(parents=True)
    (media / UPLOAD).write_bytes(b"%PDF-1.7 the policy")
    return media


@pytest.fixture
def archive(instance: Path, tmp_path: Path) -> BackupSummary:
    return create_backup(tmp_path / "accord.tar.gz")


@pytest.fixture
def target(tmp_path: Path) -> Iterator[RestoreTarget]:
    """An empty place to restore into, of the test database's vendor: a new SQLite file,
    or a new PostgreSQL database beside the test database."""
    data_dir = tmp_path / "restored"
    database = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        database["NAME"] = str(data_dir / "accord.sqlite3")
        yield RestoreTarget(data_dir=data_dir, media_root=data_dir / "media", database=database)
        return
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    import psycopg

    server = os.environ["ACCORD_DATABASE_URL"].rsplit("/", 1)[0]
    database["NAME"] = f"{connection.settings_dict['NAME']}_restore"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{database["NAME"]}"')
        try:
            yield RestoreTarget(data_dir=data_dir, media_root=data_dir / "media", database=database)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{database["NAME"]}" WITH (FORCE)')


def rows(database: Any) -> dict[str, list[str]]:
    """Every row of every model table, in a stable order, through Django's own cursor."""
    tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})
    with database.cursor() as cursor:
        found = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {database.ops.quote_name(table)}")  # noqa: S608
            found[table] = sorted(repr(row) for row in cursor.fetchall())
        return found


def opened(target: RestoreTarget) -> Any:
    return load_backend(target.database["ENGINE"]).DatabaseWrapper(target.database, "restored")


def rebuilt(archive: Path, change: Any) -> Path:
    """A copy of `archive` with its members passed through `change(name, data)`: new data,
    None to leave the member out, or a list of members to add after it."""
    members: list[tuple[str, bytes]] = []
    with tarfile.open(archive) as tar:
        for info in tar:
            data = tar.extractfile(info).read()  # type: ignore[union-attr]
            changed = change(info.name, data)
            if isinstance(changed, list):
                members += [(info.name, data), *changed]
            elif changed is not None:
                members.append((info.name, changed))
    out = archive.with_name("altered.tar.gz")
    with tarfile.open(out, "w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def in_manifest(edit: Any) -> Any:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return change


# The round trip -----------------------------------------------------------------------------


def test_the_database_uploads_and_keys_come_back_row_for_row(
    archive: BackupSummary, target: RestoreTarget, settings: Any
) -> None:
    verified = verify_archive(archive.path)
    assert verified.manifest.vendor == connection.vendor
    assert verified.keys == {
        "secret_key": settings.SECRET_KEY,
        "audit_key": settings.ACCORD_AUDIT_KEY,
    }
    assert verified.manifest.media_files == 1

    summary = restore_backup(verified, target)
    assert summary.notes == []
    restored = opened(target)
    try:
        assert rows(restored) == rows(connection)
    finally:
        restored.close()
    assert (target.media_root / UPLOAD).read_bytes() == b"%PDF-1.7 the policy"
    assert (target.data_dir / "audit_key").read_text() == settings.ACCORD_AUDIT_KEY
    assert (target.data_dir / "audit_key").stat().st_mode & 0o077 == 0


def test_the_instances_openpgp_key_comes_back_when_it_has_one(
    instance: Path, tmp_path: Path, target: RestoreTarget
) -> None:
    key = signing.instance_key()
    verified = verify_archive(create_backup(tmp_path / "with-key.tar.gz").path)
    assert verified.keys["openpgp/instance-key.asc"].startswith("-----BEGIN PGP PRIVATE KEY")
    restore_backup(verified, target)
    restored = target.data_dir / "openpgp" / "instance-key.asc"
    assert restored.read_bytes() == signing.key_path().read_bytes()
    assert restored.stat().st_mode & 0o077 == 0
    cert = pysequoia.Tsk.from_bytes(restored.read_bytes()).extract_certificate()
    assert cert.fingerprint.upper() == key.fingerprint


def test_restoring_twice_is_refused_the_second_time(
    archive: BackupSummary, target: RestoreTarget
) -> None:
    verified = verify_archive(archive.path)
    restore_backup(verified, target)
    with pytest.raises(BackupError, match="refusing to restore"):
        restore_backup(verified, RestoreTarget(target.data_dir, target.media_root, target.database))


def test_the_settings_own_database_is_never_a_target(archive: BackupSummary) -> None:
    # The test database is in memory (SQLite) or has tables (PostgreSQL).
    with pytest.raises(BackupError, match=r"held in memory|refusing to restore"):
        restore_backup(verify_archive(archive.path))


def test_a_restore_that_fails_removes_what_it_wrote(
    archive: BackupSummary, target: RestoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: Any) -> None:
        raise BackupError("pg_restore failed: out of disk")

    monkeypatch.setattr(restore, "_restore_database", fail)
    with pytest.raises(BackupError, match="out of disk"):
        restore_backup(verify_archive(archive.path), target)
    assert list(target.data_dir.rglob("*")) == []


def test_an_archive_without_keys_restores_without_them(
    instance: Path, tmp_path: Path, target: RestoreTarget
) -> None:
    made = create_backup(tmp_path / "nokeys.tar.gz", include_keys=False)
    verified = verify_archive(made.path)
    assert verified.keys == {}
    summary = restore_backup(verified, target)
    assert "no keys" in summary.notes[0]
    assert not (target.data_dir / "audit_key").exists()


def test_a_key_set_in_the_environment_is_named_when_it_differs(
    archive: BackupSummary, target: RestoreTarget, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCORD_AUDIT_KEY", "another key")
    summary = restore_backup(verify_archive(archive.path), target)
    assert any("ACCORD_AUDIT_KEY" in note for note in summary.notes)


def test_restoring_uses_the_archived_keys_rather_than_generating_any(
    archive: BackupSummary, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    monkeypatch.setenv("ACCORD_SECRET_KEY", "")  # unset, and set back to unset afterwards
    monkeypatch.setenv("ACCORD_AUDIT_KEY", "set by the operator")
    use_archived_keys(verify_archive(archive.path))
    assert os.environ["ACCORD_SECRET_KEY"] == settings.SECRET_KEY
    assert os.environ["ACCORD_AUDIT_KEY"] == "set by the operator"


# Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda name, data: data + b"!" if name.startswith("media/") else data, "does not match"),
        (
            in_manifest(lambda m: next(iter(m["files"].values())).update(sha256="0" * 64)),
            "does not match",
        ),
        (
            lambda name, data: (
                [("media/planted.html", b"<script>")] if name == "keys/audit_key" else data
            ),
            "media/planted.html is in the archive but not in its manifest",
        ),
        (lambda name, data: None if name.startswith("media/") else data, "not in the archive"),
        (lambda name, data: None if name.startswith("database/") else data, "not in the archive"),
        (lambda name, data: None if name == "keys/audit_key" else data, "not in the archive"),
        (
            in_manifest(lambda m: [m["files"].pop(n) for n in list(m["files"]) if "keys/" in n]),
            "not in its manifest",
        ),
        (
            lambda name, data: (
                [("../../etc/cron.d/x", b"* * * * * root true")]
                if name == "manifest.json"
                else data
            ),
            "unexpected entry '../../etc/cron.d/x'",
        ),
        (
            lambda name, data: [("media/a/../../x", b"")] if name == "manifest.json" else data,
            "unexpected entry",
        ),
        (
            lambda name, data: [("keys/audit_key", b"")] if name == "manifest.json" else data,
            "appears twice",
        ),
        (lambda name, data: None if name == "manifest.json" else data, "has no manifest.json"),
        (
            lambda name, data: b"{not json" if name == "manifest.json" else data,
            "manifest is not valid",
        ),
        (
            lambda name, data: b"[" * 5_000 + b"]" * 5_000 if name == "manifest.json" else data,
            "manifest is not valid (the document is nested more than 8 levels deep)",
        ),
        (in_manifest(lambda m: m.update(format="other")), "not an Accord backup manifest"),
        (in_manifest(lambda m: m.update(format_version=2)), "format version 2 is unknown"),
        (in_manifest(lambda m: m["database"].update(vendor="oracle")), "'oracle' is unknown"),
        (in_manifest(lambda m: m.pop("migrations")), "manifest is not valid"),
    ],
)
def test_an_altered_archive_is_refused_naming_what_is_wrong(
    archive: BackupSummary, change: Any, message: str
) -> None:
    with pytest.raises(BackupError, match=r"^[^\n]+$") as refused:
        verify_archive(rebuilt(archive.path, change))
    assert message in str(refused.value)


def test_keys_that_are_not_text_are_refused(archive: BackupSummary) -> None:
    def garble(name: str, data: bytes) -> bytes:
        return b"\xff\xfe" if name == "keys/audit_key" else data

    def record_it(manifest: dict[str, Any]) -> None:
        import hashlib

        manifest["files"]["keys/audit_key"] = {
            "sha256": hashlib.sha256(b"\xff\xfe").hexdigest(),
            "size": 2,
        }

    garbled = rebuilt(archive.path, garble)
    consistent = rebuilt(garbled.rename(garbled.with_name("g.tar.gz")), in_manifest(record_it))
    with pytest.raises(BackupError, match="keys are not text"):
        verify_archive(consistent)


def test_an_archive_from_a_newer_accord_is_refused(
    archive: BackupSummary, target: RestoreTarget
) -> None:
    newer = rebuilt(archive.path, in_manifest(lambda m: m["migrations"].append("figures.9999_x")))
    with pytest.raises(BackupError, match=r"newer Accord.*figures.9999_x"):
        restore_backup(verify_archive(newer), target)
    assert not target.data_dir.exists()


def test_an_archive_of_another_vendor_is_refused(archive: BackupSummary, tmp_path: Path) -> None:
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite3"
    database = {"ENGINE": f"django.db.backends.{other}", "NAME": str(tmp_path / "x")}
    elsewhere = RestoreTarget(data_dir=tmp_path, media_root=tmp_path / "media", database=database)
    with pytest.raises(BackupError, match="set ACCORD_DATABASE_URL to match"):
        restore_backup(verify_archive(archive.path), elsewhere)


def test_a_target_with_uploads_or_keys_is_refused(
    archive: BackupSummary, target: RestoreTarget
) -> None:
    (target.media_root / "old").mkdir(parents=True)
    (target.media_root / "old" / "file.pdf").write_bytes(b"old")
    (target.data_dir / "secret_key").write_text("old")
    with pytest.raises(BackupError) as refused:
        restore_backup(verify_archive(archive.path), target)
    assert "uploads in" in str(refused.value)
    assert "secret_key" in str(refused.value)
    assert (target.data_dir / "secret_key").read_text() == "old"


@pytest.mark.parametrize(
    ("contents", "message"),
    [
        (b"plain text\n", "not a tar archive"),
        (b"", "not a tar archive"),
        (None, "no such file"),
    ],
)
def test_a_file_that_is_no_archive_is_refused(
    tmp_path: Path, contents: bytes | None, message: str
) -> None:
    path = tmp_path / "backup.tar.gz"
    if contents is not None:
        path.write_bytes(contents)
    with pytest.raises(BackupError, match=message):
        verify_archive(path)


def test_a_truncated_archive_is_damaged(archive: BackupSummary, tmp_path: Path) -> None:
    whole = archive.path.read_bytes()
    # Cut inside the members (a cut in the zero blocks after the manifest loses nothing).
    for cut in (len(whole) // 3, len(whole) * 2 // 3):
        (tmp_path / "cut.tar.gz").write_bytes(whole[:cut])
        with pytest.raises(BackupError, match="damaged"):
            verify_archive(tmp_path / "cut.tar.gz")


def test_a_backup_cannot_be_written_into_the_uploads_or_nowhere(
    instance: Path, tmp_path: Path
) -> None:
    with pytest.raises(BackupError, match="inside the uploads"):
        create_backup(instance / "backup.tar.gz")
    with pytest.raises(BackupError, match="is not a directory"):
        create_backup(tmp_path / "missing" / "backup.tar.gz")
    with pytest.raises(BackupError, match="is a directory"):
        create_backup(tmp_path)


# PostgreSQL's tools -------------------------------------------------------------------------


def test_pg_restore_gets_the_password_in_its_environment_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seen: dict[str, Any] = {}

    def run(command: list[str], env: dict[str, str], **kwargs: Any) -> Any:
        seen.update(command=command, env=env)
        return type(
            "Done", (), {"returncode": 1, "stderr": "pg_restore: error: could not connect\n"}
        )

    monkeypatch.setattr(postgres.subprocess, "run", run)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: f"/usr/bin/{name}")
    database = {
        "NAME": "it's accord",
        "HOST": "db.example.org",
        "PORT": 6432,
        "USER": "accord",
        "PASSWORD": "s3cret-pass",
        "OPTIONS": {"sslmode": "verify-full"},
    }
    with pytest.raises(
        BackupError, match=r"^pg_restore failed: pg_restore: error: could not connect$"
    ):
        postgres.pg_restore(tmp_path / "dump", database)
    assert "s3cret-pass" not in " ".join(seen["command"])
    assert "--dbname=dbname='it\\'s accord'" in seen["command"]
    assert seen["env"]["PGPASSWORD"] == "s3cret-pass"
    assert seen["env"]["PGHOST"] == "db.example.org"
    assert seen["env"]["PGPORT"] == "6432"
    assert seen["env"]["PGSSLMODE"] == "verify-full"


def test_a_missing_postgresql_tool_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nowhere")
    with pytest.raises(BackupError, match="pg_dump was not found on PATH"):
        postgres.tool("pg_dump")


def test_a_tool_that_cannot_start_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def run(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(postgres.subprocess, "run", run)
    with pytest.raises(BackupError, match="pg_dump could not be run"):
        postgres.run(["pg_dump"], "pg_dump", {"NAME": "x"})
