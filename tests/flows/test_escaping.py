"""Strings from FACEIT reach users as text, never as markup: a world whose team, competition,
map, region and in-game names all carry `<b>&` is rendered through every view, and each reply
must be accepted by the Bot API's HTML parser and show the characters as they are."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from faceitbot_sim.fixtures import World, build_world
from tests.conftest import BotHarness

MARK = "<b>&"
# Keys of FACEIT payloads whose values we show to users as they are.
MANGLED = {"name", "Map", "label", "competition_name", "Team", "region", "Region", "game_player_name"}


def _mangle(node):
    if isinstance(node, dict):
        return {
            k: (v + MARK if k in MANGLED and isinstance(v, str) and v else _mangle(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_mangle(v) for v in node]
    return node


@pytest.fixture(scope="module")
def html_world(world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> World:
    """A world of its own (other ids and nicknames) with markup in its strings, added to the tree
    the session's FACEIT simulator serves."""
    src = tmp_path_factory.mktemp("html-world")
    built = build_world(src, seed=4242, players=12, matches=6)
    for path in src.rglob("*.json"):
        text = path.read_text()
        for p in built.players:  # nicknames of our own, so no lookup meets the session world's
            text = text.replace(f'"{p.nickname}"', f'"{p.nickname}x"')
        path.write_text(json.dumps(_mangle(json.loads(text))))
        target = world_dir / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        assert not target.exists()
        shutil.copyfile(path, target)
    return built


def _shown(call) -> str:
    result = call.response["result"]
    return result.get("text") or result.get("caption") or ""


async def test_a_match_briefing_shows_names_with_markup_as_text(bot: BotHarness, html_world: World) -> None:
    for match_id in (html_world.finished[0], html_world.live[0]):
        uid = bot.new_user()
        await bot.say(uid, f"/match {match_id}")
        [result] = await bot.tg.wait_for(
            "editMessageText",
            chat_id=uid,
            predicate=lambda c: "FACEIT" in c.params.get("text", ""),
            timeout=30,
        )
        assert result.ok
        assert MARK in _shown(result)  # team and competition names, as FACEIT wrote them


async def test_player_views_show_maps_and_names_with_markup_as_text(
    bot: BotHarness, html_world: World
) -> None:
    player = html_world.players[0]
    nickname = player.nickname + "x"
    uid = bot.new_user()
    await bot.say(uid, "/start")
    [linked] = await bot.say(uid, f"/link {nickname}")
    assert nickname in _shown(linked)
    views = ["/profile", "/last", "/matches 20", "/maps", f"/stats {nickname}"]
    shown = {}
    for view in views:
        [reply] = await bot.say(uid, view)
        assert reply.ok, view
        shown[view] = _shown(reply)
    assert MARK in shown["/last"]  # the map of the last match
    assert MARK in shown["/matches 20"]
    assert MARK in shown["/maps"]

    [menu] = await bot.say(uid, "/form")
    buttons = [b["callback_data"] for row in menu.params["reply_markup"]["inline_keyboard"] for b in row]
    for data in buttons:
        bot.tg.mark()
        bot.tg.press_button(uid, menu.result["message_id"], data, user_id=uid)
        [done] = await bot.tg.wait_for(
            "editMessageText",
            chat_id=uid,
            predicate=lambda c: not c.params.get("text", "").startswith("⏳"),  # the result, not progress
            timeout=30,
        )
        assert done.ok, data
