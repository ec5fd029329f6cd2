"""The operator web dashboard's pages and JSON, over real HTTP against the session bot's
PostgreSQL and Redis: nothing without the token, numbers equal to the rows inserted here,
queue actions through the /admin service with the same audit, escaping, no secrets."""

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from faceitbot.cluster.heartbeat import CallRate
from faceitbot.config import ConfigError, load_settings
from faceitbot.constants import Priority
from faceitbot.store import replicas as replicas_store
from faceitbot.store.replicas import ReplicaRow
from tests.conftest import FACEIT_KEY, TOKEN, BotHarness
from tests.dashboard_site import ADMIN_TOKEN, VIEWER_TOKEN, Site, add_job, serve_dashboard

VIEWER = {"Authorization": f"Bearer {VIEWER_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PAGES = [
    "/dashboard",
    "/dashboard/live",
    "/dashboard/jobs",
    "/dashboard/jobs/1",
    "/dashboard/charts",
    "/dashboard/charts.png",
    "/dashboard/static/dashboard.js",
    "/dashboard/api/overview",
    "/dashboard/api/jobs",
    "/dashboard/api/jobs/1",
    "/dashboard/api/charts",
]


@pytest.fixture
async def site(bot: BotHarness) -> AsyncIterator[Site]:
    async with serve_dashboard(bot.rt) as s:
        yield s


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # A cookie jar that keeps cookies for 127.0.0.1 (the default one ignores IP hosts).
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as s:
        yield s


async def get_json(http: aiohttp.ClientSession, url: str, headers: dict) -> dict:
    async with http.get(url, headers=headers) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_nothing_is_served_without_the_token(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    job = await add_job(bot.rt.pool, Priority.LOW, "failed")
    forged = site.auth.session(site.auth.role_of_token(ADMIN_TOKEN))[:-4] + "0000"
    for path in PAGES:
        for headers in (
            {},
            {"Authorization": "Bearer wrong-token-wrong-token"},
            {"Cookie": f"fb_dashboard={forged}"},
        ):
            async with http.get(site.base + path, headers=headers) as r:
                body = await r.text()
                assert r.status == 401, (path, headers)
                assert "fb_dashboard" not in r.cookies
                assert '"queues"' not in body and "<td" not in body
    for path in (
        f"/dashboard/jobs/{job}/retry",
        f"/dashboard/api/jobs/{job}/retry",
        "/dashboard/api/queue/low/pause",
    ):
        async with http.post(site.base + path) as r:
            assert r.status == 401
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE id = $1", job) == "failed"
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM queue_pauses") == 0

    async with http.post(site.base + "/dashboard/login", data={"token": "not-the-token-at-all"}) as r:
        assert r.status == 401
        assert "Wrong token." in await r.text()
    async with http.post(
        site.base + "/dashboard/login", data={"token": VIEWER_TOKEN}, allow_redirects=False
    ) as r:
        assert r.status == 303 and r.headers["Location"] == "/dashboard"
        cookie = r.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert VIEWER_TOKEN not in cookie  # the cookie is derived from the token, never the token
    async with http.get(site.base + "/dashboard") as r:  # the session cookie now opens the page
        assert r.status == 200
        assert "Queues" in await r.text()


async def test_overview_numbers_are_the_rows_inserted(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    pool, now = bot.rt.pool, datetime.now(UTC)
    for uid, tier, banned in ((1, "premium", None), (2, "pro", None), (3, "free", now), (4, "free", None)):
        await pool.execute(
            "INSERT INTO users (telegram_id, tier, tier_expires_at, banned_at) VALUES ($1, $2, $3, $4)",
            uid,
            tier,
            None if tier == "free" else now + timedelta(days=5),
            banned,
        )
    await pool.execute("INSERT INTO user_activity (day, telegram_id) VALUES ($1, 1), ($1, 4)", now.date())
    for charge, stars, status in (("a", 500, "paid"), ("b", 1000, "paid"), ("c", 1000, "refunded")):
        await pool.execute(
            "INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status)"
            " VALUES ($1, 1, 'premium', $2, 30, $3)",
            charge,
            stars,
            status,
        )
        await pool.execute(
            "INSERT INTO entitlements (telegram_id, tier, days, stars, source, source_ref, credited_at, refunded_at)"
            " VALUES (1, 'premium', 30, $2, 'payment', $1, now(), CASE WHEN $3::text = 'refunded' THEN now() END)",
            charge,
            stars,
            status,
        )
    for match, status in (
        ("m1", "pending"),
        ("m2", "sent"),
        ("m3", "sent"),
        ("m4", "blocked"),
        ("m5", "failed"),
    ):
        await pool.execute(
            "INSERT INTO notifications (telegram_id, match_id, kind, payload, status) VALUES (2, $1, 'result', '{}', $2)",
            match,
            status,
        )
    for _ in range(2):
        await add_job(pool, Priority.HIGH, "queued")
    for _ in range(3):
        await add_job(pool, Priority.DEFAULT, "done", finished_ago_s=600)  # 10 minutes ago
    await add_job(pool, Priority.DEFAULT, "done", finished_ago_s=3 * 3600)  # today, not this hour
    await add_job(pool, Priority.LOW, "failed", finished_ago_s=1800)
    await add_job(pool, Priority.LOW, "done", finished_ago_s=2 * 86400)  # older than a day: nowhere
    other = ReplicaRow(
        "replica-b",
        True,
        2,
        3,
        100 * 1024 * 1024,
        4,
        {"players": 7},
        now - timedelta(hours=2),
        now,
        faceit_429=3,
    )
    gone = ReplicaRow(
        "replica-gone",
        False,
        0,
        3,
        1,
        9,
        {"players": 50},
        now - timedelta(days=1),
        now - timedelta(minutes=10),
    )
    await replicas_store.beat(pool, other)
    await replicas_store.beat(pool, gone)
    await bot.rt.heartbeat.beat()

    ov = await get_json(http, site.base + "/dashboard/api/overview", VIEWER)

    q = ov["queues"]
    assert q["high"] == {
        "queued": 2,
        "running": 0,
        "done_hour": 0,
        "failed_hour": 0,
        "done_day": 0,
        "failed_day": 0,
        "oldest_s": q["high"]["oldest_s"],
        "paused": False,
    }
    assert 5 <= q["high"]["oldest_s"] < 60
    assert (q["default"]["done_hour"], q["default"]["done_day"]) == (3, 4)
    assert (q["low"]["failed_hour"], q["low"]["failed_day"], q["low"]["done_day"]) == (1, 1, 0)
    # 3 jobs finished 10 minutes ago, in the 30-minute sparkline; the 3-hour-old one is not.
    assert len(ov["throughput_per_min"]) == 30 and sum(ov["throughput_per_min"]) == 3
    assert ov["throughput_per_min"].index(3) in (18, 19)
    replicas = {r["id"]: r for r in ov["replicas"]}
    assert set(replicas) == {"replica-b", bot.rt.queue.owner}  # replica-gone stopped beating
    b = replicas["replica-b"]
    assert (b["leader"], b["busy"], b["workers"], b["rss_bytes"], b["telegram_429"]) == (
        True,
        2,
        3,
        100 * 2**20,
        4,
    )
    assert 7190 <= b["uptime_s"] <= 7230
    mine = replicas[bot.rt.queue.owner]
    assert mine["workers"] == bot.rt.settings.queue_max_workers and mine["rss_bytes"] > 10 * 2**20
    assert ov["telegram"] == {
        "rate_limited": 4 + mine["telegram_429"],
        "blocked_chats": 1,
        "failed_updates": 0,
    }
    assert ov["faceit"]["calls_per_min"]["players"] == 7 + mine["faceit_per_min"].get("players", 0)
    assert b["faceit_429"] == 3 and ov["faceit"]["rate_limited"] == 3 + mine["faceit_429"]
    budget = bot.rt.faceit.budget
    assert ov["faceit"]["budget_limit"] == budget.limit == bot.rt.settings.faceit_budget_requests
    assert ov["faceit"]["budget_used"] + ov["faceit"]["budget_left"] == budget.limit
    assert ov["notifications"] == {"pending": 1, "sent": 2, "failed": 1, "blocked": 1, "skipped": 0}
    assert ov["users"] == {
        "total": 4,
        "active_today": 2,
        "banned": 1,
        "by_tier": {"free": 2, "premium": 1, "pro": 1},
    }
    assert ov["stars_month"] == 1500

    # The HTML overview (what a browser without JavaScript reads) shows the same numbers.
    async with http.get(site.base + "/dashboard", headers=VIEWER) as r:
        html = await r.text()
    for ident, value in (
        ("q-high-queued", 2),
        ("q-default-done_hour", 3),
        ("u-total", 4),
        ("stars-month", 1500),
        ("faceit-429", ov["faceit"]["rate_limited"]),
    ):
        assert f'id="{ident}">{value}<' in html or f"id={ident}>{value}<" in html, ident
    assert "replica-gone" not in html and "replica-b" in html
    assert "FACEIT 429s" in html


async def test_jobs_are_filtered_and_shown_in_full(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    pool = bot.rt.pool
    failed = await add_job(
        pool, Priority.LOW, "failed", payload={"match_id": "1-abc"}, last_error="FaceitUnavailable: 503"
    )
    queued = await add_job(pool, Priority.HIGH, "queued")
    done = await add_job(pool, Priority.LOW, "done")
    listed = await get_json(http, site.base + "/dashboard/api/jobs?state=failed", VIEWER)
    assert [j["id"] for j in listed["jobs"]] == [failed]
    listed = await get_json(http, site.base + "/dashboard/api/jobs?priority=low", VIEWER)
    assert [j["id"] for j in listed["jobs"]] == [done, failed]
    listed = await get_json(http, site.base + "/dashboard/api/jobs", VIEWER)
    assert [j["id"] for j in listed["jobs"]] == [done, queued, failed]
    job = await get_json(http, site.base + f"/dashboard/api/jobs/{failed}", VIEWER)
    assert (job["payload"], job["attempts"], job["status"], job["priority"]) == (
        {"match_id": "1-abc"},
        3,
        "failed",
        "low",
    )
    assert job["last_error"] == "FaceitUnavailable: 503"
    assert datetime.fromisoformat(job["started_at"]) < datetime.fromisoformat(job["finished_at"])

    for query, text in (
        ("state=lost", "Unknown job state: lost. Use queued, running, done or failed."),
        ("priority=urgent", "No priority «urgent»: use critical, high, default, low or 0–3."),
    ):
        async with http.get(site.base + f"/dashboard/api/jobs?{query}", headers=VIEWER) as r:
            assert r.status == 400 and (await r.json())["error"] == text
    async with http.get(site.base + "/dashboard/api/jobs/999999", headers=VIEWER) as r:
        assert r.status == 400 and (await r.json())["error"] == "There is no job #999999."
    async with http.get(site.base + "/dashboard/jobs?state=lost&lang=ru", headers=VIEWER) as r:
        assert r.status == 400
        assert "Неизвестное состояние задачи: lost." in await r.text()


async def test_queue_actions_need_the_admin_role_and_csrf_and_are_audited(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    pool, queue = bot.rt.pool, bot.rt.queue
    failed = await add_job(pool, Priority.LOW, "failed", last_error="boom")
    queued = await add_job(pool, Priority.HIGH, "queued")
    csrf = site.auth.csrf(site.auth.role_of_token(ADMIN_TOKEN))
    url = site.base + f"/dashboard/api/jobs/{failed}/retry"
    async with http.post(url, headers=VIEWER) as r:  # read-only token
        assert r.status == 403
    async with http.post(url, headers=ADMIN) as r:  # no CSRF token
        assert r.status == 403
        assert "security token" in (await r.json())["error"]
    viewer_csrf = site.auth.csrf(site.auth.role_of_token(VIEWER_TOKEN))
    async with http.post(url, headers={**ADMIN, "X-CSRF-Token": viewer_csrf}) as r:  # another role's token
        assert r.status == 403
    assert await pool.fetchval("SELECT status FROM jobs WHERE id = $1", failed) == "failed"
    assert await pool.fetchval("SELECT count(*) FROM admin_audit") == 0

    with_csrf = {**ADMIN, "X-CSRF-Token": csrf}
    try:
        async with http.post(url, headers=with_csrf) as r:
            assert (await r.json()) == {"result": "requeued"}
        async with http.post(url, headers=with_csrf) as r:  # a second press changes nothing
            assert (await r.json()) == {"result": "unchanged"}
        row = await pool.fetchrow("SELECT status, attempts, last_error FROM jobs WHERE id = $1", failed)
        assert tuple(row) == ("queued", 0, None)
        async with http.post(site.base + f"/dashboard/api/jobs/{queued}/cancel", headers=with_csrf) as r:
            assert (await r.json()) == {"result": "cancelled"}
        row = await pool.fetchrow("SELECT status, last_error FROM jobs WHERE id = $1", queued)
        assert tuple(row) == ("failed", "cancelled by an admin")
        async with http.post(site.base + "/dashboard/api/queue/low/pause", headers=with_csrf) as r:
            assert (await r.json()) == {"result": "paused: LOW"}
        assert queue.paused == {3}
        assert await pool.fetchval("SELECT array_agg(priority) FROM queue_pauses") == [3]
        ov = await get_json(http, site.base + "/dashboard/api/overview", VIEWER)
        assert ov["queues"]["low"]["paused"] is True
        async with http.post(site.base + "/dashboard/api/queue/urgent/pause", headers=with_csrf) as r:
            assert r.status == 400
        async with http.post(site.base + "/dashboard/api/queue/low/resume", headers=with_csrf) as r:
            assert (await r.json()) == {"result": "paused: none"}
        assert queue.paused == set()
        # A plain form post (JavaScript off) carries the CSRF token as a field and is redirected back.
        async with http.post(
            site.base + f"/dashboard/jobs/{queued}/retry",
            headers=ADMIN,
            data={"csrf": csrf},
            allow_redirects=False,
        ) as r:
            assert r.status == 303 and r.headers["Location"] == f"/dashboard/jobs/{queued}"
        assert await pool.fetchval("SELECT status FROM jobs WHERE id = $1", queued) == "queued"
    finally:
        queue.paused.clear()
    audit = [
        tuple(r)
        for r in await pool.fetch("SELECT admin_id, action, args, result FROM admin_audit ORDER BY id")
    ]
    assert audit == [
        (0, "web", f"retry {failed}", "requeued"),
        (0, "web", f"retry {failed}", "unchanged"),
        (0, "web", f"cancel {queued}", "cancelled"),
        (0, "web", "pause low", "paused: LOW"),
        (0, "web", "pause urgent", "refused: admin-bad-priority"),
        (0, "web", "resume low", "paused: none"),
        (0, "web", f"retry {queued}", "requeued"),
    ]


async def test_user_content_is_escaped_and_no_secret_is_rendered(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    evil = "<script>alert('x')</script>"
    job = await add_job(
        bot.rt.pool,
        Priority.LOW,
        "failed",
        kind=evil,
        payload={"nickname": evil},
        last_error=f"{evil} not found",
    )
    now = datetime.now(UTC)
    await replicas_store.beat(bot.rt.pool, ReplicaRow(evil, None, 0, 1, 1, 0, {evil: 1}, now, now))
    secrets = (TOKEN, FACEIT_KEY, VIEWER_TOKEN, ADMIN_TOKEN)
    escaped = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
    pages = {
        "/dashboard": 1,
        "/dashboard/live": 1,
        "/dashboard/jobs": 2,
        f"/dashboard/jobs/{job}": 2,
        "/dashboard/charts": 0,
    }
    for path, shown in pages.items():
        async with http.get(site.base + path, headers=ADMIN) as r:
            assert r.status == 200, path
            body = await r.text()
        assert "<script>alert" not in body, path
        assert body.count(escaped) >= shown, path  # the replica id; the job's kind and error
        assert not any(s in body for s in secrets), path
        assert (
            r.headers["X-Frame-Options"] == "DENY"
            and "default-src 'self'" in r.headers["Content-Security-Policy"]
        )
    async with http.get(site.base + f"/dashboard/jobs/{job}", headers=ADMIN) as r:
        assert "&quot;nickname&quot;: &quot;&lt;script&gt;" in await r.text()  # the payload
    async with http.get(site.base + "/dashboard/api/overview", headers=ADMIN) as r:
        text = await r.text()
        assert not any(s in text for s in secrets)


async def test_pages_are_translated(site: Site, http: aiohttp.ClientSession) -> None:
    async with http.get(site.base + "/dashboard?lang=ru", headers=VIEWER) as r:
        body = await r.text()
        assert '<html lang="ru">' in body and "Очереди" in body
    async with http.get(site.base + "/dashboard", headers=VIEWER) as r:  # the choice is remembered
        assert "Очереди" in await r.text()
    async with http.get(site.base + "/dashboard/jobs?lang=en", headers=VIEWER) as r:
        assert "Очереди" not in await r.text() and "Show" in await r.text()
    async with aiohttp.ClientSession() as fresh:
        async with fresh.get(
            site.base + "/dashboard", headers={**VIEWER, "Accept-Language": "ru-RU,ru;q=0.9"}
        ) as r:
            assert "Очереди" in await r.text()
        async with fresh.get(site.base + "/dashboard/login", headers={"Accept-Language": "en"}) as r:
            assert r.status == 401 and "Dashboard token" in await r.text()


async def test_charts_cover_14_or_30_days_of_the_analytics_table(
    site: Site, http: aiohttp.ClientSession, bot: BotHarness
) -> None:
    today = datetime.now(UTC).date()
    await bot.rt.pool.execute("INSERT INTO users (telegram_id) VALUES (1), (2), (3)")
    await bot.rt.pool.execute(
        "INSERT INTO user_activity (day, telegram_id) VALUES ($1, 1), ($1, 2), ($1, 3)", today
    )
    # Earlier days come from the nightly analytics table; today is computed on the spot (3 active).
    await bot.rt.pool.execute(
        """
        INSERT INTO analytics_daily (day, new_users, active_users, analyses_free, analyses_premium, analyses_pro,
            notifications_sent, payments, stars, conversions, faceit_calls, cache_hits, cache_misses)
        VALUES ($1, 0, 5, 2, 1, 1, 0, 1, 500, 1, 10, 5, 5), ($2, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        """,
        today - timedelta(days=2),
        today - timedelta(days=20),
    )
    data = await get_json(http, site.base + "/dashboard/api/charts?days=14", VIEWER)
    assert len(data["days"]) == 14 and data["days"][-1] == today.isoformat()
    assert data["days"][0] == (today - timedelta(days=13)).isoformat()
    assert data["dau"][-3:] == [5, 0, 3] and sum(data["dau"]) == 8  # the day 20 days back is outside
    assert data["analyses"][-3] == 4 and data["stars"][-3] == 500
    data = await get_json(http, site.base + "/dashboard/api/charts?days=30", VIEWER)
    assert len(data["dau"]) == 30 and data["dau"][-21] == 9 and sum(data["dau"]) == 17
    async with http.get(site.base + "/dashboard/api/charts?days=7", headers=VIEWER) as r:
        assert r.status == 400 and (await r.json())["error"] == "Charts cover 14 or 30 days, not 7."
    async with http.get(site.base + "/dashboard/charts.png?days=30", headers=VIEWER) as r:
        assert r.content_type == "image/png" and (await r.read())[:8] == b"\x89PNG\r\n\x1a\n"
    async with http.get(site.base + "/dashboard/charts", headers=VIEWER) as r:
        body = await r.text()
        assert (
            'id=chart-data>{"days"' in body and "/dashboard/charts.png?days=14" in body
        )  # the no-JS fallback


def test_calls_per_minute_count_only_the_last_minute() -> None:
    clock = [1000.0]
    rate = CallRate(clock=lambda: clock[0])
    calls: Counter[tuple[str, str]] = Counter({("players", "200"): 5})
    assert rate.sample(calls) == {}
    calls[("players", "200")] += 3
    calls[("matches", "429")] += 2
    clock[0] += 30
    assert rate.sample(calls) == {"matches": 2, "players": 3}
    calls[("players", "200")] += 1
    clock[0] += 45  # the first sample is now 75 s old, the second 45 s
    assert rate.sample(calls) == {"players": 1 + 3, "matches": 2}
    clock[0] += 61
    assert rate.sample(calls) == {}


def test_dashboard_tokens_must_be_long() -> None:
    env = {"TELEGRAM_BOT_TOKEN": "1:token-of-a-test", "FACEIT_API_KEY": "key-of-a-test"}
    assert not load_settings(env, dotenv=None).dashboard_token
    assert load_settings({**env, "DASHBOARD_TOKEN": "x" * 16}, dotenv=None).dashboard_token == "x" * 16
    with pytest.raises(ConfigError, match="DASHBOARD_TOKEN"):
        load_settings({**env, "DASHBOARD_TOKEN": "short"}, dotenv=None)
