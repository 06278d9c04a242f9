"""What the CVD app announces to the apps above it (`accord.audit.hooks`).

`cvd:advisory:release` is announced after each publication of an advisory (its first
release, an update, a withdrawal) commits, for an app above that would react without
the CVD app knowing it. Nothing subscribes to it today: the CSAF provider directory is
built from the database's public advisories when they change, and the disclosure
measures are computed again by `accord.cvd.services._common.record` at each step.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.audit.hooks import Hook


@dataclass(frozen=True)
class AdvisoryReleased:
    """A version of an advisory was published. `action` is `published` (version 1),
    `updated` or `withdrawn`; `tlp` is the advisory's (only a `clear` one is public);
    `actor_id` is None when the embargo's end published it."""

    advisory_id: int
    case_id: int
    tracking_id: str
    version: int
    action: str
    tlp: str
    formats: tuple[str, ...]
    actor_id: int | None


ADVISORY_RELEASED = Hook[AdvisoryReleased]("cvd:advisory:release")
