"""Golden numbers for the match analysis, worked out by hand from the recorded payloads."""

from pathlib import Path

import msgspec
import pytest

from faceitbot.analysis.elo import expected_change, win_probability
from faceitbot.analysis.match import PlayerData, analyse, recent_form
from faceitbot.analysis.profile import cached_profile_card, profile_card
from faceitbot.faceit.models import GameProfile, GameStats, Match, Player, PlayerStats, Segment

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "faceit" / "samples"


def load(name: str, model: type):
    return msgspec.json.decode((SAMPLES / name).read_bytes(), type=model)


def test_profile_card_of_the_recorded_player() -> None:
    card = profile_card(load("player_details.json", Player), load("player_stats_cs2.json", PlayerStats))
    assert (card.nickname, card.country, card.level, card.elo) == ("Darwin", "gb", 10, 2014)
    # lifetime: "Matches" 2423, "Win Rate %" 50, "Average K/D Ratio" 0.95, "Average Headshots %" 33
    assert (card.matches, card.win_rate, card.kd, card.hs_pct) == (2423, 50.0, 0.95, 33.0)
    # average kills from the ten 5v5 map segments: 15276 kills / 1012 matches = 15.09...
    assert card.avg_kills == 15.1
    assert (card.current_streak, card.longest_streak) == (0, 10)
    assert card.last_results == (True, True, True, True, False)


def test_a_cached_card_follows_the_fetched_data() -> None:
    player, stats = load("player_details.json", Player), load("player_stats_cs2.json", PlayerStats)
    first = cached_profile_card(player, stats)
    assert cached_profile_card(player, stats) is first  # the same fetched objects: not recomputed
    # Fresh data for the same player (the cache entry expired and FACEIT was asked again).
    assert player.cs2 is not None
    promoted = msgspec.structs.replace(
        player, games={**player.games, "cs2": msgspec.structs.replace(player.cs2, faceit_elo=3001)}
    )
    assert cached_profile_card(promoted, stats).elo == 3001
    assert cached_profile_card(player, load("player_stats_cs2.json", PlayerStats)) == first
    assert cached_profile_card(player, stats).elo == first.elo


def test_recent_form_of_the_recorded_rows() -> None:
    form = recent_form(load("player_games_stats_cs2.json", GameStats))
    # 20 rows: 290 kills, 277 deaths, 10 wins ("Result" "1"), 419 rounds,
    # sum(ADR x rounds) = 29621.8 -> ADR 70.7 weighted by rounds.
    assert form.matches == 20
    assert form.win_rate == 50.0
    assert form.kd == 1.05  # 290 / 277 = 1.0469
    assert form.adr == 70.7
    assert form.avg_kills == 14.5  # 290 / 20


def test_recent_form_without_rows() -> None:
    assert recent_form(None).matches == 0


def _player(pid: str, nick: str, elo: int, level: int = 6) -> Player:
    return Player(player_id=pid, nickname=nick, games={"cs2": GameProfile(skill_level=level, faceit_elo=elo)})


def _maps(**records: tuple[int, int]) -> PlayerStats:
    return PlayerStats(
        player_id="x",
        segments=[
            Segment(label=name, type="Map", mode="5v5", stats={"Matches": str(m), "Wins": str(w)})
            for name, (m, w) in records.items()
        ],
    )


@pytest.fixture
def room() -> Match:
    return load("match_details_2.json", Match)


def test_analysis_of_the_recorded_room(room: Match) -> None:
    t1 = room.teams["faction1"].roster
    t2 = room.teams["faction2"].roster
    elos1 = [1700, 1200, 1500, 1200, 1400]  # average 1400
    elos2 = [1300, 1300, 1300, 1600, 1000]  # average 1300
    data = {
        p.player_id: PlayerData(_player(p.player_id, p.nickname, e), None, None)
        for p, e in zip(t1, elos1, strict=True)
    }
    data |= {
        p.player_id: PlayerData(_player(p.player_id, p.nickname, e), None, None)
        for p, e in zip(t2, elos2, strict=True)
    }
    # Miekooo_ plays with the recorded lifetime maps and recent rows.
    first = t1[0].player_id
    data[first] = PlayerData(
        data[first].player,
        load("player_stats_cs2.json", PlayerStats),
        load("player_games_stats_cs2.json", GameStats),
    )
    data[t2[0].player_id] = PlayerData(
        data[t2[0].player_id].player, _maps(Dust2=(20, 10), Inferno=(20, 5)), None
    )

    report = analyse(room, data)

    assert report.match_id == "1-58f7a7d3-47c3-442a-bf36-b7a6e89345cf"
    assert report.status == "FINISHED"
    assert report.map_pool == ("Dust2", "Cache", "Nuke", "Anubis", "Inferno")
    assert report.maps_picked == ("Dust2",)
    team1, team2 = report.teams
    assert (team1.name, team1.avg_elo, team2.avg_elo) == ("team_Miekooo_", 1400, 1300)
    # 1 / (1 + 10^((1300 - 1400) / 400)) = 0.64006
    assert team1.win_probability == 0.6401
    assert team2.win_probability == 0.3599
    # gain round(50 x 0.35994) = 18, loss round(-50 x 0.64006) = -32
    assert report.elo_gain["faction1"] == 18 and report.elo_loss["faction1"] == -32
    # danger: ELO 1700 >= room average 1350 + 300; nobody else is
    assert [p.nickname for t in report.teams for p in t.players if p.danger] == ["Miekooo_"]
    assert team1.players[0].recent.kd == 1.05
    advice = {a.map: a for a in report.map_advice}
    # Dust2: team 1 4/17 = 23.5 %, team 2 10/20 = 50 % -> ban; Inferno 82/188 = 43.6 % vs 5/20 = 25 % -> pick
    assert (
        advice["Dust2"].team1_win_rate,
        advice["Dust2"].team2_win_rate,
        advice["Dust2"].recommendation,
    ) == (23.5, 50.0, "ban")
    assert (
        advice["Inferno"].team1_win_rate,
        advice["Inferno"].team2_win_rate,
        advice["Inferno"].recommendation,
    ) == (43.6, 25.0, "pick")
    assert advice["Cache"].recommendation == "unknown"
    # sorted: best for team 1 first, maps without data last
    assert [a.map for a in report.map_advice][:2] == ["Inferno", "Dust2"]
    assert report.map_advice[-1].recommendation == "unknown"


def test_players_without_data_are_blank_not_fatal(room: Match) -> None:
    report = analyse(room, {})
    assert all(p.elo == 0 and p.recent.matches == 0 for t in report.teams for p in t.players)
    assert report.teams[0].win_probability == 0.5


@pytest.mark.parametrize(("a", "b"), [(1000, 1000), (2000, 1500), (800, 2400)])
def test_probability_is_symmetric_and_bounded(a: int, b: int) -> None:
    p = win_probability(a, b)
    assert 0 < p < 1
    assert p + win_probability(b, a) == pytest.approx(1)
    gain, loss = expected_change(a, b)
    assert gain >= 1 and loss <= -1 and gain - loss == pytest.approx(50, abs=1)
