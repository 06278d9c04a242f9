"""The preferences form: how a person wants to be emailed."""

from __future__ import annotations

from django import forms

from accord.notifications.models import Preference


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="Email me",
        choices=Preference.Delivery.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you want to be emailed."},
    )
