"""CVD pages: vendors' statements, at /cvd/<ref>/statements/.

The case's coordinators see the matrix (vendors by vulnerabilities and products, silent
vendors marked, a page of vendors at a time), and the lead may record a statement for a
vendor; a vendor sees and sets its own ("the vendor's own view"); anyone else sees that
statements are not theirs to read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.utils import flatatt
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from accord.cvd.exceptions import InvalidField
from accord.cvd.models import Case, Participant, Statement
from accord.cvd.selectors import statements as selectors
from accord.cvd.services import statements as services
from accord.cvd.views import case_or_404, case_page

if TYPE_CHECKING:
    from accord.accounts.models import User


def _signed_in(request: HttpRequest) -> User:
    # Behind `login_required`: the person is signed in.
    return cast("User", request.user)


class _VendorOptions:
    """The vendors' `<option>`s, written once for a page and shared by its forms: both
    the statement and the dispute form choose among the same vendors, and with 500 of
    them Django's template per option cost a third of the page."""

    def __init__(self, vendors: list[Participant]) -> None:
        self.vendors = vendors
        self._written: dict[tuple[str, ...], SafeString] = {}

    def html(self, selected: list[str]) -> SafeString:
        key = tuple(selected)
        if key not in self._written:
            self._written[key] = format_html_join(
                "\n",
                '<option value="{}"{}>{}</option>',
                (
                    (vendor.pk, " selected" if str(vendor.pk) in key else "", vendor.name)
                    for vendor in self.vendors
                ),
            )
        return self._written[key]


class _VendorSelect(forms.Select):
    """A `<select>` whose options come from the page's shared `_VendorOptions`."""

    def __init__(self, options: _VendorOptions) -> None:
        super().__init__()
        self.shared = options

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        options = self.shared.html(self.format_value(value))
        return format_html(
            '<select name="{}"{}>\n{}\n</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            options,
        )


class _VendorForm(forms.Form):
    participant = forms.TypedChoiceField(coerce=int, label="Vendor", empty_value=None)

    def __init__(self, *args: Any, vendors: _VendorOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["participant"]
        field.widget = _VendorSelect(vendors)
        field.choices = [(vendor.pk, vendor.name) for vendor in vendors.vendors]
        self.vendors = {vendor.pk: vendor for vendor in vendors.vendors}
        if len(self.vendors) == 1:
            # A vendor states for itself: no choice to make.
            field.widget, field.initial, field.required = (
                forms.HiddenInput(),
                vendors.vendors[0].pk,
                False,
            )

    def vendor(self) -> Participant:
        chosen = self.cleaned_data["participant"] or next(iter(self.vendors))
        return self.vendors[chosen]


class StatementForm(_VendorForm):
    target = forms.ChoiceField(label="On")
    status = forms.ChoiceField(choices=Statement.Status.choices)
    justification = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *Statement.Justification.choices],
        help_text="Required for not affected (VEX justification).",
    )
    fixed_version = forms.CharField(
        required=False, max_length=services.MAX_VERSION, help_text="Required for fixed."
    )
    note = forms.CharField(
        required=False, max_length=services.MAX_NOTE, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, columns: list[selectors.Column], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "statement_%s")
        super().__init__(*args, **kwargs)
        target: Any = self.fields["target"]
        target.choices = [(column.value, column.label) for column in columns]
        self.columns = columns


class DisputeForm(_VendorForm):
    vulnerability = forms.ChoiceField()
    reason = forms.CharField(
        label="Why you dispute it",
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, columns: list[selectors.Column], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "dispute_%s")
        super().__init__(*args, **kwargs)
        whole = [column for column in columns if column.product is None]
        field: Any = self.fields["vulnerability"]
        field.choices = [
            (c.value, f"V{c.vulnerability.number} {c.vulnerability.title}") for c in whole
        ]
        self.columns = whole


def _forms(request: HttpRequest, case: Case, data: Any = None) -> tuple[StatementForm, DisputeForm]:
    vendors = _VendorOptions(list(selectors.vendors_stated_for(request.user, case)))
    columns = selectors.columns_of(request.user, case)
    return (
        StatementForm(data, vendors=vendors, columns=columns),
        DisputeForm(data, vendors=vendors, columns=columns),
    )


def _render(
    request: HttpRequest, reference: str, *, status: int = 200, **given: Any
) -> HttpResponse:
    context = case_page(request, reference, tab="statements")
    case = context["case"]
    statement_form, dispute_form = _forms(request, case)
    context.update(
        statement_form=given.get("statement_form") or statement_form,
        dispute_form=given.get("dispute_form") or dispute_form,
    )
    if selectors.sees_matrix(request.user, case):
        context["matrix"] = selectors.statement_matrix(
            request.user, case, page=request.GET.get("page")
        )
    else:
        context["own"] = selectors.own_statements(request.user, case)
    return render(request, "cvd/statements/page.html", context, status=status)


def statements(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, reference)


def _to_page(case: Case) -> HttpResponse:
    return redirect("cvd:statements", reference=case.reference)


@login_required
@require_POST
def set_statement(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form, _ = _forms(request, case, request.POST)
    if form.is_valid():
        column = selectors.column_for(form.columns, form.cleaned_data["target"])
        assert column is not None  # a choice of the form
        data = form.cleaned_data
        try:
            services.make_statement(
                actor=_signed_in(request),
                participant=form.vendor(),
                vulnerability=column.vulnerability,
                product=column.product,
                status=data["status"],
                justification=data["justification"],
                fixed_version=data["fixed_version"],
                note=data["note"],
            )
        except InvalidField as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, f"The statement on {column.label} is recorded.")
            return _to_page(case)
    return _render(request, reference, status=InvalidField.http_status, statement_form=form)


@login_required
@require_POST
def dispute(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    _, form = _forms(request, case, request.POST)
    if form.is_valid():
        column = selectors.column_for(form.columns, form.cleaned_data["vulnerability"])
        assert column is not None  # a choice of the form
        try:
            services.dispute_vulnerability(
                actor=_signed_in(request),
                participant=form.vendor(),
                vulnerability=column.vulnerability,
                reason=form.cleaned_data["reason"],
            )
        except InvalidField as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(
                request, f"Your dispute of V{column.vulnerability.number} is recorded."
            )
            return _to_page(case)
    return _render(request, reference, status=InvalidField.http_status, dispute_form=form)


@login_required
@require_POST
def withdraw_dispute(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    _, form = _forms(request, case, request.POST)
    form.fields["reason"].required = False  # withdrawing takes no reason
    if not form.is_valid():
        return _render(request, reference, status=InvalidField.http_status, dispute_form=form)
    column = selectors.column_for(form.columns, form.cleaned_data["vulnerability"])
    assert column is not None  # a choice of the form
    services.withdraw_dispute(
        actor=_signed_in(request), participant=form.vendor(), vulnerability=column.vulnerability
    )
    messages.success(request, f"You no longer dispute V{column.vulnerability.number}.")
    return _to_page(case)


urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/statements/", statements, name="statements"),
    path("cvd/<str:reference>/statements/set/", set_statement, name="statement_set"),
    path("cvd/<str:reference>/statements/dispute/", dispute, name="statement_dispute"),
    path(
        "cvd/<str:reference>/statements/undispute/",
        withdraw_dispute,
        name="statement_undispute",
    ),
]
