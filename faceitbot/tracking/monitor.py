"""Monitoring of tracked players: the tick, the poll job and the notification job.

Tick (every MONITOR_TICK_SECONDS, once per slot across replicas): the governor says how many
polls the budget share pays for; that many due players, oldest-due first, are claimed with
FOR UPDATE SKIP LOCKED and get a LOW-priority poll job keyed poll:<player>:<slot>, in one
transaction.

Poll: one history call (more pages only if a whole page is new). Every finished match after the
player's watermark is resolved once for all tracked players in it (one match stats call, one
player call per tracked player for the ELO after it); in ONE transaction the match is recorded,
each follower's notification row (unique per user, match and kind) and its delivery job are
written, and only then the watermark moves past the match. A crash before the commit redoes it
all; after it, nothing is redone. A match whose stats are not out yet stops the poll there (the
watermark stays before it) and the player is looked at again soon.

Notify: sends one outbox row and marks it sent. The send governor (faceitbot.telegram.send_governor) keeps
it within Telegram's limits, behind users' replies; a 429 pauses every sender and the send is
made again (one it cannot sit out has the job retried); 403 turns the user's notifications off (until /start) and is final. The residual
window: a crash after Telegram accepted the message and before the row is marked sent repeats
that one message when the job is retried (at-least-once there, exactly-once everywhere else).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError, TelegramRetryAfter
from aiogram.utils.i18n import I18n
from loguru import logger

from faceitbot.cluster.keys import RedisKeys
from faceitbot.cluster.kv import MemoryKV, RedisKV
from faceitbot.cluster.scheduler import Scheduler
from faceitbot.config import Settings
from faceitbot.constants import Priority
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import Budget, FaceitClient
from faceitbot.faceit.configured import faceit_client
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.faceit.models import HistoryItem, Player
from faceitbot.faceit.pacing import Pacer
from faceitbot.faceit.tally import tally
from faceitbot.i18n.loader import L10n
from faceitbot.queue import JobSpec, Retry, TaskQueue
from faceitbot.render import tracking as render
from faceitbot.render.common import Rendered
from faceitbot.services import match_requests
from faceitbot.store import players as players_store
from faceitbot.store import predictions as predictions_store
from faceitbot.store import tracking as store
from faceitbot.store import users as users_store
from faceitbot.store.jobs import JobRow
from faceitbot.store.tracking import NotificationRow, TrackedRow
from faceitbot.telegram import send_governor, sent
from faceitbot.tracking import cadence, results
from faceitbot.tracking.governor import (
    MONITOR_RPS,
    Governor,
    LocalWindow,
    RedisWindow,
    ShareBudget,
    ShareSpent,
    Window,
)

T = TypeVar("T")

POLL = JobSpec("monitor.poll", Priority.LOW, max_attempts=2, timeout_s=60, backoff_s=5.0)
NOTIFY = JobSpec("monitor.notify", Priority.DEFAULT, max_attempts=5, timeout_s=60, backoff_s=2.0)
TICK_NAME = "monitor"
HISTORY_LIMIT = 20
MAX_PAGES = 5
CLAIM_LEASE_S = 600.0  # a claimed player whose poll never reports is due again after this
SHARE_SPENT_RETRY_S = 60.0  # the share ran out mid-poll: the window frees up by then
STATS_RETRY_S = 90.0  # a finished match without stats yet: look again this soon
ORDER_WAIT_S = 0.5  # an older notification to the same chat is pending: go after it
ORDER_WINDOW_S = 600.0
# Monitoring reads history and players fresh (a cached page would hide a new match; concurrent
# identical reads still share one call); match stats never change once they exist.
CACHE_TTLS = {"history": 0.001, "player": 0.001, "match": 20.0, "match_stats": 3600.0}


@dataclass
class Monitor:
    settings: Settings
    pool: asyncpg.Pool
    queue: TaskQueue
    bot: Bot
    i18n: I18n
    faceit: FaceitClient
    governor: Governor

    @property
    def base_s(self) -> float:
        return self.settings.check_interval_minutes * 60.0

    def schedule(self, scheduler: Scheduler) -> None:
        async def tick(slot: datetime) -> None:
            await self.tick(slot)

        scheduler.every(TICK_NAME, self.settings.monitor_tick_s, tick)

    async def close(self) -> None:
        await self.faceit.close()

    # -- the tick ---------------------------------------------------------------------------------
    async def tick(self, slot: datetime) -> list[int]:
        """Claim the players due at `slot` that the budget pays for; returns the poll job ids."""
        allowed = await self.governor.polls_allowed()
        if allowed <= 0:
            return []
        stretch = self.governor.stretch(*await store.demand(self.pool))
        stamp = int(slot.timestamp())
        ids = []
        async with self.pool.acquire() as conn, conn.transaction():
            for player_id in await store.claim_due(conn, slot, allowed, CLAIM_LEASE_S):
                job, _ = await self.queue.submit(
                    POLL,
                    {"player_id": player_id, "stretch": [stretch.idle, stretch.session]},
                    dedupe_key=f"poll:{player_id}:{stamp}",
                    conn=conn,
                )
                ids.append(job.id)
        if ids:
            logger.info(
                "monitor tick {}: {} polls (allowed {}, stretch idle {:.2f}, session {:.2f})",
                stamp,
                len(ids),
                allowed,
                stretch.idle,
                stretch.session,
            )
        return ids

    # -- the poll job -----------------------------------------------------------------------------
    async def poll(self, payload: dict[str, Any], job: JobRow) -> None:
        await self.check(payload["player_id"], cadence.Stretch(*payload.get("stretch", ())))

    async def check(self, player_id: str, stretch: cadence.Stretch) -> set[str] | None:
        """A poll of one player; the match ids on their history page, None when not looked."""
        with tally() as spent:
            try:
                return await self._poll(player_id, stretch)
            except ShareSpent:
                logger.info("poll of {} put off: monitoring's FACEIT share is spent", player_id)
                await store.defer(self.pool, player_id, SHARE_SPENT_RETRY_S)
            except FaceitNotFound:  # the history itself: the account was deleted or renamed away
                logger.warning("tracked player {} is gone from FACEIT", player_id)
                await store.defer(self.pool, player_id, cadence.MAX_IDLE_S)
            finally:
                self.governor.observe(spent.calls)
        return None

    async def _poll(self, player_id: str, stretch: cadence.Stretch) -> set[str] | None:
        row = await store.get(self.pool, player_id)
        if row is None or not row.followers:
            return None  # untracked since it was claimed
        items = await self._history(player_id, row.seen_until)
        now = time.time()
        seen = results.scan(items, row.seen_until, now)
        stalled = False
        for item in seen.new:
            if not await self._resolve(row, item, items, item is seen.newest, now, stretch):
                stalled = True
                break
        live_since = await self._pregame(row, seen.live) if seen.live is not None else None
        newest = seen.newest
        p = cadence.plan(
            now,
            base_s=self.base_s,
            last_finished_at=newest.finished_at if newest else row.last_finished_at,
            recent_matches=seen.recent,
            live_since=live_since,
            found_new=bool(seen.new) and not stalled,
        )
        next_in, interval = cadence.next_in(p, stretch), p.interval_s
        if cadence.covered(row.webhook_at.timestamp() if row.webhook_at else None, now):
            next_in, interval = cadence.covered_next_in(next_in), cadence.covered_next_in(interval)
        await store.schedule(
            self.pool,
            player_id,
            next_in_s=STATS_RETRY_S if stalled else next_in,
            interval_s=interval,
            in_session=p.in_session,
            newest=(newest.match_id, newest.finished_at, results.won(newest, player_id)) if newest else None,
            recent_matches=seen.recent,
        )
        return {i.match_id for i in items}

    async def _history(self, player_id: str, seen_until: int) -> list[HistoryItem]:
        items: list[HistoryItem] = []
        for page in range(MAX_PAGES):
            got = (
                await self.faceit.history(player_id, limit=HISTORY_LIMIT, offset=page * HISTORY_LIMIT)
            ).items
            items += got
            if len(got) < HISTORY_LIMIT or not results.scan(got, seen_until, time.time()).more:
                break
        return items

    async def _resolve(
        self,
        row: TrackedRow,
        item: HistoryItem,
        items: list[HistoryItem],
        newest: bool,
        now: float,
        stretch: cadence.Stretch,
    ) -> bool:
        """Record `item` for everyone; False when its stats are not out yet."""
        if await store.monitored_match(self.pool, item.match_id) is not None:
            async with self.pool.acquire() as conn, conn.transaction():
                await store.advance(conn, row.player_id, item.finished_at)
            return True
        try:
            stats = await self.faceit.match_stats(item.match_id)
        except FaceitNotFound:
            logger.info("match {} finished but has no stats yet", item.match_id)
            return False
        tracked = await store.tracked_among(self.pool, results.roster(stats))
        tracked.setdefault(row.player_id, row)
        lines, fresh = [], []
        for player_id, other in tracked.items():
            line = results.player_line(stats, player_id)
            if line is None:
                continue
            polled = player_id == row.player_id
            current = cadence.elo_affordable(stretch) and results.after_is_current(
                item.finished_at, now, newest if polled else False
            )
            player = await _or_none(self.faceit.player(player_id)) if current else None
            if player is not None and player.cs2 is not None:
                fresh.append(player)
            view = await self._elo(other, item, items if polled else None, player)
            lines.append({**line, "elo_before": view.before, "elo_after": view.after})
        info = results.match_info(stats, item)
        async with self.pool.acquire() as conn, conn.transaction():
            for player in fresh:
                game = player.cs2
                assert game is not None  # only players with a CS2 profile are kept
                await players_store.remember(
                    conn, player.player_id, player.nickname, player.country, game.skill_level, game.faceit_elo
                )
            if await store.add_monitored_match(
                conn, item.match_id, item.finished_at, {"match": info, "lines": lines}
            ):
                for notification_id in await store.add_result_notifications(
                    conn, item.match_id, item.finished_at, info, lines
                ):
                    await self._submit_notify(notification_id, conn)
                others = [p for p in tracked if p != row.player_id]
                if others:
                    wait = cadence.plan(
                        now,
                        base_s=self.base_s,
                        last_finished_at=item.finished_at,
                        recent_matches=0,
                        found_new=True,
                    ).interval_s
                    await store.nudge(conn, others, wait, item.finished_at)
            if item.results is not None and item.results.winner in ("faction1", "faction2"):
                # The scorecard learns this outcome for free (no lookup of its own later).
                played = (
                    results.map_name(stats.rounds[0].round_stats.get("Map", "")) if stats.rounds else None
                )
                await predictions_store.record_outcome(conn, item.match_id, item.results.winner, played)
            await store.advance(conn, row.player_id, item.finished_at)
        logger.info("match {} resolved for {} tracked players", item.match_id, len(lines))
        return True

    async def _elo(
        self, row: TrackedRow, item: HistoryItem, history: list[HistoryItem] | None, player: Player | None
    ) -> results.EloView:
        """ELO before and after `item` as far as it can be told exactly. `history` is the page of
        the player whose check found the match; for another tracked player in it there is none."""
        if history is not None:
            previous, covered = results.previous_finish(history, item.finished_at), True
        else:
            # Nothing of theirs can be unseen before this match if their last check came after it
            # started and found nothing newer.
            previous = row.last_finished_at
            covered = (
                row.last_checked_at is not None
                and row.last_checked_at.timestamp() >= (item.started_at or item.finished_at)
                and (previous is None or previous < item.finished_at)
            )
        return results.elo_view(
            before=await store.elo_before(self.pool, row.player_id, item.finished_at),
            after=player.cs2.faceit_elo if player is not None and player.cs2 is not None else None,
            previous_finish=previous,
            covered=covered,
        )

    async def _pregame(self, row: TrackedRow, item: HistoryItem) -> float | None:
        """A match in progress: its start (for the cadence) once match details confirm it, and
        the automatic pre-game analysis for users linked to this player."""
        if not row.linked_followers or not await store.pregame_wanted(
            self.pool, row.player_id, item.match_id
        ):
            return float(item.started_at) if item.started_at else None
        match = await _or_none(self.faceit.match(item.match_id))
        if match is None or match.status.upper() not in results.LIVE_STATUSES:
            return None
        payload = {"nickname": row.nickname, "player_id": row.player_id}
        async with self.pool.acquire() as conn, conn.transaction():
            for notification_id in await store.add_pregame_notifications(
                conn, row.player_id, match.match_id, payload
            ):
                await self._submit_notify(notification_id, conn)
        return float(match.started_at or time.time())

    async def _submit_notify(self, notification_id: int, conn: asyncpg.Connection) -> None:
        await self.queue.submit(
            NOTIFY, {"id": notification_id}, dedupe_key=f"notify:{notification_id}", conn=conn
        )

    # -- the notification job -------------------------------------------------------------------
    async def deliver(self, payload: dict[str, Any], job: JobRow) -> None:
        note = await store.notification(self.pool, payload["id"])
        if note is None or note.status != "pending":
            # Sent (or settled) by an earlier attempt. Logged: a job that ends here without a
            # message is otherwise indistinguishable from one that sent it.
            logger.info(
                "notification {} is {}: nothing to send", payload["id"], note.status if note else "gone"
            )
            return
        if not note.notifications:
            logger.info("notification {} skipped: {} turned notifications off", note.id, note.telegram_id)
            await store.mark(self.pool, note.id, "skipped")
            return
        if await store.older_pending(self.pool, note.telegram_id, note.id, ORDER_WINDOW_S):
            raise Retry(ORDER_WAIT_S, "an older notification to this chat goes first")
        l10n = L10n(self.i18n, note.language)
        if note.kind == "pregame":
            await self._deliver_pregame(note, l10n)
            return
        message_id = await self._send(note, render.result(note.payload, note.match_id, l10n))
        if message_id is not None:
            await store.mark(self.pool, note.id, "sent", message_id)

    async def _deliver_pregame(self, note: NotificationRow, l10n: L10n) -> None:
        user = await users_store.get(self.pool, note.telegram_id)
        if user is None:
            return
        try:
            accepted = await match_requests.request_analysis(
                self.pool,
                self.queue,
                self.settings,
                user,
                note.match_id,
                chat_id=note.telegram_id,
                locale=l10n.locale,
                now=datetime.now(UTC),
            )
        except match_requests.QuotaExceeded:
            logger.info("no automatic analysis for {}: daily quota used", note.telegram_id)
            await store.mark(self.pool, note.id, "skipped")
            return
        if not accepted.created:
            # Already asked for (by the user, or by an attempt of ours that died after this
            # point): that job reports on its own.
            await store.mark(self.pool, note.id, "skipped")
            return
        message_id = await self._send(note, Rendered(render.pregame(note.payload, l10n)))
        if message_id is not None:
            await self.queue.attach_reply(accepted.job_id, message_id)
            await store.mark(self.pool, note.id, "sent", message_id)

    async def _send(self, note: NotificationRow, rendered: Rendered) -> int | None:
        """The message id; None when the chat is gone (the row is settled either way)."""
        try:
            with send_governor.background():
                message = await sent.send_message(self.bot, note.telegram_id, rendered.text, rendered.markup)
        except TelegramRetryAfter as e:
            raise Retry(e.retry_after, f"Telegram flood control: retry after {e.retry_after}s") from None
        except TelegramForbiddenError:
            logger.info("chat {} blocked the bot: its notifications are off until /start", note.telegram_id)
            async with self.pool.acquire() as conn, conn.transaction():
                await store.chat_blocked(conn, note.telegram_id)
                await store.mark(conn, note.id, "blocked")
            return None
        except TelegramBadRequest as e:
            logger.warning("notification {} to {} refused: {}", note.id, note.telegram_id, e.message)
            await store.mark(self.pool, note.id, "failed")
            return None
        return message.message_id

    async def delivery_failed(self, payload: dict[str, Any], job: JobRow, error: BaseException) -> None:
        await store.mark(self.pool, payload["id"], "failed")


async def _or_none(call: Awaitable[T]) -> T | None:
    """A detail that is gone (404) leaves a blank, not a failed check of the whole player."""
    try:
        return await call
    except FaceitNotFound:
        return None


def create_monitor(
    settings: Settings,
    *,
    pool: asyncpg.Pool,
    queue: TaskQueue,
    bot: Bot,
    i18n: I18n,
    budget: Budget,
    redis: aioredis.Redis | None = None,
    per_second: int = MONITOR_RPS,
    pacer: Pacer | None = None,
    on_rate_limited: Callable[[], None] | None = None,
) -> Monitor:
    """Build monitoring on top of the key's overall FACEIT `budget` and register its jobs;
    `per_second` caps monitoring's requests a second (FACEIT's gateway limit is per key), and
    `pacer`, shared with user requests, keeps the key as a whole under that limit."""
    share_limit = max(1, int(settings.faceit_budget_requests * settings.monitor_budget_share))
    window_s = settings.faceit_budget_window_s
    share: Window
    rps: Window
    if redis is not None:
        keys = RedisKeys(settings.redis_prefix)
        share = RedisWindow(redis, share_limit, window_s, key=keys.tracking_budget)
        rps = RedisWindow(redis, per_second, 1.0, key=keys.tracking_rate)
        kv: RedisKV | MemoryKV = RedisKV(redis, prefix=keys.tracking_cache)
    else:
        share, rps = LocalWindow(share_limit, window_s), LocalWindow(per_second, 1.0)
        kv = MemoryKV()
    spend = ShareBudget(budget, share, rps)
    faceit = faceit_client(
        settings,
        budget=spend,
        cache=ResponseCache(kv, ttls=CACHE_TTLS),
        pacer=pacer,
        on_rate_limited=on_rate_limited,
        background=True,
    )
    monitor = Monitor(
        settings=settings,
        pool=pool,
        queue=queue,
        bot=bot,
        i18n=i18n,
        faceit=faceit,
        governor=Governor(spend, settings.monitor_tick_s),
    )
    queue.register(POLL, monitor.poll)
    queue.register(NOTIFY, monitor.deliver, monitor.delivery_failed)
    return monitor
