"""`accord assess` and `accord scan`: the evidence engine from the shell, without Django.

Both commands only parse options, build a `SafeFetcher` and call the scanner; they need
no database and import nothing from Django, so they start fast. Heavy modules (httpx,
rich, the checks) are imported when a command runs, not when `accord` starts.

Run alone as `python -m accord.engine.cli assess|scan ...`.

Bad input (an --out folder that does not exist, an unreadable or non-UTF-8 list, a
--ca-bundle that holds no CA, an output file that is not this command's) is one line on
stderr, `accord <command>: <message>`, and exit status 2: `OneLineErrors` turns the known
kinds of bad input into that line in one place, and leaves every other exception (a bug)
its traceback.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from accord.engine.fetcher import SafeFetcher
    from accord.engine.scanner import DomainResult, ResultLine

VERDICT_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "error": "magenta"}
FAILING = {"fail", "error"}
# `accord scan --processes` by default: one worker process per this many domains in
# flight (--concurrency), at most one per CPU. A worker costs about 70 MB, so the
# default scan (concurrency 100: two workers) stays well within 250 MB on any machine.
DOMAINS_PER_PROCESS = 50
# Lists with fewer domains to do than this are scanned in one process by default:
# starting workers would cost more time than they save.
SMALL_LIST = 200


BAD_INPUT = 2  # the exit status, as for click's usage errors


class BadInput(Exception):
    """Input the command cannot use: a file, or an option's value; the message says why."""


def _bad_input_kinds() -> tuple[type[Exception], ...]:
    from accord.engine.limits import ParseRefused
    from accord.engine.scanner import NotScanOutput

    # OSError: a file that cannot be read or written (ssl.SSLError is one too).
    return (BadInput, OSError, ParseRefused, NotScanOutput)


class OneLineErrors(click.Group):
    """A group whose commands (and subgroups) answer bad input with one line and exit 2."""

    group_class = type  # subgroups are of this class too

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _bad_input_kinds() as exc:
            click.echo(f"{_command_name(ctx)}: {one_line(exc)}", err=True)
            ctx.exit(BAD_INPUT)


def _command_name(ctx: click.Context) -> str:
    """`accord catalogue export`, however the program was started (`python -m ...`)."""
    words = [ctx.invoked_subcommand or ""]
    while ctx.parent is not None:
        words.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["accord", *filter(None, reversed(words))])


def one_line(exc: Exception) -> str:
    """The exception's message on one line; an OSError's with the file it is about."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    return " ".join(str(exc).split()) or type(exc).__name__


def writable_file(_ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    """An output file's folder must exist and take files: known before any work is done."""
    if value is None:
        return None
    folder = value.parent
    if not folder.is_dir():
        raise BadInput(f"{value}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"{value}: the folder {folder} cannot be written in")
    return value


def _ca_bundle(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    import ssl

    from accord.engine.fetcher import make_ssl_context

    try:
        make_ssl_context(value)
    except ssl.SSLError:
        raise BadInput(f"--ca-bundle {value}: not a PEM file of CA certificates") from None
    return value


def _parse_connect_to(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> list[tuple[str, str, str, str]]:
    from accord.engine.fetcher import parse_connect_to

    try:
        return [parse_connect_to(value) for value in values]
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _check_ids(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> Any:
    from accord.engine.registry import CHECKS

    unknown = [value for value in values if value not in CHECKS]
    if unknown:
        known = ", ".join(CHECKS)
        raise click.BadParameter(f"unknown check {unknown[0]!r}; known: {known}")
    return list(dict.fromkeys(values)) or None


def _lab_options(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--check",
            "check_ids",
            multiple=True,
            metavar="ID",
            callback=_check_ids,
            help="Run only this check (repeatable). Default: all.",
        ),
        click.option(
            "--timeout",
            default=20.0,
            show_default=True,
            type=click.FloatRange(0.1, 600),
            help="Seconds one fetch may take in all, redirects included.",
        ),
        click.option(
            "--per-host",
            default=2,
            show_default=True,
            type=click.IntRange(1, 64),
            help="Requests in flight at once to one host name.",
        ),
        click.option(
            "--allow-private",
            is_flag=True,
            help="Lab use: allow loopback, private and other non-public addresses.",
        ),
        click.option(
            "--connect-to",
            multiple=True,
            metavar="H1:P1:H2:P2",
            callback=_parse_connect_to,
            help="Lab use, as curl's: connect to H2:P2 for H1:P1 (empty matches any), "
            "keeping the name for TLS and Host.",
        ),
        click.option(
            "--ca-bundle",
            type=click.Path(exists=True, dir_okay=False),
            callback=_ca_bundle,
            help="Also trust the CAs in this PEM file.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _fetcher_options(options: dict[str, Any]) -> dict[str, Any]:
    """`SafeFetcher` keyword arguments from the command's options."""
    timeout = options["timeout"]
    return {
        "connect_timeout": min(5.0, timeout),
        "read_timeout": min(10.0, timeout),
        "total_timeout": timeout,
        "per_host": options["per_host"],
        "allow_private": options["allow_private"],
        "connect_to": options["connect_to"],
        "ca_bundle": options["ca_bundle"],
    }


def _make_fetcher(options: dict[str, Any]) -> SafeFetcher:
    from accord.engine.fetcher import SafeFetcher

    return SafeFetcher(**_fetcher_options(options))


@click.command()
@click.argument("domains", nargs=-1, required=True, metavar="DOMAIN...")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of results.")
@_lab_options
def assess(domains: tuple[str, ...], as_json: bool, **options: Any) -> None:
    """Assess each DOMAIN now and print every check's verdict.

    Exit status: 0 when every check passed (a warning counts as passed), 1 when any
    check failed or could not be run (error), 2 on a usage error such as a bad domain.
    """
    import asyncio

    from accord.engine.domains import InvalidDomain, normalise_domain

    names: list[str] = []
    for text in domains:
        try:
            names.append(normalise_domain(text))
        except InvalidDomain as exc:
            raise click.BadParameter(exc.message, param_hint="DOMAIN") from exc
    results = asyncio.run(_assess_all(list(dict.fromkeys(names)), options))
    if as_json:
        import json

        click.echo(json.dumps([result.as_dict() for result in results], indent=2))
    else:
        _print_tables(results)
    failing = any(
        str(check.status) in FAILING for result in results for check in result.checks.values()
    )
    raise click.exceptions.Exit(1 if failing else 0)


async def _assess_all(names: list[str], options: dict[str, Any]) -> list[DomainResult]:
    from accord.engine.scanner import scan

    results: list[DomainResult] = []
    async with _make_fetcher(options) as fetcher:
        await scan(
            enumerate(names),
            fetcher=fetcher,
            check_ids=options["check_ids"],
            concurrency=min(len(names), 20),
            on_result=results.append,
        )
    return sorted(results, key=lambda result: result.line_no)


def _print_tables(results: list[DomainResult]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    for result in results:
        table = Table(title=result.domain, title_justify="left")
        table.add_column("check")
        table.add_column("verdict")
        table.add_column("findings")
        for check_id, check in result.checks.items():
            status = str(check.status)
            findings = [
                f"{finding.code}: {escape(finding.message)}"
                for finding in [*check.errors, *check.recommendations, *check.notifications]
            ]
            style = VERDICT_STYLE.get(status, "")
            table.add_row(check_id, f"[{style}]{status}[/]", "\n".join(findings))
        console.print(table)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable_file,
    help="JSON Lines file: one result per domain, appended; domains already in it are "
    "skipped, so rerunning the same command resumes an interrupted scan.",
)
@click.option(
    "--concurrency",
    default=100,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Domains assessed at once.",
)
@click.option(
    "--domain-timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1, 3600),
    help="Seconds one domain may take in all; then its checks are reported as error.",
)
@click.option(
    "--processes",
    type=click.IntRange(1, 64),
    help="Worker processes sharing the concurrency. A domain always goes to the same "
    "one, so --per-host holds for its own host name; a host that several listed domains "
    "lead to gets up to --per-host from each process. Default: one per "
    f"{DOMAINS_PER_PROCESS} of concurrency, at most one per CPU; one for lists of fewer "
    f"than {SMALL_LIST} domains to do.",
)
@click.option("--quiet", is_flag=True, help="No progress bar and no summary.")
@_lab_options
def scan(
    file: Path,
    out: Path,
    concurrency: int,
    domain_timeout: float,
    processes: int | None,
    quiet: bool,
    **options: Any,
) -> None:
    """Assess every domain listed in FILE (one a line, `#` comments) into --out.

    Each line of --out is {"domain", "assessed_at", "checks": {id: result}}, written as
    soon as that domain is done, so lines are in completion order. Lines of FILE that
    are not a valid domain name are reported on stderr with their line number and
    skipped (nothing is written for them). Exit status 0 when the list was worked
    through, whatever the verdicts; 130 when interrupted, 1 when the scan broke off
    (rerun the same command to resume either).
    """
    from accord.engine import scanner

    started = time.monotonic()
    done = scanner.done_domains(out)
    tally = _Tally(already_done=len(done))
    with out.open("a", encoding="utf-8") as sink, _progress(file, quiet) as advance:

        def write(result: ResultLine) -> None:
            sink.write(result.line)
            sink.flush()
            tally.add(result)
            advance()

        domains = _pending_domains(file, done, tally, advance)
        if processes is None:
            processes, domains = _default_processes(domains, concurrency)
        try:
            if processes == 1:
                _scan_here(domains, options, concurrency, domain_timeout, write)
            else:
                job = scanner.WorkerJob(
                    fetcher=_fetcher_options(options),
                    check_ids=options["check_ids"],
                    concurrency=concurrency,
                    domain_timeout=domain_timeout,
                    assess=scanner.ASSESS,
                )
                scanner.scan_in_processes(domains, job=job, processes=processes, on_result=write)
        except KeyboardInterrupt:
            click.echo(f"Interrupted; run the same command again to resume {out}.", err=True)
            raise click.exceptions.Exit(130) from None
        except scanner.ScanWorkerError as exc:
            click.echo(f"{exc}\nRun the same command again to resume {out}.", err=True)
            raise click.exceptions.Exit(1) from None
    if not quiet:
        _print_summary(tally, out, time.monotonic() - started)


def _default_processes(
    domains: Iterator[tuple[int, str]], concurrency: int
) -> tuple[int, Iterator[tuple[int, str]]]:
    """One process per DOMAINS_PER_PROCESS of concurrency and at most one per CPU; or one
    when fewer than SMALL_LIST domains are to do.

    The scan is CPU-bound (TLS, HTTP and parsing in Python take about 2 ms a domain):
    one process tops out near one core. Looks at most SMALL_LIST domains ahead, and
    gives them back with the rest.
    """
    import itertools
    import os

    ahead = list(itertools.islice(domains, SMALL_LIST))
    if len(ahead) < SMALL_LIST or os.name != "posix":  # workers need POSIX pipes
        return 1, iter(ahead)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    processes = min(cpus or 1, concurrency // DOMAINS_PER_PROCESS)
    return max(1, processes), itertools.chain(ahead, domains)


def _scan_here(
    domains: Iterator[tuple[int, str]],
    options: dict[str, Any],
    concurrency: int,
    domain_timeout: float,
    write: Callable[[ResultLine], None],
) -> None:
    """Scan in this process (`--processes 1`)."""
    import asyncio

    from accord.engine.scanner import scan as run_scan

    async def run() -> None:
        async with _make_fetcher(options) as fetcher:
            await run_scan(
                domains,
                fetcher=fetcher,
                check_ids=options["check_ids"],
                concurrency=concurrency,
                on_result=lambda result: write(result.result_line()),
                domain_timeout=domain_timeout,
            )

    asyncio.run(run())


class _Tally:
    def __init__(self, already_done: int) -> None:
        self.already_done = already_done
        self.assessed = 0
        self.invalid = 0
        self.duplicates = 0
        self.verdicts: dict[str, Counter[str]] = {}

    def add(self, result: ResultLine) -> None:
        self.assessed += 1
        for check_id, status in result.statuses.items():
            self.verdicts.setdefault(check_id, Counter())[status] += 1


def _pending_domains(
    file: Path, done: set[str], tally: _Tally, advance: Callable[[], None]
) -> Iterator[tuple[int, str]]:
    """Valid, not yet done, first-seen domains of `file`; read lazily, line by line."""
    from accord.engine.domains import InvalidDomain, read_domain_list

    with file.open("rb") as handle:
        for line_no, item in read_domain_list(_utf8_lines(file, handle)):
            if isinstance(item, InvalidDomain):
                click.echo(f"{file}:{line_no}: skipped: {item.message}", err=True)
                tally.invalid += 1
                advance()
            elif item in done:
                tally.duplicates += 1
                advance()
            else:
                done.add(item)
                yield line_no, item


def _utf8_lines(file: Path, handle: Iterable[bytes]) -> Iterator[str]:
    for line_no, raw in enumerate(handle, start=1):
        try:
            yield raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadInput(
                f"{file}:{line_no}: not UTF-8 text (byte {exc.start + 1} of the line)"
            ) from None


class _progress:
    """A Rich progress bar on stderr, only when stderr is a terminal and not --quiet."""

    def __init__(self, file: Path, quiet: bool) -> None:
        self._enabled = not quiet and sys.stderr.isatty()
        self._file = file

    def __enter__(self) -> Callable[[], None]:
        if not self._enabled:
            return lambda: None
        from rich.console import Console
        from rich.progress import Progress

        with self._file.open(encoding="utf-8", errors="replace") as lines:
            total = sum(1 for line in lines if line.split("#", 1)[0].strip())
        self._bar = Progress(console=Console(stderr=True), transient=False)
        self._bar.start()
        task = self._bar.add_task("scanning", total=total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc_info: object) -> None:
        if self._enabled:
            self._bar.stop()


def _print_summary(tally: _Tally, out: Path, seconds: float) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Verdicts written to {out}", title_justify="left")
    table.add_column("check")
    for verdict, style in VERDICT_STYLE.items():
        table.add_column(f"[{style}]{verdict}[/]", justify="right")
    for check_id, counts in sorted(tally.verdicts.items()):
        table.add_row(check_id, *(str(counts[verdict]) for verdict in VERDICT_STYLE))
    console = Console()
    console.print(table)
    rate = tally.assessed / seconds if seconds > 0 else 0.0
    console.print(
        f"{tally.assessed} domains assessed in {seconds:.1f} s ({rate:.1f}/s); "
        f"{tally.already_done} already in {out}, {tally.duplicates} skipped as done or "
        f"repeated, {tally.invalid} invalid lines."
    )


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
def evidence() -> None:
    """The evidence engine's commands, for `python -m accord.engine.cli`."""


evidence.add_command(assess)
evidence.add_command(scan)

if __name__ == "__main__":
    evidence()
