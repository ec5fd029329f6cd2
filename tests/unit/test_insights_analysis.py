"""Golden numbers for the player insights (last match, form, sessions, today, maps), worked out by
hand from the recorded payloads in ../shared/faceit/samples."""

from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest

from faceitbot.analysis.form import form, totals
from faceitbot.analysis.last_match import last_match
from faceitbot.analysis.maps import maps_view
from faceitbot.analysis.recent import MatchLine, match_lines
from faceitbot.analysis.sessions import elo_change, local_midnight, sessions, today
from faceitbot.faceit.models import GameStats, MatchStats, PlayerStats

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "faceit" / "samples"
DARTS = "d57372b5-0825-4377-8638-bce4cfd2cfc0"


def load(name: str, model: type):
    return msgspec.json.decode((SAMPLES / name).read_bytes(), type=model)


def utc(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp())


@pytest.fixture(scope="module")
def lines() -> list[MatchLine]:
    return match_lines(load("player_games_stats_cs2.json", GameStats).items)


def test_match_lines_read_the_rows_newest_first(lines: list[MatchLine]) -> None:
    assert len(lines) == 20
    newest = lines[0]
    # "Match Finished At": 1773703361000 (ms) = 2026-03-16 23:22:41 UTC, de_inferno "11 / 13", Result "0"
    assert (newest.match_id, newest.finished_at, newest.map, newest.score, newest.won) == (
        "1-6e9986d0-fca9-4840-986a-cd2cc127b227",
        1773703361,
        "de_inferno",
        "11 / 13",
        False,
    )
    assert (newest.kills, newest.deaths, newest.assists, newest.adr, newest.rounds, newest.doubles) == (
        19,
        15,
        2,
        75.0,
        24,
        5,
    )
    assert all(a.finished_at > b.finished_at for a, b in pairwise(lines))
    # "Score" is in faction order; the player's side comes first in own_score: row 2 won
    # "5 / 13", row 8 lost "13 / 9".
    assert (lines[2].score, lines[2].won, lines[2].own_score) == ("5 / 13", True, "13 / 5")
    assert (lines[8].score, lines[8].won, lines[8].own_score) == ("13 / 9", False, "9 / 13")


def test_form_of_the_twenty_recorded_matches(lines: list[MatchLine]) -> None:
    f = form(lines)
    t = f.totals
    # Results newest first: 0 1 1 1 1 0 1 1 0 0 0 1 0 1 1 1 0 0 0 0 → 10 wins of 20.
    assert (t.matches, t.wins, t.win_rate) == (20, 10, 50.0)
    # 290 kills / 277 deaths; Σ ADR×rounds = 29621.8 over 419 rounds; 111 headshots of 290 kills.
    assert t.kd == pytest.approx(290 / 277)
    assert t.adr == pytest.approx(29621.8 / 419)
    assert t.hs_pct == pytest.approx(100 * 111 / 290)
    assert t.avg_kills == 14.5
    # Newer half (10 newest): kills 19+17+17+13+11+14+14+17+11+8 = 141, deaths 128, 6 wins;
    # older half: 149 kills, 149 deaths, 4 wins.
    assert (f.newer.matches, f.newer.wins, f.newer.kd) == (10, 6, pytest.approx(141 / 128))
    assert (f.older.matches, f.older.wins, f.older.kd) == (10, 4, 1.0)
    # Oldest → newest: 0000 111 0 1 000 11 0 1111 0 → longest 4 wins, 4 losses, 1 loss now.
    assert (f.longest_win_streak, f.longest_loss_streak, f.current_streak) == (4, 4, -1)
    # Maps with ≥ 2 matches: Inferno 3/8, Overpass 2/3 (K/D 42/35), Anubis 2/3 (34/36),
    # Mirage 2/3 (58/49), Nuke 1/3. The 66.7 % tie goes to the best K/D: Overpass.
    assert (f.best_map.map, f.best_map.matches, f.best_map.wins) == ("Overpass", 3, 2)
    assert f.best_map.kd == pytest.approx(1.2)
    assert (f.worst_map.map, f.worst_map.wins, f.worst_map.kd) == ("Nuke", 1, pytest.approx(46 / 44))


def test_estimated_rating_follows_the_calibrated_regression(lines: list[MatchLine]) -> None:
    # Sums over the 20 rows: 419 rounds, 290 kills, 277 deaths, 65 assists, ADR·rounds 29621.8,
    # 54 doubles, 10 triples, 4 quadros, 1 penta, 41 MVPs.
    kpr, dpr, apr, adr = 290 / 419, 277 / 419, 65 / 419, 29621.8 / 419
    impact = 2.13 * kpr + 0.42 * apr - 0.41
    base = 0.0073 * 73 + 0.3591 * kpr - 0.5329 * dpr + 0.2372 * impact + 0.0032 * adr + 0.1587
    bonus = (0.0125 * 54 + 0.0375 * 10 + 0.0875 * 4 + 0.15 * 1 + 0.0375 * 41) / 419
    assert totals(lines).rating == pytest.approx((base + bonus) * 1.03)
    assert totals(lines).rating == pytest.approx(1.12, abs=0.005)


def test_sessions_split_on_gaps_of_more_than_two_hours(lines: list[MatchLine]) -> None:
    spans = sessions(lines)
    # UTC finish times group into 8 evenings (newest first): 03-16 (1: L), 03-15 (2: W W),
    # 02-26 22:59–23:40 (2: W W), 02-25 22:06 → 02-26 00:15 (4: L W W L), 02-24 22:28–23:03 (2: L L),
    # 02-23 23:18 → 02-24 00:57 (3: W L W), 02-22 (3: L W W), 02-16 22:58 → 02-17 00:29 (3: L L L).
    assert [(s.totals.matches, s.totals.wins) for s in spans] == [
        (1, 0),
        (2, 2),
        (2, 2),
        (4, 2),
        (2, 0),
        (3, 2),
        (3, 2),
        (3, 0),
    ]
    assert spans[3].started == utc(2026, 2, 25, 22, 6, 46) and spans[3].ended == utc(2026, 2, 26, 0, 15, 27)
    # 02-25 session: kills 11+17+14+14 = 56, deaths 18+10+10+14 = 52.
    assert spans[3].totals.kd == pytest.approx(56 / 52)
    assert all(s.elo_change is None for s in spans)  # no snapshots given


def _line(at: int, won: bool = True) -> MatchLine:
    return MatchLine(f"m{at}", at, "de_nuke", "13 / 5", won, 20, 10, 3, 10, 90.0, 18, 2, 1, 0, 0, 0)


def test_session_edge_is_exactly_two_hours() -> None:
    t0 = utc(2026, 1, 1, 18)
    # 7200 s apart stays one session; 7201 s apart starts a new one.
    assert [s.totals.matches for s in sessions([_line(t0 + 7200), _line(t0)])] == [2]
    assert [s.totals.matches for s in sessions([_line(t0 + 7201), _line(t0)])] == [1, 1]


def test_session_elo_change_from_snapshots() -> None:
    t0 = utc(2026, 1, 1, 18)
    played = [_line(t0 + 3 * 3600 * 10), _line(t0 + 3000), _line(t0)]  # a session of two, then one
    snapshots = [
        (t0 - 600, 1500),  # before the first session
        (t0 + 3600, 1540),  # after it: +40
        (t0 + 20 * 3600, 1545),  # between sessions: the second one's "before"
    ]
    newest, first = sessions(played, snapshots)
    assert first.elo_change == 40
    assert newest.elo_change is None  # nothing taken after its match yet
    # A snapshot from before the previous play is no "before": the change is unknown.
    assert elo_change(snapshots, after=t0 - 300, first=t0, last=t0 + 3000, until=None) is None


def test_today_depends_on_the_time_zone(lines: list[MatchLine]) -> None:
    now = utc(2026, 2, 26, 1, 0)  # 04:00 in Moscow (UTC+3), 01:00 in UTC
    moscow, london = ZoneInfo("Europe/Moscow"), ZoneInfo("UTC")
    assert local_midnight(now, moscow) == utc(2026, 2, 25, 21, 0)
    # Moscow's day began 02-25 21:00 UTC: 22:06 (L), 22:42 (W), 23:19 (W), 00:15 (L).
    in_moscow = today(lines, moscow, now)
    assert (in_moscow.totals.matches, in_moscow.totals.wins) == (4, 2)
    # UTC's day began at 00:00: only the 00:15 loss.
    in_utc = today(lines, london, now)
    assert (in_utc.totals.matches, in_utc.totals.wins) == (1, 0)
    assert today(lines, moscow, utc(2026, 3, 1, 12)) is None


def test_last_match_card_from_the_recorded_scoreboard() -> None:
    card = last_match(load("match_stats.json", MatchStats), DARTS, elo_change=25)
    assert (card.map, card.score, card.rounds, card.won) == ("de_inferno", "13 / 10", 23, True)
    me = card.player
    assert (me.nickname, me.kills, me.deaths, me.assists, me.adr, me.hs_pct, me.mvps) == (
        "DARTS",
        19,
        18,
        2,
        89.0,
        53.0,
        2,
    )
    assert me.kd == pytest.approx(19 / 18)
    assert (me.doubles, me.triples, me.quadros, me.pentas) == (4, 1, 0, 0)
    assert (me.entry_wins, me.entry_count, me.clutch_1v1, me.clutch_1v2) == (2, 2, (0, 1), (1, 2))
    # speciaLz, most kills first: MelMA 19-13, DARTS 19-18, Tomassenz 15, LA_SALSA666 14, bilby 9.
    assert [p.nickname for p in card.team.players] == ["MelMA", "DARTS", "Tomassenz", "LA_SALSA666", "bilby"]
    assert (card.team.name, card.enemy.name, card.enemy.score) == ("speciaLz", "FlensburgUnited", 10)
    assert card.elo_change == 25


def test_last_match_of_a_loser_puts_their_score_first() -> None:
    stats = load("match_stats.json", MatchStats)
    casper = next(p.player_id for t in stats.rounds[0].teams for p in t.players if p.nickname == "Casper35k")
    card = last_match(stats, casper)
    assert (card.score, card.won, card.player.kills, card.player.quadros) == ("10 / 13", False, 23, 1)
    with pytest.raises(KeyError):
        last_match(stats, "not-in-this-match")


def test_maps_view_of_the_recorded_lifetime_segments() -> None:
    view = maps_view(load("player_stats_cs2.json", PlayerStats))
    assert [(m.map, m.matches) for m in view.maps] == [
        ("Mirage", 259),
        ("Inferno", 188),
        ("Anubis", 173),
        ("Ancient", 158),
        ("Nuke", 96),
        ("Overpass", 63),
        ("Vertigo", 54),
        ("Dust2", 17),
        ("Train", 3),
        ("Mills", 1),
    ]
    mirage = view.maps[0]
    assert mirage.wins == 125 and mirage.kd == pytest.approx(3884 / 4074) and mirage.adr == 76.5
    # Of the maps with ≥ 10 matches: Overpass 36/63 = 57.1 % best, Dust2 4/17 = 23.5 % worst.
    assert (view.strongest.map, round(view.strongest.win_rate, 1)) == ("Overpass", 57.1)
    assert (view.weakest.map, round(view.weakest.win_rate, 1)) == ("Dust2", 23.5)
