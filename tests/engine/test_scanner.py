"""The scanner: bounded, streaming, deadline per domain, resumable output."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from accord.engine.fetcher import SafeFetcher
from accord.engine.registry import CHECKS
from accord.engine.scanner import DomainResult, NotScanOutput, done_domains, rfc3339, scan
from accord.engine.testing import stub_checks
from accord.engine.testing.fake_internet import FakeInternet, security_txt_site
from accord.engine.types import CheckResult, Fetcher, Status


def passing(delay: Callable[[str], float] = lambda _d: 0.0) -> Any:
    async def assess(
        domain: str, fetcher: Fetcher, *, check_ids: Any = None, now: Any = None
    ) -> dict[str, CheckResult]:
        await asyncio.sleep(delay(domain))
        return {"security-txt": CheckResult("security-txt", Status.PASS, f"https://{domain}/")}

    return assess


def run_scan(domains: Any, assess: Any, **options: Any) -> list[DomainResult]:
    results: list[DomainResult] = []
    options.setdefault("concurrency", 4)
    asyncio.run(
        scan(domains, fetcher=None, on_result=results.append, assess=assess, **options)  # type: ignore[arg-type]
    )
    return results


def numbered(count: int) -> list[tuple[int, str]]:
    return [(n, f"d{n}.example") for n in range(1, count + 1)]


def test_every_domain_is_assessed_once_and_delivered_as_it_completes() -> None:
    domains = numbered(12)
    slowest_first = passing(lambda d: 0.002 * (13 - int(d[1:].split(".")[0])))

    results = run_scan(domains, slowest_first, concurrency=12)

    assert sorted(r.domain for r in results) == sorted(d for _, d in domains)
    assert [r.domain for r in results] != [d for _, d in domains]  # completion order
    assert {r.line_no: r.domain for r in results} == dict(domains)


def test_no_more_domains_in_flight_than_the_concurrency() -> None:
    in_flight = 0
    peak = 0
    tasks_seen = 0

    async def assess(domain: str, fetcher: Any, **_: Any) -> dict[str, CheckResult]:
        nonlocal in_flight, peak, tasks_seen
        in_flight += 1
        peak = max(peak, in_flight)
        tasks_seen = max(tasks_seen, len(asyncio.all_tasks()))
        await asyncio.sleep(0.001)
        in_flight -= 1
        return {}

    results = run_scan(numbered(200), assess, concurrency=7)

    assert len(results) == 200
    assert peak == 7
    assert tasks_seen <= 7 + 2  # the workers, the producer, the main task: not 200


class Stop(Exception):
    pass


def test_input_is_read_lazily_so_memory_stays_flat() -> None:
    consumed = 0
    consumed_at_first_result: list[int] = []

    def endless_list() -> Iterator[tuple[int, str]]:
        nonlocal consumed
        for n in range(1, 100_001):
            consumed += 1
            yield n, f"d{n}.example"

    def on_result(_result: DomainResult) -> None:
        if not consumed_at_first_result:
            consumed_at_first_result.append(consumed)
            raise Stop  # after the first result

    with pytest.raises(Stop):
        asyncio.run(
            scan(endless_list(), fetcher=None, on_result=on_result, assess=passing(), concurrency=5)  # type: ignore[arg-type]
        )

    assert consumed_at_first_result[0] <= 5 * 2 + 1


def test_accepts_an_async_iterable_of_domains() -> None:
    async def domains() -> AsyncIterator[tuple[int, str]]:
        for item in numbered(5):
            yield item

    results = run_scan(domains(), passing())

    assert len(results) == 5


def test_a_domain_over_its_deadline_gets_error_results_and_the_scan_goes_on() -> None:
    async def assess(domain: str, fetcher: Any, **_: Any) -> dict[str, CheckResult]:
        if domain == "slow.example":
            await asyncio.sleep(60)
        return {"vdp": CheckResult("vdp", Status.PASS)}

    results = run_scan(
        [(1, "slow.example"), (2, "fast.example")],
        assess,
        check_ids=["vdp", "security-txt"],
        domain_timeout=0.2,
    )

    by_domain = {r.domain: r for r in results}
    assert by_domain["fast.example"].checks["vdp"].status == Status.PASS
    slow = by_domain["slow.example"].checks
    assert set(slow) == {"vdp", "security-txt"}
    assert all(check.status == Status.ERROR for check in slow.values())
    assert slow["vdp"].errors[0].code == "deadline_exceeded"


def test_a_crashing_check_is_an_error_for_that_domain_only() -> None:
    async def assess(domain: str, fetcher: Any, **_: Any) -> dict[str, CheckResult]:
        if domain == "d2.example":
            raise RuntimeError("parser bug")
        return {"vdp": CheckResult("vdp", Status.PASS)}

    results = run_scan(numbered(3), assess)

    broken = next(r for r in results if r.domain == "d2.example")
    assert set(broken.checks) == set(CHECKS)  # no ids asked for: all of them
    finding = broken.checks["vdp"].errors[0]
    assert (finding.code, finding.message) == ("internal_error", "RuntimeError: parser bug")
    assert len(results) == 3


def test_result_line_shape() -> None:
    moment = dt.datetime(2026, 3, 1, 12, 30, 5, 123, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    result = DomainResult(
        3, "a.example", moment, {"vdp": CheckResult("vdp", Status.WARN, "https://a.example/")}
    )

    line = result.json_line()

    assert line.endswith("\n")
    assert line.count("\n") == 1
    record = json.loads(line)
    assert record == {
        "domain": "a.example",
        "assessed_at": "2026-03-01T10:30:05Z",
        "checks": {"vdp": CheckResult("vdp", Status.WARN, "https://a.example/").as_dict()},
    }
    assert rfc3339(moment) == "2026-03-01T10:30:05Z"


def test_done_domains_reads_results_and_cuts_a_torn_last_line(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    good = [json.dumps({"domain": f"d{n}.example", "checks": {}}) + "\n" for n in range(3)]
    out.write_text("".join(good) + "\n" + '{"domain": "d9.exa', encoding="utf-8")

    done = done_domains(out)

    assert done == {"d0.example", "d1.example", "d2.example"}
    assert out.read_text(encoding="utf-8") == "".join(good) + "\n"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("not json", "not valid JSON"),
        ("[" * 3_000 + "]" * 3_000, "the document is nested more than 32 levels deep"),
        ('["a.example"]', 'no "domain"'),
        ('{"domain": 7}', 'no "domain"'),
    ],
)
def test_done_domains_refuses_a_file_that_is_not_scan_output(
    tmp_path: Path, line: str, reason: str
) -> None:
    out = tmp_path / "results.jsonl"
    text = json.dumps({"domain": "a.example"}) + "\n" + line + "\n"
    out.write_text(text, encoding="utf-8")

    with pytest.raises(NotScanOutput) as refused:
        done_domains(out)

    assert str(refused.value).startswith(f"{out}:2: not a result of `accord scan` ({reason}")
    assert len(str(refused.value)) < len(str(out)) + 320  # the line is quoted cut short
    assert out.read_text(encoding="utf-8") == text


def test_done_domains_of_a_missing_file_is_empty(tmp_path: Path) -> None:
    assert done_domains(tmp_path / "absent.jsonl") == set()


def test_scan_through_the_safe_fetcher_and_the_fake_internet() -> None:
    with FakeInternet(default=security_txt_site, dead_hosts=["d7.example"]) as net:

        async def run() -> list[DomainResult]:
            results: list[DomainResult] = []
            async with SafeFetcher(**net.fetcher_options(), read_timeout=0.3) as fetcher:
                await scan(
                    numbered(40),
                    fetcher=fetcher,
                    concurrency=10,
                    on_result=results.append,
                    assess=stub_checks.assess_domain,
                )
            return results

        results = asyncio.run(run())

    statuses = {r.domain: r.checks["security-txt"].status for r in results}
    assert len(statuses) == 40
    assert statuses.pop("d7.example") == Status.ERROR
    assert set(statuses.values()) == {Status.PASS}
