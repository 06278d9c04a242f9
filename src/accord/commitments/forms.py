"""Forms for committing, proving, reviewing and publishing.

They parse what was posted; whether it is acceptable (a target date not in the past, a
file of an accepted type, the person's right to change anything) is the services' call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone

from accord.commitments.selectors import REVIEW_ORDERS, REVIEW_STATES, ReviewChoices, ReviewFilter
from accord.commitments.services import MAX_ATTESTATION_LENGTH, MAX_NOTE_LENGTH
from accord.commitments.uploads import EXTENSIONS

if TYPE_CHECKING:
    from accord.catalogue.models import Practice, Profile

PUBLIC_HELP = "Shown publicly only while the organisation publishes its profile."


class CommitForm(forms.Form):
    """A profile, or one or more practices, and the date to carry them out by."""

    profile = forms.ChoiceField(required=False, label="A whole profile")
    practices = forms.MultipleChoiceField(
        required=False, label="Or single practices", widget=forms.CheckboxSelectMultiple
    )
    target_date = forms.DateField(
        label="Target date", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, profiles: list[Profile], practices: list[Practice], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        profile_field: Any = self.fields["profile"]
        profile_field.choices = [("", "—"), *((p.slug, p.title) for p in profiles)]
        practice_field: Any = self.fields["practices"]
        practice_field.choices = [(p.slug, f"{p.slug}: {p.title}") for p in practices]
        self.fields["target_date"].widget.attrs["min"] = timezone.localdate().isoformat()

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if bool(cleaned.get("profile")) == bool(cleaned.get("practices")):
            raise forms.ValidationError("Choose either a profile or one or more practices.")
        return cleaned


class AttestationForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "attest_%s")  # shares a page with DocumentForm
        super().__init__(*args, **kwargs)

    text = forms.CharField(
        label="How the practice is implemented",
        max_length=MAX_ATTESTATION_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_public = forms.BooleanField(required=False, label="Public", help_text=PUBLIC_HELP)


class DocumentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "document_%s")
        super().__init__(*args, **kwargs)

    @classmethod
    def refused(cls, message: str) -> DocumentForm:
        """The form shown again for a file refused before its body was read (too large
        to read at all): nothing was parsed, so only the refusal is shown."""
        form = cls(data={}, files={})
        form.full_clean()
        form.errors.clear()
        form.add_error("file", message)
        return form

    file = forms.FileField(
        label="Document (PDF, text, Markdown, PNG, JPEG or JSON)",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )
    is_public = forms.BooleanField(required=False, label="Public", help_text=PUBLIC_HELP)


class ReviewForm(forms.Form):
    """Accept or reject one document; the page's two buttons post the decision."""

    decision = forms.ChoiceField(
        choices=[("accept", "Accept"), ("reject", "Reject")],
        error_messages={"required": "Choose to accept or reject the document."},
    )
    note = forms.CharField(
        required=False,
        max_length=MAX_NOTE_LENGTH,
        label="Note to the organisation (required to reject)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "review_%s")
        super().__init__(*args, **kwargs)

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == "accept"


class ReviewFilterForm(forms.Form):
    """The review queue's filters and order. Anything not on offer falls back to the
    default (documents awaiting review, newest first), never to an error page."""

    state = forms.ChoiceField(choices=list(REVIEW_STATES.items()), required=False)
    organisation = forms.ChoiceField(required=False)
    practice = forms.ChoiceField(required=False)
    order = forms.ChoiceField(
        choices=[(key, label) for key, (label, _) in REVIEW_ORDERS.items()], required=False
    )

    def __init__(self, *args: Any, choices: ReviewChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation: Any = self.fields["organisation"]
        organisation.choices = [("", "Any organisation"), *choices.organisations]
        practice: Any = self.fields["practice"]
        practice.choices = [("", "Any practice"), *choices.practices]

    def wanted(self) -> ReviewFilter:
        if not self.is_bound:
            return ReviewFilter()
        self.is_valid()
        chosen = {name: value for name, value in self.cleaned_data.items() if value}
        return ReviewFilter(**chosen)


class PublicationForm(forms.Form):
    public_profile = forms.BooleanField(
        required=False,
        label="Publish our scorecard",
        help_text="Anyone may see the organisation's commitments, statuses and the proof "
        "marked public.",
    )
    badges = forms.BooleanField(
        required=False, label="Serve public badges", help_text="A badge per profile we meet."
    )
