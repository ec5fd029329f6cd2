"""An embedded PostgreSQL (the pgserver package) for running without DATABASE_URL."""

from __future__ import annotations

import asyncio
import warnings
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


def _start(pgdata: Path) -> Any:
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI), on import as well
        # as on start; harmless here, and the demo would show it to a new user.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: only the embedded mode needs its binaries

        return pgserver.get_server(pgdata, cleanup_mode="stop")


async def start(data_dir: Path) -> EmbeddedPostgres:
    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # initdb and pg_ctl block for about a second; keep the event loop free meanwhile.
    server = await asyncio.to_thread(_start, pgdata)
    logger.info("no DATABASE_URL: using the embedded PostgreSQL in {}", pgdata)
    return EmbeddedPostgres(uri=server.get_uri(), _server=server)
