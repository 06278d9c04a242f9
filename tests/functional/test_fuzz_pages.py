"""Every page, with any address, query and form, answers below 500 (hypothesis).

The routes come from the URL configuration itself, so a page added later is fuzzed too.
Each example picks a route, fills its path arguments (real ids and slugs, huge numbers,
text with NUL bytes and control characters, or bytes that are not UTF-8), adds query
parameters and, for a POST, form fields, and sends it as an anonymous visitor, an
organisation's admin or the secretariat. The test client raises any exception a view
lets escape, so a traceback fails the example as surely as a 5xx does. The JSON API has
its own fuzzing (schemathesis, tests/api).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.accounts.models import Organisation, User
from accord.evidence.models import Domain

pytestmark = pytest.mark.usefixtures("catalogue")

SKIPPED_PREFIXES = ("api/", "static/")
# The names pages read from the query and their forms post; random names are drawn too.
KNOWN_NAMES = [
    "q", "page", "sector", "country", "size_band", "segment", "date", "state", "role",
    "status", "next", "format", "email", "password", "code", "name", "domain", "note",
    "reason", "target_date", "profile", "practice", "days", "file", "slug", "decision",
]  # fmt: skip
CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def routes() -> list[str]:
    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED_PREFIXES):
                yield route

    return sorted(set(walk(get_resolver().url_patterns, "")))


hostile_text = st.one_of(
    st.sampled_from(["\x00", "a\x00b", "=HYPERLINK(1)", "../../etc/passwd", "%00", "' OR 1=1 --"]),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0x1F), max_size=10),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.builds(lambda n: "x" * n, st.integers(min_value=1_900, max_value=120_000)),
)
# Bytes put into the address as percent escapes: they need not be UTF-8 at all.
hostile_bytes = st.binary(max_size=12).map(quote_from_bytes)


@st.composite
def requests(draw: st.DrawFn, real: dict[str, list[str]]) -> tuple[str, str, dict[str, Any]]:
    route = draw(st.sampled_from(ROUTES))

    def fill(match: re.Match[str]) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        known = real.get(name) or real.get(kind) or []
        chosen = draw(st.one_of(st.sampled_from(known or ["x"]), hostile_text))
        if kind == "int":
            chosen = draw(
                st.one_of(st.sampled_from(known or ["1"]), st.integers(0, 2**80).map(str))
            )
        encoded = quote(chosen.encode("utf-8", "surrogatepass"), safe="")
        return draw(st.one_of(st.just(encoded), hostile_bytes)) if kind != "int" else encoded

    path = "/" + CONVERTER.sub(fill, route)
    names = st.one_of(st.sampled_from(KNOWN_NAMES), st.text(min_size=1, max_size=8))
    # Half the time every name a page might read carries one hostile value at once, so
    # whichever the page reads gets it; else a few names, each with its own.
    value = draw(hostile_text)
    everywhere = dict.fromkeys(KNOWN_NAMES, value)
    query = draw(st.one_of(st.just(everywhere), st.dictionaries(names, hostile_text, max_size=4)))
    raw = draw(st.lists(st.tuples(st.sampled_from(KNOWN_NAMES), hostile_bytes), max_size=2))
    query_string = "&".join(
        [f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items()]
        + [f"{k}={v}" for k, v in raw]
    )
    method = draw(st.sampled_from(["GET", "POST"]))
    form = draw(st.one_of(st.just(everywhere), st.dictionaries(names, hostile_text, max_size=6)))
    form = form if method == "POST" else {}
    return method, f"{path}?{query_string}" if query_string else path, form


ROUTES = routes()


@pytest.fixture
def world(
    alice: User, secretariat: User, org_a: Organisation, alpha_domain: Domain, client_for: Any
) -> dict[str, Any]:
    real = {
        "slug": [org_a.slug, "baseline", "un-gge-2015"],
        "organisation": [org_a.slug],
        "practice": ["cvd.security-txt"],
        "practice_id": ["cvd.security-txt"],
        "domain_id": [str(alpha_domain.pk)],
        "user_id": [str(alice.pk)],
        "year": ["2026"],
        "fmt": ["pdf", "html"],
    }
    clients = {
        "anonymous": Client(),
        "admin": client_for(alice),
        "secretariat": client_for(secretariat),
    }
    return {"real": real, "clients": clients}


@pytest.mark.parametrize("who", ["anonymous", "admin", "secretariat"])
def test_no_page_answers_5xx_whatever_it_is_sent(world: dict[str, Any], who: str) -> None:
    client = world["clients"][who]

    @settings(
        max_examples=400,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request=requests(world["real"]))
    def send(request: tuple[str, str, dict[str, Any]]) -> None:
        method, url, form = request
        response = client.get(url) if method == "GET" else client.post(url, form)
        assert response.status_code < 500, (method, url, form)

    send()


def test_the_fuzzed_routes_include_every_kind_of_page() -> None:
    assert len(ROUTES) > 80
    for prefix in ("accounts/", "catalogue/", "adoption/", "evidence/", "secretariat/"):
        assert any(route.startswith(prefix) for route in ROUTES)
