"""The asyncpg pool: created once, checked with SELECT 1, jsonb codecs set per connection."""

from __future__ import annotations

import json

import asyncpg

Pool = asyncpg.Pool
Connection = asyncpg.Connection
# What every store function takes first: the pool, or a connection inside a caller's transaction.
Executor = asyncpg.Pool | asyncpg.Connection

# PostgreSQL cannot be reached right now (down, restarting, connection cut): the same statement
# will work later, so the work is retried rather than reported to the user as a failure.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    # A pooled connection whose server went away mid-statement can be left in a half state;
    # asyncpg then refuses the next operation on it with this. A fresh connection works.
    asyncpg.InternalClientError,
)


# Any failure of a statement against PostgreSQL, reachable or not.
DB_ERRORS: tuple[type[BaseException], ...] = (asyncpg.PostgresError, *UNREACHABLE)


async def _init(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Release hook: asyncpg has already rolled back any open transaction and dropped listeners.

    Our code leaves no other session state on pooled connections (no session SETs, advisory
    locks or cursors), so the default reset query — a round trip on every release — is skipped.
    """


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 20, schema: str | None = None) -> Pool:
    """`schema` pins search_path; tests use it to keep each run in its own namespace."""
    settings = {"application_name": "faceitbot"}
    if schema:
        settings["search_path"] = schema
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init,
        reset=_keep_session,
        server_settings=settings,
        command_timeout=30,
    )
    await pool.fetchval("SELECT 1")
    return pool


async def answers(db: Executor) -> bool:
    """PostgreSQL runs a statement now (the readiness probe)."""
    return await db.fetchval("SELECT true")
