"""The discussion's template library.

- `{{ post.body|markdown }}`: a post's Markdown as sanitised HTML, through
  `accord.cvd.markdown` and nothing else.
- `{% unread_posts case as unread %}`: how many of the case's posts the viewer has not
  read, for the case's Discussion tab (`selectors.discussion.unread_posts`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from accord.cvd import markdown as rendering
from accord.cvd.models import Case
from accord.cvd.selectors import discussion

register = template.Library()


@register.filter(name="markdown")
def markdown(body: str) -> SafeString:
    return rendering.render(str(body))


@register.simple_tag(takes_context=True)
def unread_posts(context: template.Context, case: Case) -> int:
    request = context.get("request")
    user: Any = getattr(request, "user", None) or context.get("user")
    return discussion.unread_posts(user, case)
