"""The database the bot and its commands open: DATABASE_URL, or the embedded PostgreSQL in
DATA_DIR without one; either way with the schema brought up to date first."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from faceitbot.store import embedded, migrate
from faceitbot.store.db import Pool, create_pool


@contextlib.asynccontextmanager
async def migrated_pool(database_url: str | None, data_dir: Path) -> AsyncIterator[tuple[Pool, list[str]]]:
    """A pool on the schema up to date, and the migrations applied just now."""
    pg = None
    dsn = database_url
    if dsn is None:
        pg = await embedded.start(data_dir)
        dsn = pg.uri
    try:
        pool = await create_pool(dsn)
        try:
            yield pool, await migrate.apply(pool)
        finally:
            await pool.close()
    finally:
        if pg is not None:
            pg.stop()
