"""CVD API: a case's discussion. Threads listed and started, posts listed, written and
edited, a thread marked read; the same services and rules as the pages.

Outside the case, its threads do not exist (404). A post's `body` is its Markdown as
written; `html` is that Markdown rendered and sanitised, the only HTML to show.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.core.paginator import Page
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from accord.accounts.api import BearerToken, request_token
from accord.apischema import refusals
from accord.cvd import markdown
from accord.cvd import selectors as cases
from accord.cvd.exceptions import InvalidField, NotFound
from accord.cvd.models import Case, Post, Thread
from accord.cvd.selectors import discussion as selectors
from accord.cvd.services import discussion as services

router = Router(auth=BearerToken(), tags=["cvd discussion"])

MAX_PK = 2**63 - 1
MAX_PAGE = 1_000_000
Reference = Annotated[str, Path(max_length=20, examples=["ACC-2026-0001"])]
ThreadId = Annotated[int, Path(ge=1, le=MAX_PK)]
PostId = Annotated[int, Path(ge=1, le=MAX_PK)]
PageNumber = Annotated[int, Query(ge=1, le=MAX_PAGE, description="From 1; past the last, the last")]
READS = refusals(400, 401, 403, 404, 422)
WRITES = refusals(400, 401, 403, 404, 409, 413, 422)


class ThreadOut(Schema):
    id: int
    title: str
    private_with: int | None = Field(description="The participant a private thread is with")
    private_with_name: str | None
    include_observers: bool = Field(description="The case's observers read it too")
    created_at: datetime
    last_post_at: datetime
    post_count: int
    unread: int = Field(description="Posts by others after the reader's marker")


class ThreadPageOut(Schema):
    page: int
    pages: int
    count: int = Field(description="Threads in all")
    unread: int = Field(description="Unread posts in the whole case, for this reader")
    items: list[ThreadOut]


class ThreadIn(Schema):
    title: str = Field(max_length=services.MAX_TITLE)
    body: str = Field(max_length=services.MAX_BODY, description="The first post, in Markdown")
    private_with: int | None = Field(
        None, ge=1, le=MAX_PK, description="A participant's id: a private thread with them"
    )
    include_observers: bool = False


class ThreadChangeIn(Schema):
    include_observers: bool


class PostOut(Schema):
    id: int
    parent: int | None = Field(description="The post it replies to")
    author: str = Field(description="As the reader may know them")
    body: str = Field(description="Markdown, as written")
    html: str = Field(description="The Markdown rendered and sanitised")
    created_at: datetime
    edited_at: datetime | None
    unread: bool
    mine: bool


class PostPageOut(Schema):
    page: int
    pages: int
    count: int
    items: list[PostOut]


class PostIn(Schema):
    body: str = Field(max_length=services.MAX_BODY, description="Markdown")
    parent: int | None = Field(None, ge=1, le=MAX_PK, description="The post it replies to")


class PostChangeIn(Schema):
    body: str = Field(max_length=services.MAX_BODY, description="Markdown")


class ReadIn(Schema):
    through: int | None = Field(
        None, ge=1, le=MAX_PK, description="The newest post read; the thread's newest if none"
    )


class ReadOut(Schema):
    read_through: datetime | None = Field(description="Posts after this are unread")
    unread: int = Field(description="Unread posts left in the whole case")


def _case(request: HttpRequest, reference: str) -> Case:
    case = cases.case_for(request_token(request).user, reference)
    if case is None:
        raise NotFound("No such case.")
    return case


def _thread(request: HttpRequest, reference: str, thread_id: int) -> Thread:
    thread = selectors.thread_for(request_token(request).user, _case(request, reference), thread_id)
    if thread is None:
        raise NotFound("No such thread.")
    return thread


def _thread_out(thread: Thread) -> dict[str, Any]:
    party = thread.private_with
    return {
        "id": thread.pk,
        "title": thread.title,
        "private_with": party.pk if party else None,
        "private_with_name": party.name if party else None,
        "include_observers": thread.include_observers,
        "created_at": thread.created_at,
        "last_post_at": thread.last_post_at,
        "post_count": getattr(thread, "post_count", 0),
        "unread": getattr(thread, "unread", 0),
    }


def _annotated(request: HttpRequest, thread: Thread) -> dict[str, Any]:
    user = request_token(request).user
    return _thread_out(selectors.threads(user, thread.case).get(pk=thread.pk))


def _post_out(post: Post, *, author: str, unread: bool, mine: bool) -> dict[str, Any]:
    return {
        "id": post.pk,
        "parent": post.parent_id,
        "author": author,
        "body": post.body,
        "html": str(markdown.render(post.body)),
        "created_at": post.created_at,
        "edited_at": post.edited_at,
        "unread": unread,
        "mine": mine,
    }


def _paged(page: Page, items: list[dict[str, Any]]) -> dict[str, Any]:
    paginator = page.paginator
    return {
        "page": page.number,
        "pages": paginator.num_pages,
        "count": paginator.count,
        "items": items,
    }


@router.get(
    "/cases/{reference}/threads",
    response={200: ThreadPageOut, **READS},
    summary="The case's threads this token's person reads",
)
def list_threads(request: HttpRequest, reference: Reference, page: PageNumber = 1) -> Any:
    case, user = _case(request, reference), request_token(request).user
    shown = selectors.threads_page(user, case, page)
    body = _paged(shown, [_thread_out(thread) for thread in shown.object_list])
    return body | {"unread": selectors.unread_posts(user, case)}


@router.post(
    "/cases/{reference}/threads",
    response={201: ThreadOut, **WRITES},
    summary="Start a thread: the case's own (the lead), or a private one with the coordinators",
)
def start_thread(request: HttpRequest, reference: Reference, body: ThreadIn) -> Any:
    case, user = _case(request, reference), request_token(request).user
    party = None
    if body.private_with is not None:
        party = selectors.party_for(user, case, body.private_with)
        if party is None:
            raise InvalidField("Choose a participant of this case.", field="private_with")
    thread = services.start_thread(
        actor=user, case=case, title=body.title, body=body.body, private_with=party,
        include_observers=body.include_observers,
    )  # fmt: skip
    return Status(201, _annotated(request, thread))


@router.patch(
    "/cases/{reference}/threads/{thread_id}",
    response={200: ThreadOut, **WRITES},
    summary="Open a thread to the case's observers, or close it to them (the lead)",
)
def change_thread(
    request: HttpRequest, reference: Reference, thread_id: ThreadId, body: ThreadChangeIn
) -> Any:
    thread = _thread(request, reference, thread_id)
    services.open_to_observers(
        actor=request_token(request).user, thread=thread, include=body.include_observers
    )
    return _annotated(request, thread)


@router.get(
    "/cases/{reference}/threads/{thread_id}/posts",
    response={200: PostPageOut, **READS},
    summary="A page of a thread's posts, oldest first (reading them marks nothing read)",
)
def list_posts(
    request: HttpRequest, reference: Reference, thread_id: ThreadId, page: PageNumber = 1
) -> Any:
    thread, user = _thread(request, reference, thread_id), request_token(request).user
    through = selectors.read_through(user, thread)
    shown, views = selectors.posts_page(user, thread, page, through=through)
    items = [
        _post_out(view.post, author=view.author, unread=view.unread, mine=view.mine)
        for view in views
    ]
    return _paged(shown, items)


@router.post(
    "/cases/{reference}/threads/{thread_id}/posts",
    response={201: PostOut, **WRITES},
    summary="Post in a thread, or reply to one of its posts",
)
def create_post(
    request: HttpRequest, reference: Reference, thread_id: ThreadId, body: PostIn
) -> Any:
    thread, user = _thread(request, reference, thread_id), request_token(request).user
    parent = None
    if body.parent is not None:
        parent = selectors.post_for(user, thread, body.parent)
        if parent is None:
            raise InvalidField("Reply to a post of this thread.", field="parent")
    post = services.post_reply(actor=user, thread=thread, body=body.body, parent=parent)
    author = selectors.author_of(user, post)
    return Status(201, _post_out(post, author=author, unread=False, mine=True))


@router.patch(
    "/cases/{reference}/threads/{thread_id}/posts/{post_id}",
    response={200: PostOut, **WRITES},
    summary="Edit a post (its author); it shows as edited",
)
def edit_post(
    request: HttpRequest,
    reference: Reference,
    thread_id: ThreadId,
    post_id: PostId,
    body: PostChangeIn,
) -> Any:
    thread, user = _thread(request, reference, thread_id), request_token(request).user
    post = selectors.post_for(user, thread, post_id)
    if post is None:
        raise NotFound("No such post.")
    post = services.edit_post(actor=user, post=post, body=body.body)
    return _post_out(post, author=selectors.author_of(user, post), unread=False, mine=True)


@router.post(
    "/cases/{reference}/threads/{thread_id}/read",
    response={200: ReadOut, **WRITES},
    summary="Mark a thread read, through one post or through its newest",
)
def mark_read(request: HttpRequest, reference: Reference, thread_id: ThreadId, body: ReadIn) -> Any:
    thread, user = _thread(request, reference, thread_id), request_token(request).user
    through = None
    if body.through is not None:
        through = selectors.post_for(user, thread, body.through)
        if through is None:
            raise InvalidField("Name a post of this thread.", field="through")
    read = services.mark_read(actor=user, thread=thread, through=through)
    return {"read_through": read, "unread": selectors.unread_posts(user, thread.case)}
