"""FACEIT webhook events for monitoring: a finished match of a tracked player is resolved at once.

FACEIT POSTs an envelope `{transaction_id, event, event_id, timestamp, retry_count, payload}`
whose payload is the match: `{id, teams: [{roster: [{id, nickname, ...}]}], ...}` (API.md §8,
samples/webhook_match_status_ready.json; match events only, no score in them). Every match
event marks the tracked players it names as covered (their polling gets rarer, cadence rule 5);
`match_status_finished` queues a job that checks one of them through the very poll path
monitoring uses (history → match stats → ELO → outbox rows in one transaction), so the message,
its numbers and its ELO change are the ones polling would have produced, only sooner, and a
match resolved by either path is never resolved again. `match_status_ready`/`configuring`
queue a check of each tracked player in the match the same way: the poll sees the live match,
brings linked users their automatic pre-game analysis and waits for the match to end.

Each (event, match) is taken once in faceit_events, in the transaction that queues its job:
FACEIT's redeliveries and a second replica receiving the same event change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from loguru import logger

from faceitbot.constants import Priority
from faceitbot.queue import JobSpec, Retry
from faceitbot.store import tracking as store
from faceitbot.store.jobs import JobRow
from faceitbot.tracking.monitor import Monitor

FINISHED = "match_status_finished"
LIVE = frozenset({"match_status_configuring", "match_status_ready"})  # a match about to start
MATCH_EVENTS = frozenset(
    {
        "match_object_created",
        "match_status_configuring",
        "match_status_ready",
        FINISHED,
        "match_status_cancelled",
    }
)
RESOLVE = JobSpec("monitor.webhook", Priority.DEFAULT, max_attempts=4, timeout_s=60, backoff_s=5.0)
HISTORY_LAG_S = 20.0  # the history may list a finished match a little after the event


class Member(msgspec.Struct, kw_only=True):
    id: str


class Team(msgspec.Struct, kw_only=True):
    roster: list[Member] = []


class MatchPayload(msgspec.Struct, kw_only=True):
    id: str
    teams: list[Team] = []


class Event(msgspec.Struct, kw_only=True):
    event: str
    payload: MatchPayload


_EVENT = msgspec.json.Decoder(Event)


class BadEvent(ValueError):
    """Not a FACEIT event we can read."""


def decode(body: bytes) -> Event:
    try:
        event = _EVENT.decode(body)
    except msgspec.DecodeError as e:  # ValidationError is a DecodeError
        raise BadEvent(str(e)) from None
    if not event.payload.id:
        raise BadEvent("the event names no match")
    return event


@dataclass(frozen=True, slots=True)
class Received:
    duplicate: bool
    tracked: int  # tracked players the event named
    queued: bool  # a finished match to resolve now


@dataclass
class WebhookIntake:
    monitor: Monitor

    def register(self) -> None:
        self.monitor.queue.register(RESOLVE, self.resolve)

    async def receive(self, event: Event) -> Received:
        if event.event not in MATCH_EVENTS:
            return Received(False, 0, False)  # hub/championship events: nothing to do with tracking
        match_id = event.payload.id
        players = list(dict.fromkeys(m.id for t in event.payload.teams for m in t.roster if m.id))
        pool, queue = self.monitor.pool, self.monitor.queue
        async with pool.acquire() as conn, conn.transaction():
            if not await store.take_event(conn, f"{event.event}:{match_id}"):
                return Received(True, 0, False)
            tracked = await store.mark_covered(conn, players) if players else []
            live = event.event in LIVE
            queued = (event.event == FINISHED or live) and bool(tracked)
            if queued:
                await queue.submit(
                    RESOLVE,
                    {"match_id": match_id, "player_ids": tracked, "live": live},
                    dedupe_key=f"webhook:{event.event}:{match_id}",
                    conn=conn,
                )
        logger.info("FACEIT event {} for match {}: {} tracked players", event.event, match_id, len(tracked))
        return Received(False, len(tracked), queued)

    async def resolve(self, payload: dict[str, Any], job: JobRow) -> None:
        """A finished match: check one tracked player of it now (resolving it covers them all).
        A live one: check each, for the pre-game analysis and the cadence's wait."""
        match_id = payload["match_id"]
        monitor = self.monitor
        if payload.get("live"):
            stretch = monitor.governor.stretch(*await store.demand(monitor.pool))
            for player_id in payload["player_ids"]:
                await monitor.check(player_id, stretch)
            return
        for player_id in payload["player_ids"]:
            if await store.monitored_match(monitor.pool, match_id) is not None:
                return  # resolved already (by a poll, or an earlier attempt)
            stretch = monitor.governor.stretch(*await store.demand(monitor.pool))
            if await monitor.check(player_id, stretch) is None:
                continue  # untracked meanwhile, or the share is spent: polling takes over
            if await store.monitored_match(monitor.pool, match_id) is not None:
                return
            # Not in the history yet, or its stats are not out: FACEIT lags its own events a
            # little. A few more looks, then polling (which knows the player just played) has it.
            if job.attempts >= RESOLVE.max_attempts:
                logger.info("match {} of a FACEIT event is still not resolvable: left to polling", match_id)
                return
            raise Retry(HISTORY_LAG_S, f"match {match_id} is not resolvable from {player_id}'s history yet")
