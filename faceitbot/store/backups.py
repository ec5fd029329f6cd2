"""What `faceitbot restore` asks the target database before writing into it."""

from __future__ import annotations

import asyncpg


async def user_tables(conn: asyncpg.Connection) -> list[str]:
    """Tables outside PostgreSQL's own schemas: a database with any is not empty."""
    rows = await conn.fetch(
        """
        SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
        WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'
        ORDER BY 1
        """
    )
    return [r["name"] for r in rows]


async def migrated_to(conn: asyncpg.Connection) -> int | None:
    """The schema version a restored database carries (None without our migrations table)."""
    if not await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"):
        return None
    return await conn.fetchval("SELECT max(version) FROM schema_migrations")
