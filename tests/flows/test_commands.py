"""One table of commands: every command a router registers is in it and nothing else is; /help
lists every command that works in private chats, grouped, with what each costs; each scope's
menu (private chats, group chats, an admin's chat) lists exactly what works there, in English
and Russian."""

from __future__ import annotations

from aiogram.filters import Command as CommandFilter
from aiogram.filters import CommandStart

from faceitbot.commands import COMMANDS, Scope, in_scope
from tests.conftest import ADMIN_ID, BotHarness

PRIVATE = {
    "match", "matchcard", "accuracy", "link", "profile", "stats", "last", "matches", "form", "maps", "elo",
    "card", "together", "unlink", "track", "tracked", "untrack", "notify", "subscribe", "referral", "terms", "paysupport",
    "settings", "language", "start", "help",
}  # fmt: skip
GROUP = {
    "match", "matchcard", "profile", "stats", "last", "matches", "form", "maps", "elo", "card", "together",
    "join", "leave", "leaderboard", "squad",
}  # fmt: skip


def registered(router) -> dict[str, set[str]]:
    """command → the names of the routers (and their parents) that register it."""
    found: dict[str, set[str]] = {}

    def walk(r, path: tuple[str, ...]) -> None:
        for handler in r.message.handlers:
            for f in handler.filters or ():
                cb = f.callback
                if isinstance(cb, CommandStart):
                    found.setdefault("start", set()).update(path)
                elif isinstance(cb, CommandFilter):
                    for c in cb.commands:
                        found.setdefault(str(c), set()).update(path)
        for sub in r.sub_routers:
            walk(sub, (*path, sub.name))

    walk(router, (router.name,))
    return found


def test_the_table_is_what_the_routers_register(bot_runtime) -> None:
    commands = registered(bot_runtime.dp)
    assert set(commands) == {c.name for c in COMMANDS}
    # What works in groups is what the routers that groups reach register.
    in_groups = {name for name, routers in commands.items() if "everywhere" in routers}
    assert in_groups == {c.name for c in COMMANDS if Scope.GROUP in c.scopes} == GROUP


def test_each_scope_lists_exactly_what_works_there() -> None:
    assert {c.name for c in in_scope(Scope.PRIVATE)} == PRIVATE
    assert {c.name for c in in_scope(Scope.GROUP)} == GROUP
    assert {c.name for c in in_scope(Scope.ADMIN)} == PRIVATE | {"admin"}


async def test_menus_of_every_scope_and_language_reach_the_bot_api(bot: BotHarness) -> None:
    for lang in (None, "ru"):
        private = bot.tg.my_commands(lang, {"type": "all_private_chats"})
        group = bot.tg.my_commands(lang, {"type": "all_group_chats"})
        admin = bot.tg.my_commands(lang, {"type": "chat", "chat_id": ADMIN_ID})
        assert {c["command"] for c in private} == PRIVATE
        assert {c["command"] for c in group} == GROUP
        assert {c["command"] for c in admin} == PRIVATE | {"admin"}
        assert bot.tg.my_commands(lang) == private  # the default list, for clients without scopes
    russian = {
        c["command"]: c["description"] for c in bot.tg.my_commands("ru", {"type": "all_private_chats"})
    }
    assert russian["track"] == "Следить за игроком: сообщение после каждого его матча"
    assert russian["untrack"] == "Перестать следить за игроком"


async def test_help_lists_every_private_command_grouped_with_its_cost(bot: BotHarness) -> None:
    uid = bot.new_user()
    [en] = await bot.say(uid, "/help")
    text = en.params["text"]
    listed = {line.split()[0][1:] for line in text.splitlines() if line.startswith("/")}
    assert listed == PRIVATE
    headers = [line for line in text.splitlines() if line.endswith("</b>") and not line.startswith("/")]
    assert headers == [
        "<b>What I can do</b>",
        "🎯 <b>Match briefing</b>",
        "📊 <b>Your stats and anyone's</b>",
        "🔔 <b>Tracking players</b>",
        "⭐ <b>Plans and payments</b>",
        "⚙️ <b>Settings</b>",
    ]
    costly = [line.split()[0] for line in text.splitlines() if line.endswith("· uses 1 of today's analyses")]
    assert costly == ["/match", "/matchcard"]
    assert "/track &lt;nickname&gt; — Track a player: a message after each of their matches" in text
    [ru] = await bot.say(uid, "/help", lang="ru")
    assert ru.params["text"].startswith("<b>Что я умею</b>")
    assert "/track &lt;ник&gt; — Следить за игроком: сообщение после каждого его матча" in ru.params["text"]


async def test_an_admin_finds_admin_in_help(bot: BotHarness) -> None:
    [reply] = await bot.say(ADMIN_ID, "/help")
    assert "\n/admin — Admin console" in reply.params["text"]
