"""Versioned PostgreSQL migrations: ``infra/migrations/NNNN_name.sql``, each applied once, in order.

Applied versions are recorded with a checksum in ``schema_migrations``; editing an applied file is an error
(write a new migration instead). An advisory lock makes concurrent ``crm init`` runs safe.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus

from infra.errors import InfraError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_ID = 7_310_042  # arbitrary, fixed: the advisory lock that serialises migrations

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def stem(self) -> str:
        """Its file's name without ``.sql`` (``0018_action_checks``): how messages name it."""
        return f"{self.version:04d}_{self.name}"

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    migrations = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if not match:
            raise InfraError(f"migration file {path.name} is not named NNNN_lower_snake.sql")
        migrations.append(Migration(int(match[1]), match[2], path.read_text()))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise InfraError(f"two migration files share a version number in {directory}")
    return migrations


def connect(database_url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(database_url, connect_timeout=10)
    except psycopg.OperationalError as error:
        reason = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise InfraError(f"cannot reach PostgreSQL ({_redact(database_url)}): {reason}") from None


def migrate(database_url: str, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply pending migrations; return the ones applied now (empty when up to date)."""
    migrations = load_migrations(directory)
    applied_now: list[Migration] = []
    with connect(database_url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
        try:
            _create_missing_schema(conn)
            conn.execute(_BOOKKEEPING)
            conn.commit()
            done = dict(conn.execute("SELECT version, checksum FROM schema_migrations").fetchall())
            for migration in migrations:
                if migration.version in done:
                    if done[migration.version] != migration.checksum:
                        raise InfraError(
                            f"migration {migration.stem}.sql changed after it was "
                            "applied; add a new migration instead of editing an applied one"
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied_now.append(migration)
        finally:
            if conn.info.transaction_status is TransactionStatus.INERROR:  # a failed statement aborted it
                conn.rollback()
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    return applied_now


def _create_missing_schema(conn: psycopg.Connection) -> None:
    """Create the first schema the URL's ``search_path`` names (`docs/demo.md`: a run beside others) when it
    does not exist yet: PostgreSQL would create the tables in the next one that does (``public``), or
    refuse every table ("no schema has been selected to create in")."""
    schema = target_schema(conn)
    if not conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (f'"{schema}"',)).fetchone()[0]:
        conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    conn.commit()


def target_schema(conn: psycopg.Connection) -> str:
    """The schema `migrate` puts the tables in: the first its ``search_path`` names (besides ``$user``),
    whether it exists yet or not."""
    path = conn.execute("SHOW search_path").fetchone()[0]
    parts = (part.strip() for part in path.split(","))
    named = [part.strip('"') for part in parts if part not in ("", '"$user"', "$user")]
    if not named:
        raise InfraError(f"the database URL's search_path ({path!r}) names no schema to create the tables in")
    return named[0]


def missing_migrations(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """The migrations this code has that the database has not applied (``NNNN_name``): a schema behind the
    code, where `crm init` was not run after an upgrade. Read-only; an unmigrated database lacks them all."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    applied = set()
    if exists and exists[0]:
        applied = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    return [m.stem for m in _known(directory) if m.version not in applied]


@functools.cache
def _known(directory: Path) -> tuple[Migration, ...]:
    return tuple(load_migrations(directory))


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", url)
