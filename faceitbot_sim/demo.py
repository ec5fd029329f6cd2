"""`python run.py --demo` (or `python -m faceitbot_sim demo`): the real bot stack against both simulators, as a terminal chat.

Everything the bot does goes through the same code as production: polling the (fake) Bot API
over HTTP, the embedded PostgreSQL, the FACEIT client talking HTTP to the simulator that serves
the bundled fixture world. Only the person at the keyboard is here instead of Telegram.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from faceitbot.config import load_settings
from faceitbot.logs import setup_logging
from faceitbot_sim.faceit import FaceitSim
from faceitbot_sim.fixtures import demo_world_path
from faceitbot_sim.telegram import FakeTelegram

DEMO_TOKEN = "123456:DEMO-not-a-real-token"
DEMO_KEY = "demo-faceit-key"
CHAT_ID = 1001
# The demo squad: a group where the demo user and four friends who queue together in the demo
# world joined (seeded through the same /link and /join as anyone, the first time a line goes to
# the group). "group <text>" writes in it; "!week" lets the world's digest time come.
GROUP_ID = -1001
SQUAD_FRIENDS = {2001: "grumpy_cat", 2002: "tapTapBoom", 2003: "stratbook", 2004: "flashbang_bob"}
GROUP_PREFIX = "group "
WEEK_DIRECTIVE = "!week"
QUIET_S = 0.6
REPLY_TIMEOUT_S = 30.0
_TAG = re.compile(r"<[^>]+>")
_SHOWN = (
    "sendMessage",
    "editMessageText",
    "sendPhoto",
    "sendInvoice",
    "editMessageReplyMarkup",
    "pinChatMessage",
)


class Terminal:
    """Prints what the bot sends to the demo chat and remembers the buttons to press by number."""

    def __init__(self, tg: FakeTelegram, out: TextIO, pictures: Path | None = None) -> None:
        self._tg = tg
        self._out = out
        self._pictures = pictures  # where the pictures the bot sends are written, if anywhere
        self._seen = 0
        self.buttons: list[tuple[str, Any, int]] = []  # (kind, value, message_id)

    def flush(self) -> int:
        calls = self._tg.calls[self._seen :]
        self._seen += len(calls)
        shown = 0
        for call in calls:
            if call.method not in _SHOWN or str(call.params.get("chat_id")) not in (
                str(CHAT_ID),
                str(GROUP_ID),
            ):
                continue
            if call.status != 200:
                self._print(f"!   the bot's {call.method} was refused: {call.response.get('description')}")
                continue
            shown += 1
            self._show(call)
        return shown

    def _show(self, call: Any) -> None:
        result = call.response.get("result")
        message_id = result.get("message_id", 0) if isinstance(result, dict) else 0
        text = call.params.get("text") or call.params.get("caption") or call.params.get("title") or ""
        label = "bot" if call.method.startswith("send") else f"bot (edited #{call.params.get('message_id')})"
        if call.method == "pinChatMessage":
            label, text = "bot", f"(pinned #{call.params.get('message_id')})"
        if str(call.params.get("chat_id")) == str(GROUP_ID):
            label += " in the group"
        if call.method == "sendPhoto" and isinstance(result, dict):
            size = max(result.get("photo") or [{}], key=lambda p: p.get("width", 0))
            text = f"(picture {size.get('width')}×{size.get('height')}{self._save(size)}) {text}".strip()
        body = html.unescape(_TAG.sub("", str(text)))
        self._print(f"{label} › " + body.replace("\n", "\n      "))
        self._keyboard(call.params.get("reply_markup"), message_id)

    def _save(self, size: dict[str, Any]) -> str:
        data = self._tg.files.get(size.get("file_id", ""))
        if self._pictures is None or data is None:
            return ""
        self._pictures.mkdir(parents=True, exist_ok=True)
        path = self._pictures / f"picture-{len(list(self._pictures.glob('picture-*.png'))) + 1}.png"
        path.write_bytes(data)
        return f", saved as {path}"

    def _keyboard(self, markup: Any, message_id: int) -> None:
        if not isinstance(markup, dict):
            return
        rows = markup.get("inline_keyboard") or markup.get("keyboard")
        if not rows:
            return
        self.buttons = []
        for row in rows:
            cells = []
            for button in row:
                if "callback_data" in button:
                    self.buttons.append(("callback", button["callback_data"], message_id))
                elif "url" in button:
                    self.buttons.append(("url", button["url"], message_id))
                else:
                    self.buttons.append(("text", button["text"], message_id))
                cells.append(f"[{len(self.buttons)}] {button['text']}")
            self._print("      " + "   ".join(cells))

    def _print(self, line: str) -> None:
        self._out.write(line + "\n")
        self._out.flush()

    def skip(self) -> None:
        """What the bot sent so far is not shown."""
        self._seen = len(self._tg.calls)


async def _send(tg: FakeTelegram, term: Terminal, line: str, lang: str) -> None:
    if line.isdigit() and term.buttons:
        index = int(line) - 1
        if not 0 <= index < len(term.buttons):
            term._print(f"!   no button {line}")
            return
        kind, value, message_id = term.buttons[index]
        if kind == "callback":
            tg.press_button(CHAT_ID, message_id, value, user_id=CHAT_ID, language_code=lang)
        elif kind == "text":
            tg.send_text(CHAT_ID, value, user_id=CHAT_ID, language_code=lang, first_name="Demo")
        else:
            term._print(f"    (opens {value})")
        return
    if line.startswith(GROUP_PREFIX):
        tg.send_text(
            GROUP_ID, line[len(GROUP_PREFIX) :], user_id=CHAT_ID, language_code=lang, first_name="Demo"
        )
        return
    tg.send_text(CHAT_ID, line, user_id=CHAT_ID, language_code=lang, first_name="Demo")


async def _seed_squad(tg: FakeTelegram, term: Terminal, lang: str, rt: Any) -> None:
    """The friends link their accounts in private and join the demo group, the demo user admins
    it and the bot may pin there; what the bot answers them is not shown."""
    from faceitbot.services import squads
    from faceitbot.store import users as users_store

    tg.groups.set_status(GROUP_ID, CHAT_ID, "creator")
    tg.groups.set_status(GROUP_ID, tg.me["id"], "administrator", can_pin=True)
    for uid, nickname in SQUAD_FRIENDS.items():
        tg.mark()
        tg.send_text(uid, f"/link {nickname}", user_id=uid, language_code=lang, first_name=nickname)
        await tg.wait_for("sendMessage", chat_id=uid, timeout=REPLY_TIMEOUT_S)
        # Their /join itself through the service: four join replies would spend the group's 20
        # messages a minute that the send governor spreads out, and the demo would wait on them.
        user = await users_store.get(rt.pool, uid)
        await squads.join(rt.pool, GROUP_ID, user)
    term.skip()


async def _until_quiet(tg: FakeTelegram, term: Terminal, working: Callable[[], bool]) -> None:
    """Prints replies until the bot has been silent for a moment and runs no job (an analysis
    under FACEIT's 10 requests a second takes a few seconds between its progress edits), or
    gives up after a while."""
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    got_any = False
    last_change = time.monotonic()
    while time.monotonic() < deadline:
        if term.flush():
            got_any = True
            last_change = time.monotonic()
        if got_any and time.monotonic() - last_change >= QUIET_S and not working():
            return
        await asyncio.sleep(0.05)  # a polling interval for the terminal, not synchronisation
    if not got_any:
        term._print("!   no reply")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="python run.py --demo", description="a terminal chat with the bot against the simulators"
    )
    parser.add_argument("--script", type=Path, help="read the typed lines from FILE and exit")
    parser.add_argument("--lang", default="en", choices=("en", "ru"), help="your Telegram language")
    parser.add_argument("--pictures", type=Path, help="write the pictures the bot sends into DIR")
    args = parser.parse_args(argv)
    asyncio.run(run_demo(script=args.script, lang=args.lang, pictures=args.pictures))


async def run_demo(
    *, script: Path | None, lang: str = "en", out: TextIO | None = None, pictures: Path | None = None
) -> None:
    out = out or sys.stdout
    lines = script.read_text(encoding="utf-8").splitlines() if script else None  # noqa: ASYNC240 - before the loop starts work
    setup_logging("WARNING", "text", (DEMO_TOKEN, DEMO_KEY))
    from faceitbot.app import build

    with tempfile.TemporaryDirectory(prefix="faceitbot-demo-") as tmp:
        started = time.monotonic()
        async with (
            FaceitSim(demo_world_path(), api_key=DEMO_KEY) as faceit,
            FakeTelegram(token=DEMO_TOKEN) as tg,
        ):
            settings = load_settings(
                {
                    "TELEGRAM_BOT_TOKEN": DEMO_TOKEN,
                    "FACEIT_API_KEY": DEMO_KEY,
                    "FACEIT_API_URL": faceit.base_url,
                    "TELEGRAM_API_URL": tg.base_url,
                    "DATA_DIR": tmp,
                    "LOG_LEVEL": "WARNING",
                },
                dotenv=None,
            )
            async with build(settings) as rt:
                polling = asyncio.create_task(
                    rt.dp.start_polling(rt.bot, handle_signals=False, polling_timeout=10)
                )
                term = Terminal(tg, out, pictures)
                term._print(
                    f"faceitbot demo — ready in {time.monotonic() - started:.1f}s. "
                    "Type /start; a number presses a button; Ctrl-D quits."
                )
                try:
                    await _chat(tg, term, lines, lang, lambda: rt.queue.busy > 0, rt)
                finally:
                    await rt.dp.stop_polling()
                    with contextlib.suppress(asyncio.CancelledError):
                        await polling


async def _world_week(rt: Any) -> None:
    """The demo world's clock: its Monday 10:00 comes and the squad's weekly digest is planned
    for the week of play the world holds (the squad counts as formed before it)."""
    from faceitbot.services import squads
    from faceitbot.services.squads import latest_slot
    from faceitbot_sim.fixtures import NOW

    now = latest_slot(0, 10, "UTC", datetime.fromtimestamp(NOW, UTC)) + timedelta(minutes=1)
    await rt.pool.execute(
        "UPDATE squads SET created_at = $2 WHERE chat_id = $1", GROUP_ID, now - timedelta(days=30)
    )
    await squads.plan_digests(rt.pool, rt.queue, now)


async def _chat(
    tg: FakeTelegram,
    term: Terminal,
    lines: list[str] | None,
    lang: str,
    working: Callable[[], bool],
    rt: Any = None,
) -> None:
    loop = asyncio.get_running_loop()
    seeded = False
    while True:
        if lines is not None:
            if not lines:
                return
            line = lines.pop(0).strip()
            if not line or line.startswith("#"):
                continue
            term._print(f"you › {line}")
        else:
            try:
                line = (await loop.run_in_executor(None, input, "you › ")).strip()
            except EOFError:
                return
            if not line:
                continue
        if (line.startswith(GROUP_PREFIX) or line == WEEK_DIRECTIVE) and not seeded:
            await _seed_squad(tg, term, lang, rt)
            seeded = True
        if line == WEEK_DIRECTIVE:
            await _world_week(rt)
        else:
            await _send(tg, term, line, lang)
        await _until_quiet(tg, term, working)
