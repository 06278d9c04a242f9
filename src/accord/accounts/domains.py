"""Domain names as organisations register them: one normal form, and what is refused.

A registered domain is later fetched by the evidence scanner, so anything that is not
plainly a public DNS name (a URL, an address, a single label) is refused here.
"""

from __future__ import annotations

import ipaddress
import re

MAX_NAME_LENGTH = 253
MAX_LABEL_LENGTH = 63
# Generous for IDN input; anything longer cannot become a valid name.
MAX_INPUT_LENGTH = 1024

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_NOT_A_NAME = re.compile(r"[/\\:@?#%\s]")
# The dots IDNA treats as label separators (RFC 3490, section 3.1).
_IDNA_DOTS = re.compile("[\u3002\uff0e\uff61]")


class DomainNameError(ValueError):
    """The text is not a domain name an organisation can register."""


def normalise_domain(raw: str) -> str:
    """The ASCII (punycode), lower-case form of `raw` without a trailing dot."""
    name = raw.strip()
    if not name:
        raise DomainNameError("Enter a domain name, such as example.org.")
    if len(name) > MAX_INPUT_LENGTH:
        raise DomainNameError("That is too long to be a domain name.")
    _refuse_address(name)
    if _NOT_A_NAME.search(name):
        raise DomainNameError(
            "Enter a domain name only, such as example.org: not a URL, path, port or address."
        )
    name = _IDNA_DOTS.sub(".", name).lower()
    name = name.removesuffix(".")
    labels = [_ascii_label(label) for label in name.split(".")]
    if len(labels) < 2:
        raise DomainNameError("Enter a full domain name with a dot, such as example.org.")
    if labels[-1].isdigit():
        raise DomainNameError("That looks like a numeric address, not a domain name.")
    ascii_name = ".".join(labels)
    if len(ascii_name) > MAX_NAME_LENGTH:
        raise DomainNameError(f"A domain name is at most {MAX_NAME_LENGTH} characters long.")
    return ascii_name


def _refuse_address(name: str) -> None:
    try:
        ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return
    raise DomainNameError("Enter a domain name, not an IP address.")


def _ascii_label(label: str) -> str:
    if not label:
        raise DomainNameError("A domain name cannot have an empty part (two dots in a row).")
    if label.isascii():
        ascii_label = label
    else:
        try:
            ascii_label = label.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise DomainNameError(
                f"“{label[:MAX_LABEL_LENGTH]}” is not a valid part of a domain name "
                f"(each part is at most {MAX_LABEL_LENGTH} characters once encoded)."
            ) from exc
    if len(ascii_label) > MAX_LABEL_LENGTH:
        raise DomainNameError(
            f"Each part of a domain name is at most {MAX_LABEL_LENGTH} characters long."
        )
    if not _LABEL.fullmatch(ascii_label):
        raise DomainNameError(
            "A domain name may hold only letters, digits and hyphens, "
            "and no part may begin or end with a hyphen."
        )
    return ascii_label
