"""The case discussion: threads, posts and replies, edits, and how far each person read.

Who starts what:
- the lead starts the case's own threads (read by every party, and by the observers
  once the lead opens the thread to them) and private threads with any one participant;
- a participant may open its own private thread with the coordinators;
- whoever reads a thread may post in it and reply to its posts; only the author edits
  a post, and the edit is marked (`edited_at`).

Each step is an audit event and a timeline entry for those who read the thread: the case
for its own threads, the coordinators and the one participant for a private one. The
texts stay out of the audit data; a reporter's post is told as the reporter's, never by
name, since vendors read the timeline too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from accord.access import Permission, has_perm
from accord.cvd import rules
from accord.cvd.exceptions import InvalidField, NotAllowed, NotFound, StateConflict
from accord.cvd.models import Case, CaseEvent, Participant, Post, ReadMarker, Thread
from accord.cvd.services._common import record, refuse_controls, require, require_visible

if TYPE_CHECKING:
    from datetime import datetime

    from accord.accounts.models import User

MAX_TITLE = 200
MAX_BODY = 20_000
# Whose voice a post is in, when the author is several participants of the case.
AUTHOR_ROLES = (
    Participant.Role.COORDINATOR,
    Participant.Role.OTHER_COORDINATOR,
    Participant.Role.VENDOR,
    Participant.Role.REPORTER,
    Participant.Role.OBSERVER,
)


def _text(value: str, *, field: str, limit: int, what: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise InvalidField(f"Write the {what}.", field=field)
    if len(cleaned) > limit:
        raise InvalidField(f"The {what} is at most {limit:,} characters.", field=field)
    if "\x00" in cleaned:
        raise InvalidField(f"The {what} cannot hold NUL characters.", field=field)
    return refuse_controls(cleaned, field=field, multiline=field != "title")


def _open(case: Case) -> None:
    if case.closed_at is not None:
        raise StateConflict("The case is closed; its discussion can be read, not added to.")


def _readable(actor: User, thread: Thread) -> None:
    """Outside the thread, it does not exist."""
    require_visible(actor, thread.case, "thread")
    if not has_perm(actor, Permission.CVD_POST_VIEW, thread):
        raise NotFound("No such thread.")


def _voice(actor: User, thread: Thread) -> Participant | None:
    """The participant `actor` speaks for in `thread`: in a private thread, the
    participant it is with if the actor is it; otherwise their first role by
    `AUTHOR_ROLES`. None for a lead who is no participant in person."""
    own = list(rules.mine(actor).filter(case=thread.case_id))
    if thread.private_with_id is not None:
        for participant in own:
            if participant.pk == thread.private_with_id:
                return participant
    own.sort(key=lambda participant: AUTHOR_ROLES.index(participant.role))
    return own[0] if own else None


def speaker(participant: Participant | None) -> str:
    """How the timeline names a post's author: a reporter never by name."""
    if participant is None:
        return "The coordinator"
    if participant.role == Participant.Role.REPORTER:
        return "The reporter"
    return participant.name


def _audience(thread: Thread) -> dict[str, object]:
    if thread.private_with_id is None:
        return {"audience": CaseEvent.Audience.CASE, "private_with": None}
    return {"audience": CaseEvent.Audience.PRIVATE, "private_with": thread.private_with}


def _private_party(actor: User, case: Case, private_with: Participant) -> None:
    """A private thread is with one participant of `case` other than a coordinator, and
    started by the lead or by that participant."""
    if private_with.case_id != case.pk or private_with.removed_at is not None:
        raise InvalidField("Choose a participant of this case.", field="private_with")
    if private_with.role == Participant.Role.COORDINATOR:
        raise InvalidField(
            "A private thread is between the coordinators and one other participant.",
            field="private_with",
        )
    require(
        actor,
        Permission.CVD_PARTICIPANT_ACT,
        private_with,
        "You may open a private thread only for your own part in the case.",
    )


@transaction.atomic
def start_thread(
    *,
    actor: User,
    case: Case,
    title: str,
    body: str,
    private_with: Participant | None = None,
    include_observers: bool = False,
) -> Thread:
    """Start a thread with its first post: one of the case's own (the lead), or a
    private one with `private_with` (the lead, or that participant)."""
    require_visible(actor, case, "case")
    title = _text(title, field="title", limit=MAX_TITLE, what="thread's title")
    body = _text(body, field="body", limit=MAX_BODY, what="post")
    if private_with is not None:
        _private_party(actor, case, private_with)
        if include_observers:
            raise InvalidField(
                "A private thread cannot be opened to the observers.", field="include_observers"
            )
    else:
        require(
            actor,
            Permission.CVD_CASE_COORDINATE,
            case,
            "Only the case's coordinator starts its threads; you may open a private one.",
        )
    _open(case)
    now = timezone.now()
    thread = Thread.objects.create(
        case=case,
        title=title,
        private_with=private_with,
        include_observers=include_observers,
        created_by=actor,
        created_at=now,
        last_post_at=now,
    )
    post = _add_post(actor, thread, body, parent=None, at=now)
    where = f" with {speaker(private_with)}" if private_with else ""
    record(
        case=case,
        tag="cvd:thread:start",
        actor=actor,
        target=thread,
        summary=f"{speaker(post.author_participant)} started the thread “{title}”{where}",
        data={"thread": thread.pk, "post": post.pk, "private": private_with is not None},
        **_audience(thread),  # type: ignore[arg-type]
    )
    return thread


def _add_post(actor: User, thread: Thread, body: str, *, parent: Post | None, at: datetime) -> Post:
    post = Post.objects.create(
        thread=thread,
        parent=parent,
        author=actor,
        author_participant=_voice(actor, thread),
        body=body,
        created_at=at,
    )
    Thread.objects.filter(pk=thread.pk).update(last_post_at=at)
    thread.last_post_at = at
    return post


@transaction.atomic
def post_reply(*, actor: User, thread: Thread, body: str, parent: Post | None = None) -> Post:
    """Post in `thread`, as a reply to `parent` if given. Whoever reads the thread may."""
    _readable(actor, thread)
    body = _text(body, field="body", limit=MAX_BODY, what="post")
    if parent is not None and parent.thread_id != thread.pk:
        raise InvalidField("Reply to a post of this thread.", field="parent")
    _open(thread.case)
    post = _add_post(actor, thread, body, parent=parent, at=timezone.now())
    verb = "replied in" if parent is not None else "posted in"
    record(
        case=thread.case,
        tag="cvd:post:create",
        actor=actor,
        target=post,
        summary=f"{speaker(post.author_participant)} {verb} “{thread.title}”",
        data={"thread": thread.pk, "post": post.pk, "parent": parent.pk if parent else None},
        **_audience(thread),  # type: ignore[arg-type]
    )
    return post


@transaction.atomic
def edit_post(*, actor: User, post: Post, body: str) -> Post:
    """The author changes their post; it shows as edited, and when."""
    thread = post.thread
    _readable(actor, thread)
    if post.author_id != actor.pk:
        raise NotAllowed("Only its author edits a post.")
    body = _text(body, field="body", limit=MAX_BODY, what="post")
    _open(thread.case)
    if body == post.body:
        return post
    post.body, post.edited_at = body, timezone.now()
    post.save(update_fields=["body", "edited_at"])
    record(
        case=thread.case,
        tag="cvd:post:edit",
        actor=actor,
        target=post,
        summary=f"{speaker(post.author_participant)} edited a post in “{thread.title}”",
        data={"thread": thread.pk, "post": post.pk},
        **_audience(thread),  # type: ignore[arg-type]
    )
    return post


@transaction.atomic
def open_to_observers(*, actor: User, thread: Thread, include: bool) -> Thread:
    """The lead opens one of the case's threads to its observers, or closes it to them."""
    require_visible(actor, thread.case, "thread")
    require(
        actor,
        Permission.CVD_CASE_COORDINATE,
        thread.case,
        "Only the case's coordinator decides what the observers read.",
    )
    if thread.private_with_id is not None:
        raise InvalidField(
            "A private thread cannot be opened to the observers.", field="include_observers"
        )
    if thread.include_observers == include:
        return thread
    thread.include_observers = include
    thread.save(update_fields=["include_observers"])
    opened = "opened to" if include else "closed to"
    record(
        case=thread.case,
        tag="cvd:thread:observers",
        actor=actor,
        target=thread,
        summary=f"The thread “{thread.title}” was {opened} the observers",
        data={"thread": thread.pk, "include_observers": include},
    )
    return thread


@transaction.atomic
def mark_read(*, actor: User, thread: Thread, through: Post | None = None) -> datetime | None:
    """`actor` has read `thread` through `through` (its newest post if not given): the
    posts after it are unread. A marker never moves back. No audit event: it is the
    reader's own bookmark, not a step in the case. Returns how far it is read."""
    _readable(actor, thread)
    if through is None:
        through = thread.posts.order_by("-created_at", "-id").first()
        if through is None:
            return None
    elif through.thread_id != thread.pk:
        raise InvalidField("Name a post of this thread.", field="through")
    marker, created = ReadMarker.objects.select_for_update().get_or_create(
        user=actor, thread=thread, defaults={"read_through": through.created_at}
    )
    if not created and marker.read_through < through.created_at:
        marker.read_through = through.created_at
        marker.save(update_fields=["read_through"])
    return marker.read_through
