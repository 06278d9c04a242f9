"""CVD pages: the case's embargo, at /cvd/<ref>/embargo/.

Everyone in the case sees the state, the date (in UTC, and in their own time zone by
`local-time.js`) and the proposals; the parties propose and answer; the lead adopts,
withdraws and ends. A value the service refuses re-renders the page with the message by
its field (422); a move the state does not allow is answered by the error page (409).
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accord.cvd.exceptions import InvalidField
from accord.cvd.models import Case, EmbargoProposal, EmbargoResponse, Participant
from accord.cvd.selectors import embargo as selectors
from accord.cvd.services import embargo as services
from accord.cvd.views import case_or_404, case_page

if TYPE_CHECKING:
    from accord.accounts.models import User


def _signed_in(request: HttpRequest) -> User:
    # Behind `login_required`: the person is signed in.
    return cast("User", request.user)


class ProposeForm(forms.Form):
    ends_at = forms.DateTimeField(
        label="Embargo ends (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="A date and time in UTC, in the future.",
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=EmbargoResponse.Answer.choices)
    comment = forms.CharField(
        required=False, max_length=services.MAX_COMMENT, widget=forms.Textarea(attrs={"rows": 2})
    )
    participant = forms.TypedChoiceField(coerce=int, label="Answering for")

    def __init__(self, *args: Any, parties: list[Participant], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["participant"]
        field.choices = [(party.pk, party.name) for party in parties]
        self.parties = {party.pk: party for party in parties}


class EndForm(forms.Form):
    reason = forms.CharField(
        label="Why the embargo ends early",
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: exploitation seen in the wild.",
    )


def _render(
    request: HttpRequest, reference: str, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    context = case_page(request, reference, tab="embargo")
    view = selectors.embargo_view(request.user, context["case"])
    context.update(
        view=view,
        may_propose=bool(view.answering_as) or context["leads"],
        propose_form=forms_.get("propose_form") or ProposeForm(),
        end_form=forms_.get("end_form") or EndForm(),
        answer_form=forms_.get("answer_form"),
        answer_for=forms_.get("answer_for"),
        parties=view.answering_as,
    )
    return render(request, "cvd/embargo/page.html", context, status=status)


def embargo(request: HttpRequest, reference: str) -> HttpResponse:
    return _render(request, reference)


def _to_page(case: Case) -> HttpResponse:
    return redirect("cvd:embargo", reference=case.reference)


def _proposal(request: HttpRequest, case: Case, proposal_id: int) -> EmbargoProposal:
    found = selectors.proposal_for(request.user, case, proposal_id)
    if found is None:
        raise Http404("No such embargo proposal.")
    return found


@login_required
@require_POST
def propose(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = ProposeForm(request.POST)
    if form.is_valid():
        ends_at = form.cleaned_data["ends_at"].replace(tzinfo=UTC)
        try:
            services.propose_embargo(actor=_signed_in(request), case=case, ends_at=ends_at)
        except InvalidField as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, "The embargo is proposed.")
            return _to_page(case)
    return _render(request, reference, status=InvalidField.http_status, propose_form=form)


@login_required
@require_POST
def answer(request: HttpRequest, reference: str, proposal_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    proposal = _proposal(request, case, proposal_id)
    parties = selectors.embargo_view(request.user, case).answering_as
    form = AnswerForm(request.POST, parties=parties)
    if form.is_valid():
        try:
            services.answer_embargo(
                actor=_signed_in(request),
                proposal=proposal,
                participant=form.parties[form.cleaned_data["participant"]],
                answer=form.cleaned_data["answer"],
                comment=form.cleaned_data["comment"],
            )
        except InvalidField as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, "Your answer is recorded.")
            return _to_page(case)
    return _render(
        request,
        reference,
        status=InvalidField.http_status,
        answer_form=form,
        answer_for=proposal.pk,
    )


@login_required
@require_POST
def adopt(request: HttpRequest, reference: str, proposal_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    services.adopt_embargo(
        actor=_signed_in(request), proposal=_proposal(request, case, proposal_id)
    )
    messages.success(request, "The embargo is active.")
    return _to_page(case)


@login_required
@require_POST
def withdraw(request: HttpRequest, reference: str, proposal_id: int) -> HttpResponse:
    case = case_or_404(request, reference)
    proposal = _proposal(request, case, proposal_id)
    services.withdraw_embargo_proposal(actor=_signed_in(request), proposal=proposal)
    messages.success(request, "The proposal is withdrawn.")
    return _to_page(case)


@login_required
@require_POST
def end(request: HttpRequest, reference: str) -> HttpResponse:
    case = case_or_404(request, reference)
    form = EndForm(request.POST)
    if form.is_valid():
        try:
            services.end_embargo(
                actor=_signed_in(request), case=case, reason=form.cleaned_data["reason"]
            )
        except InvalidField as exc:
            form.add_error(exc.field_in(form.fields), str(exc))
        else:
            messages.success(request, "The embargo has ended.")
            return _to_page(case)
    return _render(request, reference, status=InvalidField.http_status, end_form=form)


urlpatterns: list[URLPattern] = [
    path("cvd/<str:reference>/embargo/", embargo, name="embargo"),
    path("cvd/<str:reference>/embargo/propose/", propose, name="embargo_propose"),
    path("cvd/<str:reference>/embargo/end/", end, name="embargo_end"),
    path("cvd/<str:reference>/embargo/<int:proposal_id>/answer/", answer, name="embargo_answer"),
    path("cvd/<str:reference>/embargo/<int:proposal_id>/adopt/", adopt, name="embargo_adopt"),
    path(
        "cvd/<str:reference>/embargo/<int:proposal_id>/withdraw/",
        withdraw,
        name="embargo_withdraw",
    ),
]
