"""An embedded PostgreSQL (the pgserver package) for running without DATABASE_URL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger


@dataclass(slots=True)
class EmbeddedPostgres:
    uri: str
    _server: Any

    def stop(self) -> None:
        self._server.cleanup()


async def start(data_dir: Path) -> EmbeddedPostgres:
    import pgserver  # imported lazily: only the embedded mode needs its binaries

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # initdb and pg_ctl block for about a second; keep the event loop free meanwhile.
    server = await asyncio.to_thread(pgserver.get_server, pgdata, cleanup_mode="stop")
    logger.info("no DATABASE_URL: using the embedded PostgreSQL in {}", pgdata)
    return EmbeddedPostgres(uri=server.get_uri(), _server=server)
