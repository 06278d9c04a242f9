"""`{% can %}`: templates ask `has_perm`, as a builtin every template has."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory

from accord.accounts.models import Organisation, User


def render(source: str, user: Any, **context: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template(source).render(Context({"request": request, **context})).strip()


def test_a_permission_without_an_object(secretariat: User, alice: User) -> None:
    source = '{% can "commitments:document:review" as may %}{{ may }}'
    assert render(source, secretariat) == "True"
    assert render(source, alice) == "False"
    assert render(source, AnonymousUser()) == "False"


def test_a_permission_on_an_object(alice: User, bob: User, org_a: Organisation) -> None:
    source = '{% can "accounts:organisation:manage" org as may %}{{ may }}'
    assert render(source, alice, org=org_a) == "True"
    assert render(source, bob, org=org_a) == "False"


def test_a_name_that_is_no_permission_is_refused(secretariat: User) -> None:
    assert render('{% can "accounts:everything:do" as may %}{{ may }}', secretariat) == "False"
