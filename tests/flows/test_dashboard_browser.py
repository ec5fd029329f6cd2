"""The dashboard in a real headless Chromium (Debian's chromium + chromium-driver, driven by
selenium): sign in with the token, the overview's numbers, live refresh without a reload, a retry
from the Jobs page, and the refusals a browser meets. One browser for the whole module.

Selenium is blocking and the dashboard runs on this test's event loop, so every browser call goes
through a thread (Browser below)."""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from faceitbot.constants import Priority
from faceitbot.queue import JobSpec
from faceitbot.services import admin as admin_service
from faceitbot.store import replicas as replicas_store
from faceitbot.store.replicas import ReplicaRow
from tests.conftest import ROOT, BotHarness
from tests.dashboard_site import ADMIN_TOKEN, add_job, serve_dashboard

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOT = ROOT / "docs" / "dashboard.png"
WAIT_S = 15
# CRITICAL: a priority no periodic job of the session bot uses, so its counts are ours alone.
PROBE = JobSpec("dashboard_probe", Priority.CRITICAL, max_attempts=1, timeout_s=10)


@pytest.fixture(scope="module")
def driver() -> Iterator[webdriver.Chrome]:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail(
            "install Debian's chromium and chromium-driver (.ci/run does): apt-get install chromium chromium-driver"
        )
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,1000",
    ):
        options.add_argument(arg)
    chrome = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def _redrawn(e: WebDriverException) -> bool:
    """The element went away under the driver: the page's own refresh replaced it."""
    return isinstance(e, StaleElementReferenceException) or "does not belong to the document" in str(e)


class Browser:
    def __init__(self, driver: webdriver.Chrome, base: str) -> None:
        self.d = driver
        self.base = base

    async def open(self, path: str) -> None:
        await asyncio.to_thread(self.d.get, self.base + path)

    async def text(self, css: str) -> str:
        # Read in the page in one step: the 2-second refresh may replace the element at any time.
        return str(await self.js(f"return document.querySelector({css!r}).innerText"))

    async def click(self, css: str) -> None:
        def click() -> None:
            for _ in range(3):  # a refresh may replace the element between finding and clicking it
                try:
                    self.d.find_element(By.CSS_SELECTOR, css).click()
                    return
                except WebDriverException as e:
                    if not _redrawn(e):
                        raise
            self.d.find_element(By.CSS_SELECTOR, css).click()

        await asyncio.to_thread(click)

    async def type(self, css: str, value: str) -> None:
        def run() -> None:
            field = self.d.find_element(By.CSS_SELECTOR, css)
            field.clear()
            field.send_keys(value)

        await asyncio.to_thread(run)

    async def js(self, script: str) -> object:
        return await asyncio.to_thread(self.d.execute_script, script)

    async def until_text(self, css: str, expected: str) -> None:
        """Waits for the page (its own refresh, not ours) to show `expected` in `css`."""

        def shown(d: webdriver.Chrome) -> bool:
            try:
                found = d.find_elements(By.CSS_SELECTOR, css)
                return bool(found) and found[0].text.strip() == expected
            except WebDriverException as e:
                if _redrawn(e):  # the page redrew it between find and read
                    return False
                raise

        await asyncio.to_thread(WebDriverWait(self.d, WAIT_S, poll_frequency=0.1).until, shown)

    async def sign_in(self, token: str = ADMIN_TOKEN) -> None:
        await self.open("/dashboard")
        await self.type("#token", token)
        await self.click("#login")
        await self.until_text("h2", "Queues")


@pytest.fixture
async def browser(bot: BotHarness, driver: webdriver.Chrome) -> AsyncIterator[Browser]:
    async with serve_dashboard(bot.rt) as site:
        await asyncio.to_thread(driver.delete_all_cookies)
        yield Browser(driver, site.base)


async def test_sign_in_and_the_overview_shows_the_rows_inserted(browser: Browser, bot: BotHarness) -> None:
    pool, now = bot.rt.pool, datetime.now(UTC)
    for uid in (1, 2, 3):
        await pool.execute(
            "INSERT INTO users (telegram_id, faceit_nickname) VALUES ($1, $2)", uid, f"<b>p{uid}</b>"
        )
    await pool.execute(
        "UPDATE users SET tier = 'pro', tier_expires_at = $1 WHERE telegram_id = 1",
        now.replace(year=now.year + 1),
    )
    await pool.execute(
        "INSERT INTO payments (telegram_payment_charge_id, telegram_id, tier, stars, days, status)"
        " VALUES ('ch1', 1, 'pro', 1000, 30, 'paid')"
    )
    await pool.execute(  # credited through the ledger, where revenue is read from
        "INSERT INTO entitlements (telegram_id, tier, days, stars, source, source_ref, credited_at)"
        " VALUES (1, 'pro', 30, 1000, 'payment', 'ch1', now())"
    )
    for _ in range(2):
        await add_job(pool, Priority.HIGH, "queued")
    for ago in (60, 300, 900, 1500):
        await add_job(pool, Priority.DEFAULT, "done", finished_ago_s=ago)
    await add_job(pool, Priority.LOW, "failed", finished_ago_s=120)
    for match, status in (("m1", "pending"), ("m2", "sent"), ("m3", "sent"), ("m4", "blocked")):
        await pool.execute(
            "INSERT INTO notifications (telegram_id, match_id, kind, payload, status) VALUES (2, $1, 'result', '{}', $2)",
            match,
            status,
        )
    await bot.rt.heartbeat.beat()
    twin = ReplicaRow(
        "replica-b:77:c0ffee", True, 1, 3, 180 * 2**20, 2, {"players": 12, "matches": 30}, now, now
    )
    await replicas_store.beat(pool, twin)

    await browser.open("/dashboard")
    assert await browser.text("h1") == "Dashboard sign-in"  # nothing shown before the token
    await browser.type("#token", "a-wrong-token-of-some-length")
    await browser.click("#login")
    await browser.until_text("#login-error", "Wrong token.")
    await browser.type("#token", ADMIN_TOKEN)
    await browser.click("#login")
    await browser.until_text("h2", "Queues")

    assert await browser.text("#q-high-queued") == "2"
    assert await browser.text("#q-default-done_hour") == "4"
    assert await browser.text("#q-low-failed_hour") == "1"
    assert await browser.text("#u-total") == "3"
    assert await browser.text("#u-pro") == "1"
    assert await browser.text("#stars-month") == "1000"
    assert await browser.text("#n-sent") == "2" and await browser.text("#tg-blocked") == "1"
    # The twin's two and whatever this session's bot was told by earlier tests (its governor counts every 429).
    assert await browser.text("#tg-429") == str(2 + bot.rt.governor.floods)
    replicas = {await browser.text(f"#r-{i}-id"): i for i in (0, 1)}
    assert set(replicas) == {bot.rt.queue.owner, twin.replica}
    assert await browser.text(f"#r-{replicas[twin.replica]}-leader") == "yes"
    assert await browser.text(f"#r-{replicas[twin.replica]}-workers") == "1/3"
    assert await browser.text(f"#r-{replicas[twin.replica]}-rss") == "180 MiB"
    points = await browser.js("return document.querySelector('#throughput polyline').getAttribute('points')")
    assert len(str(points).split()) == 30  # the sparkline, drawn by the page's script
    shot = await asyncio.to_thread(browser.d.get_screenshot_as_png)
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("SAVE_SCREENSHOT"):  # docs/ changes only when asked to
        SCREENSHOT.write_bytes(shot)

    await browser.open("/dashboard/charts?days=30")
    bars = await browser.js("return document.querySelectorAll('#chart-dau rect').length")
    assert bars == 30


async def test_a_queued_job_moves_to_done_without_a_reload(browser: Browser, bot: BotHarness) -> None:
    queue, pool = bot.rt.queue, bot.rt.pool
    ran: list[int] = []

    async def probe(payload: dict, job) -> None:
        ran.append(job.id)

    queue.register(PROBE, probe)
    try:
        await admin_service.pause(pool, queue, [Priority.CRITICAL], 0)
        await queue.submit(PROBE, {"why": "dashboard test"})
        await browser.sign_in()
        await browser.until_text("#q-critical-queued", "1")
        assert await browser.text("#q-critical-done_hour") == "0"
        await browser.js("window.stayed = 42")  # gone if the page were loaded again
        await admin_service.resume(pool, queue, [Priority.CRITICAL])
        await browser.until_text("#q-critical-done_hour", "1")
        assert await browser.text("#q-critical-queued") == "0"
        assert await browser.js("return window.stayed") == 42
        assert len(ran) == 1
    finally:
        queue.paused.clear()


async def test_retry_a_failed_job_from_the_jobs_page(browser: Browser, bot: BotHarness) -> None:
    pool = bot.rt.pool
    job = await add_job(
        pool, Priority.LOW, "failed", payload={"match_id": "1-xyz"}, last_error="FaceitUnavailable"
    )
    await add_job(pool, Priority.LOW, "done")
    await browser.sign_in()
    await browser.click("nav a[href='/dashboard/jobs']")
    await browser.until_text("h1", "Jobs")
    await asyncio.to_thread(lambda: browser.d.find_element(By.ID, "filter-state").send_keys("failed"))
    await browser.click("#filter")
    await browser.until_text(f"#job-{job} .state", "failed")
    assert await browser.js("return document.querySelectorAll('#jobs tr[id^=job-]').length") == 1
    await browser.click(f"#job-{job} a")
    await browser.until_text("#state", "failed")
    assert '"match_id": "1-xyz"' in await browser.text("#payload")
    await browser.click("#retry")
    await browser.until_text("#state", "queued")
    assert await pool.fetchval("SELECT status FROM jobs WHERE id = $1", job) == "queued"
    audit = await pool.fetchrow("SELECT action, args, result FROM admin_audit")
    assert tuple(audit) == ("web", f"retry {job}", "requeued")


async def test_a_form_without_its_csrf_token_is_refused(browser: Browser, bot: BotHarness) -> None:
    job = await add_job(bot.rt.pool, Priority.LOW, "failed")
    await browser.sign_in()
    await browser.open(f"/dashboard/jobs/{job}")
    await browser.until_text("#state", "failed")
    await browser.js("document.querySelector('input[name=csrf]').remove()")
    await browser.click("#retry")
    await browser.until_text(
        "#message", "The form is missing its security token; reload the page and try again."
    )
    assert await bot.rt.pool.fetchval("SELECT status FROM jobs WHERE id = $1", job) == "failed"
    assert await bot.rt.pool.fetchval("SELECT count(*) FROM admin_audit") == 0
