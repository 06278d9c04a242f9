"""Existing domains after the upgrade that brings proof of control: none counts until
its organisation proves control, except demo organisations' fictional domains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

EVIDENCE_BEFORE = ("evidence", "0001_initial")
EVIDENCE_AFTER = ("evidence", "0004_one_verified_claim_per_name")
ADDED = datetime(2025, 5, 1, tzinfo=UTC)


def _with_every_other_app_at_its_latest(node: tuple[str, str]) -> list[tuple[str, str]]:
    # Only evidence goes back: the other apps' tables stay as the latest models expect.
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    return [node, *(leaf for leaf in leaves if leaf[0] != node[0])]


@pytest.fixture
def _back_to_the_latest_schema() -> Iterator[None]:
    # The tests after this one need every migration applied again, whatever happened.
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_back_to_the_latest_schema")
def test_existing_domains_become_unverified_and_demo_domains_demo() -> None:
    before = _with_every_other_app_at_its_latest(EVIDENCE_BEFORE)
    after = _with_every_other_app_at_its_latest(EVIDENCE_AFTER)
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    organisation = old.get_model("accounts", "Organisation")
    domain = old.get_model("evidence", "Domain")
    real = organisation.objects.create(name="Real", slug="real")
    rival = organisation.objects.create(name="Rival", slug="rival")
    demo = organisation.objects.create(name="Demo", slug="demo", is_demo=True)
    for owner, name in [(real, "real.example"), (rival, "real.example"), (demo, "demo.example")]:
        domain.objects.create(organisation=owner, name=name, added_at=ADDED)

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    new = executor.loader.project_state(after).apps.get_model("evidence", "Domain")
    rows = {(d.organisation.slug, d.name): d for d in new.objects.select_related("organisation")}
    assert {key: d.control for key, d in rows.items()} == {
        ("real", "real.example"): "unverified",
        ("rival", "real.example"): "unverified",
        ("demo", "demo.example"): "demo",
    }
    assert rows[("demo", "demo.example")].verified_at == ADDED
    assert {d.control_since for d in rows.values()} == {ADDED}
    tokens = {d.challenge_token for d in rows.values()}
    assert len(tokens) == 3  # one token per claim, not one for every row
