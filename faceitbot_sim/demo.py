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
QUIET_S = 0.6
REPLY_TIMEOUT_S = 30.0
_TAG = re.compile(r"<[^>]+>")
_SHOWN = ("sendMessage", "editMessageText", "sendPhoto", "sendInvoice", "editMessageReplyMarkup")


class Terminal:
    """Prints what the bot sends to the demo chat and remembers the buttons to press by number."""

    def __init__(self, tg: FakeTelegram, out: TextIO) -> None:
        self._tg = tg
        self._out = out
        self._seen = 0
        self.buttons: list[tuple[str, Any, int]] = []  # (kind, value, message_id)

    def flush(self) -> int:
        calls = self._tg.calls[self._seen :]
        self._seen += len(calls)
        shown = 0
        for call in calls:
            if call.method not in _SHOWN or str(call.params.get("chat_id")) != str(CHAT_ID):
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
        body = html.unescape(_TAG.sub("", str(text)))
        self._print(f"{label} › " + body.replace("\n", "\n      "))
        self._keyboard(call.params.get("reply_markup"), message_id)

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
    tg.send_text(CHAT_ID, line, user_id=CHAT_ID, language_code=lang, first_name="Demo")


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
    args = parser.parse_args(argv)
    asyncio.run(run_demo(script=args.script, lang=args.lang))


async def run_demo(*, script: Path | None, lang: str = "en", out: TextIO | None = None) -> None:
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
                term = Terminal(tg, out)
                term._print(
                    f"faceitbot demo — ready in {time.monotonic() - started:.1f}s. "
                    "Type /start; a number presses a button; Ctrl-D quits."
                )
                try:
                    await _chat(tg, term, lines, lang, lambda: rt.queue.busy > 0)
                finally:
                    await rt.dp.stop_polling()
                    with contextlib.suppress(asyncio.CancelledError):
                        await polling


async def _chat(
    tg: FakeTelegram, term: Terminal, lines: list[str] | None, lang: str, working: Callable[[], bool]
) -> None:
    loop = asyncio.get_running_loop()
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
        await _send(tg, term, line, lang)
        await _until_quiet(tg, term, working)
