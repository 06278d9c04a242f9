"""`accord backup` and `accord restore`: one archive holds a whole instance.

The archive is a gzip-compressed tar file (`.tar.gz`): Python's standard library reads and
writes it on every system Accord runs on, and `tar -tzf` lists it. Its members, in order:

- `database/accord.sqlite3`, a copy made with SQLite's online backup API, or
  `database/accord.pgdump`, `pg_dump --format=custom` of the configured PostgreSQL
  database. Both are one consistent snapshot taken while the site keeps running;
- `media/...`, every file under MEDIA_ROOT (the uploaded documents);
- `keys/secret_key` and `keys/audit_key`, the keys in force, and
  `keys/openpgp/instance-key.asc`, the instance's OpenPGP key if it has one, unless
  `--no-keys`;
- `manifest.json`, last: the format, the Accord version, the date, the database vendor,
  the applied migrations, and the size and SHA-256 of every other member.

The database is copied before the uploads, so every upload the copy names is in the
archive; an upload made in between is in it too, named by nothing, which does no harm.

A restore reads the whole archive and checks every checksum before it writes anything,
and it writes only into an empty target: no database (no SQLite file, or a PostgreSQL
database without tables), no uploads, and no key files where it would put keys. If a step
fails, what it had written is removed again, so the target is as it was.

Nothing here imports Django at import time: `accord restore` checks the archive and
chooses the keys before the settings are read (reading them generates keys when none
are set, and a restore must not leave generated keys behind).
"""

from accord.backup.archive import BackupError, Manifest, VerifiedArchive, verify_archive
from accord.backup.create import BackupSummary, create_backup
from accord.backup.restore import RestoreSummary, RestoreTarget, restore_backup, use_archived_keys

__all__ = [
    "BackupError",
    "BackupSummary",
    "Manifest",
    "RestoreSummary",
    "RestoreTarget",
    "VerifiedArchive",
    "create_backup",
    "restore_backup",
    "use_archived_keys",
    "verify_archive",
]
