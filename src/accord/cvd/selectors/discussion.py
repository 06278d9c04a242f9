"""Reads of the case discussion, each through `ThreadQuerySet`/`PostQuerySet.visible_to`.

A page of threads or of posts costs the same few queries however long the case's
discussion is: the counts are annotations, the authors are joined, and the unread
counts compare each post with the reader's marker in the same query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from accord.access import Permission, active, has_perm
from accord.cvd.models import Case, Participant, Post, ReadMarker, Thread

if TYPE_CHECKING:
    from accord.access import Viewer

THREADS_PER_PAGE = 25
POSTS_PER_PAGE = 50
ANONYMOUS_REPORTER = "Reporter (anonymous)"
LAST = "last"


def _uid(user: Viewer) -> int:
    return int(getattr(user, "pk", None) or 0)


def _marker(user: Viewer, thread: str) -> Subquery:
    """How far `user` read the thread at `thread` (an outer reference)."""
    found = ReadMarker.objects.filter(user_id=_uid(user), thread=OuterRef(thread))
    return Subquery(found.values("read_through")[:1])


def _unread(user: Viewer, via: str = "") -> Q:
    """Posts after the reader's marker (all, without one), not their own."""
    after = Q(read_through__isnull=True) | Q(**{f"{via}created_at__gt": F("read_through")})
    return after & ~Q(**{f"{via}author": user})


def threads(user: Viewer, case: Case) -> QuerySet[Thread]:
    """The threads of `case` that `user` reads, most recently active first, each with
    `post_count` and `unread` (posts by others after the reader's marker)."""
    if not active(user):
        return Thread.objects.none()
    return (
        Thread.objects.visible_to(user)
        .filter(case=case)
        .select_related("private_with")
        .annotate(read_through=_marker(user, "pk"))
        .annotate(post_count=Count("posts"), unread=Count("posts", filter=_unread(user, "posts__")))
        .order_by("-last_post_at", "-id")
    )


def threads_page(user: Viewer, case: Case, number: int | str | None) -> Page:
    return Paginator(threads(user, case), THREADS_PER_PAGE).get_page(number)


def thread_for(user: Viewer, case: Case, thread_id: object) -> Thread | None:
    """Thread `thread_id` of `case` if `user` reads it; None whether or not it exists."""
    try:
        pk = int(str(thread_id))
    except ValueError:
        return None
    if not 0 < pk < 2**63 or not active(user):
        return None
    found = Thread.objects.visible_to(user).filter(case=case, pk=pk)
    return found.select_related("case", "private_with").first()


def post_for(user: Viewer, thread: Thread, post_id: object) -> Post | None:
    """Post `post_id` of `thread` if `user` reads it."""
    try:
        pk = int(str(post_id))
    except ValueError:
        return None
    if not 0 < pk < 2**63:
        return None
    found = Post.objects.visible_to(user).filter(thread=thread, pk=pk)
    return found.select_related("thread__case", "author_participant").first()


def may_edit(user: Viewer, post: Post) -> bool:
    """Whether `user` may change `post`: its author, while the case is open."""
    uid = getattr(user, "pk", None)
    return uid is not None and post.author_id == uid and post.thread.case.closed_at is None


def private_parties(user: Viewer, case: Case) -> QuerySet[Participant]:
    """The participants `user` may open a private thread with the coordinators for:
    every one but the coordinators for the lead, else the user's own."""
    acted_for = Participant.objects.acted_for_by(user).filter(case=case)
    return acted_for.exclude(role=Participant.Role.COORDINATOR).order_by("role", "name", "id")


def party_for(user: Viewer, case: Case, participant_id: int) -> Participant | None:
    """Participant `participant_id` of `case` if `user` sees it."""
    if not 0 < participant_id < 2**63:
        return None
    return Participant.objects.visible_to(user).filter(case=case, pk=participant_id).first()


def page_of(user: Viewer, post: Post) -> int:
    """The page of its thread that shows `post`."""
    before = posts(user, post.thread).filter(
        Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, id__lt=post.pk)
    )
    return before.count() // POSTS_PER_PAGE + 1


def unread_posts(user: Viewer, case: Case) -> int:
    """How many posts of `case` that `user` reads are unread by them: the count the
    case's Discussion tab shows."""
    if not active(user):
        return 0
    posts = Post.objects.visible_to(user).filter(thread__case=case)
    return posts.annotate(read_through=_marker(user, "thread")).filter(_unread(user)).count()


def read_through(user: Viewer, thread: Thread) -> datetime | None:
    """How far `user` has read `thread`; None if not at all."""
    if not active(user):
        return None
    marker = ReadMarker.objects.filter(user_id=_uid(user), thread=thread).first()
    return marker.read_through if marker else None


def posts(user: Viewer, thread: Thread) -> QuerySet[Post]:
    """The posts of `thread` that `user` reads, oldest first, with their authors and
    the posts they reply to."""
    return (
        Post.objects.visible_to(user)
        .filter(thread=thread)
        .select_related(
            "author", "author_participant", "parent__author", "parent__author_participant"
        )
        .order_by("created_at", "id")
    )


def first_unread_page(user: Viewer, thread: Thread, through: datetime | None) -> int:
    """The page of `thread` that holds the reader's first unread post (the last page if
    they read it all, the first if they never opened it)."""
    if through is None:
        return 1
    read = posts(user, thread).filter(created_at__lte=through).count()
    return read // POSTS_PER_PAGE + 1


@dataclass(frozen=True)
class PostView:
    """A post as one reader sees it: who wrote it, as they may know, and whether it is
    new to them."""

    post: Post
    author: str
    unread: bool
    mine: bool
    reply_to: str


@dataclass(frozen=True)
class _Reader:
    """What one reader may know of the authors: the reporter's identity or not, and
    which of the authors' participants they see (an observer sees only the
    coordinators, so other authors are named by their role alone)."""

    reporter_known: bool
    parties: frozenset[int]

    def label(self, post: Post | None) -> str:
        if post is None:
            return ""
        participant, person = post.author_participant, post.author
        name = person.full_name if person is not None else ""
        if participant is None:
            return f"{name} (coordinator)" if name else "Coordinator"
        if participant.role == Participant.Role.REPORTER and not self.reporter_known:
            return ANONYMOUS_REPORTER
        role = participant.get_role_display().lower()
        if participant.pk not in self.parties:
            return role.capitalize()
        return f"{name}, {participant.name} ({role})" if name else f"{participant.name} ({role})"


def _reader(user: Viewer, case: Case, shown: list[Post]) -> _Reader:
    """One query for the authors `user` sees, one for the reporter's identity."""
    ids = {post.author_participant_id for post in shown if post.author_participant_id}
    seen = Participant.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True)
    known = has_perm(user, Permission.CVD_REPORTER_VIEW, case)
    return _Reader(reporter_known=known, parties=frozenset(seen) if ids else frozenset())


def author_of(user: Viewer, post: Post) -> str:
    """`post`'s author as `user` may know them."""
    return _reader(user, post.thread.case, [post]).label(post)


def posts_page(
    user: Viewer, thread: Thread, number: int | str | None, *, through: datetime | None
) -> tuple[Page, list[PostView]]:
    """One page of `thread`'s posts for `user`, each as `PostView`; unread are those by
    others after `through`."""
    paginator = Paginator(posts(user, thread), POSTS_PER_PAGE)
    page = paginator.get_page(paginator.num_pages if number == LAST else number)
    listed = list(page.object_list)
    reader = _reader(user, thread.case, listed + [p.parent for p in listed if p.parent])
    uid = getattr(user, "pk", None)
    shown = [
        PostView(
            post=post,
            author=reader.label(post),
            unread=post.author_id != uid and (through is None or post.created_at > through),
            mine=post.author_id == uid and uid is not None,
            reply_to=reader.label(post.parent),
        )
        for post in listed
    ]
    return page, shown
