"""The match briefing, pure: side-aware text, FACEIT's probability beside ours, premades, smurf
flags, the rating, shrunk map advice. Golden numbers are worked out by hand in the comments."""

from pathlib import Path

import msgspec
import pytest

from faceitbot.analysis.match import MatchReport, PlayerData, analyse, shrunk_rate
from faceitbot.analysis.parties import find_parties
from faceitbot.analysis.rating import hltv_rating, match_rating, recent_rating
from faceitbot.analysis.skills import skills
from faceitbot.analysis.smurfs import flag
from faceitbot.faceit.models import (
    GameProfile,
    GameStats,
    GameStatsRow,
    Match,
    MatchStats,
    Player,
    PlayerStats,
    Segment,
)
from faceitbot.i18n.loader import L10n, load_i18n
from faceitbot.render import match as render_match

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "faceit" / "samples"
I18N = load_i18n()


def load(name: str, model: type):
    return msgspec.json.decode((SAMPLES / name).read_bytes(), type=model)


def _player(pid: str, nick: str, elo: int, level: int = 6) -> Player:
    return Player(player_id=pid, nickname=nick, games={"cs2": GameProfile(skill_level=level, faceit_elo=elo)})


def _rows(*shared: tuple[str, str]) -> GameStats:
    """Per-match rows with only the fields parties need: (match id, team name)."""
    return GameStats(
        items=[GameStatsRow(stats={"Match Id": m, "Team": t, "Rounds": "24"}) for m, t in shared]
    )


def _room(name: str, elos1: list[int], elos2: list[int], extra: dict[str, PlayerData] | None = None):
    room = load(name, Match)
    data = {}
    for key, elos in (("faction1", elos1), ("faction2", elos2)):
        for p, e in zip(room.teams[key].roster, elos, strict=True):
            data[p.player_id] = PlayerData(_player(p.player_id, p.nickname, e), None, None)
    data |= extra or {}
    return room, analyse(room, data)


def _text(report: MatchReport, viewer: str | None, lang: str = "en") -> str:
    return render_match.analysis(
        report, L10n(I18N, lang), viewer_player_id=viewer, calls=31, elapsed_ms=900
    ).text


# -- FACEIT's probability and the side-aware text ---------------------------------------------
ELOS1 = [1700, 1200, 1500, 1200, 1400]  # average 1400
ELOS2 = [1300, 1300, 1300, 1600, 1050]  # average 1310


def test_a_user_on_team_one_reads_their_side_with_faceits_chance_beside_ours() -> None:
    room, report = _room("match_details_2.json", ELOS1, ELOS2)
    # ours: 1 / (1 + 10^((1310 - 1400) / 400)) = 0.6267; FACEIT's faction1 winProbability 0.52
    assert report.teams[0].win_probability == 0.6267
    assert report.teams[0].faceit_win_probability == 0.52
    text = _text(report, room.teams["faction1"].roster[1].player_id)
    assert "📋 <b>Your side: team_Miekooo_</b>" in text
    assert "Win chance: 63% by our estimate, 52% by FACEIT" in text
    # 63 - 52 > 10 points: the driver of ours is named. Room mean (7000 + 6550) / 10 = 1355;
    # Miekooo_ 1700 is 345 away, the most of anyone.
    assert (
        "Our estimate comes from the average ELO alone (1400 vs 1310); Miekooo_'s 1700 ELO moves it most."
        in text
    )
    # K = 50: gain round(50 x 0.3733) = 19, loss round(-50 x 0.6267) = -31
    assert "ELO: +19 for a win, −31 for a loss (estimate, K = 50)." in text
    assert "👀 Opponents to watch:" in text
    watch = text.split("👀 Opponents to watch:")[1]
    # nobody has recent rows, so the two strongest opponents by ELO: KOCKA2404 1600, then szucsu 1300
    assert watch.index("KOCKA2404") < watch.index("szucsu")
    assert "Miekooo_" not in watch


def test_a_user_on_team_two_reads_the_mirror_image() -> None:
    room, report = _room("match_details_2.json", ELOS1, ELOS2)
    text = _text(report, room.teams["faction2"].roster[0].player_id, lang="ru")
    assert "📋 <b>Твоя сторона: team_szucsu</b>" in text
    assert "Шанс на победу: 37% по нашей оценке, 48% по FACEIT" in text
    # gain round(50 x 0.6267) = 31, loss round(-50 x 0.3733) = -19
    assert "ELO: +31 за победу, −19 за поражение (оценка, K = 50)." in text
    watch = text.split("👀 Опасные соперники:")[1]
    assert "Miekooo_" in watch and "KOCKA2404" not in watch


def test_a_spectator_gets_both_teams_and_no_us() -> None:
    _, report = _room("match_details_2.json", ELOS1, ELOS2)
    text = _text(report, None)
    assert "Briefing</b> for a spectator (your account is not in this room)" in text
    assert "team_Miekooo_: win chance 63% by our estimate, 52% by FACEIT" in text
    assert "team_szucsu: win chance 37% by our estimate, 48% by FACEIT" in text
    assert "Your side" not in text and "ELO: +" not in text
    assert "👀 Players to watch:" in text


def test_faceits_chance_is_absent_when_the_room_has_none() -> None:
    room, report = _room("match_details.json", [1500] * 5, [1500] * 5)
    assert report.teams[0].faceit_win_probability is None
    text = _text(report, room.teams["faction1"].roster[0].player_id)
    assert "Win chance: 50% by our estimate (FACEIT gives none for this room)" in text
    assert "by FACEIT" not in text
    assert "Our estimate comes from" not in text


def test_close_chances_are_not_explained() -> None:
    # 1352 vs 1311 as FACEIT's own room ratings: ours 1 / (1 + 10^(-41/400)) = 1 / 1.7898 = 0.5587, FACEIT 0.52
    _, report = _room("match_details_2.json", [1352] * 5, [1311] * 5)
    assert report.teams[0].win_probability == 0.5587
    assert "Our estimate comes from" not in _text(report, None)


# -- premades -----------------------------------------------------------------------------------
def test_a_premade_of_three_and_one_of_two_are_found_solo_players_are_not() -> None:
    room = load("match_details_2.json", Match)
    a, b, c, d, e = (p.player_id for p in room.teams["faction1"].roster)
    f, g, h, _, _ = (p.player_id for p in room.teams["faction2"].roster)
    together = [("m1", "team_x"), ("m2", "team_y"), ("m3", "team_x")]
    data = {
        a: PlayerData(None, None, _rows(*together, ("m9", "team_x"))),
        b: PlayerData(None, None, _rows(*together)),
        # c shares m1-m3 with a and b only through a: still one party of three
        c: PlayerData(None, None, _rows(*together[:3], ("m7", "team_q"))),
        # d shares two matches with a: not enough
        d: PlayerData(None, None, _rows(*together[:2], ("m5", "team_z"))),
        # e was in m1-m3 too, but on the other side each time
        e: PlayerData(None, None, _rows(("m1", "team_o"), ("m2", "team_o"), ("m3", "team_o"))),
        f: PlayerData(None, None, _rows(("n1", "t"), ("n2", "t"), ("n3", "t"), ("n4", "t"))),
        g: PlayerData(None, None, _rows(("n1", "t"), ("n2", "t"), ("n3", "t"))),
        h: PlayerData(None, None, _rows(("n1", "t"), ("n2", "t"))),
    }
    report = analyse(room, data)
    assert report.teams[0].parties == ((a, b, c),)
    assert report.teams[1].parties == ((f, g),)
    text = _text(report, None)
    assert "👥 Premades: team_Miekooo_: Miekooo_ + _duuuck + ssor; team_szucsu: szucsu + BRNWr" in text


def test_parties_never_cross_teams() -> None:
    shared = [{"Match Id": f"m{k}", "Team": "t"} for k in range(5)]
    assert find_parties(["a"], {"a": shared, "b": shared}) == ()
    assert find_parties(["a", "b"], {"a": shared, "b": shared}) == (("a", "b"),)


# -- smurf and boosted flags --------------------------------------------------------------------
def test_a_smurf_flag_carries_its_reasons_and_a_veteran_gets_none() -> None:
    young = flag(level=5, lifetime_matches=30, recent_matches=20, kd=1.61, adr=98.0, win_rate=75.0)
    assert young is not None and young.kind == "smurf"
    assert [(r.metric, r.value, r.limit) for r in young.reasons] == [
        ("kd", 1.61, 1.35),
        ("adr", 98.0, 90.0),
        ("win_rate", 75.0, 70.0),
    ]
    assert flag(level=5, lifetime_matches=2423, recent_matches=20, kd=1.61, adr=98.0, win_rate=75.0) is None
    # the same young account with ordinary numbers: no flag, and never a flag without a reason
    assert flag(level=5, lifetime_matches=30, recent_matches=20, kd=1.05, adr=75.0, win_rate=50.0) is None
    # five matches is too few to judge
    assert flag(level=5, lifetime_matches=30, recent_matches=4, kd=2.5, adr=130.0, win_rate=100.0) is None
    boosted = flag(level=9, lifetime_matches=60, recent_matches=20, kd=0.6, adr=52.0, win_rate=55.0)
    assert boosted is not None and boosted.kind == "boosted"


def test_the_flag_is_shown_with_its_numbers() -> None:
    room = load("match_details_2.json", Match)
    target = room.teams["faction2"].roster[2]  # Nalon34
    rows = load("player_games_stats_cs2.json", GameStats)  # recent K/D 1.05, ADR 70.7, 10 of 20 won
    hot = GameStats(
        items=[GameStatsRow(stats={**r.stats, "Kills": str(2 * int(r.stats["Kills"]))}) for r in rows.items]
    )
    young = PlayerStats(player_id=target.player_id, lifetime={"Matches": "42"})
    veteran = PlayerStats(player_id=target.player_id, lifetime={"Matches": "2423"})
    data = {target.player_id: PlayerData(_player(target.player_id, target.nickname, 1300), young, hot)}
    report = analyse(room, data)
    nalon = report.teams[1].players[2]
    # 580 kills / 277 deaths = 2.09
    assert nalon.flag is not None and [(r.metric, r.value) for r in nalon.flag.reasons] == [("kd", 2.09)]
    assert (
        "⚠️ <b>Nalon34</b>: possible smurf, 42 matches on the account; K/D 2.09 (typical up to 1.35)"
        in _text(report, None)
    )
    data[target.player_id] = PlayerData(data[target.player_id].player, veteran, hot)
    report = analyse(room, data)
    assert report.teams[1].players[2].flag is None
    assert "⚠️" not in _text(report, None)


# -- honest numbers and the rating --------------------------------------------------------------
def test_the_rating_of_a_recorded_scoreboard_line() -> None:
    stats = load("match_stats.json", MatchStats)
    melma = next(p for t in stats.rounds[0].teams for p in t.players if p.nickname == "MelMA")
    # 19 K, 13 D, 7 A, ADR 99 over 23 rounds: KPR .8261, DPR .5652, APR .3043;
    # Impact 2.13 x .8261 + .42 x .3043 - .41 = 1.4774
    # base .0073 x 73 + .3591 x .8261 - .5329 x .5652 + .2372 x 1.4774 + .0032 x 99 + .1587 = 1.3543
    # bonus (3 doubles x .0125 + 2 triples x .0375 + 4 MVPs x .0375 + 3 entry wins x .03) / 23 = .0153
    # (1.3543 + .0153) x 1.03 = 1.4107
    assert match_rating(melma.player_stats, 23) == pytest.approx(1.4107, abs=1e-4)


def test_ratings_on_the_recorded_matches_sit_where_the_readme_says() -> None:
    """README: over the 20 players of the two recorded matches our rating averages 1.13, winners
    1.16 and losers 1.11; every player is within 0.61-1.68, and the kills-per-round the formula
    uses agrees with FACEIT's own "K/R Ratio" to its two printed decimals; the rating ranks the
    players like FACEIT's "K/D Ratio" does (Spearman 0.97)."""
    values, winners, losers, kds = [], [], [], []
    for name in ("match_stats.json", "match_stats_2.json"):
        rnd = load(name, MatchStats).rounds[0]
        rounds = int(rnd.round_stats["Rounds"])
        for team in rnd.teams:
            for p in team.players:
                r = match_rating(p.player_stats, rounds)
                kpr = int(p.player_stats["Kills"]) / rounds
                assert abs(kpr - float(p.player_stats["K/R Ratio"])) <= 0.005
                assert r is not None
                values.append(r)
                kds.append(float(p.player_stats["K/D Ratio"]))
                (winners if team.team_stats["Team Win"] == "1" else losers).append(r)
    assert len(values) == 20
    assert sum(values) / 20 == pytest.approx(1.13, abs=0.005)
    assert sum(winners) / 10 == pytest.approx(1.16, abs=0.005)
    assert sum(losers) / 10 == pytest.approx(1.11, abs=0.005)
    assert 0.61 <= min(values) and max(values) <= 1.68

    def ranks(xs: list[float]) -> list[int]:
        order = sorted(range(len(xs)), key=xs.__getitem__)
        return [order.index(i) for i in range(len(xs))]

    d2 = sum((a - b) ** 2 for a, b in zip(ranks(values), ranks(kds), strict=True))
    assert 1 - 6 * d2 / (20 * (20**2 - 1)) == pytest.approx(0.97, abs=0.005)


def test_recent_rating_and_skills_of_the_recorded_player() -> None:
    rows = [r.stats for r in load("player_games_stats_cs2.json", GameStats).items]
    life = load("player_stats_cs2.json", PlayerStats).lifetime
    rating = recent_rating(rows, life)
    assert rating is not None and rating.rounds == 419 and rating.estimated_bonus
    sk = skills(life, rows)
    # lifetime: 1202 of 2570 opening duels won, 208/556 1v1, 114/635 1v2, 51087 utility damage over
    # 17695 rounds, 2254 of 4712 flashes successful
    assert (sk.entry.wins, sk.entry.count, sk.entry.rate) == (1202, 2570, 46.8)
    assert (sk.clutch_1v1.rate, sk.clutch_1v2.rate) == (37.4, 18.0)
    assert sk.utility_damage_per_round == 2.89
    assert sk.entry_per_round == 0.145
    assert sk.flash.rate == 47.8
    no_life = skills(None, rows)
    assert no_life.entry is None and no_life.clutch_1v1 is None  # never a made-up constant


def test_a_rating_needs_rounds() -> None:
    with pytest.raises(ValueError):
        hltv_rating(kills=1, deaths=1, assists=0, adr=50, rounds=0)
    assert recent_rating([], None) is None


# -- map advice that does not overreact --------------------------------------------------------
def _maps(**records: tuple[int, int]) -> PlayerStats:
    return PlayerStats(
        player_id="x",
        segments=[
            Segment(label=name, type="Map", mode="5v5", stats={"Matches": str(m), "Wins": str(w)})
            for name, (m, w) in records.items()
        ],
    )


def test_a_three_nil_map_is_shrunk_toward_even() -> None:
    room = load("match_details_2.json", Match)
    one, two = room.teams["faction1"].roster[0], room.teams["faction2"].roster[0]
    data = {
        one.player_id: PlayerData(
            _player(one.player_id, one.nickname, 1400), _maps(Dust2=(3, 3), Nuke=(40, 26)), None
        ),
        two.player_id: PlayerData(
            _player(two.player_id, two.nickname, 1400), _maps(Dust2=(20, 10), Nuke=(40, 20)), None
        ),
    }
    advice = {a.map: a for a in analyse(room, data).map_advice}
    # Dust2: raw 3/3 = 100 % vs 10/20 = 50 %; shrunk (3 + 3) / (3 + 6) = 66.7 % vs (10 + 3) / 26 = 50 %
    assert (advice["Dust2"].team1_win_rate, advice["Dust2"].team1_shrunk, advice["Dust2"].team2_shrunk) == (
        100.0,
        66.7,
        50.0,
    )
    # Nuke: 26/40 = 65 % -> (26 + 3) / 46 = 63.0 %, 20/40 -> 50 %: 13 points with 40 matches beats
    # 16.7 points with 3 matches? No: Dust2's shrunk gap is still larger, but much less than the raw 50.
    assert (advice["Nuke"].team1_shrunk, advice["Nuke"].team2_shrunk) == (63.0, 50.0)
    assert shrunk_rate(0, 0) == 50.0
    assert shrunk_rate(3, 3, k=0) == 100.0


def test_an_opponent_to_watch_comes_with_real_entry_clutch_and_utility_figures() -> None:
    room = load("match_details_2.json", Match)
    miekooo = room.teams["faction1"].roster[0]
    recorded = PlayerData(
        _player(miekooo.player_id, miekooo.nickname, 1700),
        load("player_stats_cs2.json", PlayerStats),
        load("player_games_stats_cs2.json", GameStats),
    )
    _, report = _room("match_details_2.json", ELOS1, ELOS2, {miekooo.player_id: recorded})
    text = _text(report, room.teams["faction2"].roster[0].player_id)
    watch = text.split("👀 Opponents to watch:\n")[1].splitlines()[0]
    rating = report.teams[0].players[0].rating
    assert rating is not None
    # lifetime totals: 1202/2570 opening duels, 208/556 1v1, 114/635 1v2, 51087 / 17695 = 2.89
    # utility damage a round; 20 recent rows: 290 kills / 277 deaths, ADR 70.7, 15 rounds of 3+ kills
    assert watch == (
        f"• <b>Miekooo_</b>: rating {rating.value}, K/D 1.05, ADR 71, wins 47% of opening duels (1202/2570), "
        "1v1 clutches won 37% (208/556), 1v2 clutches won 18% (114/635), utility damage 2.9 a round, "
        "multi-kills (3+ in a round): 15 in 20 matches"  # triple + quadro + penta over the 20 rows
    )
