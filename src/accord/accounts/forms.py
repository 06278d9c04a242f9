"""Forms for signing in, two-factor set-up, API tokens and organisation management."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone

from accord.accounts.models import ApiToken, Organisation
from accord.accounts.selectors import normal_email
from accord.accounts.services import MAX_PASSWORD_LENGTH


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254, widget=forms.EmailInput(attrs={"autofocus": True}))
    password = forms.CharField(
        max_length=MAX_PASSWORD_LENGTH, strip=False, widget=forms.PasswordInput
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_email(self) -> str:
        return normal_email(self.cleaned_data["email"])


class TotpCodeField(forms.CharField):
    """Six digits; people often type them as "123 456", so spaces are dropped first."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace(" ", "")


class TotpCodeForm(forms.Form):
    code = TotpCodeField(
        label="Code from your authenticator app",
        validators=[RegexValidator(r"^[0-9]{6}\Z", "Enter the 6-digit code from your app.")],
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=ApiToken._meta.get_field("name").max_length)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), to_field_name="slug", empty_label=None
    )
    expires = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data.get("expires")
        return timezone.now() + timedelta(days=int(days)) if days else None
