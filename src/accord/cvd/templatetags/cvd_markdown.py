"""`{{ post.body|markdown }}`: a post's Markdown as sanitised HTML, through
`accord.cvd.markdown` and nothing else."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from accord.cvd import markdown as rendering

register = template.Library()


@register.filter(name="markdown")
def markdown(body: str) -> SafeString:
    return rendering.render(str(body))
