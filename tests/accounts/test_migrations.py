"""The data step of the sign-up migrations: accounts from before verification count as
verified, and tokens from before every token expired get the default lifetime."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0002_signup_verification_recovery_codes")]
AFTER = [("accounts", "0003_existing_accounts_verified_tokens_expire")]


@pytest.fixture
def _back_to_the_latest_schema() -> Iterator[None]:
    # The tests after this one need every migration applied again, whatever happened.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_the_latest_schema")
def test_existing_accounts_are_verified_and_old_tokens_get_an_expiry(settings: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    joined = timezone.now() - timedelta(days=400)
    user = old.get_model("accounts", "User").objects.create(
        email="old@example.org", date_joined=joined
    )
    organisation = old.get_model("accounts", "Organisation").objects.create(name="Old", slug="old")
    token = old.get_model("accounts", "ApiToken").objects.create(
        user=user, organisation=organisation, name="ci", prefix="acc_old", digest="0" * 64
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    before = timezone.now()
    executor.migrate(AFTER)
    after = timezone.now()
    new = executor.loader.project_state(AFTER).apps
    user = new.get_model("accounts", "User").objects.get(pk=user.pk)
    assert user.email_verified_at == joined
    token = new.get_model("accounts", "ApiToken").objects.get(pk=token.pk)
    lifetime = timedelta(days=settings.ACCORD_TOKEN_DEFAULT_DAYS)
    assert before + lifetime <= token.expires_at <= after + lifetime
