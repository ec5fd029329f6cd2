"""Sending one message outside a conversation (reminders, notices, broadcasts) without raising."""

from __future__ import annotations

import asyncio
from enum import StrEnum

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError, TelegramRetryAfter
from aiogram.types import InlineKeyboardMarkup
from loguru import logger

from faceitbot import sent

# Longest flood wait we sit out inline; a longer one fails the send (the caller may retry later).
MAX_RETRY_AFTER_S = 30


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the user blocked the bot or was deactivated
    FAILED = "failed"


async def send(bot: Bot, chat_id: int, text: str, markup: InlineKeyboardMarkup | None = None) -> Delivery:
    for attempt in range(3):
        try:
            await sent.send_message(bot, chat_id, text, markup)
            return Delivery.SENT
        except TelegramRetryAfter as e:
            if e.retry_after > MAX_RETRY_AFTER_S or attempt == 2:
                logger.warning("send to {} gave up: flood wait {}s", chat_id, e.retry_after)
                return Delivery.FAILED
            await asyncio.sleep(e.retry_after)
        except TelegramForbiddenError:
            return Delivery.BLOCKED
        except TelegramAPIError as e:
            logger.warning("send to {} failed: {}", chat_id, e.message)
            return Delivery.FAILED
    return Delivery.FAILED
