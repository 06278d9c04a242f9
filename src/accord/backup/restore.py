"""Restoring a verified archive into an empty target, removing what it wrote if a step fails."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from accord import __version__
from accord.backup import postgres
from accord.backup.archive import (
    CHUNK,
    KEY_FILES,
    KEYS,
    KEYS_PREFIX,
    MANIFEST,
    MEDIA_PREFIX,
    BackupError,
    HashingReader,
    Manifest,
    Member,
    Readable,
    VerifiedArchive,
    read_members,
    staging,
)


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    database: str
    data_dir: Path
    notes: list[str]


def use_archived_keys(archive: VerifiedArchive) -> None:
    """Have this process use the archive's keys (or throw-away ones, if it has none) unless
    the environment sets them, so reading the settings writes no key file."""
    for name, (_, variable) in KEYS.items():
        if not os.environ.get(variable):
            os.environ[variable] = archive.keys.get(name) or secrets.token_urlsafe(50)


@dataclass
class RestoreTarget:
    """Where a restore writes: a data directory (keys), the uploads' folder and a database
    (a Django DATABASES entry). `from_settings()` is the instance the settings name."""

    data_dir: Path
    media_root: Path
    database: dict[str, Any]
    created: list[Path] = field(default_factory=list, repr=False)

    @classmethod
    def from_settings(cls) -> RestoreTarget:
        from django.conf import settings
        from django.db import connection

        return cls(
            data_dir=Path(settings.DATA_DIR),
            media_root=Path(settings.MEDIA_ROOT),
            database=dict(connection.settings_dict),
        )

    @property
    def vendor(self) -> str:
        from django.db.utils import load_backend

        return str(load_backend(self.database["ENGINE"]).DatabaseWrapper.vendor)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for another vendor (or a database held in memory)."""
        name = str(self.database["NAME"])
        if self.vendor != "sqlite" or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)


def restore_backup(archive: VerifiedArchive, target: RestoreTarget | None = None) -> RestoreSummary:
    """Restore a verified archive into an empty target (by default the one the settings
    name): the uploads, the keys (if it has them) and last the database.

    Refuses (and writes nothing) when the target holds anything the archive would replace,
    when the database vendors differ, or when the archive comes from a newer Accord.
    """
    target = target or RestoreTarget.from_settings()
    manifest = archive.manifest
    if target.vendor == "sqlite" and target.sqlite_path is None:
        raise BackupError("cannot restore into a database held in memory")
    _check_compatible(manifest, target)
    conflicts = _conflicts(manifest, target)
    if conflicts:
        raise BackupError(
            f"refusing to restore: the target already holds {', '.join(conflicts)}; "
            "restore into an empty data directory and an empty database (nothing was changed)"
        )
    with staging(_existing_parent(target.data_dir), "restore") as folder:
        try:
            _extract(archive, target, folder / "database")
            _restore_database(target, folder / "database")
        except BaseException:
            _undo(target)
            raise
    return RestoreSummary(
        manifest=manifest,
        database=_describe_database(target),
        data_dir=target.data_dir,
        notes=_notes(archive),
    )


def _check_compatible(manifest: Manifest, target: RestoreTarget) -> None:
    from django.db.migrations.loader import MigrationLoader

    if manifest.vendor != target.vendor:
        names = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
        raise BackupError(
            f"the archive holds a {names[manifest.vendor]} database but the target is "
            f"{names.get(target.vendor, target.vendor)}: set ACCORD_DATABASE_URL to match"
        )
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest.migrations) - known)
    if unknown:
        raise BackupError(
            f"the archive comes from a newer Accord ({manifest.accord_version}; this is "
            f"{__version__}): migration {unknown[0]} is unknown here; upgrade Accord first"
        )


def _conflicts(manifest: Manifest, target: RestoreTarget) -> list[str]:
    """What the target already holds that the restore would have to overwrite."""
    found = _database_conflicts(target)
    if target.media_root.is_dir() and any(not p.is_dir() for p in target.media_root.rglob("*")):
        found.append(f"uploads in {target.media_root}")
    if manifest.keys:
        names = [*KEYS, *KEY_FILES]
        found += [str(target.data_dir / n) for n in names if (target.data_dir / n).exists()]
    return found


def _database_conflicts(target: RestoreTarget) -> list[str]:
    from django.db import DatabaseError
    from django.db.utils import load_backend

    if target.sqlite_path is not None:
        paths = [target.sqlite_path, *(Path(f"{target.sqlite_path}{e}") for e in ("-wal", "-shm"))]
        return [str(path) for path in paths if path.exists() and path.stat().st_size > 0]
    # A connection of its own: the target need not be the database this process uses.
    wrapper = load_backend(target.database["ENGINE"]).DatabaseWrapper(target.database, "restore")
    try:
        tables = wrapper.introspection.table_names()
    except DatabaseError as exc:
        raise BackupError(f"cannot reach the database: {postgres.first_line(str(exc))}") from exc
    finally:
        wrapper.close()
    if tables:
        return [f"{len(tables)} tables in database {target.database['NAME']}"]
    return []


def _existing_parent(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _extract(archive: VerifiedArchive, target: RestoreTarget, database_file: Path) -> None:
    """Write the uploads and keys into place and the database to `database_file`, checking
    each member against the manifest again as it is written (the file may have changed
    since it was verified)."""
    manifest = archive.manifest
    for name, stream in read_members(archive.path):
        if name == MANIFEST:
            continue
        if name == manifest.database_member:
            destination = database_file
        elif name.startswith(MEDIA_PREFIX):
            destination = target.media_root / name.removeprefix(MEDIA_PREFIX)
        else:
            destination = target.data_dir / name.removeprefix(KEYS_PREFIX)
        written = _write_new(destination, stream, target)
        if written != manifest.files.get(name):
            raise BackupError(f"{name} changed since it was checked; nothing was restored")


def _write_new(destination: Path, stream: Readable, target: RestoreTarget) -> Member:
    """Create `destination` (never replacing a file) with the stream's contents, private."""
    _make_folders(destination.parent, target)
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    target.created.append(destination)
    reader = HashingReader(stream)
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := reader.read(CHUNK):
            handle.write(chunk)
    return reader.member


def _make_folders(folder: Path, target: RestoreTarget) -> None:
    missing = [parent for parent in [folder, *folder.parents] if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir()
        target.created.append(parent)


def _restore_database(target: RestoreTarget, database_file: Path) -> None:
    if target.sqlite_path is None:
        postgres.pg_restore(database_file, target.database)
        return
    _make_folders(target.sqlite_path.parent, target)
    with contextlib.suppress(FileNotFoundError):
        if target.sqlite_path.stat().st_size == 0:
            target.sqlite_path.unlink()
    try:
        os.link(database_file, target.sqlite_path)  # fails, rather than replaces, if it exists
    except FileExistsError as exc:
        raise BackupError(f"refusing to restore: {target.sqlite_path} appeared meanwhile") from exc
    except OSError:  # another file system: copy, still never replacing
        with database_file.open("rb") as stream:
            _write_new(target.sqlite_path, stream, target)
        return
    target.created.append(target.sqlite_path)


def _undo(target: RestoreTarget) -> None:
    for path in reversed(target.created):
        with contextlib.suppress(OSError):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink()


def _describe_database(target: RestoreTarget) -> str:
    if target.sqlite_path is not None:
        return f"SQLite {target.sqlite_path}"
    return f"PostgreSQL database {target.database['NAME']}"


def _notes(archive: VerifiedArchive) -> list[str]:
    if not archive.manifest.keys:
        return [
            "The archive has no keys (made with --no-keys): put the instance's secret_key "
            "and audit_key into the data directory, or set ACCORD_SECRET_KEY and "
            "ACCORD_AUDIT_KEY, before anything else runs; new keys would be generated, "
            "and the audit log would no longer verify."
        ]
    notes = []
    for name, (_, variable) in KEYS.items():
        if os.environ.get(variable, archive.keys[name]) != archive.keys[name]:
            notes.append(
                f"{variable} is set in the environment and differs from the archived "
                f"{name}, which was written to the data directory; the variable wins."
            )
    return notes
