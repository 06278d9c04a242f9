"""Fixtures for accounts tests: a secretariat admin, a member of two organisations, a token."""

from __future__ import annotations

from typing import Any

import pytest

from accord.accounts import services
from accord.accounts.models import ApiToken, Membership, Organisation, User


@pytest.fixture
def secretariat(make_user: Any) -> User:
    return make_user("sec@accord.example", instance_role=User.InstanceRole.SECRETARIAT)


@pytest.fixture
def carol(make_user: Any, org_a: Organisation, org_b: Organisation) -> User:
    """Plain member of both Alpha and Beta."""
    user = make_user("carol@both.example")
    Membership.objects.create(user=user, organisation=org_a, role=Membership.Role.MEMBER)
    Membership.objects.create(user=user, organisation=org_b, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def alice_token(alice: User, org_a: Organisation) -> tuple[ApiToken, str]:
    return services.create_api_token(user=alice, organisation=org_a, name="ci")
