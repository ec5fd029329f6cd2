"""Squads, a module at a time: the fake Bot API's ChatMember objects against the spec's types,
digest times in a group's zone, the digest's awards and its card for a large squad, the recap's
week against the week before, and a leaderboard that stays one message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from aiogram.types import ChatMember, ChatMemberUpdated
from pydantic import TypeAdapter

from faceitbot.analysis.recent import MatchLine
from faceitbot.analysis.squads import BoardEntry, digest, recap
from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.render import squads as card
from faceitbot.services import squads
from faceitbot.services.squads import WeekDigest
from faceitbot_sim.groups import Groups, member_object
from tests.conftest import BOTAPI_SPEC


def test_the_fakes_chat_members_are_the_bot_apis_types() -> None:
    """Every ChatMember the fake answers has each field the spec requires for its status and no
    field the spec lacks (but the one newer field the aiogram we run requires of an admin)."""
    spec = json.loads(BOTAPI_SPEC.read_text(encoding="utf-8"))["types"]
    types = {
        "creator": "ChatMemberOwner",
        "administrator": "ChatMemberAdministrator",
        "member": "ChatMemberMember",
        "restricted": "ChatMemberRestricted",
        "left": "ChatMemberLeft",
        "kicked": "ChatMemberBanned",
    }
    user = {"id": 1, "is_bot": False, "first_name": "Ann"}
    for status, name in types.items():
        fields = {f["name"]: f.get("required", False) for f in spec[name]["fields"]}
        member = member_object(status, user, can_pin=True)
        assert {f for f, required in fields.items() if required} <= set(member), status
        assert set(member) - set(fields) <= {"can_send_welcome_messages"}, status
        assert TypeAdapter(ChatMember).validate_python(member).status == status
    groups = Groups(bot_id=42)
    update = groups.membership_update(
        {"id": -5, "type": "group", "title": "x"}, user, {**user, "id": 42}, "member", "left"
    )
    required = {f["name"] for f in spec["ChatMemberUpdated"]["fields"] if f.get("required")}
    assert required <= set(update)
    assert ChatMemberUpdated.model_validate(update).new_chat_member.status == "left"


def test_digest_times_in_the_groups_zone() -> None:
    moscow_monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
    assert squads.latest_slot(0, 10, "Europe/Moscow", moscow_monday) == moscow_monday
    assert squads.latest_slot(
        0, 10, "Europe/Moscow", moscow_monday - timedelta(seconds=1)
    ) == moscow_monday - timedelta(days=7)
    assert squads.latest_slot(6, 23, "UTC", moscow_monday) == datetime(2026, 12, 6, 23, 0, tzinfo=UTC)


def _line(
    match_id: str, at: int, *, won: bool, kills: int, deaths: int, adr: float, team: str, score: str
) -> MatchLine:
    return MatchLine(
        match_id, at, "de_nuke", score, won, kills, deaths, 0, 0, adr, 24, 0, 0, 0, 0, 0, team=team
    )


def test_best_kd_and_adr_need_five_matches_and_a_large_squad_is_one_card() -> None:
    busy = [
        _line(f"m{i}", 100 + i, won=i % 2 == 0, kills=20, deaths=10, adr=90.0, team="t1", score="13 / 7")
        for i in range(5)
    ]
    idle = [_line("m0", 100, won=True, kills=40, deaths=5, adr=150.0, team="t1", score="13 / 7")]
    d = digest({"a": busy, "b": idle}, {}, {"a": "Busy", "b": "Idle"})
    assert (d.best_kd.nickname, d.best_kd.value) == ("Busy", 2.0)  # Idle's 8.0 is one match
    assert (d.best_adr.nickname, d.best_adr.value) == ("Busy", 90.0)
    assert (d.together.first, d.together.second, d.together.matches, d.together.wins) == (
        "Busy",
        "Idle",
        1,
        1,
    )
    assert d.longest_streak.value == 1

    fifty = {
        f"p{i}": [_line(f"x{i}", 1, won=True, kills=1, deaths=1, adr=1.0, team=f"t{i}", score="13 / 1")]
        for i in range(50)
    }
    big = digest(fifty, {f"p{i}": i - 25 for i in range(50)}, {f"p{i}": f"player{i}" for i in range(50)})
    assert len(card.card_rows(big)) == card.MAX_ROWS
    assert [f.value for f in card.card_rows(big)][:1] == [24.0]
    # One message too: a squad of 50 stays far inside Telegram's 4,096 characters.
    week = WeekDigest(datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 1, 12, tzinfo=UTC), big)
    for lang in ("en", "ru"):
        text = card.digest_text(week, "UTC", L10n(load_i18n(), lang))
        assert len(text) < 4096 and text.count("\n") == 5  # title, matches, ELO, most, streak, win


def test_a_recap_sets_the_week_against_the_week_before() -> None:
    week_start, week_end = 1_000_000, 1_000_000 + 7 * 86400

    def line(day: float, won: bool, map_id: str, kills: int) -> MatchLine:
        return MatchLine(
            f"m{day}",
            int(week_start + day * 86400),
            map_id,
            "13 / 9",
            won,
            kills,
            10,
            0,
            0,
            80.0,
            22,
            0,
            0,
            0,
            0,
            0,
        )

    lines = [
        line(1, True, "de_nuke", 20),
        line(2, True, "de_nuke", 15),
        line(3, False, "de_inferno", 8),
        line(4, True, "de_inferno", 12),
        line(-2, False, "de_mirage", 10),  # the week before
    ]
    r = recap(lines, week_start, week_end, elo_change=-12)
    assert (r.this.matches, r.this.wins, r.this.kd) == (4, 3, 1.38)
    assert (r.before.matches, r.before.wins, r.before.kd) == (1, 0, 1.0)
    assert r.best_map == ("Nuke", 2, 2) and r.worst_map == ("Inferno", 1, 2)
    en = card.recap(r, "Ann", L10n(load_i18n(), "en")).text.splitlines()
    assert en == [
        "📬 <b>Ann</b>, your week",
        "This week: 4 matches, 3 W / 1 L, K/D 1.38, ADR 80 ▲",
        "The week before: 1 match, 0 W / 1 L, K/D 1, ADR 80",
        "ELO: −12",
        "Best map: Nuke, 2 won of 2 matches",
        "Worst map: Inferno, 1 won of 2 matches",
    ]
    ru = card.recap(r, "Ann", L10n(load_i18n(), "ru")).text.splitlines()
    assert ru[1] == "Эта неделя: 4 матча, 3 W / 1 L, K/D 1.38, ADR 80 ▲"
    assert ru[4] == "Лучшая карта: Nuke, побед: 2 из 2 матчей"


def test_a_board_of_fifty_long_nicknames_is_one_message() -> None:
    entries = tuple(BoardEntry("x" * 30 + str(i), 10, 3000 - i, 5, 20, 1.25) for i in range(50))
    text = card.board(entries, L10n(load_i18n(), "en"))
    lines = text.splitlines()
    assert len(text) <= 4096
    shown = len(lines) - 3  # the title, "and N more" and the footer
    assert lines[-2] == f"…and {50 - shown} more"
    assert lines[1].startswith("1. <b>" + "x" * 30 + "0</b>")
