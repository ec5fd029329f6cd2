"""Inline mode: `@bot <nickname>` offers the player's card, `@bot <room URL>` the match summary."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import Router
from aiogram.types import InlineQuery

from faceitbot import parsing
from faceitbot.config import Settings
from faceitbot.errors import FaceitBotError
from faceitbot.faceit.client import FaceitClient
from faceitbot.i18n.loader import L10n
from faceitbot.render import inline as render
from faceitbot.render.errors import for_exception
from faceitbot.services import insights, players
from faceitbot.store.db import Pool
from faceitbot.store.users import UserRow

router = Router(name="inline")

# Telegram keeps an answer for the same query text this long, so a popular nickname costs us
# one answer per 5 minutes; behind it, the FACEIT cache keeps the reads.
CACHE_S = 300


@router.inline_query()
async def on_inline(
    query: InlineQuery, user: UserRow, pool: Pool, faceit: FaceitClient, settings: Settings, l10n: L10n
) -> None:
    text = query.query.strip()
    if not text:
        await query.answer([], cache_time=CACHE_S, button=render.hint(l10n))
        return
    try:
        if parsing.looks_like_match(text):
            match_id = parsing.match_id(text)
            report = await insights.inline_match(faceit, pool, settings, user, match_id, datetime.now(UTC))
            answer = render.match_result(report, l10n)
        else:
            player = await players.find_player(faceit, text.split()[0])
            card = await players.load_profile(faceit, pool, player.player_id)
            answer = render.player_result(card, l10n)
    except FaceitBotError as e:
        # Nothing to offer: say why above the (empty) results; an unknown nickname is no crash.
        await query.answer([], cache_time=30, button=render.failure(for_exception(e, l10n).text))
        return
    await query.answer([answer], cache_time=CACHE_S)
