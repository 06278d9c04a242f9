"""Each request gets an id that its log lines and its response carry.

The id is the one the load balancer or proxy sent in `X-Request-ID`, when it looks like
one, so a request can be followed across both; otherwise a new one. The response names
it in `X-Request-ID`, and gunicorn's access log (in JSON) picks it up from there.

It is kept until Django has finished with the request (`request_finished`), not only
while the middleware runs: Django logs a 4xx or 5xx answer after the middleware returns.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from accord.logs import request_id

HEADER = "X-Request-ID"
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        sent = request.headers.get(HEADER, "")
        current = sent if _ACCEPTED.fullmatch(sent) else uuid.uuid4().hex
        request_id.set(current)
        response = self.get_response(request)
        response[HEADER] = current
        return response


def forget_request_id(**_kwargs: Any) -> None:
    """`request_finished`'s receiver: what the thread logs next is no longer the request's."""
    request_id.set(None)
