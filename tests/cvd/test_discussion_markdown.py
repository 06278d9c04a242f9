"""Hostile Markdown comes out harmless: nothing runs, nothing loads, links only to
http, https and mailto, and each link marked noopener noreferrer nofollow."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from accord.cvd import markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<a href="https://ok.example" onclick="alert(1)">x</a>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "<svg onload=alert(1)>",
    '<div style="position:fixed">cover</div>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](vbscript:msgbox(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![pixel](data:image/png;base64,iVBORw0KGgo=)",
    "![pixel](https://tracker.example/p.gif)",
    '<https://ok.example/"onmouseover="alert(1)>',
    '[x](https://ok.example "title" onmouseover=alert(1))',
    "[x](/accounts/logout/)",
    "[x](//evil.example/)",
    "<!-- <script>alert(1)</script> -->",
    "```html\n<script>alert(1)</script>\n```",
    "<form action=https://evil.example><input name=p></form>",
]


class Elements(HTMLParser):
    """Every element of a fragment, with its attributes, and whether it had comments."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.comments = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_comment(self, data: str) -> None:
        self.comments += 1


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_is_neutralised(body: str) -> None:
    parsed = Elements(str(markdown.render(body)))
    assert parsed.comments == 0
    for tag, attributes in parsed.elements:
        assert tag in markdown.TAGS, tag
        allowed = markdown.ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attributes) <= allowed, (tag, attributes)
        if tag == "a":
            assert attributes["rel"] == "noopener noreferrer nofollow"
            href = attributes.get("href") or "https://"
            assert href.startswith(("http://", "https://", "mailto:")), href


def test_hostile_markdown_shows_as_text() -> None:
    """What is not rendered is shown, escaped, so readers see what was sent."""
    html = str(markdown.render("<script>alert(1)</script> [x](javascript:alert(1))"))
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\n"


def test_the_cleaner_decides_even_what_the_parser_let_through() -> None:
    """The second step alone removes what an HTML-enabled parser would have passed."""
    raw = (
        '<p onclick="x"><a href="javascript:alert(1)">a</a><a href="/here">b</a>'
        '<img src="https://t.example/p.gif"><script>alert(1)</script>'
        '<a href="https://ok.example" target="_blank">c</a></p>'
    )
    html = markdown._cleaner.clean(raw)
    assert html == (
        '<p><a rel="noopener noreferrer nofollow">a</a><a rel="noopener noreferrer nofollow">b</a>'
        '<a href="https://ok.example" rel="noopener noreferrer nofollow">c</a></p>'
    )


def test_ordinary_markdown_is_rendered() -> None:
    html = str(
        markdown.render(
            "# Fix\n\n**Bold** and _em_ and `code`.\n\n"
            "3. three\n4. four\n\n> quoted\n\n"
            "[advisory](https://vendor.example/a?b=1&c=2) <mailto:psirt@vendor.example>\n\n"
            "```\nx < y\n```"
        )
    )
    assert "<h1>Fix</h1>" in html
    assert "<strong>Bold</strong> and <em>em</em> and <code>code</code>" in html
    assert '<ol start="3">' in html
    assert "<blockquote>" in html
    assert (
        '<a href="https://vendor.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">'
        "advisory</a>"
    ) in html
    assert 'href="mailto:psirt@vendor.example"' in html
    assert "<pre><code>x &lt; y\n</code></pre>" in html


def test_the_result_is_safe_to_insert_and_cached() -> None:
    first = markdown.render("*same*")
    assert isinstance(first, SafeString)
    assert markdown.render("*same*") is first


def test_the_template_filter_goes_through_the_renderer() -> None:
    template = Template("{% load cvd_markdown %}{{ body|markdown }}")
    html = template.render(Context({"body": "**hi** <b onmouseover=x>there</b>"}))
    assert html == "<p><strong>hi</strong> &lt;b onmouseover=x&gt;there&lt;/b&gt;</p>\n"


@pytest.mark.django_db
def test_the_unread_tag_counts_for_the_viewer(cvd_world: Any, rf: Any) -> None:
    from accord.cvd.services import discussion as services

    w = cvd_world
    services.start_thread(actor=w.secretariat, case=w.case, title="T", body="New to vendors")
    template = Template("{% load cvd_markdown %}{% unread_posts case as n %}{{ n }}")
    request = rf.get("/")
    for person, expected in ((w.vendor_a_admin, "1"), (w.secretariat, "0"), (w.outsider, "0")):
        request.user = person
        assert template.render(Context({"request": request, "case": w.case})) == expected
