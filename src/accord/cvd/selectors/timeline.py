"""Reading a case's timeline: the entries `CaseEvent.visible_to` lets a person read,
newest first, a page at a time.

A page is named by the newest entry it shows (`?upto=<id>`), not by a page number, so a
link to an entry lands on the page holding it for every reader and stays right as new
entries arrive: `timeline_link(event)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.urls import reverse

from accord.cvd.models import Case, CaseEvent

if TYPE_CHECKING:
    from accord.access import Viewer

EVENTS_PER_PAGE = 50


@dataclass
class TimelinePage:
    events: list[CaseEvent]
    # The `upto` of the neighbouring pages: None for no older page; for the newer one,
    # None when there is none and 0 when it is the first page (no `upto` at all).
    older: int | None
    newer: int | None


def timeline_for(user: Viewer, case: Case) -> QuerySet[CaseEvent]:
    """The entries of `case` that `user` reads, newest first."""
    return CaseEvent.objects.visible_to(user).filter(case=case).order_by("-id")


def timeline_page(user: Viewer, case: Case, *, upto: int | None = None) -> TimelinePage:
    """The page of entries from `upto` (the newest when None) back in time."""
    entries = timeline_for(user, case).select_related("case", "private_with")
    shown = entries.filter(id__lte=upto) if upto else entries
    events = list(shown[: EVENTS_PER_PAGE + 1])
    older = events[EVENTS_PER_PAGE].pk if len(events) > EVENTS_PER_PAGE else None
    events = events[:EVENTS_PER_PAGE]
    newer = None
    if upto and events:
        # The page before this one ends with the entry just newer than this one's first.
        ahead = list(
            entries.filter(id__gt=events[0].pk)
            .order_by("id")
            .values_list("id", flat=True)[: EVENTS_PER_PAGE + 1]
        )
        if ahead:
            newer = ahead[EVENTS_PER_PAGE - 1] if len(ahead) > EVENTS_PER_PAGE else 0
    return TimelinePage(events=events, older=older, newer=newer)


def timeline_link(event: CaseEvent) -> str:
    """The path of `event`'s entry on its case's timeline: the page starting at it,
    scrolled to its anchor. Notifications link here."""
    path = reverse("cvd:timeline", args=[event.case.reference])
    return f"{path}?upto={event.pk}#event-{event.pk}"
