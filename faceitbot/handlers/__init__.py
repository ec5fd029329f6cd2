"""The router tree: feature routers first, the fallback last, errors at the top."""

from __future__ import annotations

from aiogram import Router

from faceitbot.handlers import (
    account,
    admin,
    errors,
    fallback,
    match,
    payments,
    player,
    referrals,
    scorecard,
    start,
    tracking,
)
from faceitbot.handlers.filters import MessageIs


def get_routers() -> list[Router]:
    private = Router(name="private")
    private.message.filter(MessageIs(lambda m: m.chat.type == "private"))
    private.include_routers(
        tracking.router,  # first: /start after a 403 turns notifications back on, then falls through
        referrals.router,  # before start: `/start ref-<code>` records the invite, then start greets
        start.router,
        account.router,
        player.router,
        match.router,
        scorecard.router,
        payments.router,  # pre-checkout queries have no chat, so the private filter leaves them be
        admin.router,  # admins only; /admin from anyone else falls through to the fallback
        fallback.router,
    )
    return [errors.router, private]
