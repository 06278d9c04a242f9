"""CVD pages: the case's discussion.

`/cvd/<ref>/discussion/` lists the threads the viewer reads, with their unread counts,
and the form to start one; `/cvd/<ref>/discussion/<id>/` shows a page of posts and the
reply form, and opening it marks the thread read through the newest post shown.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from accord.cvd.exceptions import InvalidField, NotAllowed
from accord.cvd.models import Case, Participant, Post, Thread
from accord.cvd.selectors import discussion as selectors
from accord.cvd.services import discussion as services
from accord.cvd.views import actor as _actor
from accord.cvd.views import case_page

BODY_HELP = "Markdown: **bold**, _emphasis_, `code`, lists, quotes and links."


class PartyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display().lower()})"


class ThreadForm(forms.Form):
    title = forms.CharField(max_length=services.MAX_TITLE)
    body = forms.CharField(
        label="First post", max_length=services.MAX_BODY, widget=forms.Textarea, help_text=BODY_HELP
    )
    private_with = PartyChoice(
        queryset=Participant.objects.none(),
        required=False,
        label="Private with",
        empty_label="Nobody: a thread for the whole case",
        help_text="Only the coordinators and this participant will read it.",
    )
    include_observers = forms.BooleanField(required=False, label="Observers may read it too")

    def __init__(self, *args: Any, parties: QuerySet[Participant], leads: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["private_with"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = parties
        if not leads:
            # Not the lead: only its own private thread with the coordinators.
            field.required, field.empty_label = True, None
            field.label = "Private thread with the coordinators, for"
            del self.fields["include_observers"]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your post", max_length=services.MAX_BODY, widget=forms.Textarea, help_text=BODY_HELP
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class EditForm(forms.Form):
    body = forms.CharField(label="Post", max_length=services.MAX_BODY, widget=forms.Textarea)


def _refused(form: forms.Form, exc: InvalidField) -> int:
    form.add_error(exc.field_in(form.fields), str(exc))
    return exc.http_status


def _to_thread(thread: Thread, anchor: str = "") -> HttpResponse:
    url = reverse("cvd:thread", args=[thread.case.reference, thread.pk])
    return redirect(f"{url}{anchor}")


# The thread list ---------------------------------------------------------------------


@login_required
def discussion(request: HttpRequest, reference: str) -> HttpResponse:
    context = case_page(request, reference, tab="discussion")
    case: Case = context["case"]
    parties = selectors.private_parties(request.user, case)
    data = request.POST if request.method == "POST" else None
    form = ThreadForm(data, parties=parties, leads=context["leads"])
    status = 422 if form.is_bound else 200
    if form.is_valid():
        try:
            thread = services.start_thread(actor=_actor(request), case=case, **form.cleaned_data)
        except InvalidField as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, f"The thread “{thread.title}” is started.")
            return _to_thread(thread)
    return _render_threads(request, context, form, parties, status)


def _render_threads(
    request: HttpRequest,
    context: dict[str, Any],
    form: ThreadForm,
    parties: QuerySet[Participant],
    status: int,
) -> HttpResponse:
    case, user = context["case"], request.user
    context |= {
        "page": selectors.threads_page(user, case, request.GET.get("page")),
        "unread_total": selectors.unread_posts(user, case),
        "form": form if context["leads"] or parties.exists() else None,
    }
    return render(request, "cvd/discussion/threads.html", context, status=status)


# One thread --------------------------------------------------------------------------


def _thread(request: HttpRequest, reference: str, thread_id: int) -> tuple[dict[str, Any], Thread]:
    context = case_page(request, reference, tab="discussion")
    thread = selectors.thread_for(request.user, context["case"], thread_id)
    if thread is None:
        raise Http404("No such thread.")
    return context, thread


@login_required
def thread(request: HttpRequest, reference: str, thread_id: int) -> HttpResponse:
    context, found = _thread(request, reference, thread_id)
    parent = selectors.post_for(request.user, found, request.GET.get("reply_to", ""))
    form = ReplyForm(initial={"parent": parent.pk} if parent else None)
    context["replying_to"] = selectors.author_of(request.user, parent) if parent else ""
    return _render_thread(request, context, found, form, status=200)


@login_required
def post_link(request: HttpRequest, reference: str, thread_id: int, post_id: int) -> HttpResponse:
    """A post's own address: the page of its thread that shows it."""
    _, found = _thread(request, reference, thread_id)
    shown = selectors.post_for(request.user, found, post_id)
    if shown is None:
        raise Http404("No such post.")
    url = reverse("cvd:thread", args=[reference, found.pk])
    return redirect(f"{url}?page={selectors.page_of(request.user, shown)}#post-{shown.pk}")


def _render_thread(
    request: HttpRequest, context: dict[str, Any], found: Thread, form: ReplyForm, *, status: int
) -> HttpResponse:
    user = request.user
    through = selectors.read_through(user, found)
    number = request.GET.get("page") or selectors.first_unread_page(user, found, through)
    page, shown = selectors.posts_page(user, found, number, through=through)
    if shown:
        services.mark_read(actor=_actor(request), thread=found, through=shown[-1].post)
    context |= {"thread": found, "page": page, "posts": shown, "form": form}
    return render(request, "cvd/discussion/thread.html", context, status=status)


@login_required
@require_POST
def reply(request: HttpRequest, reference: str, thread_id: int) -> HttpResponse:
    context, found = _thread(request, reference, thread_id)
    form = ReplyForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            created = services.post_reply(
                actor=_actor(request), thread=found, body=form.cleaned_data["body"],
                parent=_parent(request, found, form.cleaned_data["parent"]),
            )  # fmt: skip
        except InvalidField as exc:
            status = _refused(form, exc)
        else:
            return _to_thread(found, f"?page={selectors.LAST}#post-{created.pk}")
    return _render_thread(request, context, found, form, status=status)


def _parent(request: HttpRequest, found: Thread, parent_id: int | None) -> Post | None:
    if parent_id is None:
        return None
    parent = selectors.post_for(request.user, found, parent_id)
    if parent is None:
        raise InvalidField("Reply to a post of this thread.", field="parent")
    return parent


@login_required
def edit(request: HttpRequest, reference: str, thread_id: int, post_id: int) -> HttpResponse:
    context, found = _thread(request, reference, thread_id)
    post = selectors.post_for(request.user, found, post_id)
    if post is None:
        raise Http404("No such post.")
    if not selectors.may_edit(request.user, post):
        raise NotAllowed("Only its author edits a post, while the case is open.")
    form = EditForm(request.POST if request.method == "POST" else None, initial={"body": post.body})
    status = 422 if form.is_bound else 200
    if form.is_valid():
        try:
            services.edit_post(actor=_actor(request), post=post, body=form.cleaned_data["body"])
        except InvalidField as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, "Your post is changed.")
            return redirect("cvd:post", reference, found.pk, post.pk)
    context |= {"thread": found, "post": post, "form": form}
    return render(request, "cvd/discussion/edit.html", context, status=status)


@login_required
@require_POST
def observers(request: HttpRequest, reference: str, thread_id: int) -> HttpResponse:
    _, found = _thread(request, reference, thread_id)
    include = request.POST.get("include_observers") == "on"
    services.open_to_observers(actor=_actor(request), thread=found, include=include)
    messages.success(request, "The observers now read it." if include else "Closed to observers.")
    return _to_thread(found)


_THREAD = "cvd/<str:reference>/discussion/<int:thread_id>/"
urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/discussion/", discussion, name="discussion"),
    path(_THREAD, thread, name="thread"),
    path(f"{_THREAD}reply/", reply, name="thread_reply"),
    path(f"{_THREAD}observers/", observers, name="thread_observers"),
    path(f"{_THREAD}posts/<int:post_id>/", post_link, name="post"),
    path(f"{_THREAD}posts/<int:post_id>/edit/", edit, name="post_edit"),
]
