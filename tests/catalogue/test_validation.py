"""`accord catalogue validate`: each problem named with its file and line, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.catalogue.exceptions import CatalogueInvalid
from accord.catalogue.parsing import Problem
from accord.catalogue.validation import (
    BUNDLED,
    parse_catalogue,
    read_catalogue,
    validate_catalogue,
)
from tests.catalogue.factories import (
    AREAS_YAML,
    CATALOGUE_YAML,
    CVD_YAML,
    GGE_YAML,
    PROFILES_YAML,
    SUPPLY_CHAIN_YAML,
    TECH_ACCORD_YAML,
    write_catalogue,
)

needs_bundled = pytest.mark.skipif(
    not (BUNDLED / "profiles.yaml").is_file(), reason="the bundled catalogue is not written yet"
)


def problems_with(tmp_path: Path, changes: dict[str, str | None]) -> list[Problem]:
    return validate_catalogue(write_catalogue(tmp_path / "catalogue", changes))


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_the_mini_catalogue_is_valid(mini_path: Path) -> None:
    assert validate_catalogue(mini_path) == []


def test_a_problem_reads_file_line_message() -> None:
    problem = Problem("data/practices/cvd.yaml", 7, "unknown check id 'x'")
    assert str(problem) == "data/practices/cvd.yaml:7: unknown check id 'x'"


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("title: Publish a security.txt file", "title: Publish: a: file")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.file.endswith("practices/cvd.yaml")
    assert problem.line == 4
    assert "YAML syntax error" in problem.message


def test_unclosed_bracket_is_reported_where_the_parser_gave_up(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("  - id: cvd.policy", "  - id: [cvd.policy")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.file.endswith("practices/cvd.yaml")
    assert "YAML syntax error" in problem.message
    assert 18 <= problem.line <= 20


def test_yaml_nested_2000_deep_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    deep = CVD_YAML + "extra: " + "[" * 2_000 + "]" * 2_000 + "\n"
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": deep}))
    assert problem.file.endswith("practices/cvd.yaml")
    assert problem.message == "the document is nested more than 32 levels deep"
    assert problem.line == CVD_YAML.count("\n") + 1


def test_a_lone_yaml_alias_bomb_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for level in "bcdefghij":
        lines.append(f"{level}: &{level} [" + ", ".join([f"*{chr(ord(level) - 1)}"] * 9) + "]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problem = only(validate_catalogue(bomb))
    assert "more than 1,000,000 values" in problem.message


def test_duplicate_practice_id_names_both_places(tmp_path: Path) -> None:
    duplicate = SUPPLY_CHAIN_YAML.replace("id: sc.sbom", "id: cvd.policy")
    problems = problems_with(
        tmp_path,
        {
            "practices/supply-chain.yaml": duplicate,
            "profiles.yaml": PROFILES_YAML.replace("sc.sbom", "cvd.policy"),
        },
    )
    problem = only([p for p in problems if "duplicate" in p.message])
    assert problem.file.endswith("practices/supply-chain.yaml")
    assert problem.line == 3
    assert "duplicate practice id 'cvd.policy'" in problem.message
    assert "practices/cvd.yaml:18" in problem.message


def test_mapping_to_unknown_norm(tmp_path: Path) -> None:
    broken = CVD_YAML.replace(
        "norm: gge:13j\n        interpretation: A policy",
        "norm: gge:13z\n        interpretation: A policy",
    )
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert (Path(problem.file).name, problem.line) == ("cvd.yaml", 29)
    assert "unknown norm 'gge:13z'" in problem.message
    assert "cvd.policy" in problem.message


def test_mapping_to_unknown_framework_lists_the_known_ones(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("norm: tech-accord:1", "norm: nato:1")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 16
    assert "unknown framework 'nato'" in problem.message
    assert "gge, tech-accord" in problem.message


def test_malformed_norm_reference(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("norm: tech-accord:1", "norm: tech-accord")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 16
    assert "<framework-id>:<norm-id>" in problem.message


def test_mapping_the_same_norm_twice(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("norm: tech-accord:1", "norm: gge:13j")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 16
    assert "twice" in problem.message


def test_unknown_check_id_lists_the_known_ones(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("automated:security-txt", "automated:security-text")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 7
    assert "unknown check id 'security-text'" in problem.message
    assert "security-txt-signed" in problem.message


def test_bad_verification_value(tmp_path: Path) -> None:
    broken = CVD_YAML.replace("verification: document", "verification: manual")
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 22
    assert "'automated:<check-id>', 'document' or 'attestation'" in problem.message


def test_bad_level(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace("level: advanced", "level: expert")
    problem = only(problems_with(tmp_path, {"practices/supply-chain.yaml": broken}))
    assert problem.line == 9
    assert "baseline, advanced" in problem.message


def test_profile_naming_an_unknown_practice(tmp_path: Path) -> None:
    broken = PROFILES_YAML.replace("      - cvd.policy", "      - cvd.polcy")
    problem = only(problems_with(tmp_path, {"profiles.yaml": broken}))
    assert (Path(problem.file).name, problem.line) == ("profiles.yaml", 7)
    assert "unknown practice 'cvd.polcy'" in problem.message


@pytest.mark.parametrize("version", ['"1.0"', "1.0", "v1.0.0", '"01.0.0"', '"1.0.0-"'])
def test_invalid_semantic_version(tmp_path: Path, version: str) -> None:
    broken = CATALOGUE_YAML.replace(
        'version: "1.0.0"\nreleased_on', f"version: {version}\nreleased_on"
    )
    problem = only(problems_with(tmp_path, {"catalogue.yaml": broken}))
    assert (Path(problem.file).name, problem.line) == ("catalogue.yaml", 1)
    assert "not a semantic version" in problem.message


@pytest.mark.parametrize("version", ["1.0.0", "2.10.3-rc.1", "1.0.0+build.5"])
def test_valid_semantic_versions(tmp_path: Path, version: str) -> None:
    text = CATALOGUE_YAML.replace(
        'version: "1.0.0"\nreleased_on', f'version: "{version}"\nreleased_on'
    )
    assert problems_with(tmp_path, {"catalogue.yaml": text}) == []


def test_unknown_area(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace("area: supply-chain", "area: supply")
    problem = only(problems_with(tmp_path, {"practices/supply-chain.yaml": broken}))
    assert problem.line == 1
    assert "unknown area 'supply'" in problem.message
    assert "cvd, supply-chain" in problem.message


def test_duplicate_norm_id(tmp_path: Path) -> None:
    broken = TECH_ACCORD_YAML.replace('- id: "2"', '- id: "1"')
    problem = only(problems_with(tmp_path, {"frameworks/tech-accord.yaml": broken}))
    assert (Path(problem.file).name, problem.line) == ("tech-accord.yaml", 17)
    assert "duplicate norm id in 'tech-accord' '1'" in problem.message


def test_missing_required_field_is_reported_at_its_practice(tmp_path: Path) -> None:
    broken = CVD_YAML.replace(
        "    rationale: A policy tells finders what to expect and that they are safe.\n", ""
    )
    problem = only(problems_with(tmp_path, {"practices/cvd.yaml": broken}))
    assert problem.line == 18
    assert problem.message == "practice 'cvd.policy' is missing 'rationale'"


def test_empty_required_field(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace("title: Provide an SBOM to customers", 'title: "  "')
    problem = only(problems_with(tmp_path, {"practices/supply-chain.yaml": broken}))
    assert problem.line == 4
    assert "'title' must not be empty" in problem.message


def test_ill_typed_fields(tmp_path: Path) -> None:
    broken = GGE_YAML.replace("year: 2015", "year: recently").replace(
        "private_sector_actionable: true\n    actionability",
        "private_sector_actionable: often\n    actionability",
    )
    problems = problems_with(tmp_path, {"frameworks/gge.yaml": broken})
    assert [(p.line, p.message) for p in problems] == [
        (5, "framework 'gge': 'year' must be a whole number from 0 to 32767"),
        (16, "norm 'gge:13j': 'private_sector_actionable' must be true or false"),
    ]


def test_text_that_yaml_reads_as_something_else_must_be_quoted(tmp_path: Path) -> None:
    broken = AREAS_YAML.replace("title: Supply chain", "title: yes")
    problem = only(problems_with(tmp_path, {"areas.yaml": broken}))
    assert problem.line == 6
    assert "must be text (put it in quotes)" in problem.message


def test_misspelt_field_is_reported(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace("    evidence:", "    evidense:")
    problems = problems_with(tmp_path, {"practices/supply-chain.yaml": broken})
    assert [(p.line, p.message) for p in problems] == [
        (3, "practice 'sc.sbom' is missing 'evidence'"),
        (8, "practice: unknown field 'evidense'"),
    ]


def test_field_given_twice(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace(
        "    level: advanced\n", "    level: advanced\n    level: baseline\n"
    )
    problem = only(problems_with(tmp_path, {"practices/supply-chain.yaml": broken}))
    assert problem.line == 10
    assert "'level' is given twice" in problem.message


def test_python_tags_are_refused_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    broken = SUPPLY_CHAIN_YAML.replace(
        "title: Provide an SBOM to customers",
        f'title: !!python/object/apply:os.system ["touch {marker}"]',
    )
    problem = only(problems_with(tmp_path, {"practices/supply-chain.yaml": broken}))
    assert problem.line == 4
    assert "'title' must be text" in problem.message
    assert not marker.exists()


def test_missing_required_files(tmp_path: Path) -> None:
    problems = problems_with(tmp_path, {"areas.yaml": None})
    # Only the missing file: not also every practice file whose area is now unknown.
    assert [(Path(p.file).name, p.message) for p in problems] == [
        ("areas.yaml", "required file is missing")
    ]


def test_empty_file(tmp_path: Path) -> None:
    problems = problems_with(tmp_path, {"profiles.yaml": "# nothing yet\n"})
    assert [(Path(p.file).name, p.line, p.message) for p in problems] == [
        ("profiles.yaml", 1, "file is empty")
    ]


def test_problems_come_sorted_by_file_and_line(tmp_path: Path) -> None:
    problems = problems_with(
        tmp_path,
        {
            "practices/cvd.yaml": CVD_YAML.replace("automated:security-txt", "automated:x").replace(
                "verification: document", "verification: manual"
            ),
            "catalogue.yaml": CATALOGUE_YAML.replace('"1.0.0"\nreleased_on', '"one"\nreleased_on'),
        },
    )
    assert [(Path(p.file).name, p.line) for p in problems] == [
        ("catalogue.yaml", 1),
        ("cvd.yaml", 7),
        ("cvd.yaml", 22),
    ]


def test_a_file_inside_a_catalogue_checks_the_whole_catalogue(tmp_path: Path) -> None:
    root = write_catalogue(
        tmp_path / "catalogue", {"profiles.yaml": PROFILES_YAML.replace("sc.sbom", "sc.nope")}
    )
    problem = only(validate_catalogue(root / "practices" / "cvd.yaml"))
    assert Path(problem.file).name == "profiles.yaml"


def test_a_folder_that_is_no_catalogue(tmp_path: Path) -> None:
    problem = only(validate_catalogue(tmp_path))
    assert "no catalogue.yaml" in problem.message


def test_parse_keeps_ids_and_sections_as_written(mini_path: Path) -> None:
    catalogue = parse_catalogue(mini_path)
    tech_accord = next(f for f in catalogue.frameworks if f.slug == "tech-accord")
    assert [n.key for n in tech_accord.norms] == ["1", "2"]  # a bare 1 and a quoted "2"
    policy = next(p for p in catalogue.practices if p.slug == "cvd.policy")
    assert policy.references[0].section == "5.2"
    assert policy.verification == "document"
    assert catalogue.changes == ("First version of the mini catalogue.",)
    assert len(catalogue.digest) == 64


def test_parse_raises_with_every_problem(tmp_path: Path) -> None:
    root = write_catalogue(
        tmp_path / "catalogue",
        {"practices/cvd.yaml": CVD_YAML.replace("automated:security-txt", "automated:x")},
    )
    with pytest.raises(CatalogueInvalid) as raised:
        parse_catalogue(root)
    assert [p.line for p in raised.value.problems] == [7]
    assert "unknown check id" in str(raised.value)


def test_digest_changes_with_content_only(tmp_path: Path) -> None:
    first = read_catalogue(write_catalogue(tmp_path / "a")).catalogue
    same = read_catalogue(write_catalogue(tmp_path / "b")).catalogue
    edited = read_catalogue(
        write_catalogue(
            tmp_path / "c", {"areas.yaml": AREAS_YAML.replace("Supply chain", "Supply")}
        )
    ).catalogue
    assert first is not None
    assert same is not None
    assert edited is not None
    assert first.digest == same.digest != edited.digest


@needs_bundled
def test_the_bundled_catalogue_is_valid() -> None:
    assert [str(p) for p in validate_catalogue(BUNDLED)] == []


@needs_bundled
def test_a_lone_practices_file_is_checked_against_the_bundled_catalogue(tmp_path: Path) -> None:
    lone = tmp_path / "my-cvd.yaml"
    lone.write_text(
        "area: cvd\n"
        "practices:\n"
        "  - id: cvd.security-txt\n"
        "    title: Publish a security.txt file\n"
        "    statement: Publish one.\n"
        "    rationale: Finders look for it.\n"
        "    verification: automated:security-txt\n"
        "    evidence: The file.\n"
        "    level: baseline\n"
        "    mappings:\n"
        "      - norm: un-gge-2015:13j\n"
        "        interpretation: It helps reporting.\n"
        "      - norm: un-gge-2015:13zz\n"
        "        interpretation: No such norm.\n",
        encoding="utf-8",
    )
    # It stands in for the bundled cvd.yaml: no clash with the bundled cvd.security-txt.
    problems = [p for p in validate_catalogue(lone) if p.file == str(lone)]
    problem = only(problems)
    assert problem.line == 13
    assert "unknown norm 'un-gge-2015:13zz'" in problem.message


def test_a_lone_file_of_no_known_kind(tmp_path: Path) -> None:
    lone = tmp_path / "notes.yaml"
    lone.write_text("hello: world\n", encoding="utf-8")
    assert "not a catalogue file" in only(validate_catalogue(lone)).message


def test_an_id_that_cannot_be_a_url_or_oscal_id(tmp_path: Path) -> None:
    broken = SUPPLY_CHAIN_YAML.replace("id: sc.sbom", "id: 9 sbom")
    problems = problems_with(
        tmp_path,
        {
            "practices/supply-chain.yaml": broken,
            "profiles.yaml": PROFILES_YAML.replace("sc.sbom", "9 sbom"),
        },
    )
    problem = only(problems)
    assert problem.line == 3
    assert "'9 sbom' is not a valid id: a letter, then letters, digits" in problem.message


def test_a_yml_file_is_not_silently_ignored(tmp_path: Path) -> None:
    root = write_catalogue(tmp_path / "catalogue")
    (root / "practices" / "extra.yml").write_text("area: cvd\n", encoding="utf-8")
    problem = only(validate_catalogue(root))
    assert (Path(problem.file).name, problem.message) == (
        "extra.yml",
        "not read: catalogue files end in .yaml",
    )
