"""predictions: the scorecard rows, one per briefed match, and their outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from faceitbot.store.db import Executor

# A CS2 match lasts 30-60 minutes after its room is ready; look for the result after that.
FIRST_CHECK_S = 45 * 60


@dataclass(frozen=True, slots=True)
class Prediction:
    match_id: str
    predicted_faction: str
    predicted_chance: float
    faceit_faction: str | None = None
    faceit_chance: float | None = None
    pick_map: str | None = None
    pick_faction: str | None = None


@dataclass(frozen=True, slots=True)
class TierTally:
    tier: str  # "50-60", "60-70", "70+"
    matches: int
    ours_won: int
    faceit_matches: int  # of them, with a FACEIT favourite
    faceit_won: int


@dataclass(frozen=True, slots=True)
class MapTally:
    played: int  # finished matches played on our first-pick map
    won: int  # of them, won by the faction we advised it for


async def insert(db: Executor, p: Prediction) -> bool:
    """False when the match already has a prediction: the first briefing's stays."""
    return (
        await db.fetchval(
            """
            INSERT INTO predictions (match_id, predicted_faction, predicted_chance, faceit_faction,
                                     faceit_chance, pick_map, pick_faction, next_check_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8))
            ON CONFLICT (match_id) DO NOTHING RETURNING true
            """,
            p.match_id,
            p.predicted_faction,
            p.predicted_chance,
            p.faceit_faction,
            p.faceit_chance,
            p.pick_map,
            p.pick_faction,
            FIRST_CHECK_S,
        )
        is not None
    )


async def record_outcome(db: Executor, match_id: str, winner: str, played_map: str | None) -> bool:
    """Write the result once; True when this call wrote it."""
    return (
        await db.fetchval(
            """
            UPDATE predictions SET outcome = 'finished', winner = $2, played_map = $3, outcome_at = now()
            WHERE match_id = $1 AND outcome IS NULL RETURNING true
            """,
            match_id,
            winner,
            played_map,
        )
        is not None
    )


async def void(db: Executor, match_id: str) -> bool:
    return (
        await db.fetchval(
            "UPDATE predictions SET outcome = 'void', outcome_at = now() WHERE match_id = $1 AND outcome IS NULL "
            "RETURNING true",
            match_id,
        )
        is not None
    )


async def claim_due(db: Executor, limit: int, retry_s: float) -> list[str]:
    """Open predictions due for a lookup; each is pushed `retry_s` ahead so no other tick takes it."""
    rows = await db.fetch(
        """
        WITH due AS (
            SELECT match_id FROM predictions
            WHERE outcome IS NULL AND next_check_at <= now()
            ORDER BY next_check_at
            LIMIT $1
            FOR UPDATE SKIP LOCKED
        )
        UPDATE predictions p SET checks = p.checks + 1, next_check_at = now() + make_interval(secs => $2)
        FROM due WHERE p.match_id = due.match_id
        RETURNING p.match_id
        """,
        limit,
        retry_s,
    )
    return [r["match_id"] for r in rows]


async def void_stale(db: Executor, max_age_s: float) -> int:
    """A match whose result never came in (aborted, lost from FACEIT) stops being looked up."""
    status = await db.execute(
        """
        UPDATE predictions SET outcome = 'void', outcome_at = now()
        WHERE outcome IS NULL AND created_at < now() - make_interval(secs => $1)
        """,
        max_age_s,
    )
    return int(status.split()[-1])


async def tally(db: Executor) -> tuple[list[TierTally], MapTally]:
    rows = await db.fetch(
        """
        SELECT CASE WHEN predicted_chance >= 0.7 THEN '70+'
                    WHEN predicted_chance >= 0.6 THEN '60-70'
                    ELSE '50-60' END AS tier,
               count(*) AS matches,
               count(*) FILTER (WHERE winner = predicted_faction) AS ours_won,
               count(faceit_faction) AS faceit_matches,
               count(*) FILTER (WHERE winner = faceit_faction) AS faceit_won
        FROM predictions WHERE outcome = 'finished'
        GROUP BY tier ORDER BY tier
        """
    )
    maps = await db.fetchrow(
        """
        SELECT count(*) AS played, count(*) FILTER (WHERE winner = pick_faction) AS won
        FROM predictions WHERE outcome = 'finished' AND pick_map IS NOT NULL AND played_map = pick_map
        """
    )
    tiers = [
        TierTally(r["tier"], r["matches"], r["ours_won"], r["faceit_matches"], r["faceit_won"]) for r in rows
    ]
    return tiers, MapTally(maps["played"], maps["won"])
