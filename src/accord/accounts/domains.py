"""Domain names as organisations register them.

A registered domain is later fetched by the evidence scanner, so registration uses the
scanner's own normaliser (IDNA 2008 with UTS 46 mapping): a name is stored exactly as
the scanner will look it up, and anything that is not plainly a public DNS name (a URL,
an address, a single label) is refused here.
"""

from __future__ import annotations

from accord.evidence.domains import InvalidDomain
from accord.evidence.domains import normalise_domain as _normalise


class DomainNameError(ValueError):
    """The text is not a domain name an organisation can register."""


def normalise_domain(raw: str) -> str:
    """The ASCII (punycode), lower-case form of `raw` without a trailing dot."""
    try:
        return _normalise(raw)
    except InvalidDomain as exc:
        raise DomainNameError(str(exc)) from exc
