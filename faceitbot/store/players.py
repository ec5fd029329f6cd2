"""players and elo_snapshots: what we last saw of each FACEIT player."""

from __future__ import annotations

from faceitbot.store.db import Executor

# An unchanged ELO is re-snapshotted at most this often; a changed one at once.
SNAPSHOT_EVERY = "1 hour"


async def remember(db: Executor, player_id: str, nickname: str, country: str, level: int, elo: int) -> None:
    """Upsert the player and keep an ELO snapshot; both in one statement so they never disagree."""
    unchanged = await db.fetchval(
        f"""
        SELECT true FROM players
        WHERE player_id = $1 AND nickname = $2 AND country = $3 AND level = $4 AND elo = $5
          AND updated_at > now() - interval '{SNAPSHOT_EVERY}'
        """,
        player_id,
        nickname,
        country,
        level,
        elo,
    )
    if unchanged:
        return  # reads stay reads: no write (and no commit flush) on the hot path
    await db.execute(
        """
        WITH p AS (
            INSERT INTO players (player_id, nickname, country, level, elo, updated_at)
            VALUES ($1, $2, $3, $4, $5, now())
            ON CONFLICT (player_id) DO UPDATE
                SET nickname = EXCLUDED.nickname, country = EXCLUDED.country,
                    level = EXCLUDED.level, elo = EXCLUDED.elo, updated_at = now()
            RETURNING player_id
        )
        INSERT INTO elo_snapshots (player_id, elo, level)
        SELECT player_id, $5, $4 FROM p
        ON CONFLICT DO NOTHING
        """,
        player_id,
        nickname,
        country,
        level,
        elo,
    )


async def elo_history(db: Executor, player_id: str, limit: int = 100) -> list[tuple[int, int]]:
    rows = await db.fetch(
        """
        SELECT extract(epoch FROM taken_at)::bigint AS at, elo FROM elo_snapshots
        WHERE player_id = $1 ORDER BY taken_at DESC LIMIT $2
        """,
        player_id,
        limit,
    )
    return [(r["at"], r["elo"]) for r in reversed(rows)]


async def elo_since(db: Executor, player_id: str, since: int) -> list[tuple[int, int]]:
    """(taken at unix s, ELO) of every snapshot taken after `since`, oldest first."""
    rows = await db.fetch(
        """
        SELECT extract(epoch FROM taken_at)::bigint AS at, elo FROM elo_snapshots
        WHERE player_id = $1 AND taken_at > to_timestamp($2) ORDER BY taken_at
        """,
        player_id,
        since,
    )
    return [(r["at"], r["elo"]) for r in rows]
