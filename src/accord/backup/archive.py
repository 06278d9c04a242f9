"""The archive's format: its members and manifest, writing one, and reading one back
with every member checked against the manifest (`verify_archive`). Plain Python: a
restore checks the archive before Django is set up."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Protocol

from accord.engine import limits

FORMAT = "accord-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/accord.sqlite3", "postgresql": "database/accord.pgdump"}
# Archived key name -> the setting that holds it and the variable that overrides the file.
KEYS = {
    "secret_key": ("SECRET_KEY", "ACCORD_SECRET_KEY"),
    "audit_key": ("ACCORD_AUDIT_KEY", "ACCORD_AUDIT_KEY"),
}
# Files of the data directory archived with the keys when they exist: the instance's
# OpenPGP key (accord.cvd.signing) is made on first use, so an instance may have none.
KEY_FILES = ("openpgp/instance-key.asc",)
MEDIA_PREFIX = "media/"
KEYS_PREFIX = "keys/"
CHUNK = 1024 * 1024
_MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# A manifest nests three levels (files, a name, its checksum); a big one (many uploads)
# takes a second or two to read.
_MANIFEST_LIMITS = limits.Limits(max_bytes=_MANIFEST_MAX_BYTES, max_depth=8, max_seconds=30)


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
            document = limits.parse_json(data, _MANIFEST_LIMITS)
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
class VerifiedArchive:
    """An archive whose every member matched the manifest when it was read."""

    path: Path
    manifest: Manifest
    keys: dict[str, str] = field(repr=False)


@contextlib.contextmanager
def staging(where: Path, purpose: str) -> Iterator[Path]:
    """A private (0700) folder in `where`, removed afterwards whatever happens."""
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".accord-{purpose}-", dir=where))
    except OSError as exc:
        raise BackupError(f"cannot write in {where}: {exc.strerror or exc}") from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class HashingReader:
    """Reads through a file, keeping the SHA-256 and size of what was read."""

    def __init__(self, stream: Readable) -> None:
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


class ArchiveWriter:
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

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.tar.close()
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()

    def add_file(self, name: str, path: Path) -> None:
        info = self._info(name, path.stat().st_size, int(path.stat().st_mtime))
        with path.open("rb") as handle:
            reader = HashingReader(handle)
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
    for name, stream in read_members(path):
        reader = HashingReader(stream)
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


def _drain(reader: HashingReader, *, keep: bool) -> bytes | None:
    if not keep:
        while reader.read(CHUNK):
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
    required = {KEYS_PREFIX + name for name in KEYS}
    if manifest.keys and not required <= keys <= required | {KEYS_PREFIX + n for n in KEY_FILES}:
        raise BackupError(f"the archive's keys are incomplete: {tampered}")


def read_members(path: Path) -> Iterator[tuple[str, _ArchiveStream]]:
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
        or (name.startswith(KEYS_PREFIX) and name.removeprefix(KEYS_PREFIX) in KEY_FILES)
    )
    if unsafe or not expected or not info.isfile():
        raise BackupError(f"not a valid Accord backup: it holds an unexpected entry {name!r}")
    return name
