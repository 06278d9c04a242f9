"""The instance's CSAF 2.0 provider directory (CSAF 2.0 section 7), built from advisories.

Accord is a CSAF trusted provider (section 7.2.2) distributing through one directory
(requirements 11-14): the TLP:WHITE folder `/.well-known/csaf/white/`, one folder per
year of a document's initial release (requirement 11), each document named by the file
name rule of section 5.1 (requirement 2) with its `.sha256`, `.sha512` (requirement 18)
and `.asc` (requirement 19), and `index.txt` and `changes.csv` (requirements 12-13).
The provider metadata (requirement 7) sits at the well-known URL (requirement 9) and
names the instance's public key in `openpgp/` beside it (requirement 20).

Only what `Advisory.objects.public()` yields is ever passed in: the directory has no
other source, so an advisory under any TLP but CLEAR cannot reach it.
This module builds bytes; it neither reads the database nor signs (the views do).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

WELL_KNOWN = "/.well-known/csaf/"
METADATA_PATH = WELL_KNOWN + "provider-metadata.json"
DISTRIBUTION_PATH = WELL_KNOWN + "white/"
KEY_PATH = WELL_KNOWN + "openpgp/"
# Section 5.1: lower case, and every run of other characters than these becomes `_`.
_NOT_IN_FILE_NAME = re.compile(r"[^+\-a-z0-9]+")


def file_name(tracking_id: str) -> str:
    """The file name CSAF 2.0 section 5.1 gives the document with this tracking id."""
    return _NOT_IN_FILE_NAME.sub("_", tracking_id.lower()) + ".json"


def csaf_date(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


@dataclass(frozen=True)
class Listed:
    """One document in the directory: its path under the distribution folder, its bytes
    as served, and its release dates (from the document's own tracking)."""

    path: str
    body: bytes
    current_release: str

    @property
    def year(self) -> str:
        return self.path.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.path.split("/", 1)[1]


@dataclass(frozen=True)
class Directory:
    """The distribution folder's files, newest change first."""

    documents: tuple[Listed, ...]

    def find(self, path: str) -> Listed | None:
        return next((d for d in self.documents if d.path == path), None)

    @property
    def years(self) -> list[str]:
        return sorted({d.year for d in self.documents}, reverse=True)

    def index_txt(self) -> bytes:
        return "".join(f"{d.path}\n" for d in self.documents).encode()

    def changes_csv(self) -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerows((d.path, d.current_release) for d in self.documents)
        return out.getvalue().encode()


def listed(tracking_id: str, document: dict[str, Any], *, released: datetime) -> Listed:
    """The entry of a document; `tracking_id` and `released` stand in for what the
    document's tracking lacks."""
    tracking = document.get("document", {}).get("tracking", {})
    initial = str(tracking.get("initial_release_date") or csaf_date(released))
    current = str(tracking.get("current_release_date") or csaf_date(released))
    name = file_name(str(tracking.get("id") or tracking_id))
    body = (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
    return Listed(path=f"{initial[:4]}/{name}", body=body, current_release=current)


def directory(entries: Iterable[Listed]) -> Directory:
    """The folder of these entries, as changes.csv orders it: newest change first."""
    ordered = sorted(entries, key=lambda e: (_instant(e.current_release), e.path), reverse=True)
    return Directory(tuple(ordered))


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def checksum(body: bytes, name: str, algorithm: str) -> bytes:
    """A `.sha256`/`.sha512` file as `sha256sum` writes it (requirement 18)."""
    return f"{hashlib.new(algorithm, body).hexdigest()}  {name}\n".encode()


def provider_metadata(
    *,
    base_url: str,
    publisher_name: str,
    fingerprint: str,
    last_updated: datetime,
) -> dict[str, Any]:
    """provider-metadata.json (requirement 7) for the instance at `base_url`."""
    return {
        "canonical_url": base_url + METADATA_PATH,
        "distributions": [{"directory_url": base_url + DISTRIBUTION_PATH}],
        "last_updated": csaf_date(last_updated),
        "list_on_CSAF_aggregators": True,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": True,
        "public_openpgp_keys": [
            {"fingerprint": fingerprint, "url": base_url + key_path(fingerprint)}
        ],
        "publisher": {
            "category": "coordinator",
            "name": publisher_name,
            "namespace": base_url,
        },
        "role": "csaf_trusted_provider",
    }


def key_path(fingerprint: str) -> str:
    return f"{KEY_PATH}{fingerprint}.asc"
