"""CVD pages: the public report form, the reporter's follow-up (by private link or by
account), the coordinators' triage queue and report page, and attachment downloads.

Who may read a report or triage it is decided by the selectors and `has_perm`; a report
the person may not read is answered as if it did not exist. A follow-up link's page
keeps its address to itself (no referrer, no cache).
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.accounts.selectors import client_ip
from accord.cvd import attachments, ssvc
from accord.cvd.exceptions import (
    AttachmentTooLarge,
    InvalidAttachment,
    InvalidField,
    RateLimited,
)
from accord.cvd.forms_reports import (
    MessageForm,
    OpenCaseForm,
    QueueFilterForm,
    RejectForm,
    ReportForm,
    TriageForm,
)
from accord.cvd.models import Attachment, Report
from accord.cvd.selectors import reports as selectors
from accord.cvd.services import reports as services

if TYPE_CHECKING:
    from collections.abc import Callable

UNACCEPTABLE = 422


def _private(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A page whose address (or answer) holds a secret: never cached, and its address is
    never sent on to another site as a referrer. Not `no-referrer`: a browser then sends
    `Origin: null` with the page's own forms, which the CSRF check refuses."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return never_cache(wrapped)


# Reporting -------------------------------------------------------------------------------


@_private
def report_form(request: HttpRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    if request.method != "POST":
        return _render_form(request, ReportForm(signed_in=signed_in))
    form = ReportForm(request.POST, request.FILES, signed_in=signed_in)
    if not form.is_valid():
        return _render_form(request, form, status=UNACCEPTABLE)
    try:
        submission = services.submit_report(
            actor=request.user,
            files=form.cleaned_data.pop("attachments"),
            ip=client_ip(request.META),
            **form.cleaned_data,
        )
    except (InvalidField, AttachmentTooLarge, InvalidAttachment, RateLimited) as exc:
        # Shown with the form again: the text stays as the reporter wrote it.
        field = exc.field_in(form.fields) if isinstance(exc, InvalidField) else "attachments"
        form.add_error(None if isinstance(exc, RateLimited) else field, str(exc))
        return _render_form(request, form, status=exc.http_status)
    # Shown here, once: the link's secret is not kept anywhere it could be shown again.
    context = {"report": submission.report, "followup_path": submission.followup_path}
    return render(request, "cvd/reports/sent.html", context)


def _render_form(request: HttpRequest, form: ReportForm, *, status: int = 200) -> HttpResponse:
    return render(request, "cvd/reports/form.html", {"form": form}, status=status)


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    context = {"reports": selectors.reports_of(request.user)}
    return render(request, "cvd/reports/mine.html", context)


@login_required
def my_report(request: HttpRequest, reference: str) -> HttpResponse:
    report = selectors.own_report(request.user, reference)
    if report is None:
        raise Http404("No such report.")
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            services.post_message(actor=request.user, report=report, body=form.cleaned_data["body"])
            messages.success(request, "Your message is sent to the coordinator.")
            return redirect("cvd:my_report", reference)
        return _render_followup(request, report, form, status=UNACCEPTABLE)
    return _render_followup(request, report, MessageForm())


def _render_followup(
    request: HttpRequest, report: Report, form: MessageForm, *, token: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "report": report,
        "messages_of_report": selectors.messages_of(report),
        "files": selectors.attachments_of(report),
        "form": form,
        "token": token,
    }
    return render(request, "cvd/reports/followup.html", context, status=status)


@login_required
@require_POST
def my_report_credit(request: HttpRequest, reference: str) -> HttpResponse:
    report = selectors.own_report(request.user, reference)
    if report is None:
        raise Http404("No such report.")
    services.set_public_credit(
        actor=request.user, report=report, credit=request.POST.get("credit_publicly") == "on"
    )
    messages.success(request, "Your choice is saved.")
    return redirect("cvd:my_report", reference)


# The follow-up link ----------------------------------------------------------------------


def _followed(token: str) -> Report:
    report = selectors.report_by_followup(token)
    if report is None:
        raise Http404("This follow-up link does not work: it is wrong or was revoked.")
    return report


@_private
def followup(request: HttpRequest, token: str) -> HttpResponse:
    report = _followed(token)
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            services.post_followup_message(token=token, body=form.cleaned_data["body"])
            messages.success(request, "Your message is sent to the coordinator.")
            return redirect("cvd:report_followup", token)
        return _render_followup(request, report, form, token=token, status=UNACCEPTABLE)
    return _render_followup(request, report, MessageForm(), token=token)


@_private
@require_POST
def followup_credit(request: HttpRequest, token: str) -> HttpResponse:
    _followed(token)
    services.set_public_credit_by_token(
        token=token, credit=request.POST.get("credit_publicly") == "on"
    )
    messages.success(request, "Your choice is saved.")
    return redirect("cvd:report_followup", token)


@_private
@require_POST
def followup_revoke(request: HttpRequest, token: str) -> HttpResponse:
    _followed(token)
    services.revoke_followup_by_token(token=token)
    return render(request, "cvd/reports/revoked.html")


@_private
def followup_attachment(request: HttpRequest, token: str, attachment_id: int) -> HttpResponse:
    found = selectors.followup_attachment(_followed(token), attachment_id)
    if found is None:
        raise Http404("No such attachment.")
    return download(found)


def attachment(request: HttpRequest, attachment_id: int) -> HttpResponse:
    found = selectors.attachment_for(request.user, attachment_id)
    if found is None or not has_perm(request.user, Permission.CVD_ATTACHMENT_VIEW, found):
        raise Http404("No such attachment.")
    return download(found)


def download(found: Attachment) -> HttpResponse:
    """A stored file, only ever as a download: never rendered, never sniffed, sandboxed."""
    response = HttpResponse(
        bytes(found.content), content_type=attachments.served_type(found.content_type)
    )
    response["Content-Disposition"] = content_disposition_header(True, found.filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = attachments.SANDBOX
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Triage ----------------------------------------------------------------------------------


@login_required
def triage_queue(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, Permission.CVD_REPORT_TRIAGE):
        raise Http404("No triage queue here.")
    form = QueueFilterForm(request.GET or None)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    page = selectors.queue_page(request.user, state=state, page=request.GET.get("page", 1))
    return render(request, "cvd/reports/queue.html", {"page": page, "form": form, "state": state})


def _triaged(request: HttpRequest, reference: str) -> Report:
    report = selectors.report_for(request.user, reference)
    if report is None or not has_perm(request.user, Permission.CVD_REPORT_VIEW, report):
        raise Http404("No such report.")
    return report


@login_required
def triage_report(request: HttpRequest, reference: str) -> HttpResponse:
    report = _triaged(request, reference)
    if report.reporter_id == request.user.pk and not has_perm(
        request.user, Permission.CVD_REPORT_TRIAGE, report
    ):
        return redirect("cvd:my_report", reference)
    return _render_report(request, report)


def _render_report(
    request: HttpRequest, report: Report, *, status: int = 200, **forms: Any
) -> HttpResponse:
    table = ssvc.table(ssvc.COORDINATOR_TRIAGE)
    context = {
        "report": report,
        "table": table,
        "messages_of_report": selectors.messages_of(report),
        "files": selectors.attachments_of(report),
        "cases": report.cases.all(),
        "triage_form": forms.get("triage_form") or TriageForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "case_form": forms.get("case_form") or OpenCaseForm(initial={"title": report.title}),
        "message_form": forms.get("message_form") or MessageForm(),
    }
    return render(request, "cvd/reports/report.html", context, status=status)


def _posted(request: HttpRequest, reference: str, form_class: type[Any]) -> tuple[Report, Any]:
    return _triaged(request, reference), form_class(request.POST)


def _refused(
    request: HttpRequest, report: Report, form: Any, name: str, exc: InvalidField
) -> HttpResponse:
    form.add_error(exc.field_in(form.fields), str(exc))
    return _render_report(request, report, status=exc.http_status, **{name: form})


@login_required
@require_POST
def triage_decide(request: HttpRequest, reference: str) -> HttpResponse:
    report, form = _posted(request, reference, TriageForm)
    if not form.is_valid():
        return _render_report(request, report, status=UNACCEPTABLE, triage_form=form)
    decided = services.triage_report(actor=request.user, report=report, inputs=form.cleaned_data)
    assert decided.triage is not None
    messages.success(request, f"SSVC Coordinator Triage: {decided.triage.outcome_name}.")
    return redirect("cvd:triage_report", reference)


@login_required
@require_POST
def triage_reject(request: HttpRequest, reference: str) -> HttpResponse:
    report, form = _posted(request, reference, RejectForm)
    if not form.is_valid():
        return _render_report(request, report, status=UNACCEPTABLE, reject_form=form)
    try:
        services.reject_report(
            actor=request.user, report=report, reason=form.cleaned_data["reason"]
        )
    except InvalidField as exc:
        return _refused(request, report, form, "reject_form", exc)
    messages.success(request, f"{reference} is rejected; its text and the reason are kept.")
    return redirect("cvd:triage_report", reference)


@login_required
@require_POST
def triage_reopen(request: HttpRequest, reference: str) -> HttpResponse:
    report = _triaged(request, reference)
    services.reopen_report(actor=request.user, report=report)
    messages.success(request, f"{reference} is back in the triage queue.")
    return redirect("cvd:triage_report", reference)


@login_required
@require_POST
def triage_open_case(request: HttpRequest, reference: str) -> HttpResponse:
    report, form = _posted(request, reference, OpenCaseForm)
    if not form.is_valid():
        return _render_report(request, report, status=UNACCEPTABLE, case_form=form)
    try:
        case = services.open_case_from_report(
            actor=request.user, report=report, **form.cleaned_data
        )
    except InvalidField as exc:
        return _refused(request, report, form, "case_form", exc)
    messages.success(request, f"Case {case.reference} is open.")
    try:
        return redirect(reverse("cvd:case", args=[case.reference]))
    except NoReverseMatch:  # the case pages are not installed
        return redirect("cvd:triage_report", reference)


@login_required
@require_POST
def triage_message(request: HttpRequest, reference: str) -> HttpResponse:
    report, form = _posted(request, reference, MessageForm)
    if not form.is_valid():
        return _render_report(request, report, status=UNACCEPTABLE, message_form=form)
    services.post_message(actor=request.user, report=report, body=form.cleaned_data["body"])
    messages.success(request, "Your message is sent to the reporter.")
    return redirect("cvd:triage_report", reference)


@login_required
@require_POST
def triage_revoke_link(request: HttpRequest, reference: str) -> HttpResponse:
    report = _triaged(request, reference)
    services.revoke_followup(actor=request.user, report=report)
    messages.success(request, "The reporter's follow-up link no longer works.")
    return redirect("cvd:triage_report", reference)


urlpatterns: list[URLPattern] = [
    path("report/", report_form, name="report"),
    path("report/mine/", my_reports, name="my_reports"),
    path("report/mine/<str:reference>/", my_report, name="my_report"),
    path("report/mine/<str:reference>/credit/", my_report_credit, name="my_report_credit"),
    path("report/follow-up/<str:token>/", followup, name="report_followup"),
    path("report/follow-up/<str:token>/revoke/", followup_revoke, name="report_followup_revoke"),
    path("report/follow-up/<str:token>/credit/", followup_credit, name="report_followup_credit"),
    path(
        "report/follow-up/<str:token>/attachments/<int:attachment_id>/",
        followup_attachment,
        name="report_followup_attachment",
    ),
    path("cvd/attachments/<int:attachment_id>/", attachment, name="attachment"),
    path("cvd/triage/", triage_queue, name="triage"),
    path("cvd/triage/<str:reference>/", triage_report, name="triage_report"),
    path("cvd/triage/<str:reference>/decide/", triage_decide, name="triage_decide"),
    path("cvd/triage/<str:reference>/reject/", triage_reject, name="triage_reject"),
    path("cvd/triage/<str:reference>/reopen/", triage_reopen, name="triage_reopen"),
    path("cvd/triage/<str:reference>/open-case/", triage_open_case, name="triage_open_case"),
    path("cvd/triage/<str:reference>/message/", triage_message, name="triage_message"),
    path("cvd/triage/<str:reference>/revoke-link/", triage_revoke_link, name="triage_revoke_link"),
]
