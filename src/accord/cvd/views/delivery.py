"""CVD pages: the deliveries of a case (its lead's), notifying its vendors, and an
organisation's registered security contact (its admins')."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accord.cvd.exceptions import InvalidField
from accord.cvd.openpgp import MAX_KEY_BYTES
from accord.cvd.selectors import delivery as selectors
from accord.cvd.services import contacts, delivery
from accord.cvd.views import actor as _actor
from accord.cvd.views import case_or_404, case_page

if TYPE_CHECKING:
    from accord.accounts.models import Organisation


class SecurityContactForm(forms.Form):
    email = forms.EmailField(
        label="Security contact email", max_length=254, help_text="Where vendors' mail reaches you"
    )
    openpgp_key = forms.CharField(
        label="OpenPGP public key (optional)",
        required=False,
        max_length=MAX_KEY_BYTES,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text="ASCII-armoured; mail to this address is then encrypted to it",
    )


def deliveries(request: HttpRequest, reference: str) -> HttpResponse:
    context = case_page(request, reference, tab="deliveries")
    found = selectors.delivery_page(request.user, context["case"], request.GET.get("page"))
    if found is None:
        raise Http404("No such case.")
    context |= {"page": found.page, "rows": found.rows}
    return render(request, "cvd/delivery/deliveries.html", context)


@login_required
@require_POST
def notify(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    told = delivery.notify_vendors(actor=_actor(request), case=case)
    messages.success(request, f"Notices are on their way to {told} vendor{'s' * (told != 1)}.")
    return redirect("cvd:deliveries", reference=case.reference)


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = selectors.contact_organisation(request.user, slug)
    if organisation is None:
        raise Http404("No such organisation.")
    return organisation


def _render_contact(
    request: HttpRequest, organisation: Organisation, form: forms.Form, status: int = 200
) -> HttpResponse:
    context = {
        "organisation": organisation,
        "contact": selectors.security_contact(organisation),
        "form": form,
    }
    return render(request, "cvd/delivery/contact.html", context, status=status)


@login_required
def security_contact(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    if request.method != "POST":
        current = selectors.security_contact(organisation)
        initial = {"email": current.email, "openpgp_key": current.openpgp_key} if current else {}
        return _render_contact(request, organisation, SecurityContactForm(initial=initial))
    form = SecurityContactForm(request.POST)
    if not form.is_valid():
        return _render_contact(request, organisation, form, status=InvalidField.http_status)
    try:
        contacts.set_security_contact(
            actor=_actor(request), organisation=organisation, **form.cleaned_data
        )
    except InvalidField as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return _render_contact(request, organisation, form, status=exc.http_status)
    messages.success(request, "The security contact is saved.")
    return redirect("cvd:contact", slug=organisation.slug)


urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/deliveries/", deliveries, name="deliveries"),
    path("cvd/<str:reference>/deliveries/notify/", notify, name="notify"),
    path("cvd/contact/<slug:slug>/", security_contact, name="contact"),
]
