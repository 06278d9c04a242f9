"""The notification pages: a person's inbox and email preferences, the secretariat's outbox.

Marking read answers an htmx request with the changed entry and the new unread count,
and a plain form post with a redirect back, so the inbox works without JavaScript.
Who may see what is decided by `has_perm`, through the selectors and services.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.errors import Invalid, NotAllowed
from accord.notifications import mail, selectors, services
from accord.notifications.forms import PreferenceForm
from accord.notifications.models import Message, Preference

INBOX_PER_PAGE = 25
OUTBOX_PER_PAGE = 50


def _page(items: object, per_page: int, number: str | None) -> Page:
    return Paginator(items, per_page).get_page(number)  # type: ignore[arg-type]


# The inbox -----------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = _page(selectors.inbox(request.user), INBOX_PER_PAGE, request.GET.get("page"))
    context = {
        "page": page,
        "unread": selectors.unread_count(request.user),
        "may_read_outbox": has_perm(request.user, Permission.OUTBOX_VIEW),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def read(request: HttpRequest, notification_id: int) -> HttpResponse:
    note = selectors.notification_for(request.user, notification_id)
    if note is None:
        raise Http404("No such notification.")
    services.mark_read(notification=note, actor=request.user)
    if request.headers.get("HX-Request") != "true":
        response = _back_to_inbox(request)
    else:
        context = {"note": selectors.notification_for(request.user, notification_id)}
        response = render(request, "notifications/_marked_read.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(actor=request.user)
    messages.success(request, "Nothing was unread." if count == 0 else f"Marked {count} as read.")
    return _back_to_inbox(request)


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    suffix = f"?page={page}" if page.isdigit() and page != "1" else ""
    return redirect(reverse("notifications:inbox") + suffix)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    initial = {"delivery": selectors.delivery_of(request.user)}
    form = PreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():  # the form offers only the choices the service takes
        chosen = services.set_delivery(actor=request.user, delivery=form.cleaned_data["delivery"])
        messages.success(request, f"Saved. {Preference.Delivery(chosen.delivery).label}.")
        return redirect("notifications:preferences")
    status = Invalid.http_status if form.errors else 200
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


# The outbox ----------------------------------------------------------------------------


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Permission.OUTBOX_VIEW):
        raise NotAllowed("Only the secretariat reads the outbox.")
    state = request.GET.get("state", "")
    state = state if state in Message.State.values else ""
    found = selectors.outbox_in_state(request.user, state or None)
    counts = selectors.outbox_counts(request.user)
    context = {
        "page": _page(found, OUTBOX_PER_PAGE, request.GET.get("page")),
        "state": state,
        "states": [(value, label, counts[value]) for value, label in Message.State.choices],
        "smtp": mail.smtp_configured(),
    }
    return render(request, "notifications/outbox.html", context)


@login_required
def outbox_message(request: HttpRequest, message_id: int) -> HttpResponse:
    if not has_perm(request.user, Permission.OUTBOX_VIEW):
        raise NotAllowed("Only the secretariat reads the outbox.")
    message = services.read_outbox_message(message_id=message_id, actor=request.user)
    context = {
        "message": message,
        "wiped": message.body == services.SECRET_WIPED,
        "may_resend": message.state == Message.State.FAILED and mail.smtp_configured(),
        "smtp": mail.smtp_configured(),
    }
    return render(request, "notifications/outbox_message.html", context)


@login_required
@require_POST
def resend(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.outbox(request.user).filter(pk=message_id).first()
    if message is None:
        raise NotAllowed("Only the secretariat sends messages again.")
    services.resend_message(message=message, actor=request.user)
    messages.success(request, f"The message to {message.to_address} is queued to be sent again.")
    return redirect("notifications:outbox_message", message_id=message.pk)
