"""The router tree: feature routers first, the fallback last, errors at the top."""

from __future__ import annotations

from aiogram import F, Router

from faceitbot.handlers import account, errors, fallback, match, player, start


def get_routers() -> list[Router]:
    private = Router(name="private")
    private.message.filter(F.chat.type == "private")
    private.include_routers(start.router, account.router, player.router, match.router, fallback.router)
    return [errors.router, private]
