"""Reading the catalogue: figures, getters without N+1 queries, and the practice search."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from accord.catalogue import selectors
from accord.catalogue.exceptions import SearchQueryTooLong
from accord.catalogue.models import CatalogueVersion, Practice
from accord.catalogue.services import load_catalogue
from tests.catalogue.factories import CVD_YAML, PROFILES_YAML, write_catalogue

pytestmark = pytest.mark.django_db


def slugs(practices: Any) -> list[str]:
    return [p.slug for p in practices]


def test_nothing_loaded(db: None) -> None:
    assert selectors.catalogue_summary() is None
    assert selectors.current_version() is None


def test_summary_counts_what_a_visitor_sees(mini_catalogue: CatalogueVersion) -> None:
    summary = selectors.catalogue_summary()
    assert summary is not None
    assert {k: v for k, v in summary.items() if k != "released_on"} == {
        "version": "1.0.0",
        "frameworks": 2,
        "norms": 4,
        "practices": 3,
        "automated": 1,
        "profiles": 2,
    }


def test_withdrawn_practices_are_not_counted_listed_or_found(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    without_policy = CVD_YAML.split("  - id: cvd.policy")[0]
    profiles = PROFILES_YAML.replace("      - cvd.policy\n", "")
    load_catalogue(
        path=write_catalogue(
            tmp_path / "v", {"practices/cvd.yaml": without_policy, "profiles.yaml": profiles}
        )
    )
    summary = selectors.catalogue_summary()
    assert summary is not None
    assert summary["practices"] == 2
    assert "cvd.policy" not in slugs(selectors.list_practices())
    assert slugs(selectors.search_practices("disclosure policy")) == []
    framework = selectors.get_framework("gge")
    assert framework is not None
    norm_13j = next(n for n in framework.norms.all() if n.key == "13j")
    assert [m.practice.slug for m in norm_13j.current_mappings] == ["cvd.security-txt"]
    # The practice page still answers, for commitments made before the withdrawal.
    withdrawn = selectors.get_practice("cvd.policy")
    assert withdrawn is not None
    assert withdrawn.withdrawn_in == "1.0.0"


def test_unknown_ids_give_none(mini_catalogue: CatalogueVersion) -> None:
    assert selectors.get_framework("nato") is None
    assert selectors.get_norm("gge", "99") is None
    assert selectors.get_norm("tech-accord", "13j") is None  # a norm of another framework
    assert selectors.get_practice("cvd.nope") is None
    assert selectors.get_profile("expert") is None


def test_norm_counts_its_practices(mini_catalogue: CatalogueVersion) -> None:
    frameworks = selectors.list_frameworks()
    counts = {n.qualified_id: n.practice_count for f in frameworks for n in f.norms.all()}
    assert counts == {"gge:13j": 2, "gge:13i": 1, "tech-accord:1": 1, "tech-accord:2": 0}


def test_list_practices_filters(mini_catalogue: CatalogueVersion) -> None:
    assert slugs(selectors.list_practices(area="supply-chain")) == ["sc.sbom"]
    assert slugs(selectors.list_practices(level="baseline")) == ["cvd.security-txt", "cvd.policy"]
    assert slugs(selectors.list_practices(verification="automated")) == ["cvd.security-txt"]
    assert slugs(selectors.list_practices(framework="tech-accord")) == ["cvd.security-txt"]
    assert slugs(selectors.list_practices(norm="gge:13j")) == ["cvd.security-txt", "cvd.policy"]
    assert slugs(selectors.list_practices(norm="gge:13j", query="policy")) == [
        "cvd.policy",
        "cvd.security-txt",
    ]
    assert slugs(selectors.list_practices(norm="gge:nope")) == []


class TestSearch:
    def test_finds_by_title_word(self, mini_catalogue: CatalogueVersion) -> None:
        assert slugs(selectors.search_practices("security.txt")) == ["cvd.security-txt"]

    def test_is_case_insensitive(self, mini_catalogue: CatalogueVersion) -> None:
        assert slugs(selectors.search_practices("sBoM")) == ["sc.sbom"]

    def test_terms_are_anded(self, mini_catalogue: CatalogueVersion) -> None:
        assert slugs(selectors.search_practices("policy harbour")) == ["cvd.policy"]
        assert slugs(selectors.search_practices("policy sbom")) == []

    def test_searches_ids_evidence_rationale_and_references(
        self, mini_catalogue: CatalogueVersion
    ) -> None:
        assert slugs(selectors.search_practices("sc.sbom")) == ["sc.sbom"]
        assert slugs(selectors.search_practices("cyclonedx")) == ["sc.sbom"]  # evidence
        assert slugs(selectors.search_practices("finders safe")) == ["cvd.policy"]  # rationale
        assert slugs(selectors.search_practices("rfc-editor.org")) == ["cvd.security-txt"]  # url
        assert slugs(selectors.search_practices("RFC 9116")) == ["cvd.security-txt"]  # standard

    def test_does_not_match_the_shape_of_stored_references(
        self, mini_catalogue: CatalogueVersion
    ) -> None:
        assert slugs(selectors.search_practices("standard")) == []
        assert slugs(selectors.search_practices("url")) == []

    def test_title_matches_come_first(self, mini_catalogue: CatalogueVersion) -> None:
        # cvd.security-txt comes first in the catalogue but has "policy" only in its statement.
        assert slugs(selectors.search_practices("policy")) == ["cvd.policy", "cvd.security-txt"]

    @pytest.mark.parametrize("query", ["", "   ", "\n\t"])
    def test_blank_query_finds_nothing(self, mini_catalogue: CatalogueVersion, query: str) -> None:
        assert slugs(selectors.search_practices(query)) == []

    def test_long_query_is_refused_with_a_message(self, mini_catalogue: CatalogueVersion) -> None:
        assert slugs(selectors.search_practices("a" * 200)) == []
        with pytest.raises(SearchQueryTooLong, match="at most 200 characters"):
            selectors.search_practices("a" * 201)

    def test_like_wildcards_are_literal(self, mini_catalogue: CatalogueVersion) -> None:
        assert slugs(selectors.search_practices("%")) == []
        assert slugs(selectors.search_practices("_")) == []

    def test_non_ascii_case_folding(self, mini_catalogue: CatalogueVersion) -> None:
        Practice.objects.filter(slug="sc.sbom").update(
            title="Stückliste liefern", search_text="sc.sbom\nstückliste liefern"
        )
        assert slugs(selectors.search_practices("STÜCKLISTE")) == ["sc.sbom"]


class TestNoNPlusOne:
    """Each getter costs a fixed number of queries, however big the catalogue."""

    def test_frameworks(self, catalogue: CatalogueVersion, django_assert_num_queries: Any) -> None:
        with django_assert_num_queries(2):
            frameworks = selectors.list_frameworks()
            assert sum(n.practice_count for f in frameworks for n in f.norms.all()) > 0
            assert all(n.get_absolute_url() for f in frameworks for n in f.norms.all())

    def test_framework(self, catalogue: CatalogueVersion, django_assert_num_queries: Any) -> None:
        with django_assert_num_queries(3):
            framework = selectors.get_framework("un-gge-2015")
            assert framework is not None
            rows = [
                (m.practice.area.title, m.practice.get_absolute_url())
                for n in framework.norms.all()
                for m in n.current_mappings
            ]
            assert len(rows) > 10

    def test_practice(self, catalogue: CatalogueVersion, django_assert_num_queries: Any) -> None:
        with django_assert_num_queries(3):
            practice = selectors.get_practice("cvd.security-txt")
            assert practice is not None
            assert practice.area.title
            assert [m.norm.get_absolute_url() for m in practice.mappings.all()]
            assert [m.norm.framework.title for m in practice.mappings.all()]
            list(practice.profiles.all())

    def test_areas_and_profiles(
        self, catalogue: CatalogueVersion, django_assert_num_queries: Any
    ) -> None:
        with django_assert_num_queries(4):
            assert sum(len(a.current_practices) for a in selectors.list_areas()) >= 50
            profiles = selectors.list_profiles()
            assert all(p.area.title for pr in profiles for p in pr.current_practices)

    def test_practice_list(
        self, catalogue: CatalogueVersion, django_assert_num_queries: Any
    ) -> None:
        with django_assert_num_queries(2):
            practices = list(selectors.list_practices(query="disclosure"))
            assert [
                (p.area.slug, [m.norm.qualified_id for m in p.mappings.all()]) for p in practices
            ]
