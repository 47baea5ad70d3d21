"""Per-service databases on one PostgreSQL server, and SQL migrations applied at start-up."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from shared.store.types import Connection

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"


def database_dsn(server_dsn: str, database: str) -> str:
    """The server DSN with its database path replaced: ``…/postgres`` → ``…/asist_intake``."""
    parts = urlsplit(server_dsn)
    return urlunsplit(parts._replace(path=f"/{database}"))


async def ensure_database(server_dsn: str, database: str) -> None:
    """Create the service's database on first start; safe when replicas race to do it."""
    conn = await asyncpg.connect(server_dsn)
    try:
        exists = await conn.fetchval("select 1 from pg_database where datname = $1", database)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):
                await conn.execute(f'create database "{database}"')
    finally:
        await conn.close()


def _lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


async def apply_migrations(conn: Connection, *folders: Path) -> list[str]:
    """Apply ``*.sql`` files of each folder in name order, each once, in one transaction each.

    A session advisory lock serialises replicas starting at the same time, so no file runs twice.
    """
    await conn.execute(
        "create table if not exists schema_migrations ("
        " name text primary key, checksum text not null,"
        " applied_at timestamptz not null default now())"
    )
    applied: list[str] = []
    key = _lock_key("asist.migrations")
    await conn.execute("select pg_advisory_lock($1)", key)
    try:
        done = {r["name"] for r in await conn.fetch("select name from schema_migrations")}
        for folder in folders:
            for path in sorted(folder.glob("*.sql")):
                name = f"{folder.parent.name}/{path.name}"
                if name in done:
                    continue
                sql = path.read_text()
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "insert into schema_migrations(name, checksum) values ($1, $2)",
                        name,
                        hashlib.sha256(sql.encode()).hexdigest(),
                    )
                applied.append(name)
    finally:
        await conn.execute("select pg_advisory_unlock($1)", key)
    return applied
