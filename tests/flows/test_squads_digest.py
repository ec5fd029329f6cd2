"""The weekly digest: planned by two replicas at once and again after one restarts, it reaches the
group once, as one text and one picture, for one FACEIT page per member; its figures are checked
against the world's raw per-match rows, the picture by its size and the names drawn in it."""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from itertools import combinations

from PIL import Image, ImageDraw, ImageFont

from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import load_i18n
from faceitbot.jobs import JobContext
from faceitbot.jobs.squads import DIGEST_JOB
from faceitbot.queue import TaskQueue
from faceitbot.render import squads as card
from faceitbot.services import squads
from faceitbot.services.squads import latest_slot
from faceitbot.store.db import Pool, create_pool
from faceitbot.telegram.send_governor import LocalPace, SendGovernor
from faceitbot.telegram.session import create_bot
from faceitbot.tracking import create_monitor
from faceitbot_sim.fixtures import NOW, World
from tests.conftest import FACEIT_KEY, PG_DSN, SETTLE_S, TOKEN, BotHarness, bot_settings
from tests.flows.test_squads import in_group, linked, new_group
from tests.written import MONTHS

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def digest_day(real_now: datetime) -> tuple[int, datetime]:
    """A digest weekday whose 00:00 UTC just follows the world's matches and is not due on the
    real clock (so the replicas' own periodic planning leaves this test's squad alone)."""
    world_monday = datetime.fromtimestamp(NOW, UTC).replace(hour=0)
    for day in (1, 2, 3):
        real_slot = latest_slot(day, 0, "UTC", real_now)
        if real_now - real_slot > timedelta(days=1, hours=1) and real_slot + timedelta(
            days=7
        ) - real_now > timedelta(hours=1):
            return day, world_monday + timedelta(days=day)
    raise AssertionError("unreachable: two of any three weekdays are clear of the real clock")


@asynccontextmanager
async def replica(schema: str, faceit_url: str, telegram_url: str) -> AsyncIterator[tuple[Pool, TaskQueue]]:
    """Another replica's part in digests: its own pool, queue workers, FACEIT client and bot,
    composed as the composition root composes them (the session bot is the first replica)."""
    pool = await create_pool(PG_DSN, schema=schema)
    faceit = FaceitClient(faceit_url, FACEIT_KEY, budget=LocalBudget(100_000, 600))
    bot = create_bot(TOKEN, telegram_url, SendGovernor(LocalPace()))
    queue = TaskQueue(pool, workers=2)
    settings = bot_settings(PG_DSN, faceit_url, telegram_url)
    i18n = load_i18n()
    monitor = create_monitor(
        settings, pool=pool, queue=queue, bot=bot, i18n=i18n, budget=LocalBudget(100_000, 600)
    )
    DIGEST_JOB.register(
        queue, JobContext(bot=bot, pool=pool, faceit=faceit, i18n=i18n, settings=settings, monitor=monitor)
    )
    await queue.start()
    try:
        yield pool, queue
    finally:
        await queue.stop(5)
        await monitor.close()
        await bot.session.close()
        await faceit.close()
        await pool.close()


def rows_of(world: World, player_id: str) -> list[dict]:
    return json.loads((world.root / "players" / player_id / "games/cs2/stats.json").read_text())["items"]


def drawn_at(picture: Image.Image, text: str, origin: tuple[int, int]) -> bool:
    """Whether `text` is drawn at `origin` on a row panel: the same glyphs drawn here, pixel for pixel."""
    font = ImageFont.load_default(size=card.NAME_SIZE)
    probe = Image.new("RGB", picture.size, card.PANEL)
    draw = ImageDraw.Draw(probe)
    draw.text(origin, text, fill=card.TEXT, font=font)
    box = draw.textbbox(origin, text, font=font)
    return picture.crop(box).tobytes() == probe.crop(box).tobytes()


async def test_the_digest_goes_out_once_with_two_replicas_and_a_restart(
    bot: BotHarness, world: World, schema: str
) -> None:
    day, slot = digest_day(datetime.now(UTC))
    start = slot - timedelta(days=7)
    players = [p for p in world.players if any(p.player_id in g for g in world.premades)]
    group = new_group()
    users = {p.player_id: await linked(bot, p.nickname) for p in players}
    admin = users[players[0].player_id]
    for uid in users.values():
        await in_group(bot, group, uid, "/join")
    bot.tg.set_member(group, admin, "creator")
    [settings] = await in_group(bot, group, admin, f"/squad digest {DAYS[day][:3].lower()} 0 UTC")
    assert settings.params["text"] == (
        f"👥 <b>Squad settings</b>\nWeekly digest: {DAYS[day]} at 00:00 (UTC)\nLanguage: English"
    )
    pool = bot.rt.pool
    # The squad existed before that week, and monitoring had taken ELO snapshots across it.
    await pool.execute(
        "UPDATE squads SET created_at = $2 WHERE chat_id = $1", group, start - timedelta(days=30)
    )
    gainer, loser = players[0], players[1]
    for p, change in ((gainer, 25), (loser, -10)):
        await pool.executemany(
            "INSERT INTO elo_snapshots (player_id, taken_at, elo, level) VALUES ($1, $2, $3, 5)",
            [
                (p.player_id, start - timedelta(hours=1), 1000),
                (p.player_id, slot - timedelta(hours=1), 1000 + change),
            ],
        )

    # Independently, from the raw rows: the week's matches of the members.
    lo, hi = int(start.timestamp()), int(slot.timestamp())
    week = {
        p.nickname: [
            r["stats"]
            for r in rows_of(world, p.player_id)
            if lo <= r["stats"]["Match Finished At"] // 1000 < hi
        ]
        for p in players
    }
    matches = {s["Match Id"] for rows in week.values() for s in rows}
    counts = {name: len(rows) for name, rows in week.items() if rows}
    pairs: Counter[tuple[str, str]] = Counter()
    pair_wins: Counter[tuple[str, str]] = Counter()
    for (n1, r1), (n2, r2) in combinations(week.items(), 2):
        for s1 in r1:
            s2 = next((s for s in r2 if s["Match Id"] == s1["Match Id"]), None)
            if s2 is not None and s1["Team"] == s2["Team"]:
                pairs[n1, n2] += 1
                pairs[n2, n1] += 1
                pair_wins[n1, n2] += s1["Result"] == "1"
                pair_wins[n2, n1] += s1["Result"] == "1"
    assert matches and pairs

    await bot.rt.faceit.cache.clear()
    bot.faceit.reset_stats()
    bot.tg.mark()
    now = slot + timedelta(minutes=10)
    async with replica(schema, bot.faceit.base_url, bot.tg.base_url) as (pool_b, queue_b):
        planned = await asyncio.gather(
            squads.plan_digests(bot.rt.pool, bot.rt.queue, now),
            squads.plan_digests(pool_b, queue_b, now),
        )
        assert sorted(len(p) for p in planned) == [0, 1]
        text, photo = await bot.tg.wait_for(("sendMessage", "sendPhoto"), chat_id=group, count=2, timeout=30)
    # Replica B restarted: planning again, on both, plans nothing.
    async with replica(schema, bot.faceit.base_url, bot.tg.base_url) as (pool_b, queue_b):
        again = await asyncio.gather(
            squads.plan_digests(bot.rt.pool, bot.rt.queue, now + timedelta(minutes=20)),
            squads.plan_digests(pool_b, queue_b, now + timedelta(hours=3)),
        )
        assert again == [[], []]
    await bot.tg.wait_for(("sendMessage", "sendPhoto"), chat_id=group, count=2, settle=SETTLE_S)
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE kind = 'squads.digest'") == 1
    assert bot.faceit.stats()["total"] == len(players)  # one page of rows per member

    lines = text.params["text"].splitlines()
    last = slot - timedelta(seconds=1)
    span = f"{start.day} {MONTHS['en'][start.month - 1]} – {last.day} {MONTHS['en'][last.month - 1]}"
    assert lines[0] == f"📰 <b>The squad's week</b> · {span}"
    assert lines[1] == f"{len(matches)} matches played by the squad."
    assert lines[2] == f"ELO: {gainer.nickname} +25, {loser.nickname} −10"
    most = max(counts.values())
    [named] = [line for line in lines if line.startswith("Most matches:")]
    assert any(named == f"Most matches: <b>{n}</b>, {most} matches" for n, c in counts.items() if c == most)
    busy = [n for n, rows in week.items() if len(rows) >= 5]
    assert any(line.startswith("Best K/D:") for line in lines) == bool(busy)
    [together] = [line for line in lines if line.startswith("Played together most:")]
    top = max(pairs.values())
    assert any(
        together == f"Played together most: <b>{a}</b> + <b>{b}</b>: {top} matches, "
        f"{pair_wins[a, b]} win{'s' if pair_wins[a, b] != 1 else ''}"
        for (a, b), n in pairs.items()
        if n == top
    ), together

    png = bot.tg.files[photo.params["photo"].file_id]
    picture = Image.open(io.BytesIO(png))
    awards = sum(1 for line in lines[3:] if line.split(":")[0] in {
        "Most matches", "Best K/D", "Best ADR", "Longest win streak", "Biggest win", "Played together most"
    })  # fmt: skip
    assert picture.format == "PNG"
    assert picture.size == (
        card.CARD_WIDTH,
        card.TITLE_H + 2 * card.ROW_H + 16 + awards * card.AWARD_H + card.MARGIN,
    )
    picture = picture.convert("RGB")
    assert drawn_at(picture, gainer.nickname, card.row_origin(0))
    assert drawn_at(picture, loser.nickname, card.row_origin(1))
    assert not drawn_at(picture, loser.nickname, card.row_origin(0))
