"""The public prediction scorecard: store what each briefing predicted, learn how the match
ended, and add it up for /accuracy.

Outcomes come for free from monitoring when it resolves a tracked player's match; for the rest
a LOW-priority job reads the match details once the match should be over. Those lookups are
capped at LOOKUPS_PER_TICK every TICK_S (60 an hour: 10 of the 500 a 10-minute window allows),
go through the cached client, and a match whose result never appears is dropped after MAX_AGE_S.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec
from loguru import logger

from faceitbot.analysis.match import MatchReport, map_pool
from faceitbot.analysis.prediction import predicted
from faceitbot.cluster.scheduler import Scheduler
from faceitbot.constants import Priority
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.store import predictions as store
from faceitbot.store.db import Pool
from faceitbot.store.predictions import MapTally, Prediction, TierTally

OUTCOME = JobSpec("scorecard.outcome", Priority.LOW, max_attempts=2, timeout_s=60, backoff_s=30.0)


class OutcomeJob(msgspec.Struct, frozen=True):
    """The outcome lookup's payload, written by due_lookups and read by jobs/scorecard.py."""

    match_id: str

    def dedupe_key(self) -> str:
        return f"outcome:{self.match_id}"


TICK_S = 300
LOOKUPS_PER_TICK = 5
RECHECK_S = 30 * 60  # a match still being played is looked at again after this
MAX_AGE_S = 2 * 86400
TIERS = ("50-60", "60-70", "70+")


@dataclass(frozen=True, slots=True)
class Scorecard:
    total: TierTally
    tiers: tuple[TierTally, ...]  # in TIERS order, only tiers with matches
    maps: MapTally


def rate(won: int, n: int) -> float | None:
    return round(100.0 * won / n, 1) if n else None


async def record(pool: Pool, report: MatchReport) -> bool:
    """Store the briefing's prediction; False when it predicts nothing or the match has one."""
    p = predicted(report)
    if p is None:
        return False
    return await store.insert(
        pool,
        Prediction(
            match_id=p.match_id,
            predicted_faction=p.faction,
            predicted_chance=p.chance,
            faceit_faction=p.faceit_faction,
            faceit_chance=p.faceit_chance,
            pick_map=p.pick_map,
            pick_faction=p.pick_faction,
        ),
    )


async def learn_outcome(pool: Pool, faceit: FaceitClient, match_id: str) -> str:
    """One match-details call; returns what was learnt: "finished", "void" or "pending"."""
    try:
        match = await faceit.match(match_id)
    except FaceitNotFound:
        await store.void(pool, match_id)
        return "void"
    status = match.status.upper()
    winner = match.results.winner if match.results else ""
    if status == "FINISHED" and winner in ("faction1", "faction2"):
        _, picked, _ = map_pool(match)
        await store.record_outcome(pool, match_id, winner, picked[0] if picked else None)
        return "finished"
    if status in ("CANCELLED", "ABORTED"):
        await store.void(pool, match_id)
        return "void"
    return "pending"


async def accuracy(pool: Pool) -> Scorecard:
    tiers, maps = await store.tally(pool)
    by_tier = {t.tier: t for t in tiers}
    ordered = tuple(by_tier[t] for t in TIERS if t in by_tier)
    total = TierTally(
        "all",
        sum(t.matches for t in ordered),
        sum(t.ours_won for t in ordered),
        sum(t.faceit_matches for t in ordered),
        sum(t.faceit_won for t in ordered),
    )
    return Scorecard(total, ordered, maps)


async def due_lookups(pool: Pool, queue: TaskQueue, limit: int = LOOKUPS_PER_TICK) -> list[str]:
    """Drop predictions too old to resolve, then queue lookups for the ones due."""
    async with pool.acquire() as conn, conn.transaction():
        stale = await store.void_stale(conn, MAX_AGE_S)
        due = await store.claim_due(conn, limit, RECHECK_S)
        for match_id in due:
            payload = OutcomeJob(match_id)
            await queue.submit(
                OUTCOME, msgspec.to_builtins(payload), dedupe_key=payload.dedupe_key(), conn=conn
            )
    if stale:
        logger.info("scorecard: {} predictions never got a result and were dropped", stale)
    return due


def register(scheduler: Scheduler, queue: TaskQueue, pool: Pool) -> None:
    """The periodic lookups of finished predictions; each is a job of jobs/scorecard.py."""

    async def tick(_: datetime) -> None:
        await due_lookups(pool, queue)

    scheduler.every("scorecard", TICK_S, tick)
