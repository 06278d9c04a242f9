"""`accord backup` and `accord restore`: one archive holds a whole instance.

The archive is a gzip-compressed tar file (`.tar.gz`): Python's standard library reads and
writes it on every system Accord runs on, and `tar -tzf` lists it. Its members, in order:

- `database/accord.sqlite3`, a copy made with SQLite's online backup API, or
  `database/accord.pgdump`, `pg_dump --format=custom` of the configured PostgreSQL
  database. Both are one consistent snapshot taken while the site keeps running;
- `media/...`, every file under MEDIA_ROOT (the uploaded documents);
- `keys/secret_key` and `keys/audit_key`, the keys in force, unless `--no-keys`;
- `manifest.json`, last: the format, the Accord version, the date, the database vendor,
  the applied migrations, and the size and SHA-256 of every other member.

The database is copied before the uploads, so every upload the copy names is in the
archive; an upload made in between is in it too, named by nothing, which does no harm.

A restore reads the whole archive and checks every checksum before it writes anything,
and it writes only into an empty target: no database (no SQLite file, or a PostgreSQL
database without tables), no uploads, and no key files where it would put keys. If a step
fails, what it had written is removed again, so the target is as it was.

Nothing here imports Django at import time: `accord restore` checks the archive and
chooses the keys before the settings are read (reading them generates keys when none
are set, and a restore must not leave generated keys behind).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import secrets
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from accord import __version__

FORMAT = "accord-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/accord.sqlite3", "postgresql": "database/accord.pgdump"}
# Archived key name -> the setting that holds it and the variable that overrides the file.
KEYS = {
    "secret_key": ("SECRET_KEY", "ACCORD_SECRET_KEY"),
    "audit_key": ("ACCORD_AUDIT_KEY", "ACCORD_AUDIT_KEY"),
}
MEDIA_PREFIX = "media/"
KEYS_PREFIX = "keys/"
_CHUNK = 1024 * 1024
_MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# libpq connection options that dj-database-url leaves in OPTIONS, as libpq's variables.
_PG_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one line saying why."""


@dataclass(frozen=True)
class Member:
    """One file of the archive, as the manifest records it."""

    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and the checksums that prove it arrived unchanged."""

    accord_version: str
    created: str
    vendor: str
    migrations: list[str]
    keys: bool
    files: dict[str, Member]

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.vendor]

    @property
    def media_files(self) -> int:
        return sum(name.startswith(MEDIA_PREFIX) for name in self.files)

    def to_bytes(self) -> bytes:
        document = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "accord_version": self.accord_version,
            "created": self.created,
            "database": {"vendor": self.vendor, "member": self.database_member},
            "migrations": self.migrations,
            "keys": self.keys,
            "files": {
                name: {"sha256": member.sha256, "size": member.size}
                for name, member in self.files.items()
            },
        }
        return json.dumps(document, indent=2, ensure_ascii=False).encode() + b"\n"

    @classmethod
    def from_bytes(cls, data: bytes) -> Manifest:
        try:
            document = json.loads(data)
            if document.get("format") != FORMAT:
                raise ValueError("not an Accord backup manifest")
            if document.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"format version {document.get('format_version')} is unknown")
            vendor = document["database"]["vendor"]
            if vendor not in DATABASE_MEMBERS:
                raise ValueError(f"database vendor {vendor!r} is unknown")
            files = {
                str(name): Member(sha256=str(entry["sha256"]), size=int(entry["size"]))
                for name, entry in document["files"].items()
            }
            return cls(
                accord_version=str(document["accord_version"]),
                created=str(document["created"]),
                vendor=vendor,
                migrations=[str(name) for name in document["migrations"]],
                keys=bool(document["keys"]),
                files=files,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupError(f"the archive's manifest is not valid ({exc})") from exc


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    manifest: Manifest
    size: int
    sha256: str


@dataclass(frozen=True)
class VerifiedArchive:
    """An archive whose every member matched the manifest when it was read."""

    path: Path
    manifest: Manifest
    keys: dict[str, str] = field(repr=False)


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    database: str
    data_dir: Path
    notes: list[str]


# Backing up ---------------------------------------------------------------------------------


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
    with _staging(out.parent, "backup") as staging:
        migrations = applied_migrations()
        dump = staging / "database"
        if vendor == "sqlite":
            _copy_sqlite(dump)
        else:
            _pg_dump(dump)
        partial = staging / "archive.tar.gz"
        manifest = _write_archive(
            partial, dump, media_root, vendor=vendor, migrations=migrations, keys=include_keys
        )
        size, digest = _file_digest(partial)
        os.replace(partial, out)
    return BackupSummary(path=out, manifest=manifest, size=size, sha256=digest)


def _write_archive(
    path: Path, dump: Path, media_root: Path, *, vendor: str, migrations: list[str], keys: bool
) -> Manifest:
    """The database first, then the uploads, the keys and last the manifest of them all."""
    with _ArchiveWriter(path) as writer:
        writer.add_file(DATABASE_MEMBERS[vendor], dump)
        for relative, upload in _media_files(media_root):
            writer.add_file(MEDIA_PREFIX + relative, upload)
        if keys:
            for name, value in _current_keys().items():
                writer.add_bytes(KEYS_PREFIX + name, value.encode())
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


@contextlib.contextmanager
def _staging(where: Path, purpose: str) -> Iterator[Path]:
    """A private (0700) folder in `where`, removed afterwards whatever happens."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".accord-{purpose}-", dir=where))
    except OSError as exc:
        raise BackupError(f"cannot write in {where}: {exc.strerror or exc}") from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


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


def _pg_dump(dest: Path) -> None:
    from django.db import connection

    database = connection.settings_dict
    command = [
        _pg_tool("pg_dump"),
        "--format=custom",
        "--no-password",
        f"--file={dest}",
        f"--dbname={_pg_conninfo(database)}",
    ]
    _run_pg(command, "pg_dump", database)


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


def _current_keys() -> dict[str, str]:
    from django.conf import settings

    return {name: str(getattr(settings, setting)) for name, (setting, _) in KEYS.items()}


def _file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class _HashingReader:
    """Reads through a file, keeping the SHA-256 and size of what was read."""

    def __init__(self, stream: _Readable) -> None:
        self.stream = stream
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.digest.update(data)
        self.size += len(data)
        return data

    @property
    def member(self) -> Member:
        return Member(sha256=self.digest.hexdigest(), size=self.size)


class _ArchiveWriter:
    """A gzip-compressed tar file, created private (0600), recording each member's
    checksum as it is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.members: list[tuple[str, Member]] = []
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.handle = os.fdopen(descriptor, "wb")
        # Closed in __exit__; compression level 6 is gzip's own default balance of size
        # and speed (the module's default, 9, is much slower for little gain).
        self.tar = tarfile.open(fileobj=self.handle, mode="w:gz", compresslevel=6)  # noqa: SIM115

    def __enter__(self) -> _ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.tar.close()
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def add_file(self, name: str, path: Path) -> None:
        info = self._info(name, path.stat().st_size, int(path.stat().st_mtime))
        with path.open("rb") as handle:
            reader = _HashingReader(handle)
            try:
                self.tar.addfile(info, reader)
            except OSError as exc:
                raise BackupError(f"{path} changed while it was being archived: {exc}") from exc
        self.members.append((name, reader.member))

    def add_bytes(self, name: str, data: bytes) -> None:
        info = self._info(name, len(data), int(datetime.now(UTC).timestamp()))
        self.tar.addfile(info, io.BytesIO(data))
        self.members.append((name, Member(sha256=hashlib.sha256(data).hexdigest(), size=len(data))))

    @staticmethod
    def _info(name: str, size: int, mtime: int) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = mtime
        info.mode = 0o600
        return info


# Checking an archive ------------------------------------------------------------------------


def verify_archive(path: Path) -> VerifiedArchive:
    """Read the whole archive and check it against its manifest: every member listed, every
    listed member present, each with the recorded size and SHA-256. Needs no Django."""
    path = path.expanduser().absolute()
    if not path.exists():
        raise BackupError(f"{path}: no such file")
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    found: dict[str, Member] = {}
    kept: dict[str, bytes] = {}
    for name, stream in _read_members(path):
        reader = _HashingReader(stream)
        data = _drain(reader, keep=name == MANIFEST or name.startswith(KEYS_PREFIX))
        if name in found:
            raise BackupError(f"not a valid Accord backup: {name} appears twice")
        found[name] = reader.member
        if data is not None:
            kept[name] = data
    if MANIFEST not in kept:
        raise BackupError(f"{path} is not an Accord backup: it has no {MANIFEST}")
    manifest = Manifest.from_bytes(kept.pop(MANIFEST))
    del found[MANIFEST]
    _compare(manifest, found)
    try:
        keys = {
            name.removeprefix(KEYS_PREFIX): data.decode().strip() for name, data in kept.items()
        }
    except UnicodeDecodeError as exc:
        raise BackupError("not a valid Accord backup: its keys are not text") from exc
    return VerifiedArchive(path=path, manifest=manifest, keys=keys)


def _drain(reader: _HashingReader, *, keep: bool) -> bytes | None:
    if not keep:
        while reader.read(_CHUNK):
            pass
        return None
    data = reader.read(_MANIFEST_MAX_BYTES + 1)
    if len(data) > _MANIFEST_MAX_BYTES:
        raise BackupError("not a valid Accord backup: its manifest is implausibly large")
    return data


def _compare(manifest: Manifest, found: dict[str, Member]) -> None:
    tampered = "the archive was altered or damaged, and nothing was restored"
    unlisted = sorted(found.keys() - manifest.files.keys())
    if unlisted:
        raise BackupError(f"{unlisted[0]} is in the archive but not in its manifest: {tampered}")
    missing = sorted(manifest.files.keys() - found.keys())
    if missing:
        raise BackupError(f"{missing[0]} is in the manifest but not in the archive: {tampered}")
    changed = sorted(name for name, member in found.items() if member != manifest.files[name])
    if changed:
        raise BackupError(f"{changed[0]} does not match its checksum: {tampered}")
    if manifest.database_member not in found:
        raise BackupError(f"the archive has no {manifest.database_member}: {tampered}")
    keys = {name for name in found if name.startswith(KEYS_PREFIX)}
    if manifest.keys and keys != {KEYS_PREFIX + name for name in KEYS}:
        raise BackupError(f"the archive's keys are incomplete: {tampered}")


def _read_members(path: Path) -> Iterator[tuple[str, _ArchiveStream]]:
    """Each member's checked name and contents; every way in which the file fails to be a
    sound archive becomes a one-line `BackupError`, here or as the contents are read."""
    try:
        tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 (entered below, once it opened)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BackupError(f"{path} is not an Accord backup: not a tar archive") from exc
    with tar:
        members = iter(tar)
        while True:
            with _reading(path):
                info = next(members, None)
            if info is None:
                return
            name = _checked_name(info)
            with _reading(path):
                stream = tar.extractfile(info)
            if stream is None:  # pragma: no cover (a regular file always has contents)
                raise BackupError(f"not a valid Accord backup: {name} cannot be read")
            yield name, _ArchiveStream(stream, path)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    try:
        yield
    except EOFError as exc:
        raise BackupError(f"{path} is damaged: it ends too soon (truncated?)") from exc
    except tarfile.ReadError as exc:
        if "unexpected end" in str(exc) or "truncated" in str(exc):
            raise BackupError(f"{path} is damaged: it ends too soon (truncated?)") from exc
        raise BackupError(f"{path} is damaged and cannot be read ({exc})") from exc
    except (zlib.error, OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is damaged and cannot be read ({exc})") from exc


class _ArchiveStream:
    """A member's contents, whose read errors say the archive is damaged."""

    def __init__(self, stream: IO[bytes], path: Path) -> None:
        self.stream = stream
        self.path = path

    def read(self, size: int = -1) -> bytes:
        with _reading(self.path):
            return self.stream.read(size)


def _checked_name(info: tarfile.TarInfo) -> str:
    """The member's name, if it is a plain file at a place an Accord archive puts one."""
    name = info.name
    parts = PurePosixPath(name).parts
    unsafe = not parts or name.startswith("/") or ".." in parts or "\\" in name
    expected = (
        name == MANIFEST
        or name in DATABASE_MEMBERS.values()
        or (name.startswith(MEDIA_PREFIX) and len(parts) > 1)
        or name.removeprefix(KEYS_PREFIX) in KEYS
    )
    if unsafe or not expected or not info.isfile():
        raise BackupError(f"not a valid Accord backup: it holds an unexpected entry {name!r}")
    return name


# Restoring ----------------------------------------------------------------------------------


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
    with _staging(_existing_parent(target.data_dir), "restore") as staging:
        try:
            _extract(archive, target, staging / "database")
            _restore_database(target, staging / "database")
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
        found += [str(target.data_dir / name) for name in KEYS if (target.data_dir / name).exists()]
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
        raise BackupError(f"cannot reach the database: {_first_line(str(exc))}") from exc
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
    for name, stream in _read_members(archive.path):
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


def _write_new(destination: Path, stream: _Readable, target: RestoreTarget) -> Member:
    """Create `destination` (never replacing a file) with the stream's contents, private."""
    _make_folders(destination.parent, target)
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    target.created.append(destination)
    reader = _HashingReader(stream)
    with os.fdopen(descriptor, "wb") as handle:
        while chunk := reader.read(_CHUNK):
            handle.write(chunk)
    return reader.member


def _make_folders(folder: Path, target: RestoreTarget) -> None:
    missing = [parent for parent in [folder, *folder.parents] if not parent.exists()]
    for parent in reversed(missing):
        parent.mkdir()
        target.created.append(parent)


def _restore_database(target: RestoreTarget, database_file: Path) -> None:
    if target.sqlite_path is None:
        _pg_restore(database_file, target.database)
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


def _pg_restore(dump: Path, database: dict[str, Any]) -> None:
    command = [
        _pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--no-password",
        f"--dbname={_pg_conninfo(database)}",
        str(dump),
    ]
    _run_pg(command, "pg_restore", database)


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


# PostgreSQL's client tools ------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools "
            "(of the server's major version or newer)"
        )
    return found


def _pg_conninfo(database: dict[str, Any]) -> str:
    """The database name as a libpq connection string; the rest of the connection (and the
    password) goes in the environment, never on the command line."""
    name = str(database["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{name}'"


def _pg_environment(database: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    options = database.get("OPTIONS") or {}
    for option, variable in _PG_OPTION_VARIABLES.items():
        if option in options:
            environment[variable] = str(options[option])
    return environment


def _run_pg(command: list[str], tool: str, database: dict[str, Any]) -> None:
    try:
        result = subprocess.run(  # noqa: S603 (a PostgreSQL tool found on PATH, no shell)
            command, env=_pg_environment(database), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{tool} could not be run: {exc}") from exc
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {_first_line(result.stderr) or result.returncode}")


def _first_line(text: str) -> str:
    """The line of a tool's error output that says what went wrong."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() or "fatal" in line.lower():
            return line
    return lines[0] if lines else ""
