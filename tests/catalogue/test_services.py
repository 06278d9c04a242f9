"""Loading the catalogue: upserts by id, withdrawal, idempotence, one audit event per load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.forms.models import model_to_dict

from accord.audit.models import Event
from accord.catalogue.exceptions import CatalogueInvalid
from accord.catalogue.models import (
    Area,
    CatalogueVersion,
    Framework,
    Mapping,
    Norm,
    Practice,
    Profile,
)
from accord.catalogue.services import load_catalogue
from tests.catalogue.factories import (
    CATALOGUE_YAML,
    CVD_YAML,
    GGE_YAML,
    PROFILES_YAML,
    write_catalogue,
)

pytestmark = pytest.mark.django_db

# cvd.policy is lines 18-30 of CVD_YAML; version 1.1.0 drops it and adds cvd.triage.
WITHOUT_POLICY = CVD_YAML.split("  - id: cvd.policy")[0]
CHANGES_1_1 = """\
  - version: "1.1.0"
    date: 2026-03-01
    changes:
      - Dropped cvd.policy.
"""
TRIAGE = """\
  - id: cvd.triage
    title: Triage reports within five working days
    statement: Acknowledge and triage every report within five working days.
    rationale: Finders give up when nobody answers.
    verification: attestation
    evidence: The date of receipt and first answer of the last ten reports.
    level: advanced
    mappings:
      - norm: gge:13j
        interpretation: Prompt triage is part of responsible handling.
"""


def version_1_1(root: Path) -> Path:
    return write_catalogue(
        root,
        {
            "catalogue.yaml": CATALOGUE_YAML.replace('"1.0.0"\nreleased_on', '"1.1.0"\nreleased_on')
            + CHANGES_1_1,
            "practices/cvd.yaml": WITHOUT_POLICY + TRIAGE,
            "profiles.yaml": PROFILES_YAML.replace("      - cvd.policy\n", ""),
        },
    )


def load_events() -> list[Event]:
    return list(Event.objects.filter(tag="catalogue:version:load").order_by("seq"))


def snapshot() -> dict[str, Any]:
    models: list[Any] = [CatalogueVersion, Framework, Norm, Area, Practice, Mapping, Profile]
    return {
        model.__name__: sorted(
            (repr(sorted(model_to_dict(row).items())) for row in model.objects.all()), key=str
        )
        for model in models
    }


def test_loading_creates_every_row(mini_catalogue: CatalogueVersion) -> None:
    assert mini_catalogue.version == "1.0.0"
    assert mini_catalogue.is_current
    assert str(mini_catalogue.released_on) == "2026-01-15"
    assert mini_catalogue.changes == ["First version of the mini catalogue."]
    assert len(mini_catalogue.digest) == 64
    assert Framework.objects.count() == 2
    assert Norm.objects.count() == 4
    assert list(Area.objects.values_list("slug", flat=True)) == ["cvd", "supply-chain"]
    assert list(Practice.objects.values_list("slug", flat=True)) == [
        "cvd.security-txt",
        "cvd.policy",
        "sc.sbom",
    ]
    assert Mapping.objects.count() == 4
    assert set(Practice.objects.values_list("introduced_in", flat=True)) == {"1.0.0"}
    starter = Profile.objects.get(slug="starter")
    assert set(starter.practices.values_list("slug", flat=True)) == {
        "cvd.security-txt",
        "cvd.policy",
    }


def test_practice_fields_come_from_the_yaml(mini_catalogue: CatalogueVersion) -> None:
    practice = Practice.objects.get(slug="cvd.security-txt")
    assert practice.verification == "automated"
    assert practice.check_id == "security-txt"
    assert practice.verification_method == "automated:security-txt"
    assert practice.references == [
        {"standard": "RFC 9116", "url": "https://www.rfc-editor.org/rfc/rfc9116"}
    ]
    mapping = practice.mappings.get(norm__key="13j")
    assert mapping.interpretation.startswith("A published contact")
    assert (
        Norm.objects.get(framework__slug="tech-accord", key="2").private_sector_actionable is False
    )


def test_a_load_is_audited_with_its_counts(mini_catalogue: CatalogueVersion) -> None:
    (event,) = load_events()
    assert event.object_id == str(mini_catalogue.pk)
    assert event.actor_label == "system"
    assert event.data["version"] == "1.0.0"
    assert event.data["digest"] == mini_catalogue.digest
    assert {k: event.data[k] for k in ("frameworks", "norms", "areas", "practices")} == {
        "frameworks": 2,
        "norms": 4,
        "areas": 2,
        "practices": 3,
    }
    assert event.data["automated"] == 1
    assert event.data["mappings"] == 4
    assert event.data["profiles"] == 2
    assert event.data["introduced"] == ["cvd.policy", "cvd.security-txt", "sc.sbom"]


def test_the_actor_is_recorded(mini_path: Path, make_user: Any) -> None:
    admin = make_user("secretariat@accord.example")
    load_catalogue(path=mini_path, actor=admin)
    assert load_events()[0].actor_label == "secretariat@accord.example"


def test_loading_the_same_files_again_changes_nothing(
    mini_path: Path, mini_catalogue: CatalogueVersion, django_assert_max_num_queries: Any
) -> None:
    before = snapshot()
    with django_assert_max_num_queries(3):
        again = load_catalogue(path=mini_path)
    assert again.pk == mini_catalogue.pk
    assert snapshot() == before
    assert len(load_events()) == 1


def test_an_identical_copy_elsewhere_is_the_same_catalogue(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    load_catalogue(path=write_catalogue(tmp_path / "copy"))
    assert len(load_events()) == 1


def test_edited_files_under_the_same_version_are_loaded_and_audited(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    edited = GGE_YAML.replace("title: Report ICT vulnerabilities", "title: Report vulnerabilities")
    version = load_catalogue(
        path=write_catalogue(tmp_path / "edited", {"frameworks/gge.yaml": edited})
    )
    assert version.pk == mini_catalogue.pk
    assert version.digest != mini_catalogue.digest
    assert Norm.objects.get(key="13j").title == "Report vulnerabilities"
    assert len(load_events()) == 2
    assert CatalogueVersion.objects.count() == 1


def test_a_dropped_practice_is_withdrawn_not_deleted(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    version = load_catalogue(path=version_1_1(tmp_path / "v11"))
    policy = Practice.objects.get(slug="cvd.policy")
    assert policy.withdrawn_in == "1.1.0"
    assert policy.introduced_in == "1.0.0"
    assert policy.mappings.count() == 1  # kept, as it was when withdrawn
    assert not policy.profiles.exists()
    assert list(Practice.objects.current().values_list("slug", flat=True)) == [
        "cvd.security-txt",
        "cvd.triage",
        "sc.sbom",
    ]
    assert Practice.objects.get(slug="cvd.triage").introduced_in == "1.1.0"
    assert Practice.objects.get(slug="cvd.security-txt").introduced_in == "1.0.0"
    assert version.changes == ["Dropped cvd.policy."]
    assert [e["version"] for e in version.changelog] == ["1.0.0", "1.1.0"]
    event = load_events()[-1]
    assert (event.data["introduced"], event.data["withdrawn"]) == (["cvd.triage"], ["cvd.policy"])


def test_only_the_newest_load_is_current(tmp_path: Path, mini_catalogue: CatalogueVersion) -> None:
    load_catalogue(path=version_1_1(tmp_path / "v11"))
    assert list(
        CatalogueVersion.objects.filter(is_current=True).values_list("version", flat=True)
    ) == ["1.1.0"]
    assert CatalogueVersion.objects.count() == 2


def test_a_practice_that_comes_back_is_reinstated(
    tmp_path: Path, mini_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    load_catalogue(path=version_1_1(tmp_path / "v11"))
    v12 = write_catalogue(
        tmp_path / "v12",
        {"catalogue.yaml": CATALOGUE_YAML.replace('"1.0.0"\nreleased_on', '"1.2.0"\nreleased_on')},
    )
    load_catalogue(path=v12)
    policy = Practice.objects.get(slug="cvd.policy")
    assert policy.withdrawn_in is None
    assert policy.introduced_in == "1.0.0"
    assert Practice.objects.get(slug="cvd.triage").withdrawn_in == "1.2.0"
    assert load_events()[-1].data["reinstated"] == ["cvd.policy"]


def test_a_dropped_norm_takes_its_mappings_with_it(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    without_13i = GGE_YAML.split("  - id: 13i")[0]
    root = write_catalogue(
        tmp_path / "v",
        {
            "frameworks/gge.yaml": without_13i,
            "practices/supply-chain.yaml": None,
            "profiles.yaml": PROFILES_YAML.replace("      - sc.sbom\n", ""),
        },
    )
    load_catalogue(path=root)
    assert not Norm.objects.filter(key="13i").exists()
    assert Practice.objects.get(slug="sc.sbom").withdrawn_in == "1.0.0"
    assert not Mapping.objects.filter(practice__slug="sc.sbom").exists()


def test_an_invalid_catalogue_loads_nothing(tmp_path: Path) -> None:
    root = write_catalogue(
        tmp_path / "bad",
        {"practices/cvd.yaml": CVD_YAML.replace("automated:security-txt", "automated:x")},
    )
    with pytest.raises(CatalogueInvalid) as raised:
        load_catalogue(path=root)
    assert [p.line for p in raised.value.problems] == [7]
    assert not CatalogueVersion.objects.exists()
    assert not Practice.objects.exists()
    assert not load_events()


def test_an_invalid_update_keeps_the_current_version(
    tmp_path: Path, mini_catalogue: CatalogueVersion
) -> None:
    before = snapshot()
    root = write_catalogue(
        tmp_path / "bad", {"profiles.yaml": PROFILES_YAML.replace("sc.sbom", "sc.x")}
    )
    with pytest.raises(CatalogueInvalid):
        load_catalogue(path=root)
    assert snapshot() == before


def test_a_folder_without_catalogue_yaml(tmp_path: Path) -> None:
    with pytest.raises(CatalogueInvalid, match=r"no catalogue\.yaml"):
        load_catalogue(path=tmp_path)


def test_the_bundled_catalogue_loads_in_few_queries(
    db: None, django_assert_max_num_queries: Any
) -> None:
    from accord.catalogue.validation import BUNDLED

    if not (BUNDLED / "profiles.yaml").is_file():
        pytest.skip("the bundled catalogue is not written yet")
    # Bulk writes: the count does not grow with the number of practices (58 in 1.0.0).
    with django_assert_max_num_queries(60):
        version = load_catalogue()
    assert version.is_current
    assert Practice.objects.current().count() >= 50
    with django_assert_max_num_queries(3):
        assert load_catalogue().pk == version.pk
