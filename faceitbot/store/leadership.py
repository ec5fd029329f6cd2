"""A PostgreSQL session advisory lock as the polling leadership while Redis is unreachable.

The lock lives as long as the session that took it: a replica that dies or loses its
connection loses the lock at once, so there is never a TTL to wait out."""

from __future__ import annotations

import asyncpg


async def try_lock(conn: asyncpg.Connection, key: int) -> bool:
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))


async def still_held(conn: asyncpg.Connection, key: int) -> bool:
    """Whether this session holds the lock (a round trip, so a dead connection raises)."""
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted
                           AND pid = pg_backend_pid() AND ((classid::bigint << 32) | objid::bigint) = $1)
            """,
            key,
        )
    )


async def unlock(conn: asyncpg.Connection, key: int) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", key)
