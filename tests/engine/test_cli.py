"""`accord assess` and `accord scan` with a stub check set against the fake internet."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from accord.engine import fetcher, scanner
from accord.engine.cli import evidence
from accord.engine.testing.fake_dns import FakeResolver
from accord.engine.testing.fake_internet import (
    FakeInternet,
    FakeRequest,
    security_txt_body,
    security_txt_site,
)
from tests.engine.lab import lab

pytestmark = pytest.mark.usefixtures("stub_checks")

HSTS = {"Strict-Transport-Security": "max-age=31536000"}


def slow_security_txt(request: FakeRequest) -> Any:
    time.sleep(0.4)
    return 200, {"Content-Type": "text/plain"}, security_txt_body(request.host)


@pytest.fixture(scope="module")
def net() -> Iterator[FakeInternet]:
    sites: dict[str, Any] = {
        "good.example": {
            "/.well-known/security.txt": (200, HSTS, security_txt_body("good.example"))
        },
        "missing.example": {},
        "slow.example": {"/.well-known/security.txt": slow_security_txt},
    }
    with FakeInternet(sites, default=security_txt_site, dead_hosts=["dead.example"]) as net:
        yield net


def invoke(*args: str) -> Any:
    return CliRunner().invoke(evidence, list(args))


def test_assess_exits_0_when_every_check_passes_or_warns(net: FakeInternet) -> None:
    result = invoke("assess", "good.example", "Warn.Example.", *lab(net))

    assert result.exit_code == 0, result.output
    assert "good.example" in result.output
    assert "warn.example" in result.output
    assert "no_hsts: no Strict-Transport-Security header" in result.output
    assert "fail" not in result.output


@pytest.mark.parametrize(
    ("domain", "verdict", "code"),
    [("missing.example", "fail", "no_security_txt"), ("dead.example", "error", "timeout")],
)
def test_assess_exits_1_when_a_check_fails_or_errs(
    net: FakeInternet, domain: str, verdict: str, code: str
) -> None:
    result = invoke("assess", "good.example", domain, *lab(net))

    assert result.exit_code == 1, result.output
    assert verdict in result.output
    assert code in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["https://good.example/"], "looks like a URL"),
        (["good.example", "10.0.0.1"], "IP address"),
        (["localhost"], "single label"),
        (["good.example", "--check", "no-such-check"], "unknown check 'no-such-check'"),
        (["good.example", "--connect-to", "a:b"], "HOST1:PORT1:HOST2:PORT2"),
        ([], "Missing argument"),
    ],
)
def test_assess_exits_2_on_usage_errors(args: list[str], message: str) -> None:
    result = invoke("assess", *args)

    assert result.exit_code == 2
    assert message in result.output


def test_assess_json_is_an_array_of_result_lines_in_input_order(net: FakeInternet) -> None:
    result = invoke(
        "assess", "missing.example", "good.example", "--json", "--check", "security-txt", *lab(net)
    )

    records = json.loads(result.stdout)
    assert [record["domain"] for record in records] == ["missing.example", "good.example"]
    for record in records:
        assert set(record) == {"domain", "assessed_at", "checks"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["assessed_at"])
        assert list(record["checks"]) == ["security-txt"]
        check = record["checks"]["security-txt"]
        assert set(check) == {
            "status",
            "url",
            "errors",
            "recommendations",
            "notifications",
            "details",
        }
    assert records[0]["checks"]["security-txt"]["errors"][0]["code"] == "no_security_txt"
    assert records[1]["checks"]["security-txt"]["status"] == "pass"


def test_assess_help_documents_the_exit_status() -> None:
    result = invoke("assess", "--help")

    assert "a warning counts as passed" in result.output
    assert "error" in result.output


def test_assess_refuses_the_lab_without_allow_private(
    net: FakeInternet, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetcher, "system_resolver", FakeResolver({"good.example": ["127.0.0.1"]}))
    args = [arg for arg in lab(net) if arg != "--allow-private"]

    result = invoke("assess", "good.example", "--json", *args)

    assert result.exit_code == 1
    error = json.loads(result.stdout)[0]["checks"]["security-txt"]["errors"][0]
    assert error["code"] == "blocked_address"
    assert "127.0.0.1" in error["message"]


def read_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_scan_writes_one_line_per_domain_and_reports_bad_lines(
    net: FakeInternet, tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text(
        "# coalition members\ngood.example\nhttps://bad.example/\n\nmissing.example\n"
        "GOOD.example\nd1.example\n",
        encoding="utf-8",
    )
    out = tmp_path / "results.jsonl"

    result = invoke("scan", str(listing), "--out", str(out), *lab(net))

    assert result.exit_code == 0, result.output
    assert f"{listing}:3: skipped:" in result.stderr
    assert "looks like a URL" in result.stderr
    records = read_lines(out)
    assert sorted(r["domain"] for r in records) == ["d1.example", "good.example", "missing.example"]
    assert "3 domains assessed" in result.stdout
    assert re.search(r"security-txt\s+│\s+2\s+│\s+0\s+│\s+1\s+│\s+0", result.stdout)


def test_scan_rerun_skips_done_domains_and_repairs_a_torn_line(
    net: FakeInternet, tmp_path: Path
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"d{n}.example\n" for n in range(10)), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    invoke("scan", str(listing), "--out", str(out), "--quiet", *lab(net))
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if '"d3.example"' not in line and '"d4.example"' not in line]
    out.write_text("".join(kept) + '{"domain":"d3.example","assessed_a', encoding="utf-8")

    result = invoke("scan", str(listing), "--out", str(out), *lab(net))

    assert result.exit_code == 0
    assert "2 domains assessed" in result.stdout
    assert "8 already in" in result.stdout
    counts = Counter(r["domain"] for r in read_lines(out))
    assert counts == Counter({f"d{n}.example": 1 for n in range(10)})


def test_scan_output_is_in_completion_order(net: FakeInternet, tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("slow.example\nd1.example\nd2.example\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"

    invoke("scan", str(listing), "--out", str(out), "--quiet", *lab(net))

    domains = [r["domain"] for r in read_lines(out)]
    assert sorted(domains) == ["d1.example", "d2.example", "slow.example"]
    assert domains[-1] == "slow.example"


def test_scan_killed_midway_and_rerun_assesses_every_domain_exactly_once(
    tmp_path: Path,
) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("".join(f"d{n}.example\n" for n in range(60)), encoding="utf-8")
    out = tmp_path / "results.jsonl"
    with FakeInternet(default=security_txt_site, delay=0.05) as slow_net:
        command = [
            sys.executable,
            "-m",
            "accord.engine.testing.stub_cli",
            "scan",
            str(listing),
            "--out",
            str(out),
            "--concurrency",
            "2",
            "--quiet",
            *lab(slow_net),
        ]
        child = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": _src()})
        try:
            _wait_for_lines(out, 10)
        finally:
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
        first_run = len(read_lines(out))
        with out.open("a", encoding="utf-8") as torn:
            torn.write('{"domain": "d59.exa')

        rerun = subprocess.run(command, env={**os.environ, "PYTHONPATH": _src()}, timeout=120)

    assert rerun.returncode == 0
    assert 10 <= first_run < 60
    counts = Counter(r["domain"] for r in read_lines(out))
    assert counts == Counter({f"d{n}.example": 1 for n in range(60)})


def _src() -> str:
    return str(Path(scanner.__file__).resolve().parents[2])


def _wait_for_lines(path: Path, count: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} did not reach {count} lines")


def test_the_commands_import_nothing_from_django() -> None:
    code = (
        "import sys\n"
        "from accord.engine import cli, fetcher, scanner, domains\n"
        "from click.testing import CliRunner\n"
        "CliRunner().invoke(cli.evidence, ['assess', '--help'])\n"
        "assert not [m for m in sys.modules if m.startswith('django')], 'django imported'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": _src()}, check=False
    )

    assert done.returncode == 0


# -- bad input: one line `accord <command>: <message>`, exit 2, never a traceback ---------


def assert_one_line(result: Any, start: str) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(start), lines[0]
    assert "Traceback" not in result.output
    return str(lines[0])


def test_scan_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    listing = tmp_path / "empty.txt"
    listing.write_text("", encoding="utf-8")
    out = tmp_path / "nonexistent" / "dir" / "x.jsonl"
    result = invoke("scan", str(listing), "--out", str(out))
    line = assert_one_line(result, f"accord scan: {out}: the folder ")
    assert line.endswith("does not exist")


def test_assess_with_a_ca_bundle_that_holds_no_ca_is_one_line(tmp_path: Path) -> None:
    bundle = tmp_path / "passwd"
    bundle.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    result = invoke("assess", "--ca-bundle", str(bundle), "example.com")
    assert_one_line(result, f"accord assess: --ca-bundle {bundle}: not a PEM file of CA")


def test_resuming_into_a_file_with_deeply_nested_json_is_one_line(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("good.example\n", encoding="utf-8")
    out = tmp_path / "results.jsonl"
    out.write_text("[" * 100_000 + "\n", encoding="utf-8")
    result = invoke("scan", str(listing), "--out", str(out))
    line = assert_one_line(result, f"accord scan: {out}:1: not a result of `accord scan`")
    assert "nested more than" in line
    assert len(line) < len(str(out)) + 320
    assert line.endswith("…'")
    assert out.read_text(encoding="utf-8") == "[" * 100_000 + "\n"  # left as it was


def test_resuming_into_a_file_of_another_shape_is_one_line(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("good.example\n", encoding="utf-8")
    result = invoke("scan", str(listing), "--out", str(listing))  # the list itself, say
    assert_one_line(result, f"accord scan: {listing}:1: not a result of `accord scan`")
    assert listing.read_text(encoding="utf-8") == "good.example\n"


def test_a_list_that_is_not_utf8_is_one_line_naming_the_line(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_bytes(b"# members\n\xff\xfe.example\n")
    result = invoke("scan", str(listing), "--out", str(tmp_path / "out.jsonl"))
    assert_one_line(result, f"accord scan: {listing}:2: not UTF-8 text")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_list_is_one_line(tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("good.example\n", encoding="utf-8")
    listing.chmod(0)
    result = invoke("scan", str(listing), "--out", str(tmp_path / "out.jsonl"))
    assert_one_line(result, f"accord scan: {listing}: Permission denied")


def test_an_invalid_line_of_100_kb_is_quoted_cut_short(net: FakeInternet, tmp_path: Path) -> None:
    listing = tmp_path / "domains.txt"
    listing.write_text("exa mple" + "x" * 100_000 + "\ngood.example\n", encoding="utf-8")
    result = invoke("scan", str(listing), "--out", str(tmp_path / "out.jsonl"), *lab(net))
    assert result.exit_code == 0, result.output
    [skipped] = [line for line in result.stderr.splitlines() if "skipped" in line]
    assert skipped.startswith(f"{listing}:1: skipped: 'exa mple")
    assert "…" in skipped
    assert len(skipped) < len(str(listing)) + 260


def test_a_bug_is_not_mistaken_for_bad_input(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def broken(_path: Path) -> set[str]:
        raise KeyError("a bug")

    monkeypatch.setattr(scanner, "done_domains", broken)
    listing = tmp_path / "domains.txt"
    listing.write_text("good.example\n", encoding="utf-8")
    result = invoke("scan", str(listing), "--out", str(tmp_path / "out.jsonl"))
    assert isinstance(result.exception, KeyError)
    assert result.exit_code == 1
