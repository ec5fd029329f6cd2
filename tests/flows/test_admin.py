"""/admin: admins get the console, everyone else gets exactly the unknown-command reply and
changes nothing; dashboard numbers equal the rows a test inserted; queue controls; users, grants,
bans; every action audited; daily analytics equal counts computed here."""

import struct
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest

from faceitbot.callbacks import AdminAction, AdminCb
from faceitbot.constants import Priority
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.services import admin as admin_service
from faceitbot.services import analytics, broadcasts
from faceitbot.store import broadcasts as broadcasts_store
from faceitbot_sim.fixtures import World
from tests import written
from tests.conftest import ADMIN_ID, BotHarness
from tests.updates import watch_updates


def buttons(call) -> list[dict]:
    return [b for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


def assert_valid_png(data: bytes, width: int, height: int) -> None:
    """Signature, every chunk's CRC, the header, and image data of exactly the declared size."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, kind
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    assert list(chunks) == [b"IHDR", b"IDAT", b"IEND"]
    assert struct.unpack(">IIBB", chunks[b"IHDR"][:10]) == (width, height, 8, 2)
    assert len(zlib.decompress(chunks[b"IDAT"])) == height * (1 + width * 3)


async def add_user(bot: BotHarness, uid: int, **columns) -> None:
    await bot.rt.pool.execute("INSERT INTO users (telegram_id) VALUES ($1)", uid)
    for column, value in columns.items():
        await bot.rt.pool.execute(f"UPDATE users SET {column} = $2 WHERE telegram_id = $1", uid, value)


async def add_job(
    bot: BotHarness,
    priority: int,
    status: str,
    *,
    kind: str = "not_run_here",
    ago_s: float = 0,
    dedupe_key: str | None = None,
) -> int:
    finished = status in ("done", "failed")
    return await bot.rt.pool.fetchval(
        """
        INSERT INTO jobs (kind, priority, status, dedupe_key, created_at, finished_at, lease_owner)
        VALUES ($1, $2, $3, $4, now() - make_interval(secs => $5), CASE WHEN $6 THEN now() END,
                CASE WHEN $3 = 'running' THEN 'replica-x' END)
        RETURNING id
        """,
        kind,
        priority,
        status,
        dedupe_key,
        ago_s,
        finished,
    )


async def add_payment(
    bot: BotHarness,
    uid: int,
    stars: int,
    status: str = "paid",
    *,
    created: datetime | None = None,
    tier: str = "premium",
    expires: datetime | None = None,
) -> None:
    await bot.rt.pool.execute(
        """
        INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status, created_at,
                              tier_expires_at)
        VALUES ($1, $2, $3, $4, 30, $5, $6, $7)
        """,
        f"ch_{uid}_{stars}_{status}_{created}",
        uid,
        tier,
        stars,
        status,
        created or datetime.now(UTC),
        expires,
    )
    # Credited through the ledger, as record_payment does; revenue figures are read from it.
    at = created or datetime.now(UTC)
    await bot.rt.pool.execute(
        """
        INSERT INTO entitlements (telegram_id, tier, days, stars, source, source_ref, credited_at, refunded_at)
        VALUES ($1, $2, 30, $3, 'payment', $4, $5::timestamptz, CASE WHEN $6::text = 'refunded' THEN $5::timestamptz END)
        """,
        uid,
        tier,
        stars,
        f"ch_{uid}_{stars}_{status}_{created}",
        at,
        status,
    )


@pytest.mark.parametrize(
    "text",
    [
        "/admin",
        "/admin queue pause",
        "/admin queue purge low",
        "/admin user 1",
        "/admin grant 1 pro 30",
        "/admin ban 1",
        "/admin refund ch_x",
        "/admin analytics",
    ],
)
async def test_a_non_admin_gets_the_unknown_command_reply_and_changes_nothing(
    bot: BotHarness, text: str
) -> None:
    uid = bot.new_user()
    [unknown] = await bot.say(uid, "/frobnicate")
    await add_user(bot, 1)
    [reply] = await bot.say(uid, text)
    assert (
        reply.params["text"]
        == unknown.params["text"]
        == "I don't know that command. /help lists what I can do."
    )
    assert "reply_markup" not in reply.params
    assert bot.rt.queue.paused == set()
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM admin_audit") == 0
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM queue_pauses") == 0
    row = await bot.rt.pool.fetchrow("SELECT tier, banned_at FROM users WHERE telegram_id = 1")
    assert (row["tier"], row["banned_at"]) == ("free", None)
    assert [c for c in bot.tg.calls if c.method == "refundStarPayment" and c.params["user_id"] == 1] == []


async def test_a_non_admin_pressing_an_admin_button_changes_nothing(bot: BotHarness) -> None:
    [dash] = await bot.say(ADMIN_ID, "/admin queue purge low")
    await add_job(bot, Priority.LOW, "queued")
    with watch_updates(bot.rt.dp) as handled:
        # Someone else's client replaying the admin's button data.
        data = AdminCb(action=AdminAction.PURGE, priority=int(Priority.LOW)).pack()
        query = {
            "id": "q-intruder",
            "from": bot.tg.user(bot.new_user()),
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": dash.response["result"]["message_id"],
                "date": 0,
                "chat": {"id": ADMIN_ID, "type": "private"},
            },
        }
        await handled.wait(bot.tg.push_update({"callback_query": query}))
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 1


async def test_dashboard_numbers_are_the_rows_inserted(bot: BotHarness) -> None:
    now = datetime.now(UTC)
    month_start = datetime(now.year, now.month, 1, tzinfo=UTC)
    await add_user(bot, 1, tier="premium", tier_expires_at=now + timedelta(days=3))
    await add_user(bot, 2, tier="pro", tier_expires_at=now + timedelta(days=3))
    await add_user(bot, 3, tier="pro", tier_expires_at=now - timedelta(days=1))  # lapsed: FREE
    await add_user(bot, 4, banned_at=now)
    await add_payment(bot, 1, 500)
    await add_payment(bot, 2, 1000)
    await add_payment(bot, 2, 1000, "refunded")  # refunded: not earned
    await add_payment(bot, 3, 700, created=month_start - timedelta(days=1))  # last month
    for _ in range(3):
        await add_job(bot, Priority.LOW, "queued", ago_s=125)
    await add_job(bot, Priority.HIGH, "queued", ago_s=600)
    await add_job(bot, Priority.HIGH, "running")
    await add_job(bot, Priority.HIGH, "failed")
    for _ in range(2):
        await add_job(bot, Priority.HIGH, "done")
    await bot.rt.pool.execute(
        "INSERT INTO user_activity (day, telegram_id) VALUES ($1, 1), ($1, 2), ($1, $2) ON CONFLICT DO NOTHING",
        now.date(),
        ADMIN_ID,
    )
    await bot.rt.pool.execute(
        """INSERT INTO processed_updates (update_id, owner, status, claimed_until, error, created_at) VALUES
           (91, 'r', 'failed', now(), 'ValidationError: 1 error(s), first at message.chat', now()),
           (92, 'r', 'failed', now(), 'old', now() - interval '2 days'),
           (93, 'r', 'done', now(), NULL, now())"""
    )

    [dash] = await bot.say(ADMIN_ID, "/admin")  # the admin is user 5, active today too
    text = dash.params["text"]
    lines = text.splitlines()
    table = text.split("<pre>")[1].split("</pre>")[0].splitlines()
    assert table[1].split() == ["CRITICAL", "0", "0", "0", "0", "—"]
    assert table[2].split() == ["HIGH", "1", "1", "1", "2", "10m"]
    assert table[4].split() == ["LOW", "3", "0", "0", "0", "2m"]
    assert "Running per replica: replica-x: 1" in lines
    assert "Users: total 5 · active today 3 · banned 1" in lines
    assert "By tier: FREE 3 · PREMIUM 1 · PRO 1" in lines
    assert "Stars this month: 1,500 ⭐" in lines
    failed_at = lines.index("Failed updates (24 h): 1")
    assert lines[failed_at + 1].startswith("  #91 ")
    assert lines[failed_at + 1].endswith(": ValidationError: 1 error(s), first at message.chat")
    budget = bot.rt.faceit.budget
    assert f"FACEIT budget: {await budget.used()}/{budget.limit} used" in text
    rt = bot.rt
    assert (
        f"Workers busy here: {rt.queue.busy}/{rt.queue.workers} (replica <code>{rt.queue.owner}</code>)"
        in lines
    )
    assert [b["text"] for b in buttons(dash)] == ["🔄 Refresh"]

    # Refresh edits the same message with the new numbers.
    await add_payment(bot, 1, 250)
    bot.tg.mark()
    with watch_updates(bot.rt.dp) as handled:  # the audit row is written once the handler returns
        await handled.wait(
            bot.tg.press_button(
                ADMIN_ID,
                dash.response["result"]["message_id"],
                buttons(dash)[0]["callback_data"],
                user_id=ADMIN_ID,
            )
        )
    [edit] = await bot.tg.wait_for("editMessageText", chat_id=ADMIN_ID)
    assert edit.params["message_id"] == dash.response["result"]["message_id"]
    assert "Stars this month: 1,750 ⭐" in edit.params["text"].splitlines()
    actions = await rt.pool.fetch("SELECT admin_id, action, result FROM admin_audit ORDER BY id")
    assert [tuple(a) for a in actions] == [
        (ADMIN_ID, "dashboard", "shown"),
        (ADMIN_ID, "button", "refreshed"),
    ]


async def test_queue_pause_and_resume(bot: BotHarness) -> None:
    queue = bot.rt.queue
    try:
        [paused] = await bot.say(ADMIN_ID, "/admin queue pause low")
        assert paused.params["text"] == "Paused priorities: LOW"
        assert queue.paused == {3}
        [paused] = await bot.say(ADMIN_ID, "/admin queue pause 1")
        assert paused.params["text"] == "Paused priorities: HIGH, LOW"
        assert {r["priority"] for r in await bot.rt.pool.fetch("SELECT priority FROM queue_pauses")} == {1, 3}
        # Another replica picks the shared list up.
        other = TaskQueue(bot.rt.pool, workers=1)  # never started: only its pause set matters
        await admin_service.sync_pauses(bot.rt.pool, other)
        assert other.paused == {1, 3}
        [resumed] = await bot.say(ADMIN_ID, "/admin queue resume")
        assert resumed.params["text"] == "Paused priorities: —"
        assert queue.paused == set()
        assert await bot.rt.pool.fetchval("SELECT count(*) FROM queue_pauses") == 0
        bot.tg.mark()
        with watch_updates(bot.rt.dp) as handled:  # the audit row is written once the handler returns
            await handled.wait(bot.tg.send_text(ADMIN_ID, "/admin queue pause urgent", user_id=ADMIN_ID))
        [bad] = await bot.tg.wait_for("sendMessage", chat_id=ADMIN_ID)
        assert bad.params["text"] == "No priority «urgent»: use critical, high, default, low or 0–3."
        results = [r["result"] for r in await bot.rt.pool.fetch("SELECT result FROM admin_audit ORDER BY id")]
        assert results == ["paused: LOW", "paused: HIGH, LOW", "paused: —", "refused: admin-bad-priority"]
    finally:
        queue.paused.clear()


async def test_a_paused_priority_is_not_run(bot: BotHarness) -> None:
    queue = bot.rt.queue
    ran: list[int] = []

    async def work(payload: dict, job) -> None:
        ran.append(job.id)

    spec, marker_spec = JobSpec("test_paused", Priority.DEFAULT), JobSpec("test_paused_marker", Priority.LOW)
    queue.register(spec, work)
    queue.register(marker_spec, work)
    queue.outcomes.clear()  # job ids restart with every test's truncate
    try:
        await bot.say(ADMIN_ID, "/admin queue pause default")
        held, _ = await queue.submit(spec, {})
        marker, _ = await queue.submit(marker_spec, {})
        await queue.wait_outcome(marker.id)  # a later, lower job ran: the paused one was skipped
        assert ran == [marker.id]
        assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE id = $1", held.id) == "queued"
        await bot.say(ADMIN_ID, "/admin queue resume default")
        assert await queue.wait_outcome(held.id) == "done"
    finally:
        queue.paused.clear()


async def test_purge_asks_for_confirmation(bot: BotHarness) -> None:
    for _ in range(3):
        await add_job(bot, Priority.LOW, "queued")
    await add_job(bot, Priority.HIGH, "queued")
    [ask] = await bot.say(ADMIN_ID, "/admin queue purge low")
    assert (
        ask.params["text"]
        == "Purge 3 queued jobs of priority LOW? They are marked failed and can be retried for 24 h."
    )
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 4
    _, no = buttons(ask)
    message_id = ask.response["result"]["message_id"]

    bot.tg.mark()
    bot.tg.press_button(ADMIN_ID, message_id, no["callback_data"], user_id=ADMIN_ID)
    [cancelled] = await bot.tg.wait_for("editMessageText", chat_id=ADMIN_ID)
    assert cancelled.params["text"] == "Cancelled: nothing changed."
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 4

    [ask] = await bot.say(ADMIN_ID, "/admin queue purge 3")
    bot.tg.mark()
    with watch_updates(bot.rt.dp) as handled:  # the audit row is written once the handler returns
        await handled.wait(
            bot.tg.press_button(
                ADMIN_ID,
                ask.response["result"]["message_id"],
                buttons(ask)[0]["callback_data"],
                user_id=ADMIN_ID,
            )
        )
    [purged] = await bot.tg.wait_for("editMessageText", chat_id=ADMIN_ID)
    assert purged.params["text"] == "Purged 3 queued jobs of priority LOW."
    counts = dict(await bot.rt.pool.fetch("SELECT priority, status FROM jobs ORDER BY id"))
    assert (
        await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'failed' AND priority = 3") == 3
    )
    assert counts[int(Priority.HIGH)] == "queued"
    results = [r["result"] for r in await bot.rt.pool.fetch("SELECT result FROM admin_audit ORDER BY id")]
    assert results == ["asked to confirm", "cancelled", "asked to confirm", "purged 3"]


async def test_purging_a_queued_analysis_refunds_it_and_tells_the_user(bot: BotHarness, world: World) -> None:
    uid = bot.new_user()
    bot.rt.queue.paused.add(int(Priority.HIGH))  # the analysis stays queued until the purge
    try:
        [ack] = await bot.say(uid, f"/match {world.finished[0]}")
        assert "Analyses left today: 4" in ack.params["text"]
        assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 1
        [ask] = await bot.say(ADMIN_ID, "/admin queue purge high")
        bot.tg.mark()
        bot.tg.press_button(
            ADMIN_ID, ask.response["result"]["message_id"], buttons(ask)[0]["callback_data"], user_id=ADMIN_ID
        )
        [told] = await bot.tg.wait_for("editMessageText", chat_id=uid)
    finally:
        bot.rt.queue.paused.clear()
    # The acknowledgement becomes the explanation, and the analysis is not counted.
    assert told.params["message_id"] == ack.response["result"]["message_id"]
    assert told.params["text"].startswith("Your request was cancelled by the bot's operators")
    assert await bot.rt.pool.fetchval("SELECT used FROM usage WHERE telegram_id = $1", uid) == 0
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE kind = 'analysis'") == "failed"
    [purged] = await bot.tg.wait_for("editMessageText", chat_id=ADMIN_ID)
    assert purged.params["text"] == "Purged 1 queued job of priority HIGH."


async def test_retry_failed_requeues_once_per_dedupe_key(bot: BotHarness) -> None:
    await add_job(bot, Priority.LOW, "failed", dedupe_key="k1")
    newest = await add_job(bot, Priority.LOW, "failed", dedupe_key="k1")
    await add_job(bot, Priority.LOW, "failed", dedupe_key="k2")
    await add_job(bot, Priority.LOW, "queued", dedupe_key="k2")  # k2 is live already
    await add_job(bot, Priority.HIGH, "failed")
    [reply] = await bot.say(ADMIN_ID, "/admin queue retry-failed low")
    assert reply.params["text"] == "Queued again: 1 failed job."
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE id = $1", newest) == "queued"
    [reply] = await bot.say(ADMIN_ID, "/admin queue retry-failed")
    assert reply.params["text"] == "Queued again: 1 failed job."  # the HIGH one
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'failed'") == 2


async def test_user_lookup_grant_ban_unban(bot: BotHarness) -> None:
    uid = bot.new_user()
    bot.tg.mark()
    bot.tg.send_text(uid, "/link Darwin", user_id=uid, username="ann_cs")
    await bot.tg.wait_for("sendMessage", chat_id=uid)
    await add_payment(bot, uid, 500, created=datetime(2026, 1, 2, tzinfo=UTC))
    for query in (str(uid), "@ANN_cs", "darwin"):
        [card] = await bot.say(ADMIN_ID, f"/admin user {query}")
        lines = card.params["text"].splitlines()
        assert lines[0] == f"👤 <code>{uid}</code> · @ann_cs · FACEIT: <b>Darwin</b> · en"
        assert lines[1] == "Tier: <b>FREE</b> until —"
        assert lines[2] == "Analyses today: 0 of 5 · bonus left: 0 · invited: 0"
        assert (
            f"2 Jan 2026 · PREMIUM · 500 ⭐ · paid · <code>ch_{uid}_500_paid_2026-01-02 00:00:00+00:00</code>"
            in lines
        )
        ledger = lines[lines.index("<b>Ledger</b> (what the plan is derived from):") + 1 :]
        assert [line.split(" · ", 1)[1] for line in ledger] == [
            f"PREMIUM · 30 d · payment <code>ch_{uid}_500_paid_2026-01-02 00:00:00+00:00</code>"
        ]
    [missing] = await bot.say(ADMIN_ID, "/admin user @nobody")
    assert missing.params["text"] == "No user matches «@nobody»."

    [granted] = await bot.say(ADMIN_ID, "/admin grant @ann_cs pro 7")
    row = await bot.rt.pool.fetchrow("SELECT tier, tier_expires_at FROM users WHERE telegram_id = $1", uid)
    assert row["tier"] == "pro"
    assert abs((row["tier_expires_at"] - datetime.now(UTC) - timedelta(days=7)).total_seconds()) < 60
    assert granted.params["text"] == (
        f"User <code>{uid}</code>: <b>PRO</b> until {written.moment(row['tier_expires_at'], 'en', None)}."
    )
    [card] = await bot.say(ADMIN_ID, f"/admin user {uid}")
    lines = card.params["text"].splitlines()
    newest = lines[lines.index("<b>Ledger</b> (what the plan is derived from):") + 1]
    assert newest.split(" · ", 1)[1].startswith("PRO · 7 d · grant <code>")
    [bad] = await bot.say(ADMIN_ID, f"/admin grant {uid} gold 7")
    assert bad.params["text"] == "No tier «gold»: use premium or pro."

    [banned] = await bot.say(ADMIN_ID, f"/admin ban {uid}")
    assert banned.params["text"] == f"User <code>{uid}</code> is banned."
    before = len(bot.tg.calls_for(uid, failed=True))
    with watch_updates(bot.rt.dp) as handled:
        await handled.wait(bot.tg.send_text(uid, "/start", user_id=uid))
    assert len(bot.tg.calls_for(uid, failed=True)) == before  # ignored: not a word back
    [card] = await bot.say(ADMIN_ID, f"/admin user {uid}")
    assert "⛔ Banned since" in card.params["text"]
    await bot.say(ADMIN_ID, f"/admin unban {uid}")
    [hello] = await bot.say(uid, "/start")
    assert hello.params["text"].startswith("Welcome back, Ann!")
    actions = [
        (r["action"], r["args"], r["result"])
        for r in await bot.rt.pool.fetch("SELECT action, args, result FROM admin_audit ORDER BY id")
    ]
    until = row["tier_expires_at"].strftime("%Y-%m-%d %H:%M UTC")
    assert actions == [
        ("user", str(uid), f"user {uid}"),
        ("user", "@ANN_cs", f"user {uid}"),
        ("user", "darwin", f"user {uid}"),
        ("user", "@nobody", "refused: admin-user-not-found"),
        ("grant", "@ann_cs pro 7", f"user {uid}: pro until {until}"),
        ("user", str(uid), f"user {uid}"),
        ("grant", f"{uid} gold 7", "refused: admin-bad-tier"),
        ("ban", str(uid), f"user {uid} banned"),
        ("user", str(uid), f"user {uid}"),
        ("unban", str(uid), f"user {uid} unbanned"),
    ]


async def test_analytics_equal_counts_from_the_inserted_rows(bot: BotHarness) -> None:
    today = datetime.now(UTC).date()
    day = today - timedelta(days=1)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    at = start + timedelta(hours=12)
    # Users 1-3 joined that day, 4 the day before; 1, 2 and 4 were active that day.
    for uid in (1, 2, 3):
        await add_user(bot, uid, created_at=at)
    await add_user(bot, 4, created_at=at - timedelta(days=1))
    await bot.rt.pool.execute(
        "INSERT INTO user_activity (day, telegram_id) VALUES ($1, 1), ($1, 2), ($1, 4), ($2, 3)", day, today
    )
    # User 2 paid PREMIUM at 10:00 (first payment: a conversion); 4 paid PRO before (no conversion).
    await add_payment(bot, 2, 500, created=start + timedelta(hours=10), expires=start + timedelta(days=30))
    await add_payment(
        bot, 4, 1000, tier="pro", created=at - timedelta(days=1), expires=at + timedelta(days=29)
    )
    await add_payment(
        bot, 4, 1000, tier="pro", created=at + timedelta(hours=1), expires=at + timedelta(days=59)
    )
    await add_payment(bot, 3, 500, "refunded", created=at)  # refunded: no revenue, still a conversion
    requests = [
        (1, start + timedelta(hours=9)),
        (2, start + timedelta(hours=9)),  # 2 still FREE at 09:00
        (2, start + timedelta(hours=11)),
        (4, at),
        (4, at),
        (1, start - timedelta(minutes=1)),
    ]
    for n, (uid, when) in enumerate(requests):
        await bot.rt.pool.execute(
            "INSERT INTO analysis_requests (telegram_id, match_id, requested_at, charged) VALUES ($1, $2, $3, true)",
            uid,
            f"m{n}",
            when,
        )
    await bot.rt.pool.execute(
        "INSERT INTO faceit_usage (day, replica, calls, cache_hits, cache_misses) VALUES ($1, 'a', 40, 30, 10),"
        " ($1, 'b', 20, 10, 10)",
        day,
    )
    # The monitoring outbox (sql/0005): two messages sent that day, one still pending.
    for n, status in enumerate(("sent", "sent", "pending")):
        await bot.rt.pool.execute(
            "INSERT INTO notifications (telegram_id, match_id, kind, payload, status, sent_at)"
            " VALUES (1, $1, 'result', '{}', $2, $3)",
            f"m{n}",
            status,
            at if status == "sent" else None,
        )
    row = await analytics.aggregate(bot.rt.pool, day)
    assert row.notifications_sent == 2
    assert (row.new_users, row.active_users) == (3, 3)
    assert (row.analyses_free, row.analyses_premium, row.analyses_pro) == (2, 1, 2)
    assert (row.payments, row.stars, row.conversions) == (2, 1500, 2)
    assert (row.faceit_calls, row.cache_hits, row.cache_misses) == (60, 40, 20)
    # Idempotent: a second run (say, by the daily job) rewrites the same row.
    assert await analytics.aggregate(bot.rt.pool, day) == row
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM analytics_daily WHERE day = $1", day) == 1

    [table] = await bot.say(ADMIN_ID, "/admin analytics 7")
    text = table.params["text"]
    assert text.startswith("📈 <b>Analytics</b>, last 7 days (UTC)")
    body = text.split("<pre>")[1].split("</pre>")[0].splitlines()
    assert body[1].split() == [day.strftime("%m-%d"), "3", "3", "2/1/2", "2", "1500", "2", "60", "67%"]
    assert body[2].split()[0] == today.strftime("%m-%d")  # today, computed on demand
    [photo] = await bot.tg.wait_for("sendPhoto", chat_id=ADMIN_ID)
    assert photo.params["caption"] == (
        f"📈 {written.day(day)} – {written.day(today)}. Blue: daily active users (peak 3); green: analyses (peak 5);"
        " orange: Stars (peak 1500)."
    )
    assert_valid_png(bot.tg.files[photo.params["photo"].file_id], 800, 600)
    [bad] = await bot.say(ADMIN_ID, "/admin analytics 1000")
    assert bad.params["text"] == "Days must be a whole number from 1 to 90, not «1000»."


async def test_the_daily_job_aggregates_through_the_queue(bot: BotHarness) -> None:
    today = datetime.now(UTC).date()
    await add_user(bot, 1)
    job, _ = await bot.rt.queue.submit(analytics.AGGREGATE, {"days": [today.isoformat()]})
    assert await bot.rt.queue.wait_outcome(job.id) == "done"
    row = await bot.rt.pool.fetchrow("SELECT new_users FROM analytics_daily WHERE day = $1", today)
    assert row["new_users"] == 1 and job.priority == Priority.LOW


async def test_faceit_counters_are_flushed_as_deltas(bot: BotHarness) -> None:
    rt = bot.rt
    flush = analytics.CounterFlush(rt.pool, rt.faceit, "test-replica")
    day = date(2030, 1, 1)
    query = "SELECT calls, cache_hits, cache_misses FROM faceit_usage WHERE replica = 'test-replica'"

    def totals() -> tuple[int, int, int]:
        f = rt.faceit
        return sum(f.calls.values()), sum(f.cache.hits.values()), sum(f.cache.misses.values())

    await flush.flush(day)  # everything this process counted so far
    assert tuple(await rt.pool.fetchrow(query) or (0, 0, 0)) == totals()
    before = totals()
    await bot.say(bot.new_user(), "/stats Darwin")  # a cold cache: FACEIT calls
    assert totals()[0] > before[0]
    await flush.flush(day)
    await flush.flush(day)  # nothing new: nothing added
    assert tuple(await rt.pool.fetchrow(query)) == totals()


async def test_admin_without_a_subcommand_it_knows_shows_usage(bot: BotHarness) -> None:
    [usage] = await bot.say(ADMIN_ID, "/admin frobnicate")
    assert usage.params["text"].startswith("<b>/admin</b> — dashboard\n/admin queue pause|resume [priority]")


async def test_broadcast_end_to_end_reports_when_done(bot: BotHarness) -> None:
    users = [bot.new_user() for _ in range(5)]
    for uid in users:
        await add_user(bot, uid)
    await add_user(bot, bot.new_user(), banned_at=datetime.now(UTC))  # not a recipient
    bot.tg.fail_chat(users[0])  # blocked the bot
    # The admin is a recipient too, so the broadcast itself may follow the acknowledgement.
    [queued] = await bot.say(ADMIN_ID, "/admin broadcast Hello <b>all</b>\nsecond line", exact=False)
    assert queued.params["text"] == "📣 Broadcast #1 queued, recipients: 6. I'll report here when it is done."
    [done] = await bot.tg.wait_for(
        "sendMessage", chat_id=ADMIN_ID, predicate=lambda c: "finished" in c.params["text"], timeout=20
    )
    assert done.params["text"] == "📣 Broadcast #1 finished: 5 delivered, 1 blocked the bot, 0 failed."
    for uid in [*users[1:], ADMIN_ID]:
        texts = [c.params["text"] for c in bot.tg.calls_for(uid, "sendMessage") if c.ok]
        assert texts.count("Hello &lt;b&gt;all&lt;/b&gt;\nsecond line") == 1, uid
    audit = await bot.rt.pool.fetchrow("SELECT action, result FROM admin_audit")
    assert tuple(audit) == ("broadcast", "broadcast #1 to 6")


async def test_broadcast_to_60_chats_with_403_and_429_sends_each_once(bot: BotHarness) -> None:
    users = [bot.new_user() for _ in range(60)]
    for uid in users:
        await add_user(bot, uid)
    blocked, flooded = users[10:20], users[50:52]
    for uid in blocked:
        bot.tg.fail_chat(uid)
    for uid in flooded:
        bot.tg.flood(uid, retry_after=1, times=1)
    async with bot.rt.pool.acquire() as conn, conn.transaction():
        broadcast_id, recipients = await broadcasts_store.create(conn, ADMIN_ID, "news")
    assert recipients == 60
    assert await broadcasts.send_some(bot.rt.pool, bot.rt.bot, broadcast_id, 40) is False
    # A crash mid-send: one recipient claimed ('sending'), its message perhaps delivered.
    [crashed] = await broadcasts_store.pending(bot.rt.pool, broadcast_id, 1)
    assert await broadcasts_store.claim(bot.rt.pool, broadcast_id, crashed)
    # The restarted job resumes: the rest get theirs, nobody gets a second copy.
    assert await broadcasts.send_some(bot.rt.pool, bot.rt.bot, broadcast_id, 1000) is True
    for uid in users:
        delivered = [c for c in bot.tg.calls_for(uid, "sendMessage") if c.ok and c.params["text"] == "news"]
        expected = 0 if uid in blocked or uid == crashed else 1
        assert len(delivered) == expected, uid
    for uid in flooded:
        assert [c.status for c in bot.tg.calls_for(uid, "sendMessage", failed=True)] == [429, 200]
    tally = await broadcasts_store.tally(bot.rt.pool, broadcast_id)
    assert (tally.sent, tally.blocked, tally.failed, tally.pending) == (49, 10, 1, 0)
