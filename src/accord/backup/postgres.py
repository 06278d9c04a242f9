"""PostgreSQL's client tools, `pg_dump` and `pg_restore`, run on a Django DATABASES entry:
found on PATH, the database named on the command line, everything else about the
connection (the password above all) in libpq's environment variables."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from accord.backup.archive import BackupError

# libpq connection options that dj-database-url leaves in OPTIONS, as libpq's variables.
_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}


def pg_dump(dest: Path, database: dict[str, Any]) -> None:
    """Dump the database to `dest` in pg_dump's custom format: one consistent snapshot."""
    command = [
        tool("pg_dump"),
        "--format=custom",
        "--no-password",
        f"--file={dest}",
        f"--dbname={conninfo(database)}",
    ]
    run(command, "pg_dump", database)


def pg_restore(dump: Path, database: dict[str, Any]) -> None:
    """Restore a dump into the (empty) database, all or nothing."""
    command = [
        tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        "--no-password",
        f"--dbname={conninfo(database)}",
        str(dump),
    ]
    run(command, "pg_restore", database)


def tool(name: str) -> str:
    """The path of a PostgreSQL tool on PATH."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH: install the PostgreSQL client tools "
            "(of the server's major version or newer)"
        )
    return found


def conninfo(database: dict[str, Any]) -> str:
    """The database name as a libpq connection string; the rest of the connection (and the
    password) goes in the environment, never on the command line."""
    name = str(database["NAME"]).replace("\\", "\\\\").replace("'", "\\'")
    return f"dbname='{name}'"


def environment(database: dict[str, Any]) -> dict[str, str]:
    environment = dict(os.environ)
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if database.get(key):
            environment[variable] = str(database[key])
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = str(database["PASSWORD"])
    options = database.get("OPTIONS") or {}
    for option, variable in _OPTION_VARIABLES.items():
        if option in options:
            environment[variable] = str(options[option])
    return environment


def run(command: list[str], name: str, database: dict[str, Any]) -> None:
    """Run a tool, turning its failure into one line: the line of its output that says why."""
    try:
        result = subprocess.run(  # noqa: S603 (a PostgreSQL tool found on PATH, no shell)
            command, env=environment(database), capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{name} could not be run: {exc}") from exc
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {first_line(result.stderr) or result.returncode}")


def first_line(text: str) -> str:
    """The line of a tool's error output that says what went wrong."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    for line in lines:
        if "error" in line.lower() or "fatal" in line.lower():
            return line
    return lines[0] if lines else ""
