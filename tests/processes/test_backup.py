"""Backups end to end: a bot fills a database of its own (a linked account, a tracked player, a
match notification sent, a Stars payment), `faceitbot backup` dumps it, `faceitbot restore` loads
it into an empty database, and a bot on the restored one answers /profile, still tracks the
player, keeps the ledger (a replayed payment credits nothing) and sends no notification twice."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import yaml

from faceitbot.store.db import create_pool
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import World
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, PG_DSN, ROOT, TOKEN, BotHarness
from tests.flows.test_monitoring import NOTIFICATION, Matches, a_finished_match, backdate
from tests.flows.test_payments import PREMIUM_STARS, buy, pay, pre_checkout
from tests.kustomize import pod_spec, render
from tests.replicas import replica_env, start_replica, wait_ready, wait_until

FACEITBOT = str(Path(sys.executable).with_name("faceitbot"))


def database_url(name: str) -> str:
    parts = urlsplit(PG_DSN)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", "", ""))


@pytest.fixture
async def databases() -> AsyncIterator[tuple[str, str]]:
    """Two databases of this test on the shared cluster: one to fill, one empty to restore into."""
    names = [f"fb_backup_{uuid.uuid4().hex[:8]}_{role}" for role in ("src", "dst")]
    admin = await asyncpg.connect(PG_DSN)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        yield database_url(names[0]), database_url(names[1])
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    """A Bot API of this test's own: the session bot polls the shared one."""
    async with FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as fake:
        yield fake


@asynccontextmanager
async def running_bot(
    dsn: str, faceit_sim: FaceitSim, tg: FakeTelegram, log: Path
) -> AsyncIterator[tuple[BotHarness, asyncpg.Pool]]:
    """The bot as a real process on `dsn` (its handlers are one per process, and the session's
    in-process bot has them), polling `tg`, monitoring every 5 s; and a pool for assertions."""
    env = replica_env(
        dsn, faceit_sim.base_url, tg.base_url, FACEIT_BUDGET_REQUESTS="100000", MONITOR_TICK_SECONDS="5"
    )
    replica = await start_replica(env, log)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        await wait_ready(replica)
        yield BotHarness(None, tg, faceit_sim), pool  # type: ignore[arg-type]
    finally:
        await pool.close()
        code, _ = await replica.stop(signal.SIGTERM)
        assert code == 0, replica.logs()[-3000:]


def cli(command: str, dsn: str, file: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "TELEGRAM_", "FACEIT_"))}
    return subprocess.run(
        [FACEITBOT, command, str(file)],
        env={**env, "DATABASE_URL": dsn},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=file.parent,
    )


async def poll_now(pool: asyncpg.Pool) -> None:
    """Make every tracked player due, and wait for the bot's monitor to have looked at them."""
    before = await pool.fetchval("SELECT max(coalesce(last_checked_at, '-infinity')) FROM tracked_players")
    await pool.execute("UPDATE tracked_players SET next_check_at = now()")
    await wait_until(
        lambda: pool.fetchval("SELECT bool_and(last_checked_at > $1) FROM tracked_players", before),
        60,
        "the monitor to poll the tracked players",
    )


def notifications(tg: FakeTelegram, uid: int) -> list:
    return [c for c in tg.calls_for(uid, "sendMessage") if c.ok and NOTIFICATION in c.params["text"]]


async def ledger(pool: asyncpg.Pool, uid: int) -> tuple:
    user = await pool.fetchrow("SELECT tier, tier_expires_at FROM users WHERE telegram_id = $1", uid)
    paid = await pool.fetch("SELECT telegram_payment_charge_id, stars, status FROM payments ORDER BY id")
    return user["tier"], user["tier_expires_at"], [tuple(p) for p in paid]


async def test_a_restored_backup_serves_users_as_before(
    databases, tg: FakeTelegram, faceit_sim: FaceitSim, world: World, tmp_path: Path
) -> None:
    src, dst = databases
    m = Matches(faceit_sim.data_dir)
    try:
        template, roster = a_finished_match(m, world)
        nick = roster[0][1]
        uid = 7_000_001
        async with running_bot(src, faceit_sim, tg, tmp_path / "src.log") as (bot, pool):
            [linked] = await bot.say(uid, "/link Darwin")
            assert linked.params["text"].startswith("✅ Linked to <b>Darwin</b>")
            [card] = await bot.say(uid, "/profile")
            assert card.params["text"].startswith("🇬🇧 <b>Darwin</b> · level 10")
            [tracking] = await bot.say(uid, f"/track {nick}")
            assert f"Tracking <b>{nick}</b>" in tracking.params["text"]
            invoice = await buy(bot, uid, "premium")
            payload = invoice.params["payload"]
            await pre_checkout(bot, uid, payload, PREMIUM_STARS)
            charge = f"ch_{secrets.token_hex(8)}"
            await pay(bot, uid, payload, PREMIUM_STARS, charge)
            before = await ledger(pool, uid)
            assert before[0] == "premium" and len(before[2]) == 1

            await backdate(pool)
            await poll_now(pool)  # the first look only learns the players' rhythm
            assert notifications(tg, uid) == []
            played = m.finish(template)
            tg.mark()
            await poll_now(pool)
            [note] = await tg.wait_for(
                "sendMessage", chat_id=uid, predicate=lambda c: NOTIFICATION in c.params["text"], timeout=30
            )
            assert nick in note.params["text"]
            [tracked_before] = await bot.say(uid, "/tracked")

        archive = tmp_path / "faceitbot.dump"
        dumped = cli("backup", src, archive)
        assert dumped.returncode == 0, dumped.stderr
        assert dumped.stdout.startswith(f"backup written: {archive}")
        assert archive.read_bytes()[:5] == b"PGDMP"
        assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]

        restored = cli("restore", dst, archive)
        assert restored.returncode == 0, restored.stderr
        assert restored.stdout.startswith(f"restored {archive}: schema version ")
        # A second restore would write over live data: refused, and it says why.
        again = cli("restore", dst, archive)
        assert again.returncode == 1
        assert "is not empty" in again.stderr and "restore only into an empty database" in again.stderr
        not_a_dump = tmp_path / "notes.txt"
        not_a_dump.write_text("hello")
        wrong = cli("restore", dst, not_a_dump)
        assert wrong.returncode == 1 and "not a pg_dump custom-format archive" in wrong.stderr

        async with running_bot(dst, faceit_sim, tg, tmp_path / "dst.log") as (bot, pool):
            [card_after] = await bot.say(uid, "/profile")
            assert card_after.params["text"] == card.params["text"]
            [tracked_after] = await bot.say(uid, "/tracked")
            assert tracked_after.params["text"] == tracked_before.params["text"]
            assert nick in tracked_after.params["text"]

            # The ledger came along: the same charge delivered again credits nothing.
            assert await ledger(pool, uid) == before
            tg.successful_payment(uid, payload, PREMIUM_STARS, charge)
            await bot.say(uid, "/help")  # handled after the payment: it is done with
            assert await ledger(pool, uid) == before

            # The match already reported is not news on the restored database…
            await poll_now(pool)
            assert len(notifications(tg, uid)) == 1
            # …while the next one is reported, once.
            newer = m.finish(template, ago_s=5)
            tg.mark()
            await poll_now(pool)
            [later] = await tg.wait_for(
                "sendMessage", chat_id=uid, predicate=lambda c: NOTIFICATION in c.params["text"], timeout=30
            )
            assert later.params["text"] != note.params["text"]
            await poll_now(pool)
            assert len(notifications(tg, uid)) == 2
            reported = await pool.fetchval(
                "SELECT count(*) FROM monitored_matches WHERE match_id = ANY($1::text[])", [played, newer]
            )
            assert reported == 2
    finally:
        m.restore()


def test_the_scheduled_backups_dump_what_restore_reads() -> None:
    """compose's backup service and the Kubernetes CronJob: pg_dump's custom format from a client
    at least as new as the server (compose's postgres), kept under the name restore is given."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    server_major = compose["postgres"]["image"].split(":")[1]
    [cron] = [r for r in render(ROOT / "deploy" / "kubernetes" / "base") if r["kind"] == "CronJob"]
    scripts = {
        "compose": (compose["backup"]["image"], compose["backup"]["entrypoint"][-1]),
        "cronjob": (pod_spec(cron)["containers"][0]["image"], pod_spec(cron)["containers"][0]["command"][-1]),
    }
    for where, (image, script) in scripts.items():
        assert image == f"postgres:{server_major}", where
        assert "pg_dump --format=custom --no-owner --no-privileges" in script, where
        # Written under a temporary name: a dump cut short is never taken for a backup.
        assert ".partial" in script and "mv " in script, where
        assert "faceitbot-" in script and ".dump" in script, where
