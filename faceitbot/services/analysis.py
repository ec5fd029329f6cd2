"""The match analysis pipeline: fetch everything in parallel under the client's limits, then
hand the payloads to the pure analysis."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from faceitbot.analysis.match import RECENT_MATCHES, MatchReport, PlayerData, analyse
from faceitbot.errors import FaceitBotError
from faceitbot.faceit.allowance import spending
from faceitbot.faceit.client import FaceitClient
from faceitbot.faceit.errors import FaceitNotFound
from faceitbot.faceit.tally import tally

T = TypeVar("T")

# progress(stage, done, total): "match" once, then "players" as each roster player completes.
Progress = Callable[[str, int, int], Awaitable[None]]


class MatchNotFound(FaceitBotError):
    key = "error-match-not-found"

    def __init__(self, match_id: str) -> None:
        super().__init__(match_id)
        self.match_id = match_id

    def params(self) -> dict[str, object]:
        return {"match_id": self.match_id}


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    report: MatchReport
    faceit_calls: int
    cache_hits: int
    elapsed_ms: int


async def analyse_match(
    faceit: FaceitClient, match_id: str, progress: Progress | None = None
) -> AnalysisResult:
    started = time.perf_counter()
    # The daily quota pays for an analysis, not the user's FACEIT allowance.
    with tally() as counted, spending(None):
        try:
            match = await faceit.match(match_id)
        except FaceitNotFound:
            raise MatchNotFound(match_id) from None
        if progress:
            await progress("match", 1, 1)
        roster = [p for key in ("faction1", "faction2") for p in match.teams.get(key, _NO_TEAM).roster]
        done = 0

        async def one(player_id: str) -> tuple[str, PlayerData]:
            nonlocal done
            player, stats, recent = await asyncio.gather(
                _or_none(faceit.player(player_id)),
                _or_none(faceit.player_stats(player_id)),
                _or_none(faceit.game_stats(player_id, limit=RECENT_MATCHES)),
            )
            done += 1
            if progress:
                await progress("players", done, len(roster))
            return player_id, PlayerData(player, stats, recent)

        unique = list(dict.fromkeys(p.player_id for p in roster))
        data = dict(await asyncio.gather(*(one(pid) for pid in unique)))
        report = analyse(match, data)
    return AnalysisResult(report, counted.calls, counted.hits, round((time.perf_counter() - started) * 1000))


async def _or_none(call: Awaitable[T]) -> T | None:
    """A player without CS2 stats (new or banned account) is shown with blanks, not an error."""
    try:
        return await call
    except FaceitNotFound:
        return None


class _NoTeam:
    roster: tuple[()] = ()


_NO_TEAM = _NoTeam()
