"""Reading the audit log: verification of the chain, and events a viewer may see."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from accord.audit.hashing import GENESIS_HASH, event_digest
from accord.audit.models import ChainHead, Event


@dataclass(frozen=True)
class ChainBreak:
    """Where the chain first fails to verify, and why."""

    seq: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    events_checked: int
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _recomputed(event: Event) -> str:
    return event_digest(
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_label=event.actor_label,
        tag=event.tag,
        object_type=event.object_type,
        object_id=event.object_id,
        organisation_id=event.organisation_id,
        data=event.data,
        prev_hash=event.prev_hash,
    )


def _check(event: Event, expected_seq: int, prev_hash: str) -> ChainBreak | None:
    if event.seq != expected_seq:
        reason = f"expected event #{expected_seq} here, found #{event.seq} (removed or moved)"
        return ChainBreak(event.seq, reason)
    if event.prev_hash != prev_hash:
        return ChainBreak(event.seq, "does not link to the event before it (reordered)")
    if _recomputed(event) != event.hash:
        return ChainBreak(event.seq, "content does not match its hash (edited)")
    return None


def chain_head() -> tuple[int, str]:
    """The newest event's sequence number and seal: record it outside Accord (a log
    server, a ticket) and pass it back to `verify_chain(anchor=...)` later."""
    head = ChainHead.objects.filter(id=1).first()
    return (head.seq, head.hash) if head else (0, GENESIS_HASH)


def _check_anchor(event: Event, anchor: tuple[int, str] | None) -> ChainBreak | None:
    if anchor is not None and event.seq == anchor[0] and event.hash != anchor[1]:
        return ChainBreak(event.seq, "differs from the head recorded outside Accord")
    return None


def verify_chain(*, anchor: tuple[int, str] | None = None) -> ChainReport:
    """Walk the log up to its head and report the first event that breaks the chain.

    The head is read first, so events appended while the walk runs are left for the
    next run instead of looking like a mismatch. `anchor` is a (seq, seal) pair kept
    outside Accord: the chain must still reach it with the same seal.
    """
    head_seq, head_hash = chain_head()
    checked, expected_seq, prev_hash = 0, 1, GENESIS_HASH
    events = Event.objects.filter(seq__lte=head_seq).order_by("seq").iterator(chunk_size=2000)
    for event in events:
        broken = _check(event, expected_seq, prev_hash) or _check_anchor(event, anchor)
        if broken is not None:
            return ChainReport(checked, broken)
        checked, expected_seq, prev_hash = checked + 1, event.seq + 1, event.hash
    if (head_seq, head_hash) != (expected_seq - 1, prev_hash):
        reason = f"the log ends at #{expected_seq - 1} but its head records #{head_seq} (removed)"
        return ChainReport(checked, ChainBreak(expected_seq, reason))
    if anchor is not None and anchor[0] > head_seq:
        reason = f"the log ends at #{head_seq}, before the recorded head #{anchor[0]} (truncated)"
        return ChainReport(checked, ChainBreak(head_seq + 1, reason))
    return ChainReport(checked, None)


def first_event_at(
    *, tags: Sequence[str], data: Mapping[str, Any], seqs: QuerySet[Any] | None = None
) -> datetime | None:
    """When the first event of one of `tags` whose data holds each item of `data`
    occurred; None if there is none. What an app measures from its own history (the
    CVD app: when a vendor first moved its report state). `seqs` (a subquery of event
    numbers the app keeps beside its own records) narrows the search to those events:
    read through the unique `seq`, not by scanning every event of the tags."""
    matching = Event.objects.filter(tag__in=tags, **{f"data__{k}": v for k, v in data.items()})
    if seqs is not None:
        matching = matching.filter(seq__in=seqs)
    return matching.order_by("seq").values_list("occurred_at", flat=True).first()
