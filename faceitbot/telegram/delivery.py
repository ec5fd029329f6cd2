"""Sending one message outside a conversation (reminders, notices, broadcasts) without raising."""

from __future__ import annotations

from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from loguru import logger

from faceitbot.telegram import sent


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot or was deactivated
    FAILED = "failed"


async def send(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> Delivery:
    """Pacing and flood waits are the send governor's (faceitbot.telegram.send_governor): a 429 that
    reaches here is one it would not sit out."""
    try:
        await sent.send_message(bot, chat_id, text, markup)
        return Delivery.SENT
    except TelegramRetryAfter as e:
        logger.warning("send to {} gave up: flood wait {}s", chat_id, e.retry_after)
        return Delivery.FAILED
    except TelegramForbiddenError:
        return Delivery.BLOCKED
    except TelegramAPIError as e:
        logger.warning("send to {} failed: {}", chat_id, e.message)
        return Delivery.FAILED
