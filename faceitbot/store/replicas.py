"""replica_heartbeats: what each running replica last said about itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from faceitbot.store.db import Executor


@dataclass(frozen=True, slots=True)
class ReplicaRow:
    replica: str
    leader: bool | None
    busy: int
    workers: int
    rss_bytes: int
    telegram_429: int
    faceit_per_min: dict[str, int]
    started_at: datetime
    beat_at: datetime
    faceit_429: int = 0


async def beat(db: Executor, row: ReplicaRow) -> None:
    await db.execute(
        """
        INSERT INTO replica_heartbeats
            (replica, leader, busy, workers, rss_bytes, telegram_429, faceit_per_min, started_at, beat_at,
             faceit_429)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (replica) DO UPDATE SET
            leader = EXCLUDED.leader, busy = EXCLUDED.busy, workers = EXCLUDED.workers,
            rss_bytes = EXCLUDED.rss_bytes, telegram_429 = EXCLUDED.telegram_429,
            faceit_per_min = EXCLUDED.faceit_per_min, beat_at = EXCLUDED.beat_at,
            faceit_429 = EXCLUDED.faceit_429
        """,
        row.replica,
        row.leader,
        row.busy,
        row.workers,
        row.rss_bytes,
        row.telegram_429,
        row.faceit_per_min,
        row.started_at,
        row.beat_at,
        row.faceit_429,
    )


async def forget(db: Executor, replica: str) -> None:
    await db.execute("DELETE FROM replica_heartbeats WHERE replica = $1", replica)


async def seen_since(db: Executor, since: datetime) -> list[ReplicaRow]:
    rows = await db.fetch(
        """
        SELECT replica, leader, busy, workers, rss_bytes, telegram_429, faceit_per_min, started_at, beat_at,
               faceit_429
        FROM replica_heartbeats WHERE beat_at >= $1 ORDER BY started_at, replica
        """,
        since,
    )
    return [ReplicaRow(**dict(r)) for r in rows]
