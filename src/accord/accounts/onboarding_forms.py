"""Forms for applying to join, deciding applications, and sending and accepting
invitations. The services check everything again; the forms give each field its message."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts.countries import country_choices
from accord.accounts.models import Application, Membership, Organisation, User
from accord.accounts.selectors import normal_email
from accord.accounts.services import (
    MAX_DOMAINS,
    MAX_PASSWORD_LENGTH,
    InvalidInput,
    parse_domains,
)


def _email_field(label: str) -> forms.EmailField:
    return forms.EmailField(label=label, max_length=254)


class ApplicationForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200)
    domains = forms.CharField(
        label="Domain names",
        help_text=f"One per line (at most {MAX_DOMAINS}), such as example.org. Once "
        "admitted, the organisation proves it controls each one.",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sector = forms.CharField(label="Sector", max_length=80, help_text="Such as energy or software")
    country = forms.ChoiceField(
        label="Country",
        choices=lambda: [("", "—"), *country_choices()],
        error_messages={
            "required": "Choose the country.",
            "invalid_choice": "Choose the country from the list (its two-letter ISO 3166-1 code).",
        },
    )
    size_band = forms.ChoiceField(label="Size", choices=Organisation.SizeBand.choices)
    contact_name = forms.CharField(label="Contact person's name", max_length=200)
    contact_email = _email_field("Contact person's email address")

    def clean_domains(self) -> list[str]:
        try:
            return parse_domains(self.cleaned_data["domains"])
        except InvalidInput as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_contact_email(self) -> str:
        return normal_email(self.cleaned_data["contact_email"])


class ApplicationFilterForm(forms.Form):
    state = forms.ChoiceField(
        choices=[("", "All"), *Application.State.choices], required=False, label="State"
    )


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label="Reason (told to the applicant; required to decline)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class InvitationForm(forms.Form):
    """An org admin invites a person to the organisation."""

    email = _email_field("Email address")
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)

    def clean_email(self) -> str:
        return normal_email(self.cleaned_data["email"])


class InstanceInvitationForm(forms.Form):
    """The secretariat invites an observer or another secretariat admin."""

    email = _email_field("Email address")
    instance_role = forms.ChoiceField(
        label="Role",
        choices=[
            (User.InstanceRole.OBSERVER, "Observer (government or public)"),
            (User.InstanceRole.SECRETARIAT, User.InstanceRole.SECRETARIAT.label),
        ],
        initial=User.InstanceRole.OBSERVER,
    )

    def clean_email(self) -> str:
        return normal_email(self.cleaned_data["email"])


class InvitedAccountForm(forms.Form):
    """The account an invitee creates; its email address is the invitation's."""

    full_name = forms.CharField(label="Your name", max_length=200)
    password = forms.CharField(
        label="Password",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="Password, again",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned
