"""processed_updates and polling_offsets: each Telegram update handled once across replicas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from faceitbot.store.db import Executor


class Claim(StrEnum):
    MINE = "mine"  # handle it now
    DONE = "done"  # someone handled it already: acknowledge and drop
    BUSY = "busy"  # another live replica is handling it: ask to be asked again later


async def claim(db: Executor, update_id: int, owner: str, hold_s: float) -> Claim:
    """Take `update_id` for `hold_s` seconds unless it is done or held by someone else."""
    row = await db.fetchrow(
        """
        INSERT INTO processed_updates (update_id, owner, status, claimed_until)
        VALUES ($1, $2, 'handling', now() + make_interval(secs => $3))
        ON CONFLICT (update_id) DO UPDATE
            SET owner = EXCLUDED.owner, claimed_until = EXCLUDED.claimed_until
            WHERE processed_updates.status = 'handling'
              AND (processed_updates.claimed_until < now() OR processed_updates.owner = EXCLUDED.owner)
        RETURNING true AS mine
        """,
        update_id,
        owner,
        hold_s,
    )
    if row is not None:
        return Claim.MINE
    status = await db.fetchval("SELECT status FROM processed_updates WHERE update_id = $1", update_id)
    # A failed update is as final as a done one: a redelivery of it is acknowledged and dropped.
    return Claim.DONE if status in ("done", "failed") else Claim.BUSY


async def accept_batch(
    db: Executor, bot_id: int, updates: list[tuple[int, str]], owner: str, hold_s: float
) -> dict[int, Claim]:
    """claim() for a getUpdates batch of (update_id, JSON), keeping each claimed update's JSON for
    a replay and moving the polling offset past the batch, in one statement: once it returns,
    Telegram may forget the batch."""
    # The outer SELECT reads the snapshot from before the INSERT: a new row shows no status, an
    # existing one its status as it was, so "not taken" + "done" is DONE and the rest BUSY.
    rows = await db.fetch(
        """
        WITH wanted AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS w (update_id, payload)),
        taken AS (
            INSERT INTO processed_updates (update_id, owner, status, claimed_until, payload, attempts)
            SELECT update_id, $3, 'handling', now() + make_interval(secs => $4), payload, 1 FROM wanted
            ON CONFLICT (update_id) DO UPDATE
                SET owner = EXCLUDED.owner, claimed_until = EXCLUDED.claimed_until,
                    payload = EXCLUDED.payload, attempts = processed_updates.attempts + 1
                WHERE processed_updates.status = 'handling'
                  AND (processed_updates.claimed_until < now() OR processed_updates.owner = EXCLUDED.owner)
            RETURNING update_id
        ),
        moved AS (
            INSERT INTO polling_offsets (bot_id, next_offset) SELECT $5, max(update_id) + 1 FROM wanted
            ON CONFLICT (bot_id) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
                WHERE polling_offsets.next_offset < EXCLUDED.next_offset
        )
        SELECT w.update_id, t.update_id IS NOT NULL AS mine, p.status
        FROM wanted AS w
        LEFT JOIN taken AS t USING (update_id)
        LEFT JOIN processed_updates AS p USING (update_id)
        """,
        [u for u, _ in updates],
        [j for _, j in updates],
        owner,
        hold_s,
        bot_id,
    )
    return {
        r["update_id"]: Claim.MINE
        if r["mine"]
        else Claim.DONE
        if r["status"] in ("done", "failed")
        else Claim.BUSY
        for r in rows
    }


async def take_abandoned(db: Executor, owner: str, hold_s: float, limit: int) -> list[tuple[int, str, int]]:
    """Claims of kept updates nobody renewed in time (their replica died): (update_id, JSON,
    attempts so far), now held by `owner`."""
    rows = await db.fetch(
        """
        UPDATE processed_updates AS p
        SET owner = $1, claimed_until = now() + make_interval(secs => $2), attempts = p.attempts + 1
        WHERE p.update_id IN (
            SELECT update_id FROM processed_updates
            WHERE status = 'handling' AND payload IS NOT NULL AND claimed_until < now()
            ORDER BY update_id LIMIT $3 FOR UPDATE SKIP LOCKED
        )
        RETURNING p.update_id, p.payload, p.attempts
        """,
        owner,
        hold_s,
        limit,
    )
    return sorted((r["update_id"], r["payload"], r["attempts"]) for r in rows)


async def renew_many(db: Executor, update_ids: list[int], owner: str, hold_s: float) -> None:
    await db.execute(
        """
        UPDATE processed_updates SET claimed_until = now() + make_interval(secs => $3)
        WHERE update_id = ANY($1::bigint[]) AND owner = $2 AND status = 'handling'
        """,
        update_ids,
        owner,
        hold_s,
    )


async def expire_many(db: Executor, update_ids: list[int], owner: str) -> None:
    """Give unfinished claims up, keeping their JSON: whoever leads replays them at once."""
    await db.execute(
        """
        UPDATE processed_updates SET claimed_until = now() - interval '1 second'
        WHERE update_id = ANY($1::bigint[]) AND owner = $2 AND status = 'handling'
        """,
        update_ids,
        owner,
    )


async def fail(db: Executor, update_id: int, owner: str, error: str | None = None) -> None:
    """An update whose handling failed: never replayed again, kept with its error."""
    await db.execute(
        """
        UPDATE processed_updates SET status = 'failed', error = coalesce($3, error)
        WHERE update_id = $1 AND owner = $2
        """,
        update_id,
        owner,
        error,
    )


async def keep_failed(db: Executor, owner: str, failed: list[tuple[int, str, str]]) -> None:
    """(update_id, JSON, error) of updates that could not even be read: kept as failed, so the
    offset moves past them and an operator can see what came."""
    await db.execute(
        """
        INSERT INTO processed_updates (update_id, owner, status, claimed_until, payload, error, attempts)
        SELECT update_id, $1, 'failed', now(), payload, error, 1
        FROM unnest($2::bigint[], $3::text[], $4::text[]) AS f (update_id, payload, error)
        ON CONFLICT (update_id) DO UPDATE
            SET status = 'failed', payload = EXCLUDED.payload, error = EXCLUDED.error
            WHERE processed_updates.status = 'handling'
        """,
        owner,
        [u for u, _, _ in failed],
        [j for _, j, _ in failed],
        [e for _, _, e in failed],
    )


@dataclass(frozen=True, slots=True)
class FailedUpdate:
    update_id: int
    error: str | None
    created_at: datetime


async def failed_since(db: Executor, hours: int, limit: int = 5) -> tuple[int, list[FailedUpdate]]:
    """How many updates failed in the last `hours`, and the latest `limit` of them."""
    count = await db.fetchval(
        """SELECT count(*) FROM processed_updates
           WHERE status = 'failed' AND created_at > now() - make_interval(hours => $1)""",
        hours,
    )
    rows = await db.fetch(
        """SELECT update_id, error, created_at FROM processed_updates
           WHERE status = 'failed' AND created_at > now() - make_interval(hours => $1)
           ORDER BY created_at DESC, update_id DESC LIMIT $2""",
        hours,
        limit,
    )
    return count, [FailedUpdate(r["update_id"], r["error"], r["created_at"]) for r in rows]


async def finish(db: Executor, update_ids: list[int], owner: str) -> None:
    await db.execute(
        "UPDATE processed_updates SET status = 'done' WHERE update_id = ANY($1::bigint[]) AND owner = $2",
        update_ids,
        owner,
    )


async def release(db: Executor, update_ids: list[int], owner: str) -> None:
    """Give unfinished claims back so a redelivery is handled at once."""
    await db.execute(
        "DELETE FROM processed_updates WHERE update_id = ANY($1::bigint[]) AND owner = $2 AND status = 'handling'",
        update_ids,
        owner,
    )


async def prune(db: Executor, keep_days: int = 2, keep_failed_days: int = 7) -> int:
    # Telegram gives up redelivering within a day; older ids can never come back. Failed ones
    # stay a week for whoever looks into them.
    status = await db.execute(
        """
        DELETE FROM processed_updates
        WHERE created_at < now() - make_interval(days => CASE WHEN status = 'failed' THEN $2::int ELSE $1::int END)
        """,
        keep_days,
        keep_failed_days,
    )
    return int(status.split()[-1])


async def load_offset(db: Executor, bot_id: int) -> int:
    return await db.fetchval("SELECT next_offset FROM polling_offsets WHERE bot_id = $1", bot_id) or 0


async def save_offset(db: Executor, bot_id: int, next_offset: int) -> None:
    # Never backwards: a leader that lost its lease late must not rewind the new one's progress.
    await db.execute(
        """
        INSERT INTO polling_offsets (bot_id, next_offset) VALUES ($1, $2)
        ON CONFLICT (bot_id) DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()
            WHERE polling_offsets.next_offset < EXCLUDED.next_offset
        """,
        bot_id,
        next_offset,
    )
