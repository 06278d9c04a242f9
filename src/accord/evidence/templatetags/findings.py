"""What a finding code means and how to fix it, beside the code on every evidence page.

- `{% explain_finding code check_id %}`: the problem in plain words, the fix, the
  standard it comes from, and the practice the check verifies, linked.
- `{{ code|finding_problem }}`: the problem alone, for a short title.

The words are the engine's (`accord.engine.explanations`), keyed by code.
"""

from __future__ import annotations

from typing import Any

from django import template

from accord.catalogue import selectors as catalogue
from accord.engine.explanations import explain

register = template.Library()


@register.inclusion_tag("evidence/_explanation.html")
def explain_finding(code: str, check_id: str = "") -> dict[str, Any]:
    practices = catalogue.practices_checked_by(check_id) if check_id else []
    return {"explanation": explain(str(code)), "practices": practices}


@register.filter
def finding_problem(code: str) -> str:
    return explain(str(code)).problem
