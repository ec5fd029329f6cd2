"""The router tree: what works in groups too, private only, inline queries, errors.

Every message walks the tree from the top until a handler takes it, and each router it passes
costs a middleware wrap and a filter check; so the routers that never take a message (inline
queries, error handlers) come after the ones that do, and a plain /start comes first: a post
linking to the bot brings crowds of new users at once, and /start's way past every router above
the private ones cost more than the rest of its handling (bench/updates.py, new users).
"""

from __future__ import annotations

from aiogram import Dispatcher, Router

from faceitbot.cluster.kv import KeyValue
from faceitbot.handlers import (
    account,
    admin,
    errors,
    fallback,
    inline,
    insights,
    match,
    payments,
    pictures,
    player,
    prompts,
    referrals,
    scorecard,
    settings,
    squads,
    stale_buttons,
    start,
    tracking,
)
from faceitbot.handlers.filters import MessageIs
from faceitbot.middlewares.group_limit import GroupRateLimit

CHATS = ("private", "group", "supergroup")


def get_routers(kv: KeyValue) -> list[Router]:
    # Player views (and /match) answer in groups too, addressed to the caller, within the group
    # send limit.
    everywhere = Router(name="everywhere")
    everywhere.message.filter(MessageIs(lambda m: m.chat.type in CHATS))
    limit = GroupRateLimit(kv)
    everywhere.message.middleware(limit)
    everywhere.callback_query.middleware(limit)
    everywhere.include_routers(
        player.router,
        insights.router,
        pictures.router,
        match.group_router,  # /match in groups; in private chats the match router below has it
        squads.router,  # /join, /leave, /leaderboard, /squad (groups), /together (anywhere)
        prompts.router,  # last: a typed answer is any text no command above took
    )

    private = Router(name="private")
    private.message.filter(MessageIs(lambda m: m.chat.type == "private"))
    private.include_routers(
        tracking.router,  # first: /start after a 403 turns notifications back on, then falls through
        referrals.router,  # before start: `/start ref-<code>` records the invite, then start greets
        start.router,
        account.router,
        settings.router,
        match.router,
        scorecard.router,
        payments.router,  # pre-checkout queries have no chat, so the private filter leaves them be
        admin.router,  # admins only; /admin from anyone else falls through to the fallback
        fallback.router,
    )
    # Button presses that nothing above took, from any chat, get an answer.
    return [everywhere, private, stale_buttons.router, inline.router, errors.router]


def install_handlers(dp: Dispatcher, kv: KeyValue) -> None:
    """The tree under `dp`, with a plain /start on the dispatcher itself: checked before any
    router, at the cost of one filter for every other message (a router of its own cost two
    or three times that)."""
    dp.message.register(start.plain_start, *start.PLAIN_START)
    dp.include_routers(*get_routers(kv))
