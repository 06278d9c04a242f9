"""The edge: every request's text is checked once, before any view or session runs.

A value no page or API route could store or search for is refused here, for every view
alike, so no view has to think of it and no database sees it:

- a NUL byte anywhere (PostgreSQL cannot hold one in text, and raises on a query with it);
- a lone surrogate in a JSON string (it cannot be encoded as UTF-8, so neither SQLite nor
  PostgreSQL can store it);
- a value longer than any field takes, JSON nested deeper than any document Accord reads,
  and integers or numbers outside what a 64-bit column holds;
- an integer in the path (`/domains/<int>/`) outside that range, which would reach the
  database as "bigint out of range".

The refusal is an `Unreadable` (400) or an `Invalid` (422) naming the field: a JSON body
`{"detail", "field"}` under /api/, the site's error page elsewhere. Each API route's own
input schema then checks what only it knows (which values a filter takes, the bounds of
its paging).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse

from accord.engine import limits
from accord.errors import DomainError, Invalid, TooLarge, Unreadable, problem
from accord.web.middleware import domain_error_response

# Longer than any single value a page's query string carries (a search, a `next` page).
MAX_QUERY_VALUE = 2_000
# Longer than any text field a form or the API takes (the longest are notes and reasons).
MAX_TEXT_VALUE = 100_000
MAX_PATH = 2_000
# Deeper than any JSON document the API takes; Django caps the body's size
# (DATA_UPLOAD_MAX_MEMORY_SIZE) before this reads it.
BODY_LIMITS = limits.Limits(max_depth=32, max_seconds=1.0)
# What a 64-bit signed column (SQLite's INTEGER, PostgreSQL's bigint) holds.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

API_PREFIX = "/api/"


class EdgeMiddleware:
    """Refuses unreadable or out-of-range input before the rest of the stack sees it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except DomainError as refusal:
            return refuse(request, refusal)
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        for name, value in kwargs.items():
            if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
                return refuse(request, Invalid(f"{name} is out of range.", field=name))
        return None


def refuse(request: HttpRequest, refusal: DomainError) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(problem(refusal), status=refusal.http_status)
    return domain_error_response(request, refusal)


def check_request(request: HttpRequest) -> None:
    """Raise the first reason the request's text cannot be taken, if it has one."""
    check_text("path", request.path_info, MAX_PATH)
    check_pairs(request.GET.lists(), MAX_QUERY_VALUE)
    check_pairs(request.COOKIES.items(), MAX_QUERY_VALUE)
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if request.content_type in {"multipart/form-data", "application/x-www-form-urlencoded"}:
        check_form(request)
    elif is_json(request.content_type) or request.path_info.startswith(API_PREFIX):
        # The API parses every body as JSON, whatever its content type says.
        check_json(read_body(request), api=request.path_info.startswith(API_PREFIX))


def check_form(request: HttpRequest) -> None:
    try:
        fields, files = request.POST, request.FILES
    except (RequestDataTooBig, TooManyFieldsSent) as exc:
        raise TooLarge(f"The form is larger than the instance accepts: {exc}") from exc
    check_pairs(fields.lists(), MAX_TEXT_VALUE)
    for name, uploads in files.lists():
        for upload in uploads:
            check_text(name, upload.name or "", MAX_QUERY_VALUE)


def read_body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise TooLarge("The request body is larger than the instance accepts.") from exc


def is_json(content_type: str | None) -> bool:
    kind = (content_type or "").lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


def check_pairs(pairs: Iterable[tuple[str, Any]], limit: int) -> None:
    for name, values in pairs:
        check_text("parameter name", name, MAX_QUERY_VALUE)
        for value in values if isinstance(values, list) else [values]:
            check_text(name, value, limit)


def check_text(field: str, value: str, limit: int) -> None:
    if "\x00" in value:
        raise Unreadable(f"{field} contains a NUL byte.", field=field)
    if has_lone_surrogate(value):
        raise Unreadable(f"{field} contains a lone surrogate, which is not text.", field=field)
    if len(value) > limit:
        raise Invalid(f"{field} is longer than {limit:,} characters.", field=field)


def has_lone_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_json(body: bytes, *, api: bool = False) -> None:
    """Parse the body as the route will, and refuse what no route could store. An API
    body is a JSON object: every route's body is one (a list or a number would otherwise
    reach a route whose fields all have defaults as if it were empty)."""
    if not body.strip():
        return
    try:
        document = limits.parse_json(body, BODY_LIMITS)
    except limits.ParseRefused as refused:
        raise Unreadable(f"The body is not JSON the API takes: {refused.message}.") from None
    if api and not isinstance(document, dict):
        raise Invalid("The body must be a JSON object.", field="body")
    for path, value in _walk(document):
        _check_json_value(path, value)


def _check_json_value(path: str, value: object) -> None:
    if isinstance(value, str):
        check_text(path, value, MAX_TEXT_VALUE)
    elif _out_of_range(value):
        raise Invalid(f"{path} is out of range.", field=path)


def _out_of_range(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not INT_MIN <= value <= INT_MAX
    # Python's JSON reads NaN and Infinity, which no JSON number is.
    return isinstance(value, float) and not math.isfinite(value)


def _walk(document: object) -> Iterator[tuple[str, object]]:
    """Every key and value with its path (`body.items[2].name`), with a stack of its own
    rather than recursion."""
    stack: list[tuple[str, object]] = [("body", document)]
    while stack:
        path, value = stack.pop()
        yield path, value
        if isinstance(value, dict):
            for key, item in value.items():
                check_text(f"{path} key", key, MAX_QUERY_VALUE)
                stack.append((f"{path}.{key}", item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
