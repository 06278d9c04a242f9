"""The `accord` command as an operator uses it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from accord.accounts.models import User
from accord.audit.models import Event
from accord.cli import main

COMMANDS = [
    ["init"],
    ["serve"],
    ["demo"],
    ["createadmin"],
    ["catalogue", "export"],
    ["catalogue", "validate"],
    ["audit", "verify"],
    ["backup"],
    ["restore"],
    ["cvd", "coordinators"],
    ["cvd", "coordinator"],
    ["cvd", "cases"],
    ["cvd", "show"],
    ["cvd", "end-embargoes"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_explains_itself(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    # The first line of the help is a sentence about what the command does.
    assert len(result.output.split("\n\n")[1].strip()) > 20


@pytest.mark.django_db
def test_an_output_file_that_cannot_be_written_is_one_line(tmp_path: Path) -> None:
    from accord.catalogue.services import load_catalogue

    load_catalogue()
    out = tmp_path / "no-such-folder" / "catalogue.json"
    result = CliRunner().invoke(main, ["catalogue", "export", "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"accord catalogue export: {out}: the folder {out.parent} does not exist"
    ]


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_a_report_into_a_missing_folder_is_one_line_before_any_work(fmt: str) -> None:
    out = "/nonexistent/dir/x." + fmt
    result = CliRunner().invoke(main, ["report", "--format", fmt, "--out", out])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"accord report: {out}: the folder /nonexistent/dir does not exist"
    ]


@pytest.mark.django_db
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_write_that_fails_midway_is_one_line() -> None:
    from accord.catalogue.services import load_catalogue

    load_catalogue()
    result = CliRunner().invoke(main, ["catalogue", "export", "--out", "/dev/full"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "accord catalogue export: No space left on device"
    ]


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


@pytest.mark.django_db
def test_createadmin_makes_a_secretariat_admin_and_records_it() -> None:
    result = CliRunner().invoke(
        main,
        ["createadmin", "--email", "Sec@Coalition.example"],
        env={"ACCORD_ADMIN_PASSWORD": "a long and unusual passphrase 7"},
    )
    assert result.exit_code == 0, result.output
    admin = User.objects.get(email="sec@coalition.example")
    assert admin.is_secretariat
    assert Event.objects.filter(tag="accounts:user:create").exists()


@pytest.mark.django_db
def test_createadmin_refuses_a_weak_password_with_a_message() -> None:
    result = CliRunner().invoke(
        main,
        ["createadmin", "--email", "sec@coalition.example"],
        env={"ACCORD_ADMIN_PASSWORD": "123"},
    )
    assert result.exit_code == 1
    assert "Error:" in result.output
    assert "Traceback" not in result.output
    assert not User.objects.filter(email="sec@coalition.example").exists()


@pytest.mark.django_db
def test_export_before_init_says_what_to_do() -> None:
    result = CliRunner().invoke(main, ["catalogue", "export", "--format", "json"])
    assert result.exit_code == 1
    assert "accord init" in result.output


@pytest.mark.django_db
def test_init_then_export_json_gives_the_open_data_form() -> None:
    assert CliRunner().invoke(main, ["init", "--quiet"]).exit_code == 0
    result = CliRunner().invoke(main, ["catalogue", "export", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"version", "frameworks", "practices", "profiles"} <= data.keys()
    un_gge = next(f for f in data["frameworks"] if f["id"] == "un-gge-2015")
    assert len(un_gge["norms"]) == 11
    assert len(data["practices"]) >= 40
    practice = data["practices"][0]
    assert {"id", "title", "verification", "level", "mappings"} <= practice.keys()
    assert {"framework", "norm", "interpretation"} <= practice["mappings"][0].keys()


@pytest.mark.django_db
def test_export_oscal_is_read_back_by_trestle(tmp_path: Path) -> None:
    from trestle.oscal.catalog import Catalog

    assert CliRunner().invoke(main, ["init", "--quiet"]).exit_code == 0
    out = tmp_path / "catalog.json"
    result = CliRunner().invoke(
        main, ["catalogue", "export", "--format", "oscal", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    catalog = Catalog.oscal_read(out)
    assert catalog is not None
    assert catalog.groups


def test_validate_accepts_the_bundled_catalogue() -> None:
    from accord.catalogue import validation

    bundled = Path(validation.__file__).parent / "data"
    result = CliRunner().invoke(main, ["catalogue", "validate", str(bundled)])
    assert result.exit_code == 0, result.output


def test_validate_names_file_and_line_of_a_yaml_error(tmp_path: Path) -> None:
    broken = tmp_path / "practices.yaml"
    broken.write_text("area: cvd\npractices:\n  - id: cvd.x\n    title: [unclosed\n")
    result = CliRunner().invoke(main, ["catalogue", "validate", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:" in result.output
    assert "Traceback" not in result.output


def test_validate_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["catalogue", "validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
