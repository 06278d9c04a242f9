"""Forms of the secretariat's workspace: the organisations list's filters, and the
actions on one organisation. They parse; whether a change is acceptable is the
services' call."""

from __future__ import annotations

from typing import Any

from django import forms

from accord.accounts import selectors as accounts
from accord.accounts.rules import Role, Standing
from accord.accounts.services.standing import MAX_REASON_LENGTH

ORGANISATIONS_PER_PAGE = 25
ROLE_CHOICES = Role.choices


class OrganisationFilterForm(forms.Form):
    """Search by name, filter by sector, country and standing, sort. A value not on offer
    falls back to the default (everyone, by name), never to an error page."""

    q = forms.CharField(required=False, max_length=200, label="Name")
    sector = forms.ChoiceField(required=False)
    country = forms.ChoiceField(required=False)
    standing = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Any"), (Standing.ACTIVE, "Active"), (Standing.SUSPENDED, "Suspended")],
    )
    order = forms.ChoiceField(
        required=False,
        label="Sort by",
        choices=[(key, label) for key, (label, _) in accounts.ORGANISATION_ORDERS.items()],
    )

    def __init__(self, *args: Any, facets: accounts.OrganisationFacets, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sector: Any = self.fields["sector"]
        sector.choices = [("", "Any sector"), *((s, s) for s in facets.sectors)]
        country: Any = self.fields["country"]
        country.choices = [("", "Any country"), *((c, c) for c in facets.countries)]

    def wanted(self) -> accounts.OrganisationFilter:
        if not self.is_bound:
            return accounts.OrganisationFilter()
        self.is_valid()
        data = self.cleaned_data
        return accounts.OrganisationFilter(
            query=data.get("q", "").strip(),
            sector=data.get("sector", ""),
            country=data.get("country", ""),
            standing=data.get("standing", ""),
            order=data.get("order") or "name",
        )


class OrganisationDetailsForm(forms.Form):
    """What the secretariat may correct about an organisation (not its short name, which
    its public addresses use)."""

    name = forms.CharField(max_length=200)
    sector = forms.CharField(max_length=80, required=False)
    country = forms.CharField(
        max_length=2, required=False, help_text="Two-letter ISO 3166-1 code, such as NL"
    )
    size_band = forms.ChoiceField(required=False, label="Size")
    website = forms.URLField(required=False, assume_scheme="https")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "details_%s")
        super().__init__(*args, **kwargs)
        size_band: Any = self.fields["size_band"]
        size_band.choices = [("", "—"), *accounts.size_bands()]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=MAX_REASON_LENGTH,
        label="Reason (the organisation's admins are told)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, prefix_id: str = "standing", **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{prefix_id}_%s")
        super().__init__(*args, **kwargs)


class RemovalForm(ReasonForm):
    """Removal is for good: the person types the organisation's short name to confirm."""

    confirm = forms.CharField(max_length=80, label="Type its short name to confirm")

    def __init__(self, *args: Any, slug: str, **kwargs: Any) -> None:
        super().__init__(*args, prefix_id="removal", **kwargs)
        self.slug = slug
        self.fields["confirm"].help_text = f"The short name is “{slug}”."

    def clean_confirm(self) -> str:
        typed = str(self.cleaned_data["confirm"]).strip()
        if typed != self.slug:
            raise forms.ValidationError(f"Type “{self.slug}” to confirm the removal.")
        return typed


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


PEOPLE_PER_PAGE = 25


class PeopleFilterForm(forms.Form):
    """Search accounts by email or name, filter by instance role and by whether they can
    sign in. A value not on offer falls back to everyone, never to an error page."""

    q = forms.CharField(required=False, max_length=200, label="Email or name")
    role = forms.ChoiceField(
        required=False,
        label="Instance role",
        choices=[
            ("", "Any"),
            ("none", "None"),
            ("observer", "Observer"),
            ("secretariat", "Secretariat admin"),
        ],
    )
    status = forms.ChoiceField(
        required=False,
        label="Account",
        choices=[("", "Any"), ("active", "Active"), ("deactivated", "Deactivated")],
    )

    def wanted(self) -> accounts.PeopleFilter:
        if not self.is_bound:
            return accounts.PeopleFilter()
        self.is_valid()
        data = self.cleaned_data
        return accounts.PeopleFilter(
            query=data.get("q", "").strip(),
            role=data.get("role", ""),
            status=data.get("status", ""),
        )


class DeactivateForm(forms.Form):
    """Deactivation ends a person's sessions at once: the button needs a tick beside it.
    `back` carries the list's filters, to return to the same rows."""

    confirm = forms.BooleanField(label="I mean it")
    back = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
