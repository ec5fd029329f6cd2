"""/elo and /card: PNGs drawn off the event loop, cached by content; the chart's points are the
stored ELO snapshots."""

import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta

from PIL import Image

from faceitbot.render import elo_chart
from faceitbot_sim.fixtures import World
from tests.conftest import SAMPLES, BotHarness

DARWIN = json.loads((SAMPLES / "player_details.json").read_text())


def pixels(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and RGB bytes of a PNG as our canvas writes it (8-bit RGB, filter 0 rows)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * 3
    assert len(raw) == height * stride and all(raw[y * stride] == 0 for y in range(height))
    return width, height, b"".join(raw[y * stride + 1 : (y + 1) * stride] for y in range(height))


def at(rgb: bytes, width: int, x: int, y: int) -> tuple[int, int, int]:
    i = (y * width + x) * 3
    return rgb[i], rgb[i + 1], rgb[i + 2]


def test_chart_points_are_the_snapshots_on_level_bands() -> None:
    t0 = 1_770_000_000
    snapshots = [(t0, 1980), (t0 + 3600, 2005), (t0 + 7200, 2030), (t0 + 86400, 1990)]
    png = elo_chart.elo_chart(snapshots)
    width, height, rgb = pixels(png)
    assert (width, height) == (800, 400)
    scale = elo_chart.scale(snapshots)
    for (t, elo), (x, y) in zip(snapshots, elo_chart.points(snapshots), strict=True):
        assert at(rgb, width, x, y) == elo_chart.POINT
        assert abs(scale.elo(y) - elo) <= (scale.high - scale.low) / (height - 2 * elo_chart.MARGIN)
        assert x == scale.x(t)
    # 1940..2070 spans levels 9 (≤ 2000) and 10: both bands shaded, with the border at 2000.
    left = elo_chart.LEFT + 1
    assert at(rgb, width, left, scale.y(1950)) == elo_chart.BAND_COLOURS[8]
    assert at(rgb, width, left, scale.y(2050)) == elo_chart.BAND_COLOURS[9]
    assert at(rgb, width, left, scale.y(2000)) == elo_chart.BAND_EDGE

    # Labels in the margin beside the level 10 border (2001) and under the first day, none elsewhere
    # in the margin's white.
    def inked(x0: int, x1: int, y0: int, y1: int) -> bool:
        return any(at(rgb, width, x, y) != (255, 255, 255) for x in range(x0, x1) for y in range(y0, y1))

    y_border = scale.y(2001)
    assert inked(0, elo_chart.LEFT - 2, y_border - 5, y_border + 6)
    assert inked(elo_chart.LEFT, elo_chart.LEFT + 40, height - elo_chart.MARGIN + 2, height)
    assert not inked(0, elo_chart.LEFT - 2, 0, 4)


async def test_elo_command_draws_the_stored_snapshots(bot: BotHarness) -> None:
    pid = DARWIN["player_id"]
    now = datetime.now(UTC)
    stored = [(now - timedelta(days=d), elo) for d, elo in ((9, 1930), (6, 1975), (3, 2040), (1, 1999))]
    await bot.rt.pool.execute(
        "INSERT INTO players (player_id, nickname, level, elo, updated_at) VALUES ($1, 'Darwin', 9, 1999, $2)",
        pid,
        now - timedelta(days=1),
    )
    await bot.rt.pool.executemany(
        "INSERT INTO elo_snapshots (player_id, taken_at, elo, level) VALUES ($1, $2, $3, 10)",
        [(pid, taken, elo) for taken, elo in stored],
    )
    uid = bot.new_user()
    bot.tg.mark()
    bot.tg.send_text(uid, "/elo Darwin", user_id=uid)
    [photo] = await bot.tg.wait_for("sendPhoto", chat_id=uid)
    # Reading Darwin now (2014 ELO) kept a fifth snapshot.
    rows = await bot.rt.pool.fetch(
        "SELECT extract(epoch FROM taken_at)::bigint AS at, elo FROM elo_snapshots WHERE player_id = $1 ORDER BY taken_at",
        pid,
    )
    series = [(r["at"], r["elo"]) for r in rows]
    assert [e for _, e in series] == [1930, 1975, 2040, 1999, 2014]
    assert photo.params["caption"].startswith(
        "📈 <b>Darwin</b>: ELO 1930 → 2014 (+84) over 5 snapshots, from 1930 to 2040."
    )
    width, height, rgb = pixels(bot.tg.files[photo.params["photo"].file_id])
    assert (width, height) == (800, 400)
    for x, y in elo_chart.points(series):
        assert at(rgb, width, x, y) == elo_chart.POINT


async def test_elo_with_one_snapshot_explains_instead(bot: BotHarness) -> None:
    [reply] = await bot.say(bot.new_user(), "/elo Darwin")
    assert reply.params["text"].startswith(
        "📈 So far I have 1 ELO snapshot of <b>Darwin</b>; the chart needs two."
    )


async def test_stat_card_is_a_png_cached_by_content(bot: BotHarness) -> None:
    uid = bot.new_user()
    await bot.say(uid, "/link Darwin")
    await bot.rt.dp["images"].clear()  # another test may have drawn the same card
    drawn = bot.rt.dp["images"].drawn
    bot.faceit.reset_stats()
    bot.tg.mark()
    bot.tg.send_text(uid, "📊 My stats", user_id=uid)
    [photo] = await bot.tg.wait_for("sendPhoto", chat_id=uid)
    png = bot.tg.files[photo.params["photo"].file_id]
    image = Image.open(io.BytesIO(png))
    assert (image.format, image.size) == ("PNG", (800, 420))
    assert photo.params["caption"].startswith("🇬🇧 <b>Darwin</b> · level 10 · 2014 ELO\nMatches: 2,423")
    cold = bot.faceit.stats()["total"]
    assert cold == 3  # player, lifetime stats, the newest 20 rows
    assert bot.rt.dp["images"].drawn == drawn + 1

    bot.faceit.reset_stats()
    bot.tg.mark()
    bot.tg.send_text(uid, "/card", user_id=uid)
    [again] = await bot.tg.wait_for("sendPhoto", chat_id=uid)
    assert bot.tg.files[again.params["photo"].file_id] == png
    assert bot.rt.dp["images"].drawn == drawn + 1  # the same numbers: not drawn again
    assert bot.faceit.stats()["total"] == 0


async def test_match_card_of_an_analysed_room(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    match_id = world.finished[1]
    [refused] = await bot.say(uid, f"/matchcard {match_id}")
    assert refused.params["text"] == (
        f"Analyse the match first (/match {match_id}); its picture is available for an hour after."
    )
    assert bot.faceit.stats()["total"] == 0

    bot.tg.mark()
    bot.tg.send_text(uid, f"/match {match_id}", user_id=uid)
    await bot.tg.wait_for(
        "editMessageText", chat_id=uid, predicate=lambda c: "FACEIT request" in c.params["text"], timeout=20
    )
    bot.faceit.reset_stats()
    bot.tg.mark()
    bot.tg.send_text(uid, f"/matchcard https://www.faceit.com/en/cs2/room/{match_id}", user_id=uid)
    [photo] = await bot.tg.wait_for("sendPhoto", chat_id=uid)
    room = json.loads((bot.faceit.data_dir / "matches" / f"{match_id}.json").read_text())
    one, two = room["teams"]["faction1"]["name"], room["teams"]["faction2"]["name"]
    assert photo.params["caption"].startswith(f"🎯 <b>{one}</b> vs <b>{two}</b> · average ELO ")
    image = Image.open(io.BytesIO(bot.tg.files[photo.params["photo"].file_id]))
    assert (image.format, image.size) == ("PNG", (800, 520))
    assert bot.faceit.stats()["total"] == 0  # the analysis just read it all: cached
