"""The OpenAPI document at /api/v1/openapi.json names every answer an operation gives."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import pytest
from django.test import Client
from pydantic import BaseModel

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token

pytestmark = pytest.mark.django_db

ROUTERS = ["accounts", "catalogue", "commitments", "evidence", "figures"]


@pytest.fixture
def document(client: Client) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json()


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]


def schema_classes(module: str) -> list[type[BaseModel]]:
    found = importlib.import_module(f"accord.{module}.api")
    return [
        value
        for value in vars(found).values()
        if inspect.isclass(value)
        and issubclass(value, BaseModel)
        and value.__module__ == found.__name__
    ]


def test_no_two_schemas_share_a_name() -> None:
    # The document keys its schemas by class name: a second class of the same name
    # silently took the first one's place (the catalogue's summary was documented with
    # the adoption summary's fields).
    names = [cls.__name__ for module in ROUTERS for cls in schema_classes(module)]
    assert sorted(names) == sorted(set(names))


def test_an_operation_that_takes_values_documents_the_422_for_bad_ones(
    document: dict[str, Any],
) -> None:
    for label, operation in operations(document):
        if operation.get("parameters") or operation.get("requestBody"):
            schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
            refs = {one["$ref"].rsplit("/", 1)[1] for one in schema["anyOf"]}
            assert refs == {"ErrorOut", "InvalidRequestOut"}, label


def test_an_operation_with_a_body_documents_the_400_for_one_it_cannot_read(
    document: dict[str, Any],
) -> None:
    with_body = [(label, op) for label, op in operations(document) if "requestBody" in op]
    assert len(with_body) >= 3  # never vacuous: the commitments routes have bodies
    for label, operation in with_body:
        assert "400" in operation["responses"], label


def test_every_token_route_documents_401_and_403(document: dict[str, Any]) -> None:
    token_routes = [(label, op) for label, op in operations(document) if op.get("security")]
    assert len(token_routes) >= 9  # never vacuous: accounts, evidence, commitments, cvd
    for label, operation in token_routes:
        assert {"401", "403"} <= set(operation["responses"]), label


def test_a_body_that_is_not_json_is_a_400(client: Client, alice: User, org_a: Organisation) -> None:
    _, secret = create_api_token(user=alice, organisation=org_a, name="ci")
    response = client.post(
        "/api/v1/commitments/",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_a_value_that_does_not_fit_is_a_422_naming_its_field(client: Client) -> None:
    response = client.get("/api/v1/catalogue/export", {"format": "xml"})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "format"
    assert body["errors"][0]["loc"] == ["query", "format"]
