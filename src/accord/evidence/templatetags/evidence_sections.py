"""The evidence section other apps' pages show, without importing the evidence app.

The organisation page (accounts) sits below evidence, so it asks for the section by
this tag in its template instead of calling evidence's selectors from its view.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.accounts.models import Organisation
from accord.evidence import selectors

register = template.Library()


@register.inclusion_tag("evidence/_organisation_evidence.html", takes_context=True)
def organisation_evidence(context: dict[str, Any], organisation: Organisation) -> dict[str, Any]:
    """What the viewer may see of the organisation's evidence (nothing if not allowed)."""
    return {"evidence": selectors.organisation_evidence(context["request"].user, organisation)}
