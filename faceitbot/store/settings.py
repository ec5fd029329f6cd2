"""user_settings and prompts: per-user preferences and the question the bot is waiting on."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from faceitbot.store.db import Executor

DEFAULT_TIME_ZONE = "Europe/Moscow"
# A prompt older than this is forgotten: a nickname typed the next day is just text.
PROMPT_TTL = "15 minutes"


async def time_zone(db: Executor, telegram_id: int) -> str:
    zone = await db.fetchval("SELECT time_zone FROM user_settings WHERE telegram_id = $1", telegram_id)
    return zone or DEFAULT_TIME_ZONE


async def zone(db: Executor, telegram_id: int) -> ZoneInfo:
    """The user's zone, for the times the bot shows them."""
    return ZoneInfo(await time_zone(db, telegram_id))


async def set_time_zone(db: Executor, telegram_id: int, zone: str) -> None:
    await db.execute(
        """
        INSERT INTO user_settings (telegram_id, time_zone) VALUES ($1, $2)
        ON CONFLICT (telegram_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, updated_at = now()
        """,
        telegram_id,
        zone,
    )


async def ask(db: Executor, chat_id: int, telegram_id: int, kind: str) -> None:
    """Open (or replace) the user's prompt in this chat."""
    await db.execute(
        """
        INSERT INTO prompts (chat_id, telegram_id, kind) VALUES ($1, $2, $3)
        ON CONFLICT (chat_id, telegram_id) DO UPDATE SET kind = EXCLUDED.kind, created_at = now()
        """,
        chat_id,
        telegram_id,
        kind,
    )


async def pending(db: Executor, chat_id: int, telegram_id: int) -> str | None:
    return await db.fetchval(
        f"""
        SELECT kind FROM prompts
        WHERE chat_id = $1 AND telegram_id = $2 AND created_at > now() - interval '{PROMPT_TTL}'
        """,
        chat_id,
        telegram_id,
    )


async def take(db: Executor, chat_id: int, telegram_id: int) -> str | None:
    """Close the prompt and return its kind; None when there was none (or another replica took it)."""
    return await db.fetchval(
        f"""
        DELETE FROM prompts
        WHERE chat_id = $1 AND telegram_id = $2 AND created_at > now() - interval '{PROMPT_TTL}'
        RETURNING kind
        """,
        chat_id,
        telegram_id,
    )
