"""msgspec models of the FACEIT Data API v4 payloads: only the fields we read.

Stat values arrive as strings ("0.95", "2423"); parsing them is analysis' job, so the
models keep them as FACEIT sends them.
"""

from __future__ import annotations

import msgspec


class Struct(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=False):
    pass


class GameProfile(Struct):
    skill_level: int = 0
    faceit_elo: int = 0
    region: str = ""
    game_player_name: str = ""


class Player(Struct):
    player_id: str
    nickname: str
    country: str = ""
    avatar: str = ""
    games: dict[str, GameProfile] = {}
    verified: bool = False

    @property
    def cs2(self) -> GameProfile | None:
        return self.games.get("cs2")


class Segment(Struct):
    label: str
    type: str = ""
    mode: str = ""
    stats: dict[str, str] = {}


class PlayerStats(Struct):
    player_id: str
    game_id: str = "cs2"
    lifetime: dict[str, str | list[str]] = {}
    segments: list[Segment] = []


class HistoryPlayer(Struct):
    player_id: str
    nickname: str = ""
    skill_level: int = 0


class HistoryTeam(Struct):
    team_id: str = ""
    nickname: str = ""
    players: list[HistoryPlayer] = []


class Score(Struct):
    faction1: int = 0
    faction2: int = 0


class Results(Struct):
    winner: str = ""
    score: Score = Score()


class HistoryItem(Struct):
    match_id: str
    game_id: str = "cs2"
    status: str = ""
    game_mode: str = ""
    competition_name: str = ""
    started_at: int = 0
    finished_at: int = 0
    teams: dict[str, HistoryTeam] = {}
    results: Results | None = None


class History(Struct):
    items: list[HistoryItem] = []
    start: int = 0
    end: int = 0


class GameStatsRow(Struct):
    stats: dict[str, str | int]


class GameStats(Struct):
    items: list[GameStatsRow] = []
    start: int = 0
    end: int = 0


class RosterPlayer(Struct):
    player_id: str
    nickname: str = ""
    game_skill_level: int = 0
    membership: str = ""


class SkillRange(Struct):
    min: int = 0
    max: int = 0


class SkillLevel(Struct):
    average: int = 0
    range: SkillRange = SkillRange()


class FactionStats(Struct):
    winProbability: float | None = None
    skillLevel: SkillLevel | None = None
    rating: int | None = None


class Faction(Struct):
    faction_id: str = ""
    name: str = ""
    leader: str = ""
    roster: list[RosterPlayer] = []
    stats: FactionStats | None = None


class MapEntity(Struct):
    name: str = ""
    class_name: str = ""
    game_map_id: str = ""
    guid: str = ""


class MapVoting(Struct):
    entities: list[MapEntity] = []
    pick: list[str] = []


class Voting(Struct):
    map: MapVoting | None = None


class Match(Struct):
    match_id: str
    game: str = "cs2"
    status: str = ""
    competition_name: str = ""
    competition_type: str = ""
    best_of: int = 1
    started_at: int | None = None
    finished_at: int | None = None
    teams: dict[str, Faction] = {}
    voting: Voting | None = None
    results: Results | None = None
    faceit_url: str = ""


class MatchPlayerStats(Struct):
    player_id: str
    nickname: str = ""
    player_stats: dict[str, str] = {}


class MatchTeamStats(Struct):
    team_id: str
    premade: bool = False
    team_stats: dict[str, str] = {}
    players: list[MatchPlayerStats] = []


class MatchRound(Struct):
    match_id: str = ""
    round_stats: dict[str, str] = {}
    teams: list[MatchTeamStats] = []


class MatchStats(Struct):
    rounds: list[MatchRound] = []


class SearchGame(Struct):
    name: str
    skill_level: str | int = ""


class SearchPlayer(Struct):
    player_id: str
    nickname: str
    country: str = ""
    status: str = ""
    games: list[SearchGame] = []
    verified: bool = False


class SearchResult(Struct):
    items: list[SearchPlayer] = []
    start: int = 0
    end: int = 0
