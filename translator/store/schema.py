"""The store's tables and their versions. MIGRATIONS[n - 1] takes a database from version n - 1 to n; each names the
statements of each part (usage, jobs, job_files, memory). PostgreSQL holds every part in one database; SQLite keeps
today's files, each with its own parts (usage.sqlite3: usage; documents/jobs.sqlite3: jobs, whose files stay in the
folder beside it; memory.sqlite: memory; reviewed.sqlite3: reviewed). One record, the table schema_version, says
which version a database is at; a file of an earlier release, without it, is version 0, and version 1 is exactly the
tables it already has (CREATE ... IF NOT EXISTS)."""

from __future__ import annotations

from collections.abc import Sequence

from translator.errors import ConfigError
from translator.store.database import Database, Session

MIGRATIONS: tuple[dict[str, tuple[str, ...]], ...] = (
    {
        "usage": (
            """CREATE TABLE IF NOT EXISTS usage (
                account TEXT NOT NULL, month TEXT NOT NULL, characters {integer} NOT NULL,
                PRIMARY KEY (account, month)
            )""",
        ),
        "jobs": (
            """CREATE TABLE IF NOT EXISTS jobs (
                id TEXT PRIMARY KEY, key TEXT NOT NULL, account TEXT NOT NULL, month TEXT NOT NULL,
                filename TEXT NOT NULL, media_type TEXT NOT NULL, status TEXT NOT NULL, error TEXT,
                characters {integer} NOT NULL,
                created {real} NOT NULL, expires {real} NOT NULL, once INTEGER NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS queued ON jobs (status, created)",
        ),
        "job_files": (
            """CREATE TABLE IF NOT EXISTS job_files (
                job TEXT NOT NULL, name TEXT NOT NULL, data {blob} NOT NULL, PRIMARY KEY (job, name)
            )""",
        ),
        "memory": (
            """CREATE TABLE IF NOT EXISTS tm (
                key TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL, flags TEXT NOT NULL,
                model TEXT NOT NULL, revision TEXT NOT NULL, options TEXT NOT NULL{insertion_column}
            )""",
        ),
    },
    {  # jobs claimed under a lease, so that replicas on one database share them (api/jobs.py)
        "jobs": (
            "ALTER TABLE jobs ADD COLUMN lease {real}",  # until when the holder's claim stands
            "ALTER TABLE jobs ADD COLUMN holder TEXT",  # the claim's token: only it finishes the job
        ),
    },
    # version 4: reviewed translations (translator/reviewed.py), keyed by the hash of the normalised source, and
    # every write to them (history: old and new English, who, when, where from); the history's insertion order
    # is the store's change counter, which every reader of the store follows
    {
        "reviewed": (
            """CREATE TABLE IF NOT EXISTS reviewed (
                key TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL, who TEXT NOT NULL,
                at {real} NOT NULL, origin TEXT NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS reviewed_history (
                seq {serial}, key TEXT NOT NULL, source TEXT NOT NULL, old TEXT, new TEXT, who TEXT NOT NULL,
                at {real} NOT NULL, origin TEXT NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS reviewed_history_key ON reviewed_history (key)",
        ),
    },
)
VERSION = len(MIGRATIONS)
PARTS = ("usage", "jobs", "job_files", "memory", "reviewed")
_LOCK = 0x7472616E  # PostgreSQL advisory lock: one process migrates at a time ("tran")


def migrate(database: Database, parts: Sequence[str]) -> None:
    """Bring `parts` of `database` to VERSION, in one transaction; ConfigError, in one line naming both
    versions, when the database is newer than this code."""
    with database.transaction() as s:
        if database.dialect.name == "postgresql":
            s.execute("SELECT pg_advisory_xact_lock(?)", (_LOCK,))
        s.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        found = version(s)
        if found > VERSION:
            raise ConfigError(
                f"the database {database.where} has schema version {found}, newer than this translator's "
                f"{VERSION}: upgrade translator"
            )
        for migration in MIGRATIONS[found:]:
            for part in parts:
                for statement in migration.get(part, ()):
                    s.execute(database.dialect.ddl(statement))
        if found == 0:
            s.execute("INSERT INTO schema_version VALUES (?)", (VERSION,))
        elif found < VERSION:
            s.execute("UPDATE schema_version SET version = ?", (VERSION,))


def version(session: Session) -> int:
    row = session.one("SELECT version FROM schema_version")
    return int(row[0]) if row else 0
