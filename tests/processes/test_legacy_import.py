"""`faceitbot import-legacy` as a real process on the shared sample file (../shared/legacy):
exact counts, what lands in PostgreSQL, newer data kept, a second run and --dry-run change nothing."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

from tests.conftest import ROOT, SHARED
from tests.replicas import PYTHON, replica_env

SAMPLE = SHARED / "legacy" / "sample-data.json"


def run_import(dsn: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = replica_env(dsn, "http://127.0.0.1:9", "http://127.0.0.1:9")
    return subprocess.run(
        [PYTHON, "-m", "faceitbot.cli", "import-legacy", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def snapshot(pool) -> list:
    rows = await pool.fetch(
        """SELECT telegram_id, language, faceit_player_id, faceit_nickname, tier, tier_expires_at, notifications,
                  created_at, last_seen_at, referral_code FROM users ORDER BY telegram_id"""
    )
    usage = await pool.fetch("SELECT * FROM usage ORDER BY telegram_id, day")
    refs = await pool.fetch("SELECT referred_id, referrer_id, bonus FROM referrals ORDER BY referred_id")
    follows = await pool.fetch("SELECT telegram_id, player_id, linked FROM follows ORDER BY 1, 2")
    tracked = await pool.fetch("SELECT player_id, seen_until FROM tracked_players ORDER BY 1")
    return [list(map(tuple, x)) for x in (rows, usage, refs, follows, tracked)]


async def test_import_of_the_sample_counts_exactly_and_a_second_run_is_a_no_op(
    dsn: str, pool, tmp_path: Path
) -> None:
    # 444444444 already uses this bot and was seen after the legacy file was written: ours wins.
    await pool.execute(
        "INSERT INTO users (telegram_id, language, last_seen_at) VALUES (444444444, 'en', now())"
    )
    # The sample holds 7 entries: 111111111 twice (the later one wins, the earlier is skipped),
    # 222222222, 333333333 (a Pro that expired in 2024: imported as free), a non-numeric id and a
    # "gold" tier (both invalid), and 444444444 (skipped: newer here).
    dry = run_import(dsn, str(SAMPLE), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.strip().splitlines()
    assert lines[0] == "imported 3, skipped 2, invalid 2, tracked 2 (dry run: nothing was written)"
    assert "invalid: entry 4: user_id 'not-a-number' is not a Telegram user id" in lines
    assert "invalid: entry 7 (user 555555555): unknown tier 'gold'" in lines
    assert "skipped: entry 1 (user 111111111): replaced by the later entry 6" in lines
    assert "skipped: entry 5 (user 444444444): the bot has newer data for this user" in lines
    assert await pool.fetchval("SELECT count(*) FROM users") == 1

    first = run_import(dsn, str(SAMPLE))
    assert first.returncode == 0, first.stderr
    # The two linked accounts (111111111's and 333333333's) are tracked, as the old notifier did.
    assert first.stdout.splitlines()[0] == "imported 3, skipped 2, invalid 2, tracked 2"
    assert await pool.fetch("SELECT telegram_id, player_id, linked FROM follows ORDER BY telegram_id") == [
        (111111111, "ca1903af-23bc-4f9b-a93d-1ba9f64b514d", True),
        (333333333, "b1e2d1a0-0000-4000-8000-000000000003", True),
    ]

    u = await pool.fetchrow("SELECT * FROM users WHERE telegram_id = 111111111")
    assert (u["tier"], u["tier_expires_at"]) == ("premium", datetime(2030, 2, 15, 12, 30, tzinfo=UTC))
    assert (u["faceit_nickname"], u["language"], u["referral_code"]) == ("Tomassenz", "ru", "A1B2C3D4")
    assert u["last_seen_at"] == datetime(2026, 11, 21, 9, 15, tzinfo=UTC)
    assert (
        await pool.fetchval(
            "SELECT used FROM usage WHERE telegram_id = 111111111 AND day = $1", date(2026, 11, 21)
        )
        == 4
    )
    u = await pool.fetchrow("SELECT * FROM users WHERE telegram_id = 222222222")
    assert (u["language"], u["notifications"], u["faceit_player_id"]) == ("en", False, None)
    assert u["created_at"] == datetime(2025, 6, 11, 18, 42, 7, 500000, tzinfo=UTC)
    assert await pool.fetchrow("SELECT referrer_id, bonus FROM referrals WHERE referred_id = 222222222") == (
        111111111,
        0,
    )
    u = await pool.fetchrow("SELECT * FROM users WHERE telegram_id = 333333333")
    assert (u["tier"], u["tier_expires_at"], u["faceit_nickname"]) == ("free", None, "MelMA")
    assert await pool.fetchval("SELECT language FROM users WHERE telegram_id = 444444444") == "en"

    before = await snapshot(pool)
    second = run_import(dsn, str(SAMPLE))
    assert second.returncode == 0, second.stderr
    assert second.stdout.splitlines()[0] == "imported 0, skipped 5, invalid 2, tracked 0"
    assert "skipped: entry 6 (user 111111111): already imported, unchanged since" in second.stdout
    assert await snapshot(pool) == before


async def test_a_truncated_file_imports_nothing(dsn: str, pool, tmp_path: Path) -> None:
    broken = tmp_path / "data.json"
    broken.write_text(SAMPLE.read_text()[:700])
    proc = run_import(dsn, str(broken))
    assert proc.returncode == 1
    assert "not importing anything" in proc.stderr and "Traceback" not in proc.stderr
    assert await pool.fetchval("SELECT count(*) FROM users") == 0


async def test_users_keyed_by_telegram_id_are_accepted(dsn: str, pool, tmp_path: Path) -> None:
    keyed = tmp_path / "data.json"
    keyed.write_text(
        json.dumps(
            {
                "users": {
                    "777000111": {
                        "language": "EN",
                        "subscription": {"tier": "Premium", "expires_at": "2031-01-01T00:00:00"},
                    }
                }
            }
        )
    )
    proc = run_import(dsn, str(keyed))
    assert proc.stdout.splitlines()[0] == "imported 1, skipped 0, invalid 0, tracked 0", proc.stderr
    assert await pool.fetchrow("SELECT language, tier FROM users WHERE telegram_id = 777000111") == (
        "en",
        "premium",
    )


X = "aaaaaaaa-0000-4000-8000-00000000000a"
Y = "bbbbbbbb-0000-4000-8000-00000000000b"
Z = "cccccccc-0000-4000-8000-00000000000c"


async def test_tracked_players_are_followed_from_now_once(dsn: str, pool, tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {
                "users": [
                    {
                        "user_id": 778000001,
                        "faceit_player_id": X,
                        "faceit_nickname": "Ex",
                        "last_active_at": "2026-11-20T10:00:00",
                        # Y twice, the linked account again and an id that is no FACEIT id: X, Y and Z are followed.
                        "tracked_players": [
                            Y,
                            {"player_id": Z, "nickname": "Zed"},
                            "not-an-id",
                            X,
                            {"faceit_player_id": Y},
                        ],
                    },
                    {"user_id": 778000002, "tracked_players": "oops"},
                ]
            }
        )
    )
    started = int(datetime.now(UTC).timestamp())
    first = run_import(dsn, str(data))
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "imported 1, skipped 0, invalid 1, tracked 3"
    assert "invalid: entry 2 (user 778000002): tracked_players is not a list" in lines
    assert await pool.fetch(
        "SELECT player_id, linked FROM follows WHERE telegram_id = 778000001 ORDER BY 1"
    ) == [
        (X, True),
        (Y, False),
        (Z, False),
    ]
    assert await pool.fetch("SELECT player_id, nickname FROM players ORDER BY 1") == [
        (X, "Ex"),
        (Y, Y),
        (Z, "Zed"),
    ]
    # Watermarks at the import: matches the old bot had already reported are never sent again.
    assert all(r["seen_until"] >= started for r in await pool.fetch("SELECT seen_until FROM tracked_players"))

    before = await snapshot(pool)
    second = run_import(dsn, str(data))
    assert second.stdout.splitlines()[0] == "imported 0, skipped 1, invalid 1, tracked 0"
    assert await snapshot(pool) == before


async def test_one_unreadable_record_is_an_invalid_line_and_the_rest_import(
    dsn: str, pool, tmp_path: Path
) -> None:
    good = {"user_id": 777000222, "language": "en"}
    bad = [
        {"user_id": "١٢٣"},  # digits to str.isdigit, not to int
        {"user_id": 2**70},  # no Telegram id, and beyond BIGINT
        {"user_id": 777000301, "subscription": {"daily_requests": 10**30}},
        {"user_id": 777000302, "created_at": "9999-12-31T23:59:59-10:00"},  # overflows in UTC
        {"user_id": 777000303, "subscription": {"tier": "pro", "expires_at": "0001-01-01T00:00:00+01:00"}},
        {"user_id": 777000304, "faceit_player_id": "../../etc"},
    ]
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"users": [bad[0], good, *bad[1:]]}))
    proc = run_import(dsn, str(data))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "imported 1, skipped 0, invalid 6, tracked 0"
    invalid = [line.split(": ")[1] for line in lines if line.startswith("invalid:")]
    assert invalid == [
        "entry 1",
        "entry 3",
        "entry 4 (user 777000301)",
        "entry 5 (user 777000302)",
        "entry 6 (user 777000303)",
        "entry 7 (user 777000304)",
    ]
    assert await pool.fetchval("SELECT array_agg(telegram_id) FROM users") == [777000222]
