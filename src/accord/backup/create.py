"""Writing an instance's backup: the database, then the uploads, the keys and the manifest."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from accord import __version__
from accord.backup import postgres
from accord.backup.archive import (
    DATABASE_MEMBERS,
    KEY_FILES,
    KEYS,
    KEYS_PREFIX,
    MANIFEST,
    MEDIA_PREFIX,
    ArchiveWriter,
    BackupError,
    Manifest,
    file_digest,
    staging,
)


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: Manifest
    size: int
    sha256: str


def create_backup(out: Path, *, include_keys: bool = True) -> BackupSummary:
    """Write the instance (database, uploads and, unless told not to, its keys) to `out`.

    The archive is written beside `out` under a temporary name and moved into place when
    complete, so `out` is either the previous file or the whole new archive. It is
    readable by its owner only: it holds personal data and, with the keys, secrets.
    """
    from django.conf import settings
    from django.db import connection

    out = out.expanduser().absolute()
    media_root = Path(settings.MEDIA_ROOT)
    _check_output(out, media_root)
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(f"cannot back up a {vendor} database: only SQLite and PostgreSQL")
    with staging(out.parent, "backup") as folder:
        migrations = applied_migrations()
        dump = folder / "database"
        if vendor == "sqlite":
            _copy_sqlite(dump)
        else:
            postgres.pg_dump(dump, connection.settings_dict)
        partial = folder / "archive.tar.gz"
        manifest = _write_archive(
            partial, dump, media_root, vendor=vendor, migrations=migrations, keys=include_keys
        )
        size, digest = file_digest(partial)
        os.replace(partial, out)
    return BackupSummary(path=out, manifest=manifest, size=size, sha256=digest)


def _write_archive(
    path: Path, dump: Path, media_root: Path, *, vendor: str, migrations: list[str], keys: bool
) -> Manifest:
    """The database first, then the uploads, the keys and last the manifest of them all."""
    with ArchiveWriter(path) as writer:
        writer.add_file(DATABASE_MEMBERS[vendor], dump)
        for relative, upload in _media_files(media_root):
            writer.add_file(MEDIA_PREFIX + relative, upload)
        if keys:
            for name, value in _current_keys().items():
                writer.add_bytes(KEYS_PREFIX + name, value.encode())
            for name, data in _key_files().items():
                writer.add_bytes(KEYS_PREFIX + name, data)
        manifest = Manifest(
            accord_version=__version__,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            vendor=vendor,
            migrations=migrations,
            keys=keys,
            files=dict(writer.members),
        )
        writer.add_bytes(MANIFEST, manifest.to_bytes())
    return manifest


def _check_output(out: Path, media_root: Path) -> None:
    if out.is_dir():
        raise BackupError(f"{out} is a directory: give the archive's file name")
    if not out.parent.is_dir():
        raise BackupError(f"cannot write {out}: {out.parent} is not a directory")
    if out.parent.resolve().is_relative_to(media_root.resolve()):
        raise BackupError(f"cannot write {out}: it is inside the uploads ({media_root})")


def applied_migrations() -> list[str]:
    """The migrations applied to the database, as sorted `app.name` strings."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _copy_sqlite(dest: Path) -> None:
    """Copy the live SQLite database with its online backup API: one consistent snapshot,
    even while the site and workers write to it."""
    import sqlite3

    from django.db import connection

    connection.ensure_connection()
    target = sqlite3.connect(dest)
    try:
        connection.connection.backup(target)
        # One self-contained file, without a write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise BackupError(f"copying the SQLite database failed: {exc}") from exc
    finally:
        target.close()


def _media_files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every regular file under MEDIA_ROOT, by its path relative to it, in a stable order.
    Links are not followed: an upload is always a file of its own."""
    if not root.is_dir():
        return
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


def _key_files() -> dict[str, bytes]:
    from django.conf import settings

    found = {name: Path(settings.DATA_DIR) / name for name in KEY_FILES}
    return {name: path.read_bytes() for name, path in found.items() if path.is_file()}


def _current_keys() -> dict[str, str]:
    from django.conf import settings

    return {name: str(getattr(settings, setting)) for name, (setting, _) in KEYS.items()}
