"""The real entry points as real processes: the demo, `faceitbot run` against the simulators
with the machine's PostgreSQL and Redis, start-up errors, and secrets kept out of logs."""

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from faceitbot.logs import setup_logging
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import demo_world_path
from faceitbot_sim.telegram import FakeTelegram
from tests.conftest import BOTAPI_SPEC, FACEIT_KEY, ROOT, TOKEN

PYTHON = sys.executable


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TELEGRAM_", "FACEIT_", "DATABASE_", "REDIS_"))
    }
    env.update(extra)
    return env


def test_missing_token_is_one_clear_line_and_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [PYTHON, "run.py"], cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "TELEGRAM_BOT_TOKEN" in lines[0] and "--demo" in lines[0]
    assert "Traceback" not in proc.stderr


def test_bad_setting_names_the_variable() -> None:
    env = clean_env(
        TELEGRAM_BOT_TOKEN="1:token-of-a-test", FACEIT_API_KEY="key-of-a-test", QUEUE_MAX_WORKERS="many"
    )
    proc = subprocess.run([PYTHON, "run.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "faceitbot: QUEUE_MAX_WORKERS must be a whole number, got 'many'"


def test_scripted_demo_shows_the_fixture_profile(tmp_path: Path) -> None:
    world = demo_world_path()
    player = next(
        json.loads(p.read_text())
        for p in (world / "players").glob("*.json")
        if json.loads(p.read_text())["nickname"] == "s1mple_fan"
    )
    life = json.loads((world / "players" / player["player_id"] / "stats" / "cs2.json").read_text())[
        "lifetime"
    ]
    script = tmp_path / "demo.txt"
    script.write_text("/start\n/link s1mple_fan\n/profile\n")
    proc = subprocess.run(
        [PYTHON, "run.py", "--demo", "--script", str(script)],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "bot › Hi, Demo!" in out
    assert (
        f"level {player['games']['cs2']['skill_level']} · {player['games']['cs2']['faceit_elo']} ELO" in out
    )
    assert f"Win rate: {life['Win Rate %']}%" in out
    assert f"K/D: {life['Average K/D Ratio']}" in out


def test_log_lines_never_carry_secrets() -> None:
    sink = io.StringIO()
    setup_logging("DEBUG", "json", (TOKEN, FACEIT_KEY), stream=sink)
    from loguru import logger

    logger.info("calling https://api.telegram.org/bot{}/getMe", TOKEN)
    try:
        raise RuntimeError(f"Authorization: Bearer {FACEIT_KEY}")
    except RuntimeError:
        logger.exception("request failed")
    text = sink.getvalue()
    assert "getMe" in text and "request failed" in text
    assert TOKEN not in text and FACEIT_KEY not in text
    setup_logging("INFO", "text", ())


async def test_run_against_simulators_with_real_postgres_and_redis(
    tmp_path: Path, dsn: str, pool, redis_url: str, world_dir: Path
) -> None:
    """The production entry point, pointed at the simulators: same code path as the demo."""
    async with (
        FaceitSim(world_dir, api_key=FACEIT_KEY) as faceit,
        FakeTelegram(token=TOKEN, spec=BOTAPI_SPEC) as tg,
    ):
        env = clean_env(
            TELEGRAM_BOT_TOKEN=TOKEN,
            FACEIT_API_KEY=FACEIT_KEY,
            DATABASE_URL=dsn,
            REDIS_URL=redis_url,
            FACEIT_API_URL=faceit.base_url,
            TELEGRAM_API_URL=tg.base_url,
            LOG_LEVEL="DEBUG",
            LOG_FORMAT="json",
            DATA_DIR=str(tmp_path),
            REDIS_PREFIX=f"proc{os.getpid()}:",
            HEALTH_PORT="0",
        )
        proc = await asyncio.create_subprocess_exec(
            PYTHON,
            "run.py",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await tg.wait_polling(timeout=60)
            tg.mark()
            tg.send_text(777001, "/link Darwin", user_id=777001, first_name="Proc")
            [linked] = await tg.wait_for("sendMessage", chat_id=777001, timeout=30)
            assert linked.params["text"].startswith("✅ Linked to <b>Darwin</b> — level 10, 2014 ELO.")
            tg.mark()
            tg.send_text(777001, "/profile", user_id=777001, first_name="Proc")
            [card] = await tg.wait_for("sendMessage", chat_id=777001, timeout=30)
            assert "Matches: 2,423 · Win rate: 50%" in card.params["text"]
        finally:
            proc.send_signal(signal.SIGTERM)
            stdout, stderr = await asyncio.wait_for(proc.communicate(), 15)
        assert proc.returncode == 0, stderr.decode()[-2000:]
        logs = stdout.decode() + stderr.decode()
        assert '"level": {"icon"' in logs or '"record"' in logs  # JSON lines
        assert "Redis connected" in logs
        assert TOKEN not in logs and FACEIT_KEY not in logs
        assert await pool.fetchval("SELECT faceit_nickname FROM users WHERE telegram_id = 777001") == "Darwin"
