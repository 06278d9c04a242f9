"""Country names for the ISO 3166-1 alpha-2 codes organisations state.

The names come from pycountry, which ships the ISO 3166 data of Debian's iso-codes in
the package itself: nothing is fetched at run time. Pages show the short name people
use ("South Korea", not "Korea, Republic of") where ISO gives one. The codes stay what
is stored and what open data carries; names are for people to read.
"""

from __future__ import annotations

from functools import cache

import pycountry


@cache
def _names() -> dict[str, str]:
    return {
        country.alpha_2: getattr(country, "common_name", None) or country.name
        for country in pycountry.countries
    }


def country_name(code: str | None) -> str:
    """The country's name for its alpha-2 code ("DE" gives "Germany"); a code ISO does not
    know is shown as it is, and no code as ""."""
    text = (code or "").strip()
    return _names().get(text.upper(), text)


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every ISO 3166-1 country, by name: for forms and filters."""
    return sorted(_names().items(), key=lambda item: item[1])


def codes_named(text: str) -> list[str]:
    """The codes of the countries whose name or code matches `text` (for search)."""
    wanted = text.strip().casefold()
    if not wanted:
        return []
    return [
        code
        for code, name in _names().items()
        if wanted in name.casefold() or wanted == code.casefold()
    ]
