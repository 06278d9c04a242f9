"""Where an instance keeps its files, read from the environment alone.

Plain Python, so the `accord` command can ask before Django is set up (setting Django
up fixes the database for the process) and the settings say the same.
"""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """The data directory: ACCORD_DATA_DIR, else `var` under the working directory."""
    return Path(os.environ.get("ACCORD_DATA_DIR", "var")).resolve()


def default_sqlite_path() -> Path:
    """The SQLite database used when ACCORD_DATABASE_URL names none."""
    return data_dir() / "accord.sqlite3"
