"""What every CVD service shares: the permission check, and the timeline entry that is
written beside each audit event of a case."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import models

from accord.access import Permission, has_perm
from accord.audit.services import record_event
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound
from accord.cvd.models import Case, CaseEvent, Counter, Participant

if TYPE_CHECKING:
    from accord.access import Viewer

MAX_SUMMARY = 500

_CONTROLS = re.compile(r"[\x00-\x1f]")
_CONTROLS_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def refuse_controls(value: str, *, field: str, multiline: bool) -> str:
    """`value`, unless it holds a C0 control character (XML cannot carry them: one in a
    title would break the advisories and their feed); multi-line text may hold tabs
    and line breaks."""
    if (_CONTROLS_BUT_LINES if multiline else _CONTROLS).search(value):
        allowed = " (tabs and line breaks are fine)" if multiline else ""
        raise InvalidField(
            f"The {field.replace('_', ' ')} cannot hold control characters{allowed}.",
            field=field,
        )
    return value


def require(actor: Viewer, permission: Permission, obj: models.Model | None, message: str) -> None:
    """Raise NotAllowed unless `actor` may do `permission` on `obj`."""
    if not has_perm(actor, permission, obj):
        raise NotAllowed(message)


def require_visible(actor: Viewer, obj: models.Model, what: str) -> None:
    """Raise NotFound unless `actor` may see `obj`'s case: outside it, nothing of the
    case exists, not even to be refused."""
    if not has_perm(actor, Permission.CVD_CASE_VIEW, obj):
        raise NotFound(f"No such {what}.")


def record(
    *,
    case: Case,
    tag: str,
    actor: Any,
    summary: str,
    data: dict[str, Any] | None = None,
    target: models.Model | None = None,
    audience: str = CaseEvent.Audience.CASE,
    private_with: Participant | None = None,
) -> CaseEvent:
    """Record the audit event of a step in `case`, and its entry in the case's timeline
    for `audience` (the coordinators and `private_with` alone, for a private one).

    After a step that may change a disclosure measure (`measures.is_measured`), the
    measures are computed again here, in the step's transaction: every such step passes
    through this one place, so none is forgotten. A step that concerns one vendor (its
    statement, its state) computes that vendor's measure alone; a case-wide one (the
    embargo, the advisory) every vendor's."""
    payload = {"case": case.reference, **(data or {})}
    event = record_event(tag=tag, actor=actor, target=target or case, data=payload)
    entry = CaseEvent.objects.create(
        case=case,
        audit_seq=event.seq,
        tag=tag,
        actor=actor if getattr(actor, "pk", None) else None,
        summary=" ".join(summary.split())[:MAX_SUMMARY],
        audience=audience,
        private_with=private_with,
        occurred_at=event.occurred_at,
    )
    from accord.cvd.services import measures  # it uses the services that use this

    if measures.is_measured(tag):
        measures.refresh_after(case=case, tag=tag, data=payload)
    return entry


def next_number(kind: str, year: int) -> int:
    """The next number of `kind` (`case`, `report`) in `year`, under a row lock."""
    counter, _ = Counter.objects.select_for_update().get_or_create(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last
