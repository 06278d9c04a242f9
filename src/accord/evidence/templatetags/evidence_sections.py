"""The evidence sections other apps' pages show, without importing the evidence app.

The organisation page (accounts) sits below evidence, so it asks for its domains and
their evidence by these tags in its template instead of calling evidence's selectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from accord.evidence import selectors
from accord.evidence.forms import DomainForm

if TYPE_CHECKING:
    from accord.accounts.models import Organisation

register = template.Library()


@register.inclusion_tag("evidence/_organisation_evidence.html", takes_context=True)
def organisation_evidence(context: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """What the viewer may see of the organisation's evidence (nothing if not allowed)."""
    return {"evidence": selectors.organisation_evidence(context["request"].user, organisation)}


@register.inclusion_tag("evidence/_organisation_domains.html", takes_context=True)
def organisation_domains(context: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """The organisation's registered domains, and the form to add one for its admins
    (re-shown with its errors when the page comes back from a failed attempt)."""
    found = selectors.organisation_domains(context["request"].user, organisation)
    return {
        "organisation": organisation,
        "found": found,
        "form": context.get("domain_form") or DomainForm(),
        "csrf_token": context.get("csrf_token"),
    }
