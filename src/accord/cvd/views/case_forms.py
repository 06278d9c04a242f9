"""Forms of the case pages. They parse what was posted and bound its length; whether a
value is acceptable (a CVSS vector, a package URL, the right to change anything) is the
services' call, and a refusal naming a field is shown next to it."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from django import forms

from accord.cvd import ssvc, states
from accord.cvd.models import Case, Participant, Tlp
from accord.cvd.selectors import cases as selectors
from accord.cvd.services import cases as case_services
from accord.cvd.services import invitations as invitation_services
from accord.cvd.services import vulnerabilities as vulnerability_services

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accord.accounts.models import Organisation

SECRETARIAT = ""
ID_LENGTH = 500


class CaseFilterForm(forms.Form):
    text = forms.CharField(required=False, label="Search", max_length=selectors.MAX_SEARCH)
    embargo_state = forms.ChoiceField(
        required=False, label="Embargo", choices=[("", "Any"), *Case.EmbargoState.choices]
    )
    tlp = forms.ChoiceField(required=False, label="TLP", choices=[("", "Any"), *Tlp.choices])


class CaseFieldsForm(forms.Form):
    title = forms.CharField(max_length=case_services.MAX_TITLE)
    summary = forms.CharField(
        required=False,
        max_length=case_services.MAX_SUMMARY,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    tlp = forms.ChoiceField(label="TLP", choices=Tlp.choices, initial=Tlp.AMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "case_%s")
        super().__init__(*args, **kwargs)


class OpenCaseForm(CaseFieldsForm):
    """A new case, led by one of the viewer's organisations or by the secretariat."""

    organisation = forms.ChoiceField(label="Led by")

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation], secretariat: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(o.pk), o.name) for o in organisations]
        if secretariat:
            choices.insert(0, (SECRETARIAT, "The secretariat"))
        field: Any = self.fields["organisation"]
        field.choices = choices
        field.required = not secretariat


class AddParticipantForm(forms.Form):
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        queryset=None,  # the viewer's choices, set below
        label="Organisation",
    )
    role = forms.ChoiceField(
        choices=[(role.value, role.label) for role in case_services.ADDABLE_ROLES],
        initial=Participant.Role.VENDOR,
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "participant_%s")
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations


class ReportStateForm(forms.Form):
    state = forms.ChoiceField(
        label="Report state", choices=[(s, s.capitalize()) for s in states.RM_STATES]
    )


class TrackingIdForm(forms.Form):
    tracking_id = forms.CharField(
        required=False,
        max_length=case_services.MAX_TRACKING_ID,
        label="Your tracking id",
        help_text="Your own ticket for this case; every message to you carries it.",
    )


def _ssvc_fields(kind: str) -> dict[str, forms.Field]:
    table = ssvc.table(kind)
    return {
        f"{kind}_{point.key}": forms.ChoiceField(
            required=False,
            label=f"{table.name}: {point.name}",
            choices=[("", "—"), *point.values],
        )
        for point in table.points
    }


class VulnerabilityForm(forms.Form):
    """A vulnerability; on adding it, optionally the first product it affects."""

    title = forms.CharField(max_length=vulnerability_services.MAX_TITLE)
    description = forms.CharField(
        required=False,
        max_length=vulnerability_services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    cwe_ids = forms.CharField(
        required=False, max_length=200, label="CWE ids", help_text="For example CWE-79, CWE-89"
    )
    cvss_vector = forms.CharField(
        required=False,
        max_length=ID_LENGTH,
        label="CVSS vector",
        help_text="CVSS:3.1/… or CVSS:4.0/…",
    )
    cve_id = forms.CharField(
        required=False,
        max_length=30,
        label="CVE id",
        help_text="CVE-2026-12345, if one is assigned",
    )
    ssvc_kind = forms.ChoiceField(
        required=False,
        label="SSVC decision",
        choices=[("", "None"), (ssvc.SUPPLIER, "Supplier"), (ssvc.DEPLOYER, "Deployer")],
    )

    def __init__(self, *args: Any, with_product: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "vuln_%s")
        super().__init__(*args, **kwargs)
        for kind in vulnerability_services.SSVC_KINDS:
            self.fields.update(_ssvc_fields(kind))
        if with_product:
            self.fields.update(copy.deepcopy(ProductForm.base_fields))

    def ssvc_inputs(self) -> dict[str, str]:
        kind = self.cleaned_data.get("ssvc_kind") or ""
        prefix = f"{kind}_"
        return {
            name.removeprefix(prefix): value
            for name, value in self.cleaned_data.items()
            if kind and name.startswith(prefix) and value
        }

    @staticmethod
    def initial_of(vulnerability: Any) -> dict[str, Any]:
        initial = {
            "title": vulnerability.title,
            "description": vulnerability.description,
            "cwe_ids": ", ".join(f"CWE-{n}" for n in vulnerability.cwe_ids),
            "cvss_vector": vulnerability.cvss_vector,
            "cve_id": vulnerability.cve_id,
        }
        decision = vulnerability.ssvc
        if decision is not None:
            kind = next(
                (
                    k
                    for k in vulnerability_services.SSVC_KINDS
                    if ssvc.table(k).id == decision.table_id
                ),
                "",
            )
            initial["ssvc_kind"] = kind
            for point in ssvc.table(kind).points if kind else ():
                initial[f"{kind}_{point.key}"] = decision.inputs.get(point.id, "")
        return initial


class ProductForm(forms.Form):
    purl = forms.CharField(
        required=False,
        max_length=ID_LENGTH,
        label="Package URL",
        help_text="pkg:npm/%40acme/widget",
    )
    cpe = forms.CharField(
        required=False,
        max_length=ID_LENGTH,
        label="Or CPE 2.3 name",
        help_text="cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*",
    )
    versions = forms.CharField(
        required=False,
        max_length=ID_LENGTH,
        label="Affected versions (vers)",
        help_text="vers:npm/>=1.0.0|<1.4.2; blank for all",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "product_%s")
        super().__init__(*args, **kwargs)


class VendorProductForm(forms.Form):
    purl_type = forms.CharField(
        required=False, max_length=40, label="Package URL type", help_text="npm, pypi, maven, …"
    )
    purl_namespace = forms.CharField(required=False, max_length=200, label="Namespace")
    purl_name = forms.CharField(
        required=False, max_length=200, label="Name", help_text="Blank for the whole namespace"
    )
    cpe_vendor = forms.CharField(required=False, max_length=200, label="Or CPE vendor")
    cpe_product = forms.CharField(
        required=False, max_length=200, label="CPE product", help_text="Blank for all its products"
    )


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254)
    name = forms.CharField(
        required=False, max_length=invitation_services.MAX_NAME, label="Vendor's name"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "invite_%s")
        super().__init__(*args, **kwargs)


class NewAccountForm(forms.Form):
    full_name = forms.CharField(required=False, max_length=200, label="Your name")
    password = forms.CharField(widget=forms.PasswordInput, max_length=4096, strip=False)
