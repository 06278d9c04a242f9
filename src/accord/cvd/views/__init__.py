"""The CVD pages, one module per part of the flow; each module lists its `urlpatterns`
and `accord.cvd.urls` joins them. Views parse, call one service or selector, render.

Every case page extends `cvd/case_base.html` (the case's header and tabs) and gets its
context from `case_page`: outside the case, the case does not exist (404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import Http404, HttpRequest

from accord.access import Permission, has_perm
from accord.cvd import selectors
from accord.cvd.models import Case

if TYPE_CHECKING:
    from accord.accounts.models import User


def actor(request: HttpRequest) -> User:
    """The signed-in person of a view behind `login_required`."""
    return cast("User", request.user)


def case_or_404(request: HttpRequest, reference: str) -> Case:
    case = selectors.case_for(request.user, reference)
    if case is None:
        raise Http404("No such case.")
    return case


def case_page(request: HttpRequest, reference: str, *, tab: str) -> dict[str, Any]:
    """The context every case page starts from: the case, the viewer's roles in it,
    whether they lead it, and the tab shown."""
    case = case_or_404(request, reference)
    roles = selectors.roles_in(request.user, case)
    return {
        "case": case,
        "roles": roles,
        "leads": has_perm(request.user, Permission.CVD_CASE_COORDINATE, case),
        "tab": tab,
    }
