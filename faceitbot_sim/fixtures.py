"""Fixture trees for the FACEIT simulator: the real recorded samples, and a generated world.

A fixture tree maps `GET /data/v4/<p>` to the file `<p>.json` (see faceitbot_sim.faceit).
`build_world` writes a consistent synthetic CS2 world in the exact shapes of the recorded payloads:
every scoreboard adds up (team kills = enemy deaths, MVPs = rounds won, opening duels = rounds),
histories and per-match rows repeat the match stats, and lifetime/map stats are sums over the
player's matches (the ones in the world plus an older, summarised past).
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import shutil
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NOW = 1764000000  # fixed "now" so a seed always produces the same bytes
COMPETITION_ID = "f4148ddd-bce8-41b8-9131-ee83afcdd6dd"  # "Europe 5v5 Queue", as recorded
_VOTABLES = (
    "https://assets.faceit-cdn.net/third_party/games/ce652bd4-0abb-4c90-9936-1133965ca38b/assets/votables/"
)
_IMAGES = "https://distribution.faceit-cdn.net/images/"
# label, map id, voting image_lg, image_sm (= segment img_small), segment img_regular — from the samples.
MAP_POOL = [
    (
        "Dust2",
        "de_dust2",
        "7c17caa9-64a6-4496-8a0b-885e0f038d79_1695819126962",
        "adf58ac6-b0f3-40e9-87ef-0af23fc60918_1695819116078",
        "4eafa800-b504-4dd2-afd0-90882c729140",
    ),
    (
        "Mirage",
        "de_mirage",
        "7fb7d725-e44d-4e3c-b557-e1d19b260ab8_1695819144685",
        "796b5b23-41e4-4387-a4a9-0d28c1c57456_1695819136505",
        "c47710c4-4407-4dbd-ac89-2ef3b20a262e",
    ),
    (
        "Nuke",
        "de_nuke",
        "7197a969-81e4-4fef-8764-55f46c7cec6e_1695819158849",
        "15ff938d-a70d-4d0b-9bf9-6be215cdb193_1695819151395",
        "faa7775b-f42b-4627-891a-21ee7cc13637",
    ),
    (
        "Overpass",
        "de_overpass",
        "058c4eb3-dac4-441c-a810-70afa0f3022c_1695819170133",
        "6d7e8e7f-f136-49f3-a4ca-a9afffbe8022_1695819165013",
        "8ba6f730-fa31-4dd7-9b41-4cff81d79fef",
    ),
    (
        "Ancient",
        "de_ancient",
        "5b844241-5b15-45bf-a304-ad6df63b5ce5_1695819190976",
        "a7d193ca-9498-4546-bf7b-da33e3e429a5_1695819186093",
        "6f72ffec-7607-44cf-9c31-09a865fa92f5",
    ),
    (
        "Inferno",
        "de_inferno",
        "993380de-bb5b-4aa1-ada9-a0c1741dc475_1695819220797",
        "a2cb95be-1a3f-49f3-a5fa-a02503d02086_1695819214782",
        "d71cae42-b38c-470d-a548-0c59d6c71fbe",
    ),
    (
        "Anubis",
        "de_anubis",
        "31f01daf-e531-43cf-b949-c094ebc9b3ea_1695819235255",
        "847a46ed-fbcc-4347-a64a-bc2d6a24be89_1695819226252",
        "1c2412c7-ae0c-4fa1-ad86-82a3287cb479",
    ),
]
# Maps out of the pool that veterans still have lifetime segments for.
OLD_MAPS = [
    ("Vertigo", "57652f05-ce5a-4c89-8211-d9eb79a399f1_1695819175416", "a8d0572f-8a89-474a-babc-c2009cdc42f7"),
    ("Train", "6c361bc4-00bf-4700-8d4d-48ab5ae3df1f_1695827671063", "9e2d5b60-e16e-4309-8e77-8d4427938095"),
]
NICKNAMES = (
    "s1mple_fan NightOwl frostbyte dust2_enjoyer k1ller_queen AWPaholic lurk3r smokescreen PistolPete "
    "ecoRoundHero tapTapBoom flashbang_bob ace_mcfly Acer77 molly_whopper clutchminister baitmaster "
    "entryfragger one_tap_andy zeus_42 headhunter_x vortex Kestrel mirage_main nade_king spray_n_pray "
    "xX_sniper_Xx peekaboo stratbook grumpy_cat moonwalker bluefox RedBaron silentstep quickscope99 "
    "Hexagon wallbang_wizard def_kit bunnyhop CT_Spawn ramp_rat palace_guard jungle_boy vent_dweller "
    "ninja_defuse eco_warrior half_buy glock_n_roll deagle_daddy saveTheAWP tec9_terror pixelpeek "
    "utility_nerd igl_brain banana_ctrl"
).split()
COUNTRIES = "gb de fr pl se dk fi ua es pt nl cz ro no ee lv lt hu it be at tr ie sk".split()
ELO_BANDS = (500, 750, 900, 1050, 1200, 1350, 1530, 1750, 2000)


def skill_level(elo: int) -> int:
    """CS2 level (1-10) of an ELO."""
    return 1 + sum(elo > top for top in ELO_BANDS)


@dataclass(frozen=True)
class SampleIds:
    player_id: str
    nickname: str
    match_ids: tuple[str, ...]


@dataclass(frozen=True)
class WorldPlayer:
    player_id: str
    nickname: str
    elo: int
    skill_level: int
    country: str


@dataclass(frozen=True)
class World:
    root: Path
    players: tuple[WorldPlayer, ...]
    matches: dict[str, tuple[str, ...]]  # status ("FINISHED", "READY", "ONGOING") -> match ids
    premades: tuple[tuple[str, ...], ...]  # player ids that queue together
    samples: SampleIds | None = None

    @property
    def finished(self) -> tuple[str, ...]:
        return self.matches.get("FINISHED", ())

    @property
    def live(self) -> tuple[str, ...]:
        return tuple(m for status, ids in self.matches.items() if status != "FINISHED" for m in ids)

    def player(self, nickname: str) -> WorldPlayer:
        return next(p for p in self.players if p.nickname == nickname)


# -- the recorded samples ----------------------------------------------------------------------
def arrange_samples(samples_dir: Path, dst: Path) -> SampleIds:
    """Copies the recorded payloads, byte for byte, into a fixture tree at `dst`.

    The player file is player_details.json, so `GET /players?nickname=Darwin` answers with
    player_details.json's bytes (players_by_nickname.json is the same player, keys in another order).
    """
    samples_dir, dst = Path(samples_dir), Path(dst)
    player = json.loads((samples_dir / "player_details.json").read_bytes())
    pid = player["player_id"]
    copies = {
        "player_details.json": f"players/{pid}.json",
        "player_stats_cs2.json": f"players/{pid}/stats/cs2.json",
        "player_history.json": f"players/{pid}/history.json",
        "player_games_stats_cs2.json": f"players/{pid}/games/cs2/stats.json",
    }
    match_ids = []
    for details, stats in (
        ("match_details.json", "match_stats.json"),
        ("match_details_2.json", "match_stats_2.json"),
    ):
        mid = json.loads((samples_dir / details).read_bytes())["match_id"]
        match_ids.append(mid)
        copies[details] = f"matches/{mid}.json"
        copies[stats] = f"matches/{mid}/stats.json"
    for src, rel in copies.items():
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(samples_dir / src, target)
    return SampleIds(pid, player["nickname"], tuple(match_ids))


def default_samples_dir() -> Path:
    """The shared hand-outs beside the repository (`../shared/faceit/samples`)."""
    return Path(__file__).resolve().parents[2] / "shared" / "faceit" / "samples"


def demo_world_path() -> Path:
    return Path(__file__).with_name("demo_world")


# -- the generated world ----------------------------------------------------------------------
@dataclass(eq=False)
class _Player:
    id: str
    nick: str
    elo: int
    country: str
    avatar: str
    steam_account: int
    steam_name: str
    premium: bool
    kd: float  # latent skill relative to the lobby; drives kills/deaths splits
    hs: float
    entry: float
    sniper: float
    old_matches: int
    activated: int
    mates: list[str] = field(default_factory=list)
    matches: list[_Match] = field(default_factory=list)

    @property
    def level(self) -> int:
        return skill_level(self.elo)

    @property
    def steam64(self) -> str:
        return str(76561197960265728 + self.steam_account)


@dataclass(eq=False)
class _Match:
    id: str
    status: str
    map: tuple[str, ...]
    configured: int
    started: int | None
    finished: int | None
    teams: tuple[list[_Player], list[_Player]]
    premade: tuple[bool, bool]
    score: tuple[int, int] = (0, 0)
    halves: tuple[tuple[int, int, int], tuple[int, int, int]] = ((0, 0, 0), (0, 0, 0))
    lines: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def winner(self) -> int:
        return 0 if self.score[0] > self.score[1] else 1

    def side_of(self, p: _Player) -> int:
        return 0 if p in self.teams[0] else 1

    def faction_id(self, side: int) -> str:
        return self.teams[side][0].id  # matchmaking factions are named after their leader

    def team_name(self, side: int) -> str:
        return f"team_{self.teams[side][0].nick}"


def build_world(
    dst: Path,
    *,
    seed: int = 7,
    players: int = 40,
    matches: int = 30,
    now: int | None = None,
    include_samples: bool = False,
    samples_dir: Path | None = None,
    indent: int | None = 2,
) -> World:
    """Writes a deterministic synthetic world into `dst` (existing files elsewhere are kept).

    `indent=None` writes compact JSON, as FACEIT sends it (the bundled demo world does, for size).
    """
    if players < 10 or matches < 1:
        raise ValueError("a world needs at least 10 players and 1 match")
    dst, now = Path(dst), NOW if now is None else now
    rng = random.Random(seed)
    write = functools.partial(_write, indent=indent)
    taken = {"Darwin"} if include_samples else set()
    people = _make_players(rng, players, now, taken)
    groups = _make_premades(rng, people)
    games = _make_matches(rng, people, groups, matches, now)
    for m in games:
        if m.status == "FINISHED":
            _play(rng, m)
    for p in people:
        p.matches.sort(key=lambda m: m.finished or 0, reverse=True)
        write(dst / "players" / f"{p.id}.json", _player_doc(p))
        finished = [m for m in p.matches if m.status == "FINISHED"]
        write(dst / "players" / p.id / "stats" / "cs2.json", _stats_doc(rng, p, finished))
        history = [_history_item(m) for m in finished]
        write(
            dst / "players" / p.id / "history.json",
            {"items": history, "start": 0, "end": len(history), "from": 0, "to": now},
        )
        rows = [{"stats": _game_row(m, p)} for m in finished]
        write(
            dst / "players" / p.id / "games" / "cs2" / "stats.json",
            {"items": rows, "start": 0, "end": len(rows)},
        )
    for m in games:
        write(dst / "matches" / f"{m.id}.json", _match_doc(m))
        if m.status == "FINISHED":
            write(dst / "matches" / m.id / "stats.json", _match_stats_doc(m))
    samples = arrange_samples(samples_dir or default_samples_dir(), dst) if include_samples else None
    by_status: dict[str, tuple[str, ...]] = {}
    for m in games:
        by_status[m.status] = (*by_status.get(m.status, ()), m.id)
    return World(
        root=dst,
        players=tuple(WorldPlayer(p.id, p.nick, p.elo, p.level, p.country) for p in people),
        matches=by_status,
        premades=tuple(tuple(p.id for p in g) for g in groups),
        samples=samples,
    )


def _make_players(rng: random.Random, n: int, now: int, taken: set[str]) -> list[_Player]:
    names = [x for x in NICKNAMES if x not in taken]
    rng.shuffle(names)
    names += [f"{names[i % len(names)]}{i}" for i in range(max(0, n - len(names)))]
    smurfs = set(rng.sample(range(n), 2))
    people = []
    for i, nick in enumerate(names[:n]):
        smurf = i in smurfs
        talent = rng.gauss(0, 0.12) + (0.45 if smurf else 0)
        elo = rng.randint(900, 1500) if smurf else int(min(3400, max(300, rng.gauss(1550, 480))))
        awper = rng.random() < 0.2
        people.append(
            _Player(
                id=_uuid(rng),
                nick=nick,
                elo=elo,
                country=rng.choice(COUNTRIES),
                avatar=f"{_IMAGES}{_uuid(rng)}.jpeg" if rng.random() < 0.45 else "",
                steam_account=rng.randint(10**7, 1_200_000_000),
                steam_name=nick
                if rng.random() < 0.5
                else rng.choice(["xd", "dink", "kebab", nick.lower(), "Player"]),
                premium=rng.random() < 0.35,
                kd=min(2.2, max(0.55, 1 + 1.3 * talent)),
                hs=min(0.7, max(0.2, rng.gauss(0.45, 0.08))),
                entry=rng.uniform(0.08, 0.22),
                sniper=rng.uniform(0.25, 0.5) if awper else rng.uniform(0, 0.04),
                old_matches=rng.randint(8, 30)
                if smurf
                else int(min(3500, max(40, math.exp(rng.gauss(6, 0.9))))),
                activated=now - rng.randint(20, 60) * 86400
                if smurf
                else now - rng.randint(1, 10) * 365 * 86400,
            )
        )
    return people


def _make_premades(rng: random.Random, people: list[_Player]) -> list[list[_Player]]:
    """Parties of 2-3 friends with close ELO (neighbours in the ELO order)."""
    ranked = sorted(people, key=lambda p: p.elo)
    groups: list[list[_Player]] = []
    used: set[int] = set()
    for start in rng.sample(range(len(ranked) - 2), len(ranked) - 2):
        size = rng.choice((2, 2, 3))
        span = range(start, start + size)
        if len(groups) >= max(1, len(people) // 10) or any(
            i in used or i - 1 in used or i + 1 in used for i in span
        ):
            continue
        used.update(span)
        groups.append([ranked[i] for i in span])
    for g in groups:
        for p in g:
            p.mates = [q.id for q in g if q is not p]
    return groups


def _make_matches(
    rng: random.Random, people: list[_Player], groups: list[list[_Player]], n: int, now: int
) -> list[_Match]:
    n_live = min(max(2, n // 10), len(people) // 10, n)
    n_done = n - n_live
    span = max(4000, 14 * 86400 // max(n_done, 1))
    played: Counter[str] = Counter()
    busy: set[str] = set()
    games: list[_Match] = []
    turn = 0
    # Each party queues together at least twice among the finished matches, spread over the period.
    twice = 2 * len(groups)
    planned = set(range(n_done)) if n_done <= twice else {i * n_done // twice for i in range(twice)}
    for k in range(n):
        live = k >= n_done
        pool = [p for p in people if p.id not in busy]
        parties = [g for g in groups if all(p.id not in busy for p in g)]
        anchor: list[_Player]
        if parties and (k in planned or rng.random() < 0.3):
            anchor, turn = list(parties[turn % len(parties)]), turn + 1
        else:
            anchor = [min(pool, key=lambda p: (played[p.id], rng.random()))]
        center = sum(p.elo for p in anchor) / len(anchor)
        rest = sorted(
            (p for p in pool if p not in anchor),
            key=lambda p: abs(p.elo - center) / 200 + 0.5 * played[p.id] + 0.8 * rng.random(),
        )
        teams: tuple[list[_Player], list[_Player]] = ([], [])
        side = rng.randint(0, 1)
        teams[side].extend(anchor)
        for p in sorted(rest[: 10 - len(anchor)], key=lambda p: -p.elo):
            open_sides = [s for s in (0, 1) if len(teams[s]) < 5]
            teams[min(open_sides, key=lambda s: (sum(q.elo for q in teams[s]), len(teams[s])))].append(p)
        for p in teams[0] + teams[1]:
            played[p.id] += 1
        premade = (len(anchor) > 1 and side == 0, len(anchor) > 1 and side == 1)
        if live:
            busy.update(p.id for p in teams[0] + teams[1])
            status = "READY" if (k - n_done) % 2 == 0 else "ONGOING"
            configured = now - rng.randint(60, 240) - (900 if status == "ONGOING" else 0)
            started = configured + rng.randint(120, 240) if status == "ONGOING" else None
            finished = None
        else:
            started = now - 7200 - (n_done - k) * span + rng.randint(0, span - 3600)
            configured, finished = started - rng.randint(120, 240), started + rng.randint(1900, 3300)
            status = "FINISHED"
        m = _Match(
            "1-" + _uuid(rng), status, rng.choice(MAP_POOL), configured, started, finished, teams, premade
        )
        games.append(m)
        for p in teams[0] + teams[1]:
            p.matches.append(m)
    return games


def _play(rng: random.Random, m: _Match) -> None:
    """Decides the result and writes one scoreboard line per player; every team total adds up."""
    elo = [sum(p.elo for p in t) / 5 for t in m.teams]
    win = 0 if rng.random() < 1 / (1 + 10 ** ((elo[1] - elo[0]) / 400)) else 1
    if rng.random() < 0.1:  # one MR3 overtime
        lost, first = rng.choice((12, 13, 14)), rng.randint(3, 9)
        halves = {win: (first, 12 - first, 4), 1 - win: (12 - first, first, lost - 12)}
        won = 16
    else:
        lost = rng.choices(range(12), weights=(1, 1, 2, 3, 4, 5, 7, 8, 9, 9, 9, 8))[0]
        first = rng.randint(max(12 - lost, 1), 12)
        halves, won = {win: (first, 13 - first, 0), 1 - win: (12 - first, lost - 12 + first, 0)}, 13
    m.score = (won, lost) if win == 0 else (lost, won)
    m.halves = (halves[0], halves[1])
    rounds = won + lost
    deaths = [
        min(5 * rounds, round(m.score[1 - s] * rng.uniform(4.0, 4.6) + m.score[s] * rng.uniform(1.3, 2.1)))
        for s in (0, 1)
    ]
    fk0 = round(
        rounds * min(0.8, max(0.2, 0.5 + 0.35 * (m.score[0] - m.score[1]) / rounds + rng.gauss(0, 0.04)))
    )
    openings = (fk0, rounds - fk0)
    for s, team in enumerate(m.teams):
        kills = _split(
            rng, max(0, deaths[1 - s] - rng.randint(0, 1)), [p.kd * rng.lognormvariate(0, 0.35) for p in team]
        )
        died = _split(rng, deaths[s], [rng.lognormvariate(0, 0.25) / p.kd for p in team], [rounds] * 5)
        mvps = _split(rng, m.score[s], [k + 1 for k in kills])
        fks = _split(rng, openings[s], [p.entry * (k + 1) for p, k in zip(team, kills, strict=True)], kills)
        fds = _split(rng, openings[1 - s], [p.entry for p in team], [rounds - f for f in fks])
        for i, p in enumerate(team):
            m.lines[p.id] = _line(rng, p, rounds, int(s == win), kills[i], died[i], mvps[i], fks[i], fds[i])


def _line(
    rng: random.Random, p: _Player, r: int, won: int, k: int, d: int, mvp: int, fk: int, fd: int
) -> dict[str, int]:
    hs = min(k, round(k * min(0.9, max(0.05, rng.gauss(p.hs, 0.1)))))
    a = round(r * rng.uniform(0.08, 0.22))
    k5, k4, k3 = int(rng.random() < k / 1500), int(rng.random() < k / 160), round(k * rng.uniform(0, 0.09))
    k2 = round(k * rng.uniform(0.1, 0.24))
    while 2 * k2 + 3 * k3 + 4 * k4 + 5 * k5 > k:
        if k2:
            k2 -= 1
        elif k3:
            k3 -= 1
        else:
            k4, k5 = 0, 0
    c11 = rng.choices((0, 1, 2, 3), weights=(5, 4, 2, 1))[0]
    c12 = rng.choices((0, 1, 2), weights=(6, 3, 1))[0]
    w11, w12 = sum(rng.random() < 0.45 for _ in range(c11)), sum(rng.random() < 0.18 for _ in range(c12))
    fc = round(r * rng.uniform(0.15, 0.8))
    fs = round(fc * rng.uniform(0.2, 0.55))
    uc = round(r * rng.uniform(0.1, 0.5))
    us = round(uc * rng.uniform(0.1, 0.45))
    sk = min(k, round(k * p.sniper * rng.uniform(0.6, 1.4)))
    pistol = min(k - sk, rng.randint(0, 4))
    knife = int(k - sk - pistol > 0 and rng.random() < 0.03)
    return {
        "r": r,
        "w": won,
        "k": k,
        "d": d,
        "a": a,
        "hs": hs,
        "dmg": round(k * rng.uniform(88, 102) + a * rng.uniform(25, 45)),
        "mvp": mvp,
        "k2": k2,
        "k3": k3,
        "k4": k4,
        "k5": k5,
        "fk": fk,
        "ec": fk + fd,
        "c11": c11,
        "w11": w11,
        "c12": c12,
        "w12": w12,
        "clutch": min(k, w11 + 2 * w12 + rng.randint(0, 1)),
        "fc": fc,
        "fs": fs,
        "ef": fs + rng.randint(0, fs),
        "uc": uc,
        "ud": round(uc * rng.uniform(3, 16)),
        "us": us,
        "ue": us + rng.randint(0, us),
        "sk": sk,
        "pistol": pistol,
        "knife": knife,
        "zeus": int(k - sk - pistol - knife > 0 and rng.random() < 0.05),
    }


def _split(rng: random.Random, total: int, weights: list[float], caps: list[int] | None = None) -> list[int]:
    """Splits `total` into integer shares proportional to `weights`, each at most its cap."""
    caps = caps or [total] * len(weights)
    total = max(0, min(total, sum(caps)))
    scale = sum(weights) or 1.0
    out = [min(int(total * w / scale), c) for w, c in zip(weights, caps, strict=True)]
    while sum(out) < total:
        room = [i for i in range(len(out)) if out[i] < caps[i]]
        out[rng.choices(room, weights=[weights[i] + 1e-9 for i in room])[0]] += 1
    return out


# -- documents ---------------------------------------------------------------------------------
def _player_doc(p: _Player) -> dict[str, Any]:
    games = {"cs2": _game_profile(p, p.level, p.elo)}
    if p.old_matches > 300:
        csgo_elo = max(100, p.elo - 150 + p.steam_account % 300)
        games["csgo"] = _game_profile(p, skill_level(csgo_elo), csgo_elo)
    friends = p.mates + [
        q.id for m in p.matches for q in m.teams[m.side_of(p)] if q is not p and q.id not in p.mates
    ]
    return {
        "player_id": p.id,
        "nickname": p.nick,
        "avatar": p.avatar,
        "country": p.country,
        "cover_image": "",
        "platforms": {"steam": f"STEAM_0:{p.steam_account % 2}:{p.steam_account // 2}"},
        "games": games,
        "settings": {"language": "en"},
        "friends_ids": list(dict.fromkeys(friends))[:12],
        "new_steam_id": f"[U:1:{p.steam_account}]",
        "steam_id_64": p.steam64,
        "steam_nickname": p.steam_name,
        "memberships": ["premium"] if p.premium else ["free"],
        "faceit_url": f"https://www.faceit.com/{{lang}}/players/{p.nick}",
        "membership_type": "",
        "cover_featured_image": "",
        "infractions": {},
        "verified": p.old_matches > 2500,
        "activated_at": _iso(p.activated, p.steam_account % 1000),
    }


def _game_profile(p: _Player, level: int, elo: int) -> dict[str, Any]:
    return {
        "region": "EU",
        "game_player_id": p.steam64,
        "skill_level": level,
        "faceit_elo": elo,
        "game_player_name": p.steam_name,
        "skill_level_label": "",
        "regions": {},
        "game_profile_id": "",
    }


def _match_doc(m: _Match) -> dict[str, Any]:
    avg = [sum(p.elo for p in t) / 5 for t in m.teams]
    chance = 1 / (1 + 10 ** ((avg[1] - avg[0]) / 400))
    teams = {}
    for s, team in enumerate(m.teams):
        levels = [p.level for p in team]
        teams[f"faction{s + 1}"] = {
            "faction_id": m.faction_id(s),
            "leader": team[0].id,
            "avatar": team[0].avatar,
            "roster": [
                {
                    "player_id": p.id,
                    "nickname": p.nick,
                    "avatar": p.avatar,
                    "membership": "premium" if p.premium else "free",
                    "game_player_id": p.steam64,
                    "game_player_name": p.steam_name,
                    "game_skill_level": p.level,
                    "anticheat_required": True,
                }
                for p in team
            ],
            "stats": {
                "winProbability": round(chance if s == 0 else 1 - chance, 2),
                "skillLevel": {
                    "average": round(sum(levels) / 5),
                    "range": {"min": min(levels), "max": max(levels)},
                },
                "rating": round(avg[s]),
            },
            "substituted": False,
            "name": m.team_name(s),
            "type": "",
        }
    doc: dict[str, Any] = {
        "match_id": m.id,
        "version": 2,
        "game": "cs2",
        "region": "EU",
        "competition_id": COMPETITION_ID,
        "competition_type": "matchmaking",
        "competition_name": "Europe 5v5 Queue",
        "organizer_id": "faceit",
        "teams": teams,
        "voting": {
            "voted_entity_types": ["map"],
            "map": {
                "entities": [
                    {
                        "name": label,
                        "class_name": mid,
                        "game_map_id": mid,
                        "guid": mid,
                        "image_lg": f"{_VOTABLES}{lg}.jpeg",
                        "image_sm": f"{_VOTABLES}{sm}.jpeg",
                    }
                    for label, mid, lg, sm, _ in MAP_POOL
                ],
                "pick": [m.map[1]],
            },
        },
        "calculate_elo": True,
        "configured_at": m.configured,
    }
    done = m.status == "FINISHED"
    demo = f"https://demos-europe-central.backblaze.faceit-cdn.net/cs2/{m.id}-1-1.dem.zst"
    winner, score = f"faction{m.winner + 1}", {"faction1": m.score[0], "faction2": m.score[1]}
    if m.started is not None:
        doc["started_at"] = m.started
    if done:
        doc.update(finished_at=m.finished, demo_url=[demo])
    doc.update(chat_room_id=f"match-{m.id}", best_of=1)
    if done:
        doc.update(
            results={"winner": winner, "score": score},
            detailed_results=[
                {
                    "asc_score": False,
                    "winner": winner,
                    "factions": {k: {"score": v} for k, v in score.items()},
                }
            ],
        )
    doc.update(status=m.status, faceit_url=f"https://www.faceit.com/{{lang}}/cs2/room/{m.id}")
    if done:
        doc["instances"] = [{"id": f"{m.id}-1-1", "round": 1, "demos": [demo]}]
    return doc


def _match_stats_doc(m: _Match) -> dict[str, Any]:
    teams = []
    for s, team in enumerate(m.teams):
        first, second, ot = m.halves[s]
        teams.append(
            {
                "team_id": m.faction_id(s),
                "premade": m.premade[s],
                "team_stats": {
                    "Team": m.team_name(s),
                    "Team Win": str(int(m.winner == s)),
                    "Team Headshots": _num(sum(m.lines[p.id]["hs"] for p in team) / 5),
                    "Overtime score": str(ot),
                    "First Half Score": str(first),
                    "Second Half Score": str(second),
                    "Final Score": str(m.score[s]),
                },
                "players": [
                    {"player_id": p.id, "nickname": p.nick, "player_stats": _scoreboard(m.lines[p.id])}
                    for p in team
                ],
            }
        )
    rounds = sum(m.score)
    return {
        "rounds": [
            {
                "best_of": "1",
                "competition_id": COMPETITION_ID,
                "game_id": "cs2",
                "game_mode": "5v5",
                "match_id": m.id,
                "match_round": "1",
                "played": "1",
                "round_stats": {
                    "Region": "EU",
                    "Map": m.map[1],
                    "Rounds": str(rounds),
                    "Winner": m.faction_id(m.winner),
                    "Score": f"{m.score[0]} / {m.score[1]}",
                },
                "teams": teams,
            }
        ]
    }


def _scoreboard(x: dict[str, int]) -> dict[str, str]:
    r, k = x["r"], x["k"]
    values: dict[str, float] = {
        "Kills": k,
        "Deaths": x["d"],
        "Assists": x["a"],
        "K/D Ratio": k / max(x["d"], 1),
        "K/R Ratio": k / r,
        "Headshots": x["hs"],
        "Headshots %": _pct(x["hs"], k),
        "ADR": round(x["dmg"] / r, 1),
        "Damage": x["dmg"],
        "MVPs": x["mvp"],
        "Result": x["w"],
        "Double Kills": x["k2"],
        "Triple Kills": x["k3"],
        "Quadro Kills": x["k4"],
        "Penta Kills": x["k5"],
        "First Kills": x["fk"],
        "Entry Count": x["ec"],
        "Entry Wins": x["fk"],
        "Match Entry Rate": x["ec"] / r,
        "Match Entry Success Rate": _ratio(x["fk"], x["ec"]),
        "Clutch Kills": x["clutch"],
        "1v1Count": x["c11"],
        "1v1Wins": x["w11"],
        "1v2Count": x["c12"],
        "1v2Wins": x["w12"],
        "Match 1v1 Win Rate": _ratio(x["w11"], x["c11"]),
        "Match 1v2 Win Rate": _ratio(x["w12"], x["c12"]),
        "Flash Count": x["fc"],
        "Flash Successes": x["fs"],
        "Enemies Flashed": x["ef"],
        "Flashes per Round in a Match": x["fc"] / r,
        "Flash Success Rate per Match": _ratio(x["fs"], x["fc"]),
        "Enemies Flashed per Round in a Match": x["ef"] / r,
        "Utility Count": x["uc"],
        "Utility Damage": x["ud"],
        "Utility Successes": x["us"],
        "Utility Enemies": x["ue"],
        "Utility Usage per Round": x["uc"] / r,
        "Utility Damage per Round in a Match": x["ud"] / r,
        "Utility Success Rate per Match": _ratio(x["us"], x["uc"]),
        "Utility Damage Success Rate per Match": _ratio(x["ud"], x["uc"]),
        "Sniper Kills": x["sk"],
        "Sniper Kill Rate per Round": x["sk"] / r,
        "Sniper Kill Rate per Match": _ratio(x["sk"], k),
        "Pistol Kills": x["pistol"],
        "Knife Kills": x["knife"],
        "Zeus Kills": x["zeus"],
    }
    return {key: _num(v) for key, v in values.items()}


def _history_item(m: _Match) -> dict[str, Any]:
    teams = {}
    for s, team in enumerate(m.teams):
        teams[f"faction{s + 1}"] = {
            "team_id": m.faction_id(s),
            "nickname": m.team_name(s),
            "avatar": team[0].avatar,
            "type": "",
            "players": [
                {
                    "player_id": p.id,
                    "nickname": p.nick,
                    "avatar": p.avatar,
                    "skill_level": p.level,
                    "game_player_id": p.steam64,
                    "game_player_name": p.steam_name,
                    "faceit_url": f"https://www.faceit.com/{{lang}}/players/{p.nick}",
                }
                for p in team
            ],
        }
    return {
        "match_id": m.id,
        "game_id": "cs2",
        "region": "EU",
        "match_type": "",
        "game_mode": "5v5",
        "max_players": 10,
        "teams_size": 5,
        "teams": teams,
        "playing_players": [p.id for t in m.teams for p in t],
        "competition_id": COMPETITION_ID,
        "competition_name": "Europe 5v5 Queue",
        "competition_type": "matchmaking",
        "organizer_id": "faceit",
        "status": "finished",
        "started_at": m.started,
        "finished_at": m.finished,
        "results": {
            "winner": f"faction{m.winner + 1}",
            "score": {"faction1": m.score[0], "faction2": m.score[1]},
        },
        "faceit_url": f"https://www.faceit.com/{{lang}}/cs2/room/{m.id}",
    }


def _game_row(m: _Match, p: _Player) -> dict[str, Any]:
    x, s = m.lines[p.id], m.side_of(p)
    first, second, ot = m.halves[s]
    board = _scoreboard(x)
    assert m.finished is not None
    return {
        "K/D Ratio": board["K/D Ratio"],
        "Deaths": board["Deaths"],
        "ADR": board["ADR"],
        "Headshots %": board["Headshots %"],
        "Best Of": "1",
        "First Half Score": str(first),
        "Game": "cs2",
        "Match Finished At": m.finished * 1000,
        "Match Round": "1",
        "Second Half Score": str(second),
        "Rounds": str(x["r"]),
        "Headshots": board["Headshots"],
        "Winner": m.faction_id(m.winner),
        "Game Mode": "5v5",
        "Triple Kills": board["Triple Kills"],
        "Match Id": m.id,
        "Player Id": p.id,
        "Team": m.team_name(s),
        "Assists": board["Assists"],
        "Updated At": _iso(m.finished + 91, x["dmg"] % 1000),
        "Penta Kills": board["Penta Kills"],
        "K/R Ratio": board["K/R Ratio"],
        "Result": board["Result"],
        "Created At": _iso(m.finished + 1, x["k"] * 37 % 1000),
        "MVPs": board["MVPs"],
        "Overtime score": str(ot),
        "Score": f"{m.score[0]} / {m.score[1]}",
        "Quadro Kills": board["Quadro Kills"],
        "Map": m.map[1],
        "Double Kills": board["Double Kills"],
        "Damage": board["Damage"],
        "Competition Id": COMPETITION_ID,
        "Region": "EU",
        "Final Score": str(m.score[s]),
        "Nickname": p.nick,
        "Kills": board["Kills"],
    }


# -- lifetime and per-map stats ----------------------------------------------------------------
_LIFETIME_KEYS = (
    "Matches",
    "Total Matches",
    "Wins",
    "Win Rate %",
    "Average K/D Ratio",
    "K/D Ratio",
    "Average Headshots %",
    "Total Headshots %",
    "ADR",
    "Total Damage",
    "Entry Rate",
    "Entry Success Rate",
    "Total Entry Count",
    "Total Entry Wins",
    "1v1 Win Rate",
    "1v2 Win Rate",
    "Total 1v1 Count",
    "Total 1v1 Wins",
    "Total 1v2 Count",
    "Total 1v2 Wins",
    "Flash Success Rate",
    "Flashes per Round",
    "Enemies Flashed per Round",
    "Total Flash Count",
    "Total Flash Successes",
    "Total Enemies Flashed",
    "Utility Damage per Round",
    "Utility Damage Success Rate",
    "Utility Success Rate",
    "Utility Usage per Round",
    "Total Utility Count",
    "Total Utility Damage",
    "Total Utility Successes",
    "Sniper Kill Rate",
    "Sniper Kill Rate per Round",
    "Total Sniper Kills",
    "Total Kills with extended stats",
    "Total Rounds with extended stats",
)


def _stats_doc(rng: random.Random, p: _Player, finished: list[_Match]) -> dict[str, Any]:
    per_map: dict[str, Counter[str]] = {}
    shares = {label: rng.random() ** 2 + 0.05 for label, *_ in MAP_POOL}
    if p.old_matches > 1500:
        shares.update({label: rng.uniform(0.05, 0.3) for label, *_ in OLD_MAPS})
    scale = sum(shares.values())
    for label, share in shares.items():
        per_map[label] = _past(rng, p, round(p.old_matches * share / scale))
    for m in finished:
        per_map[m.map[0]].update(_as_totals(m.lines[p.id]))
    images = {label: (sm, reg) for label, _, _, sm, reg in MAP_POOL} | {
        label: (sm, reg) for label, sm, reg in OLD_MAPS
    }
    segments = [
        {
            "label": label,
            "img_small": f"{_VOTABLES}{images[label][0]}.jpeg",
            "img_regular": f"{_IMAGES}{images[label][1]}.jpeg",
            "stats": _summary(agg),
            "type": "Map",
            "mode": "5v5",
        }
        for label, agg in sorted(per_map.items(), key=lambda kv: (-kv[1]["m"], kv[0]))
        if agg["m"] > 0
    ]
    total: Counter[str] = Counter()
    for agg in per_map.values():
        total.update(agg)
    summary = _summary(total)
    lifetime: dict[str, Any] = {key: summary[key] for key in _LIFETIME_KEYS}
    # Results oldest first, newest LAST, as in the recording (its Recent Results end with the newest match).
    past_wins = total["w"] - sum(m.lines[p.id]["w"] for m in finished)
    past_n = total["m"] - len(finished)
    tail = min(20, past_n)
    tail_wins = min(past_wins, max(tail - (past_n - past_wins), round(tail * past_wins / max(past_n, 1))))
    past = [1] * tail_wins + [0] * (tail - tail_wins)
    rng.shuffle(past)
    results = past + [m.lines[p.id]["w"] for m in reversed(finished)]
    current = len(results) - len("".join(map(str, results)).rstrip("1"))
    longest_seen = max((len(run) for run in "".join(map(str, results)).split("0")), default=0)
    typical = int(math.log2(total["m"] + 1) * rng.uniform(0.8, 1.4))
    lifetime.update(
        {
            "Current Win Streak": str(current),
            "Longest Win Streak": str(max(longest_seen, min(typical, total["w"]))),
            "Recent Results": [str(x) for x in results[-5:]],
        }
    )
    return {"player_id": p.id, "game_id": "cs2", "lifetime": lifetime, "segments": segments}


def _as_totals(x: dict[str, int]) -> Counter[str]:
    return Counter(
        {
            "m": 1,
            "w": x["w"],
            "k": x["k"],
            "d": x["d"],
            "a": x["a"],
            "hs": x["hs"],
            "r": x["r"],
            "mvp": x["mvp"],
            "k3": x["k3"],
            "k4": x["k4"],
            "k5": x["k5"],
            "kd": round(x["k"] / max(x["d"], 1), 2),
            "kr": round(x["k"] / x["r"], 2),
            "hsp": _pct(x["hs"], x["k"]),
            "xm": 1,
            "xr": x["r"],
            "xk": x["k"],
            "dmg": x["dmg"],
            "ec": x["ec"],
            "ew": x["fk"],
            "c11": x["c11"],
            "w11": x["w11"],
            "c12": x["c12"],
            "w12": x["w12"],
            "fc": x["fc"],
            "fs": x["fs"],
            "ef": x["ef"],
            "uc": x["uc"],
            "ud": x["ud"],
            "us": x["us"],
            "sk": x["sk"],
        }
    )


def _past(rng: random.Random, p: _Player, n: int) -> Counter[str]:
    """Totals of `n` older matches on one map, drawn around the player's profile."""
    if n <= 0:
        return Counter()
    rpm = rng.uniform(20.5, 22.5)
    kd = p.kd * rng.uniform(0.92, 1.08)
    kpr = 0.68 * kd**0.6 * rng.uniform(0.95, 1.05)
    rounds, xm = round(n * rpm), round(n * rng.uniform(0.3, 1.0))
    kills, xr = round(rounds * kpr), round(xm * rpm)
    wins = round(n * min(0.75, max(0.3, rng.gauss(0.5 + 0.2 * (p.kd - 1), 0.4 / math.sqrt(n) + 0.02))))
    hsp = 100 * min(0.8, max(0.1, p.hs + rng.gauss(0, 0.02)))
    ec = round(xr * p.entry * rng.uniform(0.9, 1.1))
    c11, c12 = round(xm * rng.uniform(0.3, 0.8)), round(xm * rng.uniform(0.3, 0.9))
    fc, uc = round(xr * rng.uniform(0.15, 0.5)), round(xr * rng.uniform(0.2, 0.45))
    fs = round(fc * rng.uniform(0.3, 0.55))
    return Counter(
        {
            "m": n,
            "w": wins,
            "k": kills,
            "d": round(kills / kd),
            "a": round(rounds * rng.uniform(0.12, 0.2)),
            "hs": round(kills * hsp / 100),
            "r": rounds,
            "mvp": round(wins * 2.6 + (n - wins) * 0.8),
            "k3": round(n * rng.uniform(0.2, 0.7) * kd),
            "k4": round(n * rng.uniform(0.03, 0.09)),
            "k5": round(n * rng.uniform(0, 0.02)),
            "kd": round(n * kd * rng.uniform(1.0, 1.06), 2),
            "kr": round(n * kpr, 2),
            "hsp": round(n * hsp),
            "xm": xm,
            "xr": xr,
            "xk": round(xr * kpr),
            "dmg": round(xr * 78 * kd**0.55 * rng.uniform(0.95, 1.05)),
            "ec": ec,
            "ew": round(ec * min(0.7, max(0.3, rng.gauss(0.45 + 0.1 * (p.kd - 1), 0.03)))),
            "c11": c11,
            "w11": round(c11 * rng.uniform(0.3, 0.6)),
            "c12": c12,
            "w12": round(c12 * rng.uniform(0.08, 0.25)),
            "fc": fc,
            "fs": fs,
            "ef": round(fs * rng.uniform(1.2, 1.8)),
            "uc": uc,
            "ud": round(uc * rng.uniform(6, 14)),
            "us": round(uc * rng.uniform(0.2, 0.35)),
            "sk": round(xr * kpr * p.sniper),
        }
    )


def _summary(t: Counter[str]) -> dict[str, str]:
    m, xr = max(t["m"], 1), max(t["xr"], 1)
    values: dict[str, float] = {
        "Matches": t["m"],
        "Wins": t["w"],
        "Win Rate %": _pct(t["w"], t["m"]),
        "Kills": t["k"],
        "Deaths": t["d"],
        "Assists": t["a"],
        "Headshots": t["hs"],
        "Rounds": t["r"],
        "MVPs": t["mvp"],
        "Triple Kills": t["k3"],
        "Quadro Kills": t["k4"],
        "Penta Kills": t["k5"],
        "K/D Ratio": t["kd"],
        "Average K/D Ratio": t["kd"] / m,
        "K/R Ratio": t["kr"],
        "Average K/R Ratio": t["kr"] / m,
        "Average Kills": t["k"] / m,
        "Average Deaths": t["d"] / m,
        "Average Assists": t["a"] / m,
        "Average MVPs": t["mvp"] / m,
        "Average Triple Kills": t["k3"] / m,
        "Average Quadro Kills": t["k4"] / m,
        "Average Penta Kills": t["k5"] / m,
        "Headshots per Match": t["hs"] / m,
        "Total Headshots %": round(t["hsp"]),
        "Average Headshots %": _pct(t["hsp"], 100 * m),
        "Total Matches": t["xm"],
        "Total Rounds with extended stats": t["xr"],
        "Total Kills with extended stats": t["xk"],
        "Total Damage": t["dmg"],
        "ADR": t["dmg"] / xr,
        "Total Entry Count": t["ec"],
        "Total Entry Wins": t["ew"],
        "Entry Rate": t["ec"] / xr,
        "Entry Success Rate": _ratio(t["ew"], t["ec"]),
        "Total 1v1 Count": t["c11"],
        "Total 1v1 Wins": t["w11"],
        "1v1 Win Rate": _ratio(t["w11"], t["c11"]),
        "Total 1v2 Count": t["c12"],
        "Total 1v2 Wins": t["w12"],
        "1v2 Win Rate": _ratio(t["w12"], t["c12"]),
        "Total Flash Count": t["fc"],
        "Total Flash Successes": t["fs"],
        "Total Enemies Flashed": t["ef"],
        "Flash Success Rate": _ratio(t["fs"], t["fc"]),
        "Flashes per Round": t["fc"] / xr,
        "Enemies Flashed per Round": t["ef"] / xr,
        "Total Utility Count": t["uc"],
        "Total Utility Damage": t["ud"],
        "Total Utility Successes": t["us"],
        "Utility Success Rate": _ratio(t["us"], t["uc"]),
        "Utility Usage per Round": t["uc"] / xr,
        "Utility Damage per Round": t["ud"] / xr,
        "Utility Damage Success Rate": _ratio(t["ud"], t["uc"]),
        "Total Sniper Kills": t["sk"],
        "Sniper Kill Rate": _ratio(t["sk"], t["xk"]),
        "Sniper Kill Rate per Round": t["sk"] / xr,
    }
    return {key: _num(v) for key, v in values.items()}


# -- helpers -----------------------------------------------------------------------------------
def _num(x: float) -> str:
    """FACEIT's number style: at most 2 decimals, no trailing zeros ("1.7", "75", "0.05")."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _pct(part: float, whole: float) -> int:
    return math.floor(100 * part / whole + 0.5) if whole else 0


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _write(path: Path, doc: Any, indent: int | None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    separators = None if indent is not None else (",", ":")
    path.write_text(
        json.dumps(doc, indent=indent, separators=separators, ensure_ascii=False), encoding="utf-8"
    )


def _iso(ts: int, ms: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms:03d}Z"


# -- CLI ---------------------------------------------------------------------------------------
def world_main(argv: list[str]) -> None:
    """`python -m faceitbot_sim world --out DIR [--seed N --players N --matches N]`."""
    parser = argparse.ArgumentParser(
        prog="python -m faceitbot_sim world", description="generate a FACEIT fixture world"
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--players", type=int, default=40)
    parser.add_argument("--matches", type=int, default=30)
    parser.add_argument("--now", type=int, default=None, help=f"unix seconds (default {NOW})")
    parser.add_argument("--with-samples", action="store_true", help="also arrange the recorded samples")
    parser.add_argument(
        "--samples", type=Path, default=None, help="samples dir (default ../shared/faceit/samples)"
    )
    parser.add_argument("--compact", action="store_true", help="compact JSON instead of indent=2")
    parser.add_argument("--clean", action="store_true", help="delete DIR/players and DIR/matches first")
    args = parser.parse_args(argv)
    if args.clean:
        for sub in ("players", "matches"):
            shutil.rmtree(args.out / sub, ignore_errors=True)
    world = build_world(
        args.out,
        seed=args.seed,
        players=args.players,
        matches=args.matches,
        now=args.now,
        include_samples=args.with_samples,
        samples_dir=args.samples,
        indent=None if args.compact else 2,
    )
    print(
        f"{len(world.players)} players, {len(world.finished)} finished and {len(world.live)} live matches "
        f"in {args.out}; try: {', '.join(p.nickname for p in world.players[:3])}"
    )
