"""The public catalogue API at /api/v1/catalogue/."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from django.test import Client
from trestle.oscal.catalog import Catalog

from accord.catalogue.models import CatalogueVersion

pytestmark = pytest.mark.django_db

API = "/api/v1/catalogue"


def get(client: Client, path: str, status: int = 200, **params: Any) -> Any:
    response = client.get(f"{API}{path}", params)
    assert response.status_code == status, response.content[:500]
    return response.json()


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_summary(client: Client, mini_catalogue: CatalogueVersion) -> None:
    assert get(client, "/") == {
        "version": "1.0.0",
        "released_on": "2026-01-15",
        "frameworks": 2,
        "norms": 4,
        "practices": 3,
        "automated": 1,
        "profiles": 2,
    }


def test_not_loaded(client: Client, db: None) -> None:
    assert "accord init" in get(client, "/", 404)["detail"]
    assert "accord init" in get(client, "/export", 404)["detail"]
    assert get(client, "/practices")["count"] == 0


def test_frameworks(client: Client, mini_catalogue: CatalogueVersion) -> None:
    frameworks = get(client, "/frameworks")
    assert [f["id"] for f in frameworks] == ["gge", "tech-accord"]
    gge = frameworks[0]
    assert gge["source"] == {"title": "A/70/174", "url": "https://undocs.org/A/70/174"}
    assert gge["norms"][0] == {
        "id": "13j",
        "qualified_id": "gge:13j",
        "reference": "para. 13(j)",
        "title": "Report ICT vulnerabilities",
        "summary": "Encourage responsible reporting of vulnerabilities and share remedies.",
        "private_sector_actionable": True,
        "actionability": "Vendors receive reports and publish fixes.",
        "practice_count": 2,
    }


def test_framework(client: Client, mini_catalogue: CatalogueVersion) -> None:
    framework = get(client, "/frameworks/gge")
    assert framework["title"].startswith("Report of the UN Group")
    norms = {n["id"]: n["practices"] for n in framework["norms"]}
    assert norms == {"13j": ["cvd.security-txt", "cvd.policy"], "13i": ["sc.sbom"]}


def test_unknown_ids_are_404_with_detail(client: Client, mini_catalogue: CatalogueVersion) -> None:
    assert get(client, "/frameworks/nato", 404) == {"detail": "No framework with id 'nato'."}
    assert get(client, "/practices/cvd.nope", 404) == {"detail": "No practice with id 'cvd.nope'."}
    assert get(client, "/profiles/expert", 404) == {"detail": "No profile with id 'expert'."}


def test_practices_page(client: Client, mini_catalogue: CatalogueVersion) -> None:
    page = get(client, "/practices")
    assert (page["count"], page["limit"], page["offset"]) == (3, 50, 0)
    assert page["items"][0] == {
        "id": "cvd.security-txt",
        "area": "cvd",
        "title": "Publish a security.txt file",
        "statement": (
            "Publish /.well-known/security.txt with a contact, an expiry and a policy link."
        ),
        "verification": "automated:security-txt",
        "level": "baseline",
        "norms": ["gge:13j", "tech-accord:1"],
    }
    second = get(client, "/practices", limit=1, offset=1)
    assert (second["count"], ids(second)) == (3, ["cvd.policy"])
    assert get(client, "/practices", offset=10)["items"] == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"area": "supply-chain"}, ["sc.sbom"]),
        ({"level": "advanced"}, ["sc.sbom"]),
        ({"verification": "document"}, ["cvd.policy"]),
        ({"framework": "tech-accord"}, ["cvd.security-txt"]),
        ({"norm": "gge:13j"}, ["cvd.security-txt", "cvd.policy"]),
        ({"q": "policy"}, ["cvd.policy", "cvd.security-txt"]),
        (
            {"q": "policy", "level": "baseline", "norm": "gge:13j"},
            ["cvd.policy", "cvd.security-txt"],
        ),
        ({"q": "   "}, ["cvd.security-txt", "cvd.policy", "sc.sbom"]),
        ({"area": "nowhere"}, []),
    ],
)
def test_practice_filters(
    client: Client, mini_catalogue: CatalogueVersion, params: dict[str, str], expected: list[str]
) -> None:
    page = get(client, "/practices", **params)
    assert ids(page) == expected
    assert page["count"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
        {"offset": -1},
        {"level": "expert"},
        {"verification": "automated:security-txt"},
        {"norm": "13j"},
        {"q": "x" * 201},
    ],
)
def test_bad_query_values_are_422(
    client: Client, mini_catalogue: CatalogueVersion, params: dict[str, Any]
) -> None:
    assert get(client, "/practices", 422, **params)["detail"] == "Invalid request."


def test_limit_200_is_allowed(client: Client, mini_catalogue: CatalogueVersion) -> None:
    assert get(client, "/practices", limit=200)["limit"] == 200


def test_practice(client: Client, mini_catalogue: CatalogueVersion) -> None:
    practice = get(client, "/practices/cvd.policy")
    assert practice["rationale"] == "A policy tells finders what to expect and that they are safe."
    assert practice["evidence"] == "The policy document, ISO/IEC 29147 aligned."
    assert practice["references"] == [{"standard": "ISO/IEC 29147", "section": "5.2", "url": None}]
    assert practice["mappings"] == [
        {
            "framework": "gge",
            "norm": "13j",
            "interpretation": "A policy makes reporting predictable.",
        }
    ]
    assert practice["profiles"] == ["starter"]
    assert (practice["introduced_in"], practice["withdrawn_in"]) == ("1.0.0", None)


def test_profiles(client: Client, mini_catalogue: CatalogueVersion) -> None:
    assert get(client, "/profiles") == [
        {
            "id": "starter",
            "title": "Starter",
            "description": "The first steps for any organisation.",
            "practices": ["cvd.security-txt", "cvd.policy"],
        },
        {
            "id": "supplier",
            "title": "Supplier",
            "description": "For organisations that sell software.",
            "practices": ["cvd.security-txt", "sc.sbom"],
        },
    ]
    assert get(client, "/profiles/supplier")["practices"] == ["cvd.security-txt", "sc.sbom"]


class TestExport:
    def test_json(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        response = client.get(f"{API}/export")
        assert response["Content-Type"] == "application/json; charset=utf-8"
        assert [p["id"] for p in response.json()["practices"]] == [
            "cvd.security-txt",
            "cvd.policy",
            "sc.sbom",
        ]

    def test_yaml(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        response = client.get(f"{API}/export", {"format": "yaml"})
        assert response["Content-Type"] == "application/yaml; charset=utf-8"
        assert yaml.safe_load(response.content)["version"] == "1.0.0"

    def test_oscal(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        response = client.get(f"{API}/export", {"format": "oscal"})
        assert 'filename="catalogue.oscal.json"' in response["Content-Disposition"]
        catalog = Catalog.model_validate(json.loads(response.content)["catalog"])
        assert catalog.metadata.version == "1.0.0"

    def test_unknown_format_is_422(self, client: Client, mini_catalogue: CatalogueVersion) -> None:
        assert client.get(f"{API}/export", {"format": "xml"}).status_code == 422


def test_openapi_documents_every_route_and_schema(client: Client, db: None) -> None:
    document = client.get("/api/v1/openapi.json").json()
    paths = {p for p in document["paths"] if p.startswith(f"{API}/")}
    assert paths == {
        f"{API}/",
        f"{API}/frameworks",
        f"{API}/frameworks/{{framework_id}}",
        f"{API}/practices",
        f"{API}/practices/{{practice_id}}",
        f"{API}/profiles",
        f"{API}/profiles/{{profile_id}}",
        f"{API}/export",
    }
    practice = document["paths"][f"{API}/practices/{{practice_id}}"]["get"]
    assert {"200", "404"} <= set(practice["responses"])
    schemas = document["components"]["schemas"]
    assert {"PracticeDetailOut", "PracticePage", "FrameworkDetailOut", "ProfileOut"} <= set(schemas)
    parameters = {p["name"] for p in document["paths"][f"{API}/practices"]["get"]["parameters"]}
    assert parameters == {
        "area",
        "level",
        "verification",
        "framework",
        "norm",
        "q",
        "limit",
        "offset",
    }
    export = document["paths"][f"{API}/export"]["get"]
    assert {"application/json", "application/yaml"} <= set(export["responses"]["200"]["content"])


def test_the_summary_is_documented_with_its_own_schema(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    content = document["paths"][f"{API}/"]["get"]["responses"]["200"]["content"]
    name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    documented = document["components"]["schemas"][name]
    assert set(documented["properties"]) == set(get(client, "/"))


def test_the_yaml_export_is_documented_as_yaml(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    document = client.get("/api/v1/openapi.json").json()
    answer = document["paths"][f"{API}/export"]["get"]["responses"]["200"]
    # A YAML reader gets the same document as the JSON export: an object, not a string.
    assert answer["content"]["application/yaml"]["schema"] == {"type": "object"}
    assert "`format=yaml`" in answer["description"]
    response = client.get(f"{API}/export", {"format": "yaml"})
    assert response["Content-Type"].split(";")[0] in answer["content"]
    assert isinstance(yaml.safe_load(response.content), dict)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"offset": "9223372036854775808"}, "offset"),
        ({"offset": "100001"}, "offset"),
        ({"limit": "9223372036854775808"}, "limit"),
        ({"area": "a" * 101}, "area"),
        ({"framework": "f" * 101}, "framework"),
    ],
)
def test_an_out_of_range_value_is_a_422_naming_it(
    client: Client, mini_catalogue: CatalogueVersion, params: dict[str, str], field: str
) -> None:
    assert get(client, "/practices", 422, **params)["field"] == field


def test_the_largest_offset_is_an_empty_page(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    assert get(client, "/practices", offset="100000")["items"] == []


def test_an_over_long_id_is_a_422_naming_it(
    client: Client, mini_catalogue: CatalogueVersion
) -> None:
    response = client.get(f"{API}/practices/{'x' * 101}")
    assert response.status_code == 422
    assert response.json()["field"] == "practice_id"
