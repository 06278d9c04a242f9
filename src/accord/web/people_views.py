"""The secretariat's people: every account on the instance, whether or not it belongs to
an organisation (observers, other secretariat admins, people who signed up and joined
nothing), and deactivating one.

As in `secretariat_views`, who may look and act is decided by `has_perm` through the
selector (None for someone not allowed) and the service; a refused deactivation (the
instance or an organisation would be left without an admin) is a `Conflict` that
`accord.web.middleware` answers with 409.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.accounts import services as account_services
from accord.errors import Invalid, NotAllowed
from accord.web.forms import PEOPLE_PER_PAGE, DeactivateForm, PeopleFilterForm

ONLY_SECRETARIAT = "Only the secretariat has a workspace."
# The list's own parameters: the only ones carried back after an action.
LIST_PARAMETERS = ("q", "role", "status", "page")


def _list_query(raw: str) -> QueryDict:
    kept = QueryDict(mutable=True)
    for key, values in QueryDict(raw).lists():
        if key in LIST_PARAMETERS:
            kept.setlist(key, values[:1])
    return kept


def _render_people(request: HttpRequest, query: QueryDict, *, status: int = 200) -> HttpResponse:
    filters = PeopleFilterForm(query or None)
    found = accounts.people_directory(request.user, filters.wanted())
    if found is None:
        raise NotAllowed(ONLY_SECRETARIAT)
    context = {
        "filters": filters,
        "page": Paginator(found, PEOPLE_PER_PAGE).get_page(query.get("page")),
        "back": query.urlencode(),
    }
    return render(request, "web/secretariat/people.html", context, status=status)


@login_required
def people(request: HttpRequest) -> HttpResponse:
    return _render_people(request, _list_query(request.GET.urlencode()))


@login_required
@require_POST
def person_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    if not has_perm(request.user, Permission.INSTANCE_ADMIN):
        raise NotAllowed(ONLY_SECRETARIAT)
    person = accounts.person_for(request.user, user_id)
    if person is None:
        raise Http404("No such account.")
    form = DeactivateForm(request.POST)
    valid = form.is_valid()
    query = _list_query(form.cleaned_data.get("back", ""))
    if not valid:
        messages.error(request, f"Tick “I mean it” beside the button to deactivate {person.email}.")
        return _render_people(request, query, status=Invalid.http_status)
    if not person.is_active:
        messages.info(request, f"{person.email} was deactivated already; nothing changed.")
    else:
        account_services.deactivate_user(user=person, actor=request.user)
        messages.success(
            request,
            f"{person.email} can no longer sign in: their sessions ended and their API "
            "tokens are revoked. Their memberships and history stay.",
        )
    back = f"?{query.urlencode()}" if query else ""
    return redirect(reverse("web:secretariat_people") + back)


urlpatterns: list[URLPattern] = [
    path("secretariat/people/", people, name="secretariat_people"),
    path(
        "secretariat/people/<int:user_id>/deactivate/",
        person_deactivate,
        name="secretariat_person_deactivate",
    ),
]
