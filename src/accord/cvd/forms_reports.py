"""The forms of the report pages: the public report form, follow-up messages, and the
coordinator's triage forms. The triage form's choices come from the SSVC table itself."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from accord.cvd import attachments, ssvc
from accord.cvd.models import Report, Tlp
from accord.cvd.selectors.coordinators import coordinator_choices
from accord.cvd.services import reports as services


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked (size, type) by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = data if isinstance(data, list | tuple) else [data]
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items if item]
        return [item for item in cleaned if item]


class ReportForm(forms.Form):
    title = forms.CharField(max_length=services.MAX_TITLE, label="Title")
    description = forms.CharField(
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 12}),
        label="Description",
        help_text="What is vulnerable, how to reproduce it, and what an attacker gains.",
    )
    product = forms.CharField(
        max_length=services.MAX_PRODUCT, required=False, label="Product and version"
    )
    coordinator = forms.ChoiceField(required=False, label="Coordinator")
    reporter_name = forms.CharField(max_length=services.MAX_NAME, required=False, label="Your name")
    reporter_email = forms.EmailField(
        max_length=services.MAX_EMAIL,
        required=False,
        label="Your email address",
        help_text="Optional: we email you the private follow-up link and tell you of replies.",
    )
    identity_disclosed = forms.BooleanField(
        required=False, label="The vendors may see my name and email address"
    )
    credit_publicly = forms.BooleanField(
        required=False,
        label="Credit me by name in the published advisory",
        help_text="The advisory is public once published. Without your name, no one is credited.",
    )
    attachments = MultipleFileField(
        required=False,
        label="Attachments",
        help_text=(
            f"Up to {attachments.MAX_COUNT} files of at most {attachments.limit_label()} each. "
            "Files are only ever offered as downloads."
        ),
    )

    def __init__(self, *args: Any, signed_in: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = ("", f"The {settings.ACCORD_INSTANCE_NAME} secretariat")
        coordinator = self.fields["coordinator"]
        assert isinstance(coordinator, forms.ChoiceField)
        coordinator.choices = [own, *coordinator_choices()]
        if signed_in:
            # The account names the reporter.
            del self.fields["reporter_name"]
            del self.fields["reporter_email"]


class MessageForm(forms.Form):
    body = forms.CharField(
        max_length=services.MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 5}), label="Message"
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Reason for rejecting",
        help_text="The reporter reads it. The report's text is kept.",
    )


class OpenCaseForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Case title")
    summary = forms.CharField(
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Summary for the participants",
        help_text="Vendors read it; the report itself stays with the coordinators.",
    )
    tlp = forms.ChoiceField(choices=Tlp.choices, initial=Tlp.AMBER, label="TLP")


class TriageForm(forms.Form):
    """One choice per decision point of SSVC's Coordinator Triage table."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = ssvc.table(ssvc.COORDINATOR_TRIAGE)
        for point in table.points:
            self.fields[point.key] = forms.ChoiceField(
                choices=list(point.values), widget=forms.RadioSelect, label=point.name
            )


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "Every state"), *Report.State.choices], required=False, label="State"
    )
