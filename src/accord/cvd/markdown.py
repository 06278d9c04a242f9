"""Markdown for the case discussion: the one place a post's text becomes HTML.

`markdown-it-py` renders CommonMark with raw HTML off; `nh3` (ammonia) then keeps only an
allow-list of tags and attributes, links only to http, https and mailto addresses (never
relative ones, which would point into this site), and marks every link
`rel="noopener noreferrer nofollow"`. Both steps always run: the first is not trusted to
have left nothing dangerous, so the second decides. Images are not rendered (a remote
image tells its host who read the post, and when); `![text](url)` shows as a link.

The result is cached per body, since a thread shows the same posts to everyone.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "li", "ol", "p", "pre", "strong", "ul",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
CACHED_BODIES = 2048

_parser = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_cleaner = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    url_relative="deny",
    link_rel=LINK_REL,
    strip_comments=True,
)


@lru_cache(maxsize=CACHED_BODIES)
def render(body: str) -> SafeString:
    """`body` (Markdown) as HTML that is safe to put in a page."""
    return mark_safe(_cleaner.clean(_parser.render(body)))  # sanitised just now
