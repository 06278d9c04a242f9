"""CVD pages: the case's publication, at /cvd/<ref>/publication/, and the downloads of
its advisory at /cvd/<ref>/advisory/<format>.json (a past version under v<N>/).

The lead sees what the case still lacks, a preview of each format, the publish form
(with the embargo's end to confirm while one is active), what the formats refused, the
revisions and the withdrawal. Everyone who may read the advisory (`CVD_ADVISORY_VIEW`)
downloads each format of each version, always as an attachment.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accord.access import Permission, has_perm
from accord.cvd.advisories import formats
from accord.cvd.advisories.build import pretty
from accord.cvd.exceptions import (
    CveServicesNotConfigured,
    CveServicesRefused,
    DocumentsInvalid,
    InvalidField,
    NotReady,
    StateConflict,
)
from accord.cvd.models import Advisory, Case
from accord.cvd.selectors import measures
from accord.cvd.selectors import publication as selectors
from accord.cvd.services import cve as cve_services
from accord.cvd.services import publication as services
from accord.cvd.views import actor, case_or_404, case_page

JSON = "application/json"


class PublishForm(forms.Form):
    summary = forms.CharField(
        label="What changed",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For the first release, leave blank: it reads “Initial release.”",
    )
    end_embargo = forms.BooleanField(
        label="End the embargo now, to publish (its reason reads “published”)", required=False
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why the advisory is withdrawn",
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ScheduleForm(forms.Form):
    enabled = forms.BooleanField(label="Publish when the embargo ends", required=False)


def _formats() -> dict[str, formats.Format]:
    try:
        return formats.all_formats()
    except ImportError:  # a format module not installed yet: show what is stored
        return {}


def labelled(keys: Any) -> list[tuple[str, str]]:
    """Each format key with its label (`CSAF 2.0`), for the download links."""
    known = _formats()
    return [(key, f"{known[key].label if key in known else key} (JSON)") for key in keys]


def revision_rows(revisions: Any) -> list[dict[str, Any]]:
    return [{"revision": r, "downloads": labelled(r.documents)} for r in revisions]


def _render(
    request: HttpRequest, reference: str, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = case_page(request, reference, tab="publication")
    case: Case = context["case"]
    advisory = selectors.advisory_of(request.user, case)
    context.update(
        advisory=advisory,
        downloads=labelled(advisory.documents) if advisory else [],
        revisions=revision_rows(selectors.revisions_of(request.user, advisory)) if advisory else [],
        measures=measures.case_measures(request.user, case),
        cve_submittable=cve_services.submittable(advisory),
    )
    if context["leads"]:
        documents, failures = services.preview_advisory(actor=actor(request), case=case)
        known = _formats()
        context.update(
            missing=selectors.missing_for_publication(case),
            previews=[
                {"key": k, "label": known[k].label if k in known else k, "text": pretty(d)}
                for k, d in documents.items()
            ],
            preview_failures=failures,
            embargo_holds=services.embargo_holds(case),
            publish_form=extra.pop("publish_form", None) or PublishForm(),
            withdraw_form=extra.pop("withdraw_form", None) or WithdrawForm(),
            schedule_form=ScheduleForm(initial={"enabled": case.publish_at_embargo_end}),
        )
    context.update(extra)
    return render(request, "cvd/publication/page.html", context, status=status)


def publication(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, reference)


def _to_page(case: Case) -> HttpResponse:
    return redirect("cvd:publication", reference=case.reference)


@login_required
@require_POST
def publish(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = PublishForm(request.POST)
    if not form.is_valid():
        return _render(request, reference, status=422, publish_form=form)
    try:
        advisory = services.publish_advisory(
            actor=actor(request),
            case=case,
            summary=form.cleaned_data["summary"],
            end_embargo=form.cleaned_data["end_embargo"],
        )
    except DocumentsInvalid as exc:
        return _render(request, reference, status=exc.http_status, failures=exc.failures)
    except (NotReady, StateConflict) as exc:
        return _render(request, reference, status=exc.http_status, refusal=str(exc))
    except InvalidField as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return _render(request, reference, status=exc.http_status, publish_form=form)
    messages.success(request, f"Version {advisory.version} of the advisory is published.")
    return _to_page(case)


@login_required
@require_POST
def submit_cve(request: HttpRequest, reference: str) -> HttpResponse:
    """The lead sends the advisory's CVE records to CVE Services (a coalition that is a
    CNA); what CVE Services says, done or refused, is shown as it said it."""
    case = case_or_404(request, reference)
    advisory = selectors.advisory_of(request.user, case)
    if advisory is None:
        raise Http404("No advisory is published.")
    try:
        done = cve_services.submit_cve_records(actor=actor(request), advisory=advisory)
    except (CveServicesNotConfigured, CveServicesRefused, StateConflict) as exc:
        messages.error(request, str(exc))
        return _to_page(case)
    summary = ", ".join(f"{cve_id} {action}" for cve_id, action in done.items())
    messages.success(request, f"CVE Services: {summary}.")
    return _to_page(case)


@login_required
@require_POST
def withdraw(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render(request, reference, status=422, withdraw_form=form)
    try:
        services.withdraw_advisory(
            actor=actor(request), case=case, reason=form.cleaned_data["reason"]
        )
    except DocumentsInvalid as exc:
        return _render(request, reference, status=exc.http_status, failures=exc.failures)
    except InvalidField as exc:
        form.add_error(exc.field_in(form.fields), str(exc))
        return _render(request, reference, status=exc.http_status, withdraw_form=form)
    messages.success(request, "The advisory is withdrawn.")
    return _to_page(case)


@login_required
@require_POST
def schedule(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = ScheduleForm(request.POST)
    enabled = form.is_valid() and form.cleaned_data["enabled"]
    services.set_publish_at_embargo_end(actor=actor(request), case=case, enabled=enabled)
    messages.success(
        request,
        "The advisory will be published when the embargo ends."
        if enabled
        else "The embargo's end will not publish the advisory.",
    )
    return _to_page(case)


def attachment(
    advisory: Advisory, documents: dict[str, Any], key: str, version: int
) -> HttpResponse:
    """One format's document as a download, with its format's media type."""
    if key not in documents:
        raise Http404("No such format.")
    known = _formats()
    media = known[key].media_type if key in known else JSON
    response = HttpResponse(pretty(documents[key]) + "\n", content_type=f"{media}; charset=utf-8")
    name = f"{advisory.tracking_id}-v{version}-{key}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _readable(request: HttpRequest, reference: str) -> Advisory:
    advisory = selectors.advisory_for(request.user, reference)
    if advisory is None or not has_perm(request.user, Permission.CVD_ADVISORY_VIEW, advisory):
        raise Http404("No such advisory.")
    return advisory


def download(request: HttpRequest, reference: str, key: str) -> HttpResponse:
    advisory = _readable(request, reference)
    return attachment(advisory, advisory.documents, key, advisory.version)


def download_revision(request: HttpRequest, reference: str, version: int, key: str) -> HttpResponse:
    advisory = _readable(request, reference)
    revision = selectors.revision_of(request.user, advisory, version)
    if revision is None:
        raise Http404("No such version.")
    return attachment(advisory, revision.documents, key, revision.number)


urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/publication/", publication, name="publication"),
    path("cvd/<str:reference>/publication/publish/", publish, name="advisory_publish"),
    path("cvd/<str:reference>/publication/withdraw/", withdraw, name="advisory_withdraw"),
    path("cvd/<str:reference>/publication/cve/", submit_cve, name="advisory_submit_cve"),
    path("cvd/<str:reference>/publication/schedule/", schedule, name="advisory_schedule"),
    path("cvd/<str:reference>/advisory/<str:key>.json", download, name="advisory_download"),
    path(
        "cvd/<str:reference>/advisory/v<int:version>/<str:key>.json",
        download_revision,
        name="advisory_revision_download",
    ),
]
