"""Helpers for the application and invitation tests: the form's data, and the links
read back from the email that carried them (the outbox, as without SMTP)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from accord.accounts import services
from accord.accounts.models import Application, Organisation
from accord.notifications.models import Message

LINK = re.compile(r"https?://\S+")


def application_data(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Gamma Water",
        "domains": "gamma.example\nwww.gamma.example",
        "sector": "water",
        "country": "NL",
        "size_band": "medium",
        "contact_name": "Grace Gamma",
        "contact_email": "Grace@Gamma.Example",
    }
    return data | changes


def apply(**changes: Any) -> Application:
    data = application_data(**changes)
    data["domains"] = services.parse_domains(data["domains"])
    return services.submit_application(**data)


def emails_to(address: str, kind: str = "") -> list[Message]:
    messages = Message.objects.filter(to_address=address).order_by("created_at", "id")
    return list(messages.filter(kind=kind) if kind else messages)


def last_email(address: str, kind: str) -> Message:
    found = emails_to(address, kind)
    assert found, f"no {kind} email to {address}"
    return found[-1]


def link_in(message: Message) -> str:
    """The site path of the one link in an email."""
    [url] = LINK.findall(message.body)
    return urlsplit(url).path


def token_in(message: Message) -> str:
    """The secret part of the link: its last path segment."""
    return link_in(message).rstrip("/").rsplit("/", 1)[-1]


def invitation_link(address: str) -> str:
    return link_in(last_email(address, "accounts:invitation:create"))


def invitation_token(address: str) -> str:
    return token_in(last_email(address, "accounts:invitation:create"))


def invite(organisation: Organisation, email: str, actor: Any, role: str = "member") -> str:
    """Invite `email` and return the token from the email sent."""
    services.invite_to_organisation(organisation=organisation, email=email, role=role, actor=actor)
    return invitation_token(email)


def accept_path(token: str) -> str:
    return f"/accounts/invitations/accept/{token}/"
