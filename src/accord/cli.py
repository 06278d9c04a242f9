"""The `accord` command: set up, serve and operate an instance from the shell.

Commands are thin: they parse arguments, call one service or selector, and print.
Errors a user can fix are reported as one line on stderr with a non-zero exit: bad input
(a file that cannot be read or written, see `accord.engine.cli.OneLineErrors`) as
`accord <command>: <message>` and exit 2, other refusals as `Error: <message>` and exit 1.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from accord import paths
from accord.engine.cli import OneLineErrors, assess, one_line, scan, writable_file

# The exit status when the data directory is not set up for the command (as click's
# usage errors): the one-line message says to run `accord init`.
NOT_INITIALISED = 2


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise click.ClickException(f"the settings are wrong: {exc}") from exc


def _setup_database() -> None:
    """Set Django up for a command that reads or writes the instance's database, or exit
    with one line saying to run `accord init` when that has not been done."""
    _setup_django()
    problem = _database_problem()
    if problem is not None:
        click.echo(f"accord: {problem}", err=True)
        raise click.exceptions.Exit(NOT_INITIALISED)


def _database_problem() -> str | None:
    from django.conf import settings
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor == "sqlite" and not _sqlite_file_exists():
        return f"{settings.DATA_DIR} has no database yet: run `accord init` first."
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"cannot read the database ({reason}); check ACCORD_DATABASE_URL."
    if not pending:
        return None
    if not executor.loader.applied_migrations:
        return "the database has no tables yet: run `accord init` first."
    return "the database is not up to date: run `accord init` to upgrade it."


def _sqlite_file_exists() -> bool:
    # Connecting would create an empty file; look before connecting.
    from django.db import connection

    name = str(connection.settings_dict["NAME"])
    in_memory = name == ":memory:" or name.startswith("file:")
    return in_memory or Path(name).is_file()


def _uninitialised_sqlite() -> bool:
    """Whether the instance uses the default SQLite file and it does not exist yet (asked
    before Django is set up, which fixes the database for the process)."""
    from django.apps import apps

    if apps.ready or os.environ.get("ACCORD_DATABASE_URL"):
        return False
    return not paths.default_sqlite_path().is_file()


def _call_command(*args: Any, **kwargs: Any) -> None:
    from django.core.management import call_command

    call_command(*args, **kwargs)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="accord")
def main() -> None:
    """Accord: cyber norms turned into practices, commitments and evidence.

    Settings come from the environment: ACCORD_DATABASE_URL (default SQLite in
    ACCORD_DATA_DIR, default ./var), ACCORD_SECRET_KEY (generated and kept in the data
    directory when unset), ACCORD_ALLOWED_HOSTS, ACCORD_DEBUG.
    """


main.add_command(assess)
main.add_command(scan)


@main.command()
@click.option("--quiet", is_flag=True, help="Print only errors.")
def init(quiet: bool) -> None:
    """Create or upgrade the database and load the bundled norms catalogue."""
    _setup_django()
    _initialise(verbosity=0 if quiet else 1)


def _initialise(verbosity: int, *, static: bool = True) -> None:
    from accord.catalogue.services import load_catalogue

    _call_command("migrate", interactive=False, verbosity=verbosity)
    if static:
        _call_command("collectstatic", interactive=False, verbosity=0)
    version = load_catalogue()
    if verbosity:
        click.echo(f"Catalogue {version.version} loaded.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--task-worker/--no-task-worker",
    default=None,
    help="Run the background task worker and scan scheduler beside the web server. "
    "Default: on when tasks are queued in the database (ACCORD_TASK_BACKEND=database).",
)
def serve(host: str, port: int, workers: int, task_worker: bool | None) -> None:
    """Serve the site with gunicorn (a production WSGI server)."""
    _setup_database()
    _serve(host, port, workers, task_worker=task_worker)


def _serve(host: str, port: int, workers: int, *, task_worker: bool | None = None) -> None:
    if task_worker is None:
        task_worker = (
            os.environ.get("ACCORD_TASK_BACKEND", "database").strip().lower() == "database"
        )
    if task_worker:
        from accord.worker import embedded_worker

        with embedded_worker():
            _run_gunicorn(host, port, workers)
    else:
        _run_gunicorn(host, port, workers)


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from django.conf import settings
    from gunicorn.app.wsgiapp import run

    json_logs = settings.ACCORD_LOG_FORMAT == "json"
    if json_logs:  # every line a JSON object, this one too
        logging.getLogger("accord.cli").info("Serving Accord on http://%s:%d/", host, port)
    else:
        click.echo(f"Serving Accord on http://{host}:{port}/ (Ctrl-C to stop)")
    sys.argv = [
        "gunicorn",
        "accord.wsgi:application",
        f"--bind={host}:{port}",
        f"--workers={workers}",
        "--threads=4",
        "--access-logfile=-",
        "--forwarded-allow-ips=127.0.0.1",
    ]
    if json_logs:
        sys.argv.append("--config=python:accord.gunicorn_json")
    run()


@main.command()
@click.option(
    "--schedule",
    is_flag=True,
    help="Also queue the evidence scans that are due, every few minutes.",
)
def worker(schedule: bool) -> None:
    """Run background tasks (evidence scans) until stopped.

    Takes tasks from the queue ACCORD_TASK_BACKEND names: the database (the default) or
    Redis at ACCORD_REDIS_URL. Run one or more on each machine; several may --schedule.
    """
    _setup_database()
    from accord.worker import run_worker

    try:
        run_worker(schedule=schedule)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Set up the demo data, then exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Initialise, add fictional demo organisations and people, and serve."""
    _setup_django()
    from accord.demo import seed_demo

    _initialise(verbosity=1)
    for line in seed_demo():
        click.echo(line)
    if not no_serve:
        _serve(host, port, workers=2)


@main.command()
@click.option("--email", prompt=True, help="The admin's email address.")
@click.option(
    "--password",
    envvar="ACCORD_ADMIN_PASSWORD",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Read from ACCORD_ADMIN_PASSWORD or prompted for; never pass it on the command line.",
)
def createadmin(email: str, password: str) -> None:
    """Create a secretariat admin (two-factor set-up is required at first sign-in)."""
    _setup_database()
    from accord.accounts.services import (
        AccountError,
        create_secretariat_admin,
        mark_email_verified,
    )

    try:
        user = create_secretariat_admin(email=email, password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    # Whoever runs the command on the server vouches for the address.
    mark_email_verified(user=user, how="command_line")
    click.echo(f"Created secretariat admin {user.email}.")


@main.group()
def catalogue() -> None:
    """Export and validate the norms catalogue."""


@catalogue.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["json", "yaml", "oscal"]),
    default="json",
    show_default=True,
    help="json/yaml: the open-data form; oscal: an OSCAL catalog.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable_file,
    help="Write to a file.",
)
def catalogue_export(fmt: str, out: Path | None) -> None:
    """Print the loaded catalogue in an open format.

    Before `accord init` has set up the default SQLite database, the bundled catalogue
    is exported instead, through a database held in memory for the command.
    """
    if _uninitialised_sqlite():
        os.environ["ACCORD_DATABASE_URL"] = "sqlite://:memory:"
        _setup_django()
        _initialise(verbosity=0, static=False)
        click.echo("accord: exported the bundled catalogue (no `accord init` yet).", err=True)
    else:
        _setup_database()
    from accord.catalogue.exports import CatalogueNotLoaded, export_catalogue

    try:
        text = export_catalogue(fmt=fmt)
    except CatalogueNotLoaded as exc:
        raise click.ClickException(str(exc)) from exc
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {out}", err=True)


@catalogue.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def catalogue_validate(path: Path) -> None:
    """Check a catalogue folder (or one of its files) without loading it.

    Reports YAML errors with file and line, duplicate practice ids, mappings to unknown
    norms and unknown check ids. Exits 1 when anything is wrong.
    """
    from accord.catalogue.validation import validate_catalogue

    problems = validate_catalogue(path)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo(f"{path}: valid")


@main.group()
def keys() -> None:
    """The instance's OpenPGP key, which signs security.txt and the CSAF advisories."""


@keys.command("show")
@click.option("--armour", is_flag=True, help="Print the public key itself.")
def keys_show(armour: bool) -> None:
    """Print the key's fingerprint and expiry (making the key if there is none yet)."""
    _setup_django()
    from accord.cvd import signing

    key = signing.instance_key()
    if armour:
        click.echo(key.armoured, nl=False)
        return
    expires = f"{key.expires:%Y-%m-%d}" if key.expires else "never"
    click.echo(f"Fingerprint: {key.fingerprint}")
    click.echo(f"Expires: {expires}")
    click.echo(f"Kept in: {signing.key_path()}")


@keys.command("rotate")
@click.option("--yes", is_flag=True, help="Do not ask first.")
def keys_rotate(yes: bool) -> None:
    """Replace the key with a new one; security.txt and the CSAF files are signed again."""
    _setup_database()
    if not yes:
        click.confirm("Replace the instance's signing key?", abort=True)
    from accord.cvd.services.provider import rotate_instance_key

    key = rotate_instance_key(actor=None)
    click.echo(f"New key: {key.fingerprint}")


@main.group()
def audit() -> None:
    """Inspect the tamper-evident audit log."""


@audit.command("verify")
@click.option(
    "--anchor",
    metavar="SEQ:SEAL",
    help="A head printed earlier by `accord audit head` and kept outside Accord: "
    "the log must still reach it unchanged.",
)
def audit_verify(anchor: str | None) -> None:
    """Check the hash chain; exit 1 naming the first broken event."""
    _setup_database()
    from accord.audit.selectors import verify_chain

    report = verify_chain(anchor=_parse_anchor(anchor) if anchor else None)
    if report.first_break is not None:
        broken = report.first_break
        where = f"event #{broken.seq}" if broken.seq is not None else "the chain head"
        click.echo(f"Audit log BROKEN at {where}: {broken.reason}", err=True)
        raise click.exceptions.Exit(1)
    click.echo(f"Audit log intact: {report.events_checked} events verified.")


def _parse_anchor(text: str) -> tuple[int, str]:
    seq, _, seal = text.partition(":")
    if not seq.isdigit() or len(seal) != 64:
        raise click.BadParameter("expected SEQ:SEAL as printed by `accord audit head`")
    return int(seq), seal


@audit.command("head")
def audit_head() -> None:
    """Print the newest event as SEQ:SEAL, to keep outside Accord for `verify --anchor`."""
    _setup_database()
    from accord.audit.selectors import chain_head

    seq, seal = chain_head()
    click.echo(f"{seq}:{seal}")


@main.command()
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=lambda: date.today().year,
    show_default="this year",
    help="The year the report covers.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default="html",
    show_default=True,
    help="html: one self-contained file; pdf: A4, for print.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    callback=writable_file,
    help="The file to write (needed unless --publish).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Also store the report (PDF and HTML) as the year's next version in the public "
    "archive at /adoption/reports/, as the secretariat's Publish button does.",
)
@click.option(
    "--base-url",
    default="",
    help="The instance's public address for the report's links (default: ACCORD_BASE_URL, "
    "else http://127.0.0.1:8000).",
)
def report(year: int, fmt: str, out: Path | None, publish: bool, base_url: str) -> None:
    """Write the coalition's yearly adoption report: cover, summary, contents, headline
    figures and their method, per framework and norm, by sector and country, changes
    since the previous year, caveats and links to the open data.

    Its figures are the published ones (the dashboard's and the open data's) at the end
    of the year, or on the latest day kept while the year is not over. The same figures
    give the same file, byte for byte, here and from the web.
    """
    if out is None and not publish:
        raise click.UsageError("Give --out FILE, or --publish, or both.")
    _setup_database()
    from accord.errors import DomainError
    from accord.figures.report import (
        build_report,
        render_report_html,
        render_report_pdf,
        report_base_url,
    )
    from accord.figures.services import publish_report

    base = base_url.rstrip("/") or report_base_url()
    try:
        if out is not None:
            built = build_report(year=year, base_url=base)
            if fmt == "pdf":
                out.write_bytes(render_report_pdf(built))
            else:
                out.write_text(render_report_html(built), encoding="utf-8")
            click.echo(f"Wrote the {year} adoption report to {out} ({fmt}).", err=True)
        if publish:
            done = publish_report(year=year, actor=None, base_url=base)
            click.echo(
                f"Published the {year} report as version {done.report.version} "
                f"(SHA-256 {done.report.checksum}).",
                err=True,
            )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group()
def cvd() -> None:
    """Coordinated vulnerability disclosure: coordinators, cases as one sees them, embargoes."""


@cvd.command("coordinators")
def cvd_coordinators() -> None:
    """List the organisations that act as coordinators."""
    _setup_database()
    from accord.cvd.selectors.coordinators import coordinator_organisations

    found = list(coordinator_organisations())
    for organisation in found:
        click.echo(f"{organisation.slug}\t{organisation.name}")
    if not found:
        click.echo("No organisation acts as coordinator: the secretariat triages every report.")


@cvd.command("coordinator")
@click.argument("action", type=click.Choice(["grant", "revoke"]))
@click.argument("slug")
def cvd_coordinator(action: str, slug: str) -> None:
    """Let the organisation SLUG act as coordinator (grant), or no longer (revoke)."""
    _setup_database()
    from accord.accounts.selectors import organisation_with_slug
    from accord.cvd.services import coordinators
    from accord.errors import DomainError

    organisation = organisation_with_slug(slug)
    if organisation is None:
        raise click.ClickException(f"No organisation has the slug {slug!r}.")
    change = (
        coordinators.grant_coordinator if action == "grant" else coordinators.revoke_coordinator
    )
    try:
        change(actor=None, organisation=organisation)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "now acts" if action == "grant" else "no longer acts"
    click.echo(f"{organisation.name} {verb} as coordinator.")


def _person(email: str) -> Any:
    from accord.accounts.selectors import active_user_with_email

    user = active_user_with_email(email)
    if user is None:
        raise click.ClickException(f"No active account has the address {email!r}.")
    return user


AS_OPTION = click.option(
    "--as", "email", required=True, help="Read as this person: only their cases are shown."
)


@cvd.command("cases")
@AS_OPTION
def cvd_cases(email: str) -> None:
    """List the cases a person takes part in or leads, newest first."""
    _setup_database()
    from accord.cvd.selectors import cases_for

    found = list(cases_for(_person(email)))
    for case in found:
        embargo = case.get_embargo_state_display()
        if case.embargo_ends_at and case.embargo_state in ("active", "revise"):
            embargo += f" until {case.embargo_ends_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{case.reference}\t{case.get_tlp_display()}\t{embargo}\t{case.title}")
    if not found:
        click.echo(f"{email} takes part in no case.")


@cvd.command("show")
@click.argument("reference")
@AS_OPTION
def cvd_show(reference: str, email: str) -> None:
    """Show one case as a person sees it: its vulnerabilities and participants."""
    _setup_database()
    from accord.cvd.selectors import case_for
    from accord.cvd.selectors import cases as case_selectors

    user = _person(email)
    case = case_for(user, reference)
    if case is None:
        raise click.ClickException(f"No case {reference!r} that {email} may see.")
    click.echo(f"{case.reference} {case.title} ({case.get_tlp_display()})")
    click.echo(f"Embargo: {case.get_embargo_state_display()}")
    for vulnerability in case_selectors.vulnerabilities_of(user, case):
        score = f" CVSS {vulnerability.cvss_score}" if vulnerability.cvss_score is not None else ""
        click.echo(f"  V{vulnerability.number} {vulnerability.title}{score}")
    known = case_selectors.reporter_known(user, case)
    for participant in case_selectors.participants_of(user, case):
        name = case_selectors.shown_name(participant, reporter_known=known)
        click.echo(f"  {participant.get_role_display()}: {name} ({participant.rm_state})")


@cvd.command("submit-cve")
@click.argument("reference")
@click.option("--as", "email", required=True, help="Submit as this person: the case's lead.")
def cvd_submit_cve(reference: str, email: str) -> None:
    """Submit the CVE records of case REFERENCE's published advisory to CVE Services."""
    _setup_database()
    from django.core.exceptions import ObjectDoesNotExist

    from accord.cvd.selectors import case_for
    from accord.cvd.services.cve import submit_cve_records
    from accord.errors import DomainError

    user = _person(email)
    case = case_for(user, reference)
    if case is None:
        raise click.ClickException(f"No case {reference!r} that {email} may see.")
    try:
        advisory = case.advisory
    except ObjectDoesNotExist:
        raise click.ClickException(f"{case.reference} has no published advisory.") from None
    try:
        done = submit_cve_records(actor=user, advisory=advisory)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    for cve_id, action in done.items():
        click.echo(f"{cve_id}\t{action}")


EXPORT_FORMATS = ("cve", "csaf", "csaf-vex", "openvex")


@cvd.command("export")
@click.argument("reference")
@click.option("--format", "key", type=click.Choice(EXPORT_FORMATS), required=True)
@click.option(
    "--as",
    "email",
    default=None,
    help="Read as this person (not needed for a TLP:CLEAR advisory).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=writable_file,
    help="Write to a file (default: standard output).",
)
def cvd_export(reference: str, key: str, email: str | None, output: Path | None) -> None:
    """Print the current version of case REFERENCE's advisory in one format, as JSON."""
    _setup_database()
    from accord.cvd.advisories.build import pretty
    from accord.cvd.selectors import publication

    advisory = (
        publication.advisory_for(_person(email), reference)
        if email
        else publication.public_advisory(reference)
    )
    if advisory is None:
        who = f"that {email} may read" if email else "published as TLP:CLEAR (name --as)"
        raise click.ClickException(f"No advisory {reference!r} {who}.")
    if key not in advisory.documents:
        raise click.ClickException(f"The advisory {reference} has no {key} document.")
    text = pretty(advisory.documents[key])
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)


@cvd.command("end-embargoes")
def cvd_end_embargoes() -> None:
    """End every embargo whose date has come, now (the scheduler does it every few minutes)."""
    _setup_database()
    from django.utils import timezone

    from accord.cvd.services.embargo import end_due_embargoes

    ended = end_due_embargoes(now=timezone.now())
    click.echo(f"Ended {ended} embargo{'es' if ended != 1 else ''}.")


@main.command("backup")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="The archive to write (a .tar.gz file; replaced only once the new one is complete).",
)
@click.option(
    "--no-keys",
    is_flag=True,
    help="Leave out the secret and audit keys (then keep them safe apart from the archive).",
)
def backup_command(out: Path, no_keys: bool) -> None:
    """Write the database, the uploads and the keys to one archive, while the site runs.

    The archive is a gzip-compressed tar file with a manifest of SHA-256 checksums, the
    Accord version, the database vendor and its migrations. SQLite is copied with its
    online backup API, PostgreSQL with `pg_dump` (which must be on PATH).
    """
    _setup_database()
    from accord.backup import BackupError, create_backup

    try:
        summary = create_backup(out, include_keys=not no_keys)
    except BackupError as exc:
        raise click.ClickException(one_line(exc)) from exc
    manifest = summary.manifest
    keys = "the keys" if manifest.keys else "no keys"
    click.echo(
        f"Wrote {summary.path} ({_size(summary.size)}): the {manifest.vendor} database, "
        f"{_files(manifest.media_files)} and {keys}."
    )
    click.echo(f"SHA-256 {summary.sha256} (keep it apart from the archive, to check it later).")
    if manifest.keys:
        click.echo(
            "The archive holds the secret and audit keys: keep it as safe as them.", err=True
        )


@main.command("restore")
@click.argument("archive", type=click.Path(path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore an archive made by `accord backup` into an empty data directory or database.

    Every checksum is checked before anything is written; a target that already holds a
    database, uploads or keys is refused and left as it is. The database is the one
    ACCORD_DATABASE_URL names (default SQLite in ACCORD_DATA_DIR).
    """
    from accord import backup

    try:
        verified = backup.verify_archive(archive)
        # Before the settings are read: reading them would generate keys otherwise.
        backup.use_archived_keys(verified)
        _setup_django()
        summary = backup.restore_backup(verified)
    except backup.BackupError as exc:
        raise click.ClickException(one_line(exc)) from exc
    manifest = summary.manifest
    click.echo(
        f"Restored the backup of {manifest.created} (Accord {manifest.accord_version}) into "
        f"{summary.database}, with {_files(manifest.media_files)}"
        f"{' and the keys' if manifest.keys else ''}, in {summary.data_dir}."
    )
    for note in summary.notes:
        click.echo(note, err=True)
    _collect_static_after_restore()
    problem = _database_problem()
    if problem is not None:
        click.echo(f"accord: {problem}", err=True)


def _collect_static_after_restore() -> None:
    from django.core.management.base import CommandError

    try:
        _call_command("collectstatic", interactive=False, verbosity=0)
    except (CommandError, OSError) as exc:
        click.echo(
            f"accord: collecting the static files failed ({one_line(exc)}): "
            "run `accord init` before `accord serve`.",
            err=True,
        )


def _files(count: int) -> str:
    return f"{count} uploaded file" + ("" if count == 1 else "s")


def _size(size: int) -> str:
    value, unit = float(size), "bytes"
    for larger in ("kB", "MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, larger
    return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"


if __name__ == "__main__":
    main()
