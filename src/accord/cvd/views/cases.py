"""CVD pages: the cases list, opening a case, a case's overview (its vulnerabilities,
products, participants and, for the lead, the forms that change them), the products an
organisation declares, and accepting an invitation.

Views parse, call one service or selector, render. A value a service refuses is shown
next to its field, the form re-rendered with 422; any other refusal is answered by
`accord.web.middleware`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.accounts import selectors as accounts
from accord.accounts import services as account_services
from accord.cvd import states
from accord.cvd.exceptions import NotAllowed
from accord.cvd.models import Case, Participant, Vulnerability
from accord.cvd.selectors import cases as selectors
from accord.cvd.selectors import delivery as delivery_selectors
from accord.cvd.selectors.delivery import DeliveryRow
from accord.cvd.services import cases as case_services
from accord.cvd.services import invitations as invitation_services
from accord.cvd.services import products as product_services
from accord.cvd.services import vulnerabilities as vulnerability_services
from accord.cvd.views import case_or_404, case_page
from accord.cvd.views.case_forms import (
    SECRETARIAT,
    AddParticipantForm,
    CaseFieldsForm,
    CaseFilterForm,
    InviteForm,
    NewAccountForm,
    OpenCaseForm,
    ProductForm,
    ReportStateForm,
    TrackingIdForm,
    VendorProductForm,
    VulnerabilityForm,
)
from accord.errors import Invalid

if TYPE_CHECKING:
    from django import forms

    from accord.accounts.models import Organisation, User

UNACCEPTABLE = Invalid.http_status


def _refused(form: forms.Form, exc: Invalid) -> None:
    form.add_error(exc.field_in(form.fields), str(exc))


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# The list and opening a case -----------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    filters = CaseFilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    page = selectors.cases_page(
        request.user,
        page=request.GET.get("page"),
        embargo_state=wanted.get("embargo_state", ""),
        tlp=wanted.get("tlp", ""),
        text=wanted.get("text", ""),
    )
    may_open = has_perm(request.user, Permission.CVD_CASE_OPEN)
    context = {"page": page, "filters": filters, "may_open": may_open}
    return render(request, "cvd/cases/list.html", context)


def _open_form(request: HttpRequest, data: Any = None) -> OpenCaseForm:
    return OpenCaseForm(
        data,
        organisations=selectors.organisations_opening_for(request.user),
        secretariat=has_perm(request.user, Permission.CVD_COORDINATOR_GRANT),
    )


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Permission.CVD_CASE_OPEN):
        raise NotAllowed("Coordinators and member organisations open cases.")
    form = _open_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = data["organisation"]
        organisation = (
            None
            if chosen == SECRETARIAT
            else selectors.organisations_opening_for(request.user).get(pk=chosen)
        )
        try:
            case = case_services.open_case(
                actor=_user(request),
                title=data["title"],
                summary=data["summary"],
                tlp=data["tlp"],
                organisation=organisation,
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"Case {case.reference} is open.")
            return redirect("cvd:case", reference=case.reference)
    status = UNACCEPTABLE if form.errors else 200
    return render(request, "cvd/cases/new.html", {"form": form}, status=status)


# The overview ---------------------------------------------------------------------------


@dataclass
class ParticipantRow:
    participant: Participant
    name: str
    own: bool
    state_form: ReportStateForm | None = None
    tracking_form: TrackingIdForm | None = None
    # Where its latest message went, for those who may see the delivery; None otherwise.
    contact: DeliveryRow | None = None


def _state_form(participant: Participant) -> ReportStateForm | None:
    moves = states.allowed(states.RM_MOVES, participant.rm_state)
    if not moves:
        return None
    form = ReportStateForm(auto_id=f"p{participant.pk}_%s")
    field: Any = form.fields["state"]
    field.choices = [(s, s.capitalize()) for s in moves]
    return form


def _rows(
    request: HttpRequest, case: Case, page: Any, bound: dict[int, Any]
) -> list[ParticipantRow]:
    known = selectors.reporter_known(request.user, case)
    own = {p.pk for p in selectors.own_participants(request.user, case)}
    contacts = delivery_selectors.latest_deliveries(request.user, case, [p.pk for p in page])
    rows = []
    for participant in page:
        row = ParticipantRow(
            participant,
            selectors.shown_name(participant, reporter_known=known),
            participant.pk in own,
        )
        row.contact = contacts.get(participant.pk)
        if row.own:
            row.state_form = _state_form(participant)
            row.tracking_form = bound.get(participant.pk) or TrackingIdForm(
                initial={"tracking_id": participant.tracking_id}, auto_id=f"p{participant.pk}_%s"
            )
        rows.append(row)
    return rows


def _lead_context(request: HttpRequest, case: Case, forms: dict[str, Any]) -> dict[str, Any]:
    organisations = selectors.addable_organisations(request.user, case)
    return {
        "edit_form": forms.get("edit_form")
        or CaseFieldsForm(initial={"title": case.title, "summary": case.summary, "tlp": case.tlp}),
        "participant_form": forms.get("participant_form")
        or AddParticipantForm(organisations=organisations),
        "vulnerability_form": forms.get("vulnerability_form")
        or VulnerabilityForm(with_product=True),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "suggestions": selectors.suggest_vendors(request.user, case),
        "invitations": selectors.invitations_of(request.user, case),
        "report": case.report,
    }


def _overview(
    request: HttpRequest, reference: str, *, status: int = 200, **forms: Any
) -> HttpResponse:
    context = case_page(request, reference, tab="overview")
    case = context["case"]
    page = selectors.participants_page(request.user, case, request.GET.get("page"))
    context.update(
        vulnerabilities=selectors.vulnerabilities_of(request.user, case),
        participants=page,
        rows=_rows(request, case, page, forms.get("tracking_forms", {})),
    )
    if context["leads"]:
        context.update(_lead_context(request, case, forms))
    return render(request, "cvd/cases/overview.html", context, status=status)


def case_overview(request: HttpRequest, reference: str) -> HttpResponse:
    return _overview(request, reference)


def _to_case(case: Case) -> HttpResponse:
    return redirect("cvd:case", reference=case.reference)


@login_required
@require_POST
def case_edit(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = CaseFieldsForm(request.POST)
    if form.is_valid():
        try:
            case_services.edit_case(actor=_user(request), case=case, **form.cleaned_data)
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, "The case is updated.")
            return _to_case(case)
    return _overview(request, reference, status=UNACCEPTABLE, edit_form=form)


@login_required
@require_POST
def case_close(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    case_services.close_case(actor=_user(request), case=case, reason=request.POST.get("reason", ""))
    messages.success(request, "The case is closed.")
    return _to_case(case)


@login_required
@require_POST
def case_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    case_services.reopen_case(actor=_user(request), case=case)
    messages.success(request, "The case is open again.")
    return _to_case(case)


# Participants ---------------------------------------------------------------------------


@login_required
@require_POST
def participant_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = AddParticipantForm(
        request.POST, organisations=selectors.addable_organisations(request.user, case)
    )
    if not form.is_valid():
        return _overview(request, reference, status=UNACCEPTABLE, participant_form=form)
    participant = case_services.add_participant(
        actor=_user(request), case=case, **form.cleaned_data
    )
    messages.success(
        request, f"{participant.name} takes part as {participant.get_role_display().lower()}."
    )
    return _to_case(case)


@login_required
@require_POST
def suggestion_add(request: HttpRequest, reference: str, organisation_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    suggested = {s.organisation.pk: s for s in selectors.suggest_vendors(request.user, case)}
    if organisation_id not in suggested:
        raise Http404("No such suggestion.")
    organisation = suggested[organisation_id].organisation
    case_services.add_participant(
        actor=_user(request), case=case, role=Participant.Role.VENDOR, organisation=organisation
    )
    messages.success(request, f"{organisation.name} takes part as vendor.")
    return _to_case(case)


def _participant(request: HttpRequest, case: Case, participant_id: int) -> Participant:
    found = selectors.participant_for(request.user, case, participant_id)
    if found is None:
        raise Http404("No such participant.")
    return found


@login_required
@require_POST
def participant_remove(request: HttpRequest, reference: str, participant_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    participant = _participant(request, case, participant_id)
    case_services.remove_participant(
        actor=_user(request), participant=participant, reason=request.POST.get("reason", "")[:500]
    )
    messages.success(request, f"{participant.name} no longer takes part.")
    return _to_case(case)


@login_required
@require_POST
def participant_state(request: HttpRequest, reference: str, participant_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    participant = _participant(request, case, participant_id)
    form = ReportStateForm(request.POST)
    if not form.is_valid():
        raise Invalid("Choose a report-management state.", field="state")
    case_services.set_report_state(
        actor=_user(request), participant=participant, state=form.cleaned_data["state"]
    )
    messages.success(request, f"{participant.name}'s report state is {form.cleaned_data['state']}.")
    return _to_case(case)


@login_required
@require_POST
def participant_tracking(request: HttpRequest, reference: str, participant_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    participant = _participant(request, case, participant_id)
    form = TrackingIdForm(request.POST, auto_id=f"p{participant.pk}_%s")
    if not form.is_valid():
        forms = {"tracking_forms": {participant.pk: form}}
        return _overview(request, reference, status=UNACCEPTABLE, **forms)
    case_services.set_tracking_id(
        actor=_user(request), participant=participant, tracking_id=form.cleaned_data["tracking_id"]
    )
    messages.success(request, "Your tracking id is saved.")
    return _to_case(case)


# Vulnerabilities and their products -----------------------------------------------------


@login_required
@require_POST
def vulnerability_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = VulnerabilityForm(request.POST, with_product=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            vulnerability = vulnerability_services.add_vulnerability(
                actor=_user(request),
                case=case,
                title=data["title"],
                description=data["description"],
                cwe_ids=data["cwe_ids"],
                cvss_vector=data["cvss_vector"],
                cve_id=data["cve_id"],
                ssvc_kind=data["ssvc_kind"],
                ssvc_inputs=form.ssvc_inputs(),
                products=[{k: data[k] for k in ("purl", "cpe", "versions")}],
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"V{vulnerability.number} is added.")
            return _to_case(case)
    return _overview(request, reference, status=UNACCEPTABLE, vulnerability_form=form)


def _vulnerability(request: HttpRequest, reference: str, number: int) -> Vulnerability:
    case = case_or_404(request, reference)
    found = selectors.vulnerability_for(request.user, case, number)
    if found is None:
        raise Http404("No such vulnerability.")
    return found


def _vulnerability_page(
    request: HttpRequest, reference: str, number: int, *, status: int = 200, **forms: Any
) -> HttpResponse:
    context = case_page(request, reference, tab="overview")
    vulnerability = _vulnerability(request, reference, number)
    if not context["leads"]:
        raise NotAllowed("Only the case's coordinator changes its vulnerabilities.")
    context.update(
        vulnerability=vulnerability,
        products=list(vulnerability.products.order_by("id")),
        form=forms.get("form")
        or VulnerabilityForm(initial=VulnerabilityForm.initial_of(vulnerability)),
        product_form=forms.get("product_form") or ProductForm(),
    )
    return render(request, "cvd/cases/vulnerability.html", context, status=status)


@login_required
def vulnerability_edit(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    if request.method != "POST":
        return _vulnerability_page(request, reference, number)
    vulnerability = _vulnerability(request, reference, number)
    form = VulnerabilityForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            vulnerability_services.edit_vulnerability(
                actor=_user(request),
                vulnerability=vulnerability,
                title=data["title"],
                description=data["description"],
                cwe_ids=data["cwe_ids"],
                cvss_vector=data["cvss_vector"],
                cve_id=data["cve_id"],
                ssvc_kind=data["ssvc_kind"],
                ssvc_inputs=form.ssvc_inputs(),
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"V{number} is updated.")
            return _to_case(vulnerability.case)
    return _vulnerability_page(request, reference, number, status=UNACCEPTABLE, form=form)


@login_required
@require_POST
def vulnerability_remove(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    vulnerability = _vulnerability(request, reference, number)
    vulnerability_services.remove_vulnerability(actor=_user(request), vulnerability=vulnerability)
    messages.success(request, f"V{number} is removed.")
    return _to_case(vulnerability.case)


@login_required
@require_POST
def product_add(request: HttpRequest, reference: str, number: int) -> HttpResponse:
    vulnerability = _vulnerability(request, reference, number)
    form = ProductForm(request.POST)
    if form.is_valid():
        try:
            product = product_services.add_affected_product(
                actor=_user(request), vulnerability=vulnerability, **form.cleaned_data
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"V{number} affects {product.label}.")
            return redirect("cvd:vulnerability", reference=reference, number=number)
    return _vulnerability_page(request, reference, number, status=UNACCEPTABLE, product_form=form)


@login_required
@require_POST
def product_remove(
    request: HttpRequest, reference: str, number: int, product_id: int
) -> HttpResponse:
    vulnerability = _vulnerability(request, reference, number)
    product = selectors.affected_product_for(request.user, vulnerability, product_id)
    if product is None:
        raise Http404("No such product.")
    product_services.remove_affected_product(actor=_user(request), product=product)
    messages.success(request, f"{product.label} is no longer listed.")
    return redirect("cvd:vulnerability", reference=reference, number=number)


# Invitations ----------------------------------------------------------------------------


@login_required
@require_POST
def invite(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation_services.invite_vendor(actor=_user(request), case=case, **form.cleaned_data)
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['email']} is invited.")
            return _to_case(case)
    return _overview(request, reference, status=UNACCEPTABLE, invite_form=form)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, reference: str, invitation_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    invitation = selectors.invitation_in(request.user, case, invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    invitation_services.revoke_invitation(actor=_user(request), invitation=invitation)
    messages.success(request, f"The invitation of {invitation.email} is revoked.")
    return _to_case(case)


@sensitive_post_parameters("password")
@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        raise Http404("No such invitation.")
    context: dict[str, Any] = {"invitation": invitation, "path": request.path}
    closed = invitation_services.closed_reason(invitation)
    if closed:
        return render(request, "cvd/cases/invitation.html", {**context, "closed": closed})
    if request.user.is_authenticated:
        return _accept_signed_in(request, token, context)
    return _accept_with_new_account(request, token, context)


def _accept_signed_in(request: HttpRequest, token: str, context: dict[str, Any]) -> HttpResponse:
    invitation = context["invitation"]
    if request.method != "POST":
        right = accounts.normal_email(_user(request).email) == invitation.email
        return render(request, "cvd/cases/invitation.html", {**context, "right_account": right})
    invitation_services.accept_vendor_invitation(token=token, user=_user(request))
    messages.success(request, f"You take part in {invitation.participant.case.reference}.")
    return redirect("cvd:case", reference=invitation.participant.case.reference)


def _accept_with_new_account(
    request: HttpRequest, token: str, context: dict[str, Any]
) -> HttpResponse:
    form = NewAccountForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            user = invitation_services.accept_vendor_invitation_with_new_account(
                token=token, **form.cleaned_data
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            account_services.record_login_attempt(
                email=user.email, ip=accounts.client_ip(request.META), succeeded=True
            )
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            reference = context["invitation"].participant.case.reference
            messages.success(request, f"Your account is ready; you take part in {reference}.")
            return redirect("cvd:case", reference=reference)
    status = UNACCEPTABLE if form.errors else 200
    return render(request, "cvd/cases/invitation.html", {**context, "form": form}, status=status)


# What an organisation makes --------------------------------------------------------------


def _products_organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = accounts.organisation_with_slug(slug) if len(slug) <= 100 else None
    if organisation is None or not has_perm(
        request.user, Permission.CVD_PRODUCT_VIEW, organisation
    ):
        raise Http404("No such organisation.")
    return organisation


@login_required
def vendor_products(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _products_organisation(request, slug)
    declares = has_perm(request.user, Permission.CVD_PRODUCT_DECLARE, organisation)
    form = VendorProductForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            declared = product_services.declare_vendor_product(
                actor=_user(request), organisation=organisation, **form.cleaned_data
            )
        except Invalid as exc:
            _refused(form, exc)
        else:
            messages.success(request, f"{declared} is declared.")
            return redirect("cvd:vendor_products", slug=slug)
    context = {
        "organisation": organisation,
        "products": selectors.vendor_products_of(request.user, organisation),
        "declares": declares,
        "form": form,
    }
    status = UNACCEPTABLE if form.errors else 200
    return render(request, "cvd/cases/products.html", context, status=status)


@login_required
@require_POST
def vendor_product_withdraw(request: HttpRequest, slug: str, product_id: int) -> HttpResponse:
    organisation = _products_organisation(request, slug)
    product = selectors.vendor_product_for(request.user, product_id)
    if product is None or product.organisation_id != organisation.pk:
        raise Http404("No such product.")
    product_services.withdraw_vendor_product(actor=_user(request), product=product)
    messages.success(request, f"{product} is withdrawn.")
    return redirect("cvd:vendor_products", slug=slug)


urlpatterns: list[URLPattern] = [
    path("cvd/", case_list, name="cases"),
    path("cvd/new/", case_new, name="case_new"),
    path("cvd/products/<slug:slug>/", vendor_products, name="vendor_products"),
    path(
        "cvd/products/<slug:slug>/<int:product_id>/withdraw/",
        vendor_product_withdraw,
        name="vendor_product_withdraw",
    ),
    path("cvd/invitations/<str:token>/", invitation_accept, name="invitation"),
    path("cvd/<str:reference>/", case_overview, name="case"),
    path("cvd/<str:reference>/edit/", case_edit, name="case_edit"),
    path("cvd/<str:reference>/close/", case_close, name="case_close"),
    path("cvd/<str:reference>/reopen/", case_reopen, name="case_reopen"),
    path("cvd/<str:reference>/participants/", participant_add, name="participant_add"),
    path(
        "cvd/<str:reference>/participants/<int:participant_id>/remove/",
        participant_remove,
        name="participant_remove",
    ),
    path(
        "cvd/<str:reference>/participants/<int:participant_id>/state/",
        participant_state,
        name="participant_state",
    ),
    path(
        "cvd/<str:reference>/participants/<int:participant_id>/tracking/",
        participant_tracking,
        name="participant_tracking",
    ),
    path(
        "cvd/<str:reference>/suggestions/<int:organisation_id>/",
        suggestion_add,
        name="suggestion_add",
    ),
    path("cvd/<str:reference>/vulnerabilities/", vulnerability_add, name="vulnerability_add"),
    path(
        "cvd/<str:reference>/vulnerabilities/<int:number>/",
        vulnerability_edit,
        name="vulnerability",
    ),
    path(
        "cvd/<str:reference>/vulnerabilities/<int:number>/remove/",
        vulnerability_remove,
        name="vulnerability_remove",
    ),
    path(
        "cvd/<str:reference>/vulnerabilities/<int:number>/products/",
        product_add,
        name="product_add",
    ),
    path(
        "cvd/<str:reference>/vulnerabilities/<int:number>/products/<int:product_id>/remove/",
        product_remove,
        name="product_remove",
    ),
    path("cvd/<str:reference>/invitations/", invite, name="invite"),
    path(
        "cvd/<str:reference>/invitations/<int:invitation_id>/revoke/",
        invitation_revoke,
        name="invitation_revoke",
    ),
]
