"""Reads for the CSAF provider directory: the public advisories' CSAF documents only.

`Advisory.objects.public()` (TLP:CLEAR) is the directory's one source. The directory is
built from the database when asked and kept per process until a public advisory
changes: the stamp (how many, the newest id, the latest release, the sum of versions)
moves with every publication, new version and withdrawal, so whatever publishes an
advisory needs to tell nothing here.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, Sum

from accord.cvd import csaf_directory
from accord.cvd.models import Advisory

# The advisory and its VEX document: each names its own file by its tracking id
# (`acc-2026-0001.json`, `acc-2026-0001-vex.json`).
CSAF_FORMATS = ("csaf", "csaf-vex")

# (stamp, directory), replaced as one (threads of a worker share it).
_kept: list[tuple[object, csaf_directory.Directory]] = []


def public_stamp() -> tuple[int, int, datetime | None, int]:
    """What changes whenever the public advisories do (one cheap query)."""
    row = Advisory.objects.public().aggregate(
        count=Count("id"),
        last_id=Max("id"),
        latest=Max("current_release_at"),
        versions=Sum("version"),
    )
    return int(row["count"]), int(row["last_id"] or 0), row["latest"], int(row["versions"] or 0)


def forget() -> None:
    """Drop the kept directory (tests whose databases could share a stamp)."""
    _kept.clear()


def public_directory() -> csaf_directory.Directory:
    """The distribution folder of every public advisory's CSAF documents."""
    stamp = public_stamp()
    kept = _kept[0] if _kept else None
    if kept is not None and kept[0] == stamp:
        return kept[1]
    rows = Advisory.objects.public().only(
        "tracking_id", "current_release_at", "documents"
    )  # one query; the documents are what is served
    built = csaf_directory.directory(
        csaf_directory.listed(a.tracking_id, a.documents[key], released=a.current_release_at)
        for a in rows
        for key in CSAF_FORMATS
        if _labelled_white(a.documents.get(key))
    )
    _kept[:] = [(stamp, built)]
    return built


def last_public_release() -> datetime | None:
    """When a public advisory last changed (provider metadata's `last_updated`)."""
    return public_stamp()[2]


def _labelled_white(document: object) -> bool:
    """A CSAF document the TLP:WHITE folder may carry: the advisory is TLP:CLEAR
    (the query), and the document itself claims no other label (belt and braces, should
    a document ever be built with the case's label rather than the advisory's)."""
    if not isinstance(document, dict):
        return False
    meta = document.get("document")
    distribution = meta.get("distribution") if isinstance(meta, dict) else None
    tlp = distribution.get("tlp") if isinstance(distribution, dict) else None
    return (tlp.get("label") if isinstance(tlp, dict) else None) in (None, "WHITE", "CLEAR")
