import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from faceitbot.plans import derive
from faceitbot.services import payments
from faceitbot.store import entitlements, migrate
from faceitbot.store.db import create_pool
from faceitbot.tiers import Tier
from tests.conftest import PG_DSN


@pytest.fixture
async def scratch() -> AsyncIterator[str]:
    name = f"m_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_DSN)
    await admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield name
    finally:
        await admin.execute(f'DROP SCHEMA "{name}" CASCADE')
        await admin.close()


async def test_fresh_apply_then_rerun_is_a_noop(scratch: str) -> None:
    pool = await create_pool(PG_DSN, schema=scratch)
    try:
        files = [m.name for m in migrate.load(migrate.default_dir())]
        assert await migrate.apply(pool) == files
        assert await migrate.apply(pool) == []
        tables = {
            r["tablename"]
            for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = $1", scratch)
        }
        assert {"users", "players", "elo_snapshots", "schema_migrations"} <= tables
        assert await pool.fetchval("SELECT count(*) FROM schema_migrations") == len(files)
    finally:
        await pool.close()


async def test_concurrent_migrators_apply_each_file_once(scratch: str) -> None:
    pools = [await create_pool(PG_DSN, schema=scratch) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate.apply(p) for p in pools))
        files = [m.name for m in migrate.load(migrate.default_dir())]
        # Exactly one migrator did the work; the others found nothing left to do.
        assert sorted(results, key=len) == [[], [], files]
        assert await pools[0].fetchval("SELECT count(*) FROM schema_migrations") == len(files)
    finally:
        for p in pools:
            await p.close()


async def test_an_edited_applied_file_stops_start_up(scratch: str, tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrate.default_dir(), sql_dir, ignore=shutil.ignore_patterns("__*"))
    pool = await create_pool(PG_DSN, schema=scratch)
    try:
        await migrate.apply(pool, sql_dir)
        first = sorted(sql_dir.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- an innocent-looking edit\n")
        with pytest.raises(migrate.MigrationError, match="edited"):
            await migrate.apply(pool, sql_dir)
    finally:
        await pool.close()


async def test_a_failing_file_applies_nothing(scratch: str, tmp_path: Path) -> None:
    sql_dir = tmp_path / "sql"
    shutil.copytree(migrate.default_dir(), sql_dir, ignore=shutil.ignore_patterns("__*"))
    (sql_dir / "9999_broken.sql").write_text(
        "CREATE TABLE ok_table (id int);\nSELECT no_such_column FROM users;\n"
    )
    pool = await create_pool(PG_DSN, schema=scratch)
    try:
        with pytest.raises(asyncpg.PostgresError):
            await migrate.apply(pool, sql_dir)
        exists = await pool.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
        assert not exists  # one transaction: even the bookkeeping table rolled back
    finally:
        await pool.close()


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "1_init.sql").write_text("select 1")
    with pytest.raises(migrate.MigrationError, match="NNNN"):
        migrate.load(tmp_path)


def migrations_before(tmp_path: Path, name: str) -> Path:
    """A folder with the migrations older than `name`: the schema as a database had it then."""
    before = tmp_path / "before"
    before.mkdir()
    for m in migrate.load(migrate.default_dir()):
        if m.name < name:
            shutil.copy(migrate.default_dir() / m.name, before / m.name)
    return before


async def test_the_ledger_migration_keeps_what_every_user_has(scratch: str, tmp_path: Path) -> None:
    """sql/0016 on a copy of a database as it was before it: today's (tier, expiry) of every
    kind of user become ledger rows from which the same plan is derived."""
    before = migrations_before(tmp_path, "0016")
    pool = await create_pool(PG_DSN, schema=scratch)
    try:
        await migrate.apply(pool, before)
        now = datetime.now(UTC)
        users = {
            1: ("free", None),
            2: ("premium", now + timedelta(days=10, hours=12, microseconds=7)),
            3: ("pro", now + timedelta(days=3)),
            4: ("premium", now - timedelta(days=1)),  # ended; the expiry tick had not run yet
            5: ("pro", now + timedelta(minutes=5)),
        }
        for uid, (tier, expires) in users.items():
            await pool.execute(
                "INSERT INTO users (telegram_id, tier, tier_expires_at) VALUES ($1, $2, $3)",
                uid,
                tier,
                expires,
            )
        await pool.execute(
            """INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status)
               VALUES ('old', 3, 'pro', 1000, 30, 'paid')"""
        )
        shutil.copy(migrate.default_dir() / "0016_ledger.sql", before / "0016_ledger.sql")
        assert await migrate.apply(pool, before) == ["0016_ledger.sql"]

        for uid, (tier, expires) in users.items():
            row = await pool.fetchrow("SELECT tier, tier_expires_at FROM users WHERE telegram_id = $1", uid)
            assert (row["tier"], row["tier_expires_at"]) == (tier, expires), uid  # untouched
            plan = derive(await entitlements.entries(pool, uid), datetime.now(UTC))
            if expires is not None and expires > now:
                assert [(s.tier, s.end) for s in plan.segments] == [(tier, expires)], uid
            else:
                assert plan.segments == (), uid
    finally:
        await pool.close()


async def test_past_payments_become_ledger_rows_that_add_money_not_days(scratch: str, tmp_path: Path) -> None:
    """sql/0018 on a database that has run since before the ledger: every payment made before it
    becomes a row, so the revenue read from the ledger counts it and its refund has a row to
    mark; nobody's plan moves by a second, and refunding such a payment takes its days back once."""
    before = migrations_before(tmp_path, "0016")
    pool = await create_pool(PG_DSN, schema=scratch)
    try:
        await migrate.apply(pool, before)
        now = datetime.now(UTC)
        await pool.execute(
            "INSERT INTO users (telegram_id, tier, tier_expires_at) VALUES (1, 'pro', $1), (2, 'premium', $2),"
            " (3, 'free', NULL)",
            now + timedelta(days=40),
            now + timedelta(days=5),
        )
        paid = [  # (charge, user, tier, stars, days, status)
            ("a1", 1, "pro", 1000, 30, "paid"),
            ("a2", 1, "pro", 1000, 30, "paid"),
            ("b1", 2, "premium", 500, 30, "refunded"),
            ("b2", 2, "premium", 500, 30, "paid"),
            ("x", 3, None, 77, 0, "orphan"),  # matched no invoice: never credited, no revenue
        ]
        for charge, uid, tier, stars, days, status in paid:
            await pool.execute(
                """INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status,
                                         created_at, refunded_at)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $6 = 'refunded' THEN $7::timestamptz END)""",
                charge, uid, tier, stars, days, status, now - timedelta(days=20),
            )  # fmt: skip
        for name in ("0016_ledger.sql", "0017_faceit_pacing.sql"):
            shutil.copy(migrate.default_dir() / name, before / name)
        await migrate.apply(pool, before)
        # A payment made once the ledger ran: a row of its own already, not to be doubled.
        await pool.execute(
            "INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status)"
            " VALUES ('c1', 2, 'premium', 500, 30, 'paid')"
        )
        await entitlements.credit(pool, 2, Tier.PREMIUM, 30, "payment", "c1", now, stars=500)
        plans_before = {uid: derive(await entitlements.entries(pool, uid), now) for uid in (1, 2, 3)}

        shutil.copy(migrate.default_dir() / "0018_ledger_history.sql", before / "0018_ledger_history.sql")
        assert await migrate.apply(pool, before) == ["0018_ledger_history.sql"]

        rows = await pool.fetch("SELECT source, source_ref, stars, refunded_at IS NOT NULL AS refunded FROM"
                                " entitlements WHERE source IN ('history', 'payment') ORDER BY source_ref")  # fmt: skip
        assert [tuple(r) for r in rows] == [
            ("history", "a1", 1000, False),
            ("history", "a2", 1000, False),
            ("history", "b1", 500, True),
            ("history", "b2", 500, False),
            ("payment", "c1", 500, False),
        ]
        for uid in (1, 2, 3):
            assert derive(await entitlements.entries(pool, uid), now) == plans_before[uid], uid
        assert await entitlements.stars_since(pool, now - timedelta(days=30)) == 1000 + 1000 + 500 + 500

        result = await payments.apply_refund(pool, "a2", now)  # a pre-ledger PRO payment
        assert result.outcome is payments.RefundOutcome.REFUNDED
        plan = derive(await entitlements.entries(pool, 1), now)
        assert [(s.tier, s.end) for s in plan.segments] == [(Tier.PRO, now + timedelta(days=10))]
        assert await entitlements.stars_since(pool, now - timedelta(days=30)) == 1000 + 500 + 500
        again = await payments.apply_refund(pool, "a2", now)
        assert again.outcome is payments.RefundOutcome.ALREADY
        assert derive(await entitlements.entries(pool, 1), now) == plan
    finally:
        await pool.close()
