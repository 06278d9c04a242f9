"""Forms for signing in, two-factor set-up, API tokens and organisation management."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone

from accord.accounts.models import ApiToken, Organisation, User
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


# Every token expires (`services.create_api_token`); a year is the longest.
EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=ApiToken._meta.get_field("name").max_length)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), to_field_name="slug", empty_label=None
    )
    expires = forms.ChoiceField(
        choices=EXPIRY_CHOICES, required=False, label="Expires", initial="90"
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["expires"].initial = str(settings.ACCORD_TOKEN_DEFAULT_DAYS)

    def expires_at(self) -> datetime | None:
        """The chosen expiry; None leaves it to the instance's default lifetime."""
        days = self.cleaned_data.get("expires")
        return timezone.now() + timedelta(days=int(days)) if days else None


# Sign-up, email verification, password reset, recovery codes ------------------------


class NewPasswordFields(forms.Form):
    """A new password typed twice, checked against the instance's password rules here
    (so a weak one is refused before anything counts against a request limit) and
    again by the service that sets it."""

    password = forms.CharField(
        label="Password",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters; not a common password, nor only digits.",
    )
    password_again = forms.CharField(
        label="The same password again",
        max_length=MAX_PASSWORD_LENGTH,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def password_owner(self) -> User | None:
        """Whose password it is, so it may not resemble their address or name."""
        return self.user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        password = data.get("password")
        if not password:
            return data
        if data.get("password_again") != password:
            self.add_error("password_again", "The two passwords differ.")
        try:
            validate_password(password, user=self.password_owner())
        except ValidationError as exc:
            self.add_error("password", exc)
        return data


class SignUpForm(NewPasswordFields):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    full_name = forms.CharField(
        label="Your name (optional)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    field_order = ["email", "full_name", "password", "password_again"]

    def clean_email(self) -> str:
        return normal_email(self.cleaned_data["email"])

    def password_owner(self) -> User:
        data = self.cleaned_data
        return User(email=data.get("email", ""), full_name=data.get("full_name", ""))


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email address of your account",
        max_length=254,
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        return normal_email(self.cleaned_data["email"])


class SetPasswordForm(NewPasswordFields):
    pass


class RecoveryCodeForm(forms.Form):
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="One of the codes you saved when you set up two-factor authentication.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autofocus": True, "spellcheck": "false"}
        ),
    )


class SecondFactorForm(forms.Form):
    """Proof of the second factor before a change to it: either kind of code."""

    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )
