"""The commitment pages: scorecards, committing, proof, the review queue, publication.

Views parse the form, call one service or selector, and render. Who may see or change
what is decided by `has_perm`, through the selectors and services: a scorecard, a
commitment or a document the person may not see is answered as if it did not exist.
A refused change (`accord.errors.DomainError`) is answered by `accord.web.middleware`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accord.catalogue import selectors as catalogue
from accord.commitments import selectors, services
from accord.commitments.exceptions import NotAllowed, UnsupportedFileType, UploadTooLarge
from accord.commitments.forms import (
    AttestationForm,
    CommitForm,
    DocumentForm,
    PublicationForm,
    ReviewFilterForm,
    ReviewForm,
)
from accord.commitments.models import Commitment, EvidenceDocument
from accord.errors import Invalid

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

# What a multipart body may add to the file itself before it is refused unread.
MULTIPART_OVERHEAD = 64 * 1024


def _organisation(request: HttpRequest, slug: str) -> Organisation:
    organisation = selectors.scorecard_organisation(request.user, slug)
    if organisation is None:
        raise Http404("No such organisation.")
    return organisation


def _commitment(request: HttpRequest, slug: str, practice: str) -> Commitment:
    organisation = _organisation(request, slug)
    try:
        return selectors.managed_commitment(request.user, organisation, practice)
    except Commitment.DoesNotExist as exc:
        raise Http404("No such commitment.") from exc


def _to_commitment(commitment: Commitment) -> HttpResponse:
    return redirect(
        "commitments:commitment",
        slug=commitment.organisation.slug,
        practice=commitment.practice.slug,
    )


# Scorecard and one commitment ----------------------------------------------------------


def scorecard(request: HttpRequest, slug: str) -> HttpResponse:
    card = selectors.scorecard(request.user, _organisation(request, slug))
    return render(request, "commitments/scorecard.html", {"card": card})


def _render_commitment(
    request: HttpRequest, slug: str, practice: str, *, status: int = 200, **forms: Any
) -> HttpResponse:
    page = selectors.commitment_page(request.user, _organisation(request, slug), practice)
    if page is None:
        raise Http404("No such commitment.")
    context = {
        "page": page,
        "attestation_form": forms.get("attestation_form") or AttestationForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
    }
    return render(request, "commitments/commitment.html", context, status=status)


def commitment(request: HttpRequest, slug: str, practice: str) -> HttpResponse:
    return _render_commitment(request, slug, practice)


@login_required
@require_POST
def attest(request: HttpRequest, slug: str, practice: str) -> HttpResponse:
    target = _commitment(request, slug, practice)
    form = AttestationForm(request.POST)
    if not form.is_valid():
        return _render_commitment(
            request, slug, practice, status=Invalid.http_status, attestation_form=form
        )
    services.attest_implementation(commitment=target, actor=request.user, **form.cleaned_data)
    messages.success(request, "Your attestation is recorded.")
    return _to_commitment(target)


@csrf_exempt  # checked below, once the body is known not to be too large to read
@require_POST
def document_upload(request: HttpRequest, slug: str, practice: str) -> HttpResponse:
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > services.upload_max_bytes() + MULTIPART_OVERHEAD:
        # Shown with the form again, the body unread; nothing was posted that counts, so
        # the missing CSRF check matters not.
        refused = UploadTooLarge(services.too_large_message())
        form = DocumentForm.refused(str(refused))
        return _render_commitment(
            request, slug, practice, status=refused.http_status, document_form=form
        )
    return _document_upload(request, slug, practice)


@csrf_protect
@login_required
def _document_upload(request: HttpRequest, slug: str, practice: str) -> HttpResponse:
    target = _commitment(request, slug, practice)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_commitment(
            request, slug, practice, status=Invalid.http_status, document_form=form
        )
    try:
        services.upload_document(
            commitment=target,
            uploaded_file=form.cleaned_data["file"],
            is_public=form.cleaned_data["is_public"],
            actor=request.user,
        )
    except (Invalid, UploadTooLarge, UnsupportedFileType) as exc:
        field = exc.field_in(form.fields) if isinstance(exc, Invalid) else "file"
        if field is None:
            raise  # about the commitment, not the file: the error page says so
        form.add_error(field, str(exc))
        return _render_commitment(
            request, slug, practice, status=exc.http_status, document_form=form
        )
    messages.success(request, "The document is uploaded and awaits the secretariat's review.")
    return _to_commitment(target)


@login_required
@require_POST
def withdraw(request: HttpRequest, slug: str, practice: str) -> HttpResponse:
    target = _commitment(request, slug, practice)
    services.withdraw_commitment(commitment=target, actor=request.user)
    messages.success(request, f"The commitment to {target.practice.slug} is withdrawn.")
    return redirect("commitments:scorecard", slug=slug)


def document(request: HttpRequest, document_id: int) -> FileResponse:
    found = selectors.document_for(request.user, document_id)
    if found is None:
        raise Http404("No such document.")
    response = FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
    response["Content-Security-Policy"] = "sandbox"
    return response


# Committing ----------------------------------------------------------------------------


def _commit_form(data: Any = None) -> CommitForm:
    return CommitForm(
        data,
        profiles=catalogue.list_profiles(),
        practices=list(catalogue.list_practices().select_related("area")),
    )


def _commit(organisation: Organisation, user: Any, data: dict[str, Any]) -> services.CommitResult:
    if data["profile"]:
        return services.commit_to_profile(
            organisation=organisation,
            profile_slug=data["profile"],
            target_date=data["target_date"],
            actor=user,
        )
    return services.commit_to_practices(
        organisation=organisation,
        practice_ids=data["practices"],
        target_date=data["target_date"],
        actor=user,
    )


@login_required
def commit(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    if not selectors.can_manage(request.user, organisation):
        raise NotAllowed("Only the organisation's admins commit.")
    form = _commit_form(request.POST if request.method == "POST" else None)
    status = Invalid.http_status if form.is_bound else 200
    if form.is_valid():
        try:
            result = _commit(organisation, request.user, form.cleaned_data)
        except Invalid as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
            status = exc.http_status
        else:
            messages.success(request, _committed_message(result))
            return redirect("commitments:scorecard", slug=organisation.slug)
    context = {"organisation": organisation, "form": form}
    return render(request, "commitments/commit.html", context, status=status)


def _committed_message(result: services.CommitResult) -> str:
    message = f"Committed to {len(result.created)} practice(s)."
    if result.skipped:
        message += f" Already committed to: {', '.join(result.skipped)}."
    return message


# Publication ---------------------------------------------------------------------------


@login_required
def publication(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = _organisation(request, slug)
    if not selectors.can_manage(request.user, organisation):
        raise NotAllowed("Only the organisation's admins decide this.")
    current = selectors.publication_of(organisation)
    initial = {"public_profile": current.public_profile, "badges": current.badges}
    form = PublicationForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        services.set_publication(organisation=organisation, actor=request.user, **form.cleaned_data)
        messages.success(request, "Publication settings saved.")
        return redirect("commitments:scorecard", slug=organisation.slug)
    context = {"organisation": organisation, "form": form}
    status = Invalid.http_status if form.errors else 200
    return render(request, "commitments/publication.html", context, status=status)


# The secretariat's review queue --------------------------------------------------------

REVIEWS_PER_PAGE = 25


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    filters = ReviewFilterForm(request.GET or None, choices=selectors.review_choices(request.user))
    documents = selectors.review_documents(request.user, filters.wanted())
    if documents is None:
        raise NotAllowed("Only the secretariat reviews documents.")
    page = Paginator(documents, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"filters": filters, "page": page, "here": request.get_full_path()}
    return render(request, "commitments/review.html", context)


def _document_to_review(request: HttpRequest, document_id: int) -> EvidenceDocument:
    found = selectors.document_to_review(request.user, document_id)
    if found is None and not selectors.can_review(request.user):
        raise NotAllowed("Only the secretariat reviews documents.")
    if found is None:
        raise Http404("No such document to review.")
    return found


def _render_review(
    request: HttpRequest, document: EvidenceDocument, form: ReviewForm, *, status: int = 200
) -> HttpResponse:
    back = _back_to_queue(request, str(form["next"].value() or ""))
    context = {"document": document, "form": form, "back": back}
    return render(request, "commitments/review_document.html", context, status=status)


@login_required
def review(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document and its review form; posting it records the decision."""
    found = _document_to_review(request, document_id)
    if request.method != "POST":
        return _render_review(request, found, ReviewForm(initial={"next": request.GET.get("next")}))
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            reviewed = services.review_document(
                document=found, accept=form.accept, note=form.cleaned_data["note"],
                reviewer=request.user,
            )  # fmt: skip
        except Invalid as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, _reviewed_message(reviewed))
            return redirect(_back_to_queue(request, form.cleaned_data["next"]))
    return _render_review(request, found, form, status=Invalid.http_status)


def _reviewed_message(document: EvidenceDocument) -> str:
    commitment = document.commitment
    return (
        f"“{document.filename}” is {document.get_review_display().lower()}. "
        f"{commitment.organisation.name}'s commitment to {commitment.practice.slug} is now "
        f"{commitment.get_status_display().lower()}."
    )


def _back_to_queue(request: HttpRequest, next_url: str) -> str:
    queue = reverse("commitments:review_queue")
    safe = url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()})
    return next_url if next_url.startswith(queue) and safe else queue


_PRACTICE = "organisations/<slug:slug>/practices/<str:practice>/"
urlpatterns: list[URLPattern] = [
    path("organisations/<slug:slug>/scorecard/", scorecard, name="scorecard"),
    path("organisations/<slug:slug>/commit/", commit, name="commit"),
    path("organisations/<slug:slug>/publication/", publication, name="publication"),
    path(_PRACTICE, commitment, name="commitment"),
    path(f"{_PRACTICE}attest/", attest, name="attest"),
    path(f"{_PRACTICE}documents/", document_upload, name="document_upload"),
    path(f"{_PRACTICE}withdraw/", withdraw, name="withdraw"),
    path("documents/<int:document_id>/", document, name="document"),
    path("review/", review_queue, name="review_queue"),
    path("review/<int:document_id>/", review, name="review"),
]
