"""Domain names as the evidence engine accepts them: one registrable host name, no more.

`normalise_domain` turns what a person typed or a list holds into the form the fetcher
and the results use (lower-case ASCII, internationalised names as punycode, no trailing
dot), and refuses anything else with a message that says what is wrong.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Iterator

import idna

from accord.engine.limits import quoted

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63

_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")


class InvalidDomain(ValueError):
    """The text is not a domain name the engine will assess; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise_domain(text: str) -> str:
    """Return `text` as a lower-case ASCII host name, or raise InvalidDomain."""
    name = text.strip()
    if not name:
        raise InvalidDomain("empty domain name")
    _refuse_non_names(name)
    name = name.lower()
    if name.endswith("."):
        name = name[:-1]
    ascii_name = _to_ascii(name)
    _check_labels(ascii_name)
    return ascii_name


def _refuse_non_names(name: str) -> None:
    if "://" in name or "/" in name or "?" in name or "#" in name or "@" in name:
        raise InvalidDomain(f"{quoted(name)} looks like a URL: give the bare domain name")
    if any(c.isspace() for c in name):
        raise InvalidDomain(f"{quoted(name)} contains white space")
    bare = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        pass
    else:
        raise InvalidDomain(f"{quoted(name)} is an IP address, not a domain name")
    if ":" in name:
        raise InvalidDomain(f"{quoted(name)} has a port or is not a host name: give the bare name")


def _to_ascii(name: str) -> str:
    if name.isascii():
        for label in name.split("."):
            if label.startswith("xn--"):
                _check_punycode(label)
        return name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise InvalidDomain(f"{quoted(name)} is not a valid internationalised name: {exc}") from exc


def _check_punycode(label: str) -> None:
    try:
        idna.decode(label)
    except idna.IDNAError as exc:
        raise InvalidDomain(f"label {quoted(label)} is not valid punycode: {exc}") from exc


def _check_labels(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidDomain(f"name is {len(name)} characters long; at most 253 are allowed")
    labels = name.split(".")
    if any(label == "" for label in labels):
        raise InvalidDomain(f"{quoted(name)} has an empty label")
    if len(labels) < 2:
        raise InvalidDomain(f"{quoted(name)} is a single label: give a full domain name")
    for label in labels:
        if len(label) > MAX_LABEL_LENGTH:
            raise InvalidDomain(f"label {label[:20]!r}... is longer than 63 characters")
        if label.startswith("-") or label.endswith("-"):
            raise InvalidDomain(f"label {quoted(label)} starts or ends with a hyphen")
        if not _LDH_LABEL.match(label):
            raise InvalidDomain(f"label {quoted(label)} has characters not allowed in a host name")
    if labels[-1].isdigit():
        raise InvalidDomain(
            f"{quoted(name)} ends in a numeric label: an address, not a domain name"
        )


def read_domain_list(lines: Iterable[str]) -> Iterator[tuple[int, str | InvalidDomain]]:
    """Yield (line number, domain or InvalidDomain) for each line that names a domain.

    Blank lines and comments (from `#` to the end of the line) are skipped; the line
    numbers count every line, from 1, so a message can point at the right one.
    """
    for line_no, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            yield line_no, normalise_domain(text)
        except InvalidDomain as exc:
            yield line_no, exc
