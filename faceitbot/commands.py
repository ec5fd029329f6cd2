"""Every command the bot answers, where it works and what it costs: one table from which /help
and each scope's command menu (setMyCommands) are made, so neither can leave a command out.
A test checks the table against the commands the routers really register."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from enum import StrEnum


class Group(StrEnum):
    BRIEFING = "briefing"
    STATS = "stats"
    TRACKING = "tracking"
    PLANS = "plans"
    SQUADS = "squads"
    SETTINGS = "settings"


class Scope(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    ADMIN = "admin"  # only in an admin's private chat


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    group: Group
    scopes: frozenset[Scope]
    costs_analysis: bool = False  # spends one of the day's analyses (a repeat within the hour is free)
    args: str = ""  # shown in /help after the command: "nickname" is <nickname>, "nickname?" [nickname]

    @property
    def description_key(self) -> str:
        return f"cmd-{self.name}"


_P = frozenset({Scope.PRIVATE})
_PG = frozenset({Scope.PRIVATE, Scope.GROUP})
_G = frozenset({Scope.GROUP})

COMMANDS: tuple[Command, ...] = (
    Command("match", Group.BRIEFING, _PG, costs_analysis=True, args="room"),
    Command("matchcard", Group.BRIEFING, _PG, costs_analysis=True, args="room"),
    Command("accuracy", Group.BRIEFING, _P),
    Command("link", Group.STATS, _P, args="nickname"),
    Command("profile", Group.STATS, _PG),
    Command("stats", Group.STATS, _PG, args="nickname"),
    Command("last", Group.STATS, _PG, args="nickname?"),
    Command("matches", Group.STATS, _PG, args="n? nickname?"),
    Command("form", Group.STATS, _PG, args="nickname?"),
    Command("maps", Group.STATS, _PG, args="nickname?"),
    Command("elo", Group.STATS, _PG, args="nickname?"),
    Command("card", Group.STATS, _PG, args="nickname?"),
    Command("together", Group.STATS, _PG, args="nickname"),
    Command("unlink", Group.STATS, _P),
    Command("track", Group.TRACKING, _P, args="nickname"),
    Command("tracked", Group.TRACKING, _P),
    Command("untrack", Group.TRACKING, _P, args="nickname"),
    Command("notify", Group.TRACKING, _P),
    Command("join", Group.SQUADS, _G),
    Command("leave", Group.SQUADS, _G),
    Command("leaderboard", Group.SQUADS, _G),
    Command("squad", Group.SQUADS, _G),
    Command("subscribe", Group.PLANS, _P),
    Command("referral", Group.PLANS, _P),
    Command("terms", Group.PLANS, _P),
    Command("paysupport", Group.PLANS, _P),
    Command("settings", Group.SETTINGS, _P),
    Command("language", Group.SETTINGS, _P),
    Command("start", Group.SETTINGS, _P),
    Command("help", Group.SETTINGS, _P),
    Command("admin", Group.SETTINGS, frozenset({Scope.ADMIN})),
)


def in_scope(scope: Scope) -> tuple[Command, ...]:
    """The menu of a scope. An admin's chat is a private chat: it lists the private commands too."""
    if scope is Scope.ADMIN:
        return tuple(c for c in COMMANDS if Scope.PRIVATE in c.scopes or Scope.ADMIN in c.scopes)
    return tuple(c for c in COMMANDS if scope in c.scopes)


def closest(typed: str, scope: Scope) -> Command | None:
    """The command a typo most likely meant ("tarck" → track), if one is close enough to offer."""
    names = {c.name: c for c in in_scope(scope)}
    near = difflib.get_close_matches(typed.lower(), names, n=1, cutoff=0.6)
    return names[near[0]] if near else None
