"""loguru sinks (text or JSON lines) that scrub secrets, and stdlib logging routed into loguru."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TextIO

from loguru import logger

TEXT_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {name}:{line} | {message}{exception}"


class Redactor:
    """Replaces every secret in a text with ***: for log lines, and for error texts that are
    stored (jobs.last_error) or shown (the dashboard)."""

    def __init__(self, secrets: Iterable[str]) -> None:
        # Longest first, so a secret that contains another is masked whole.
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class _Scrubber:
    """Sink wrapper: every formatted line passes through here, exceptions included."""

    def __init__(self, stream: TextIO, secrets: Iterable[str]) -> None:
        self._stream = stream
        self._redact = Redactor(secrets)

    def write(self, message: str) -> None:
        self._stream.write(self._redact(message))
        self._stream.flush()


class _InterceptHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            level: str | int = logger.level(record.levelname).name
        except ValueError:
            level = record.levelno
        logger.opt(depth=6, exception=record.exc_info).log(level, record.getMessage())


def setup_logging(level: str, fmt: str, secrets: Iterable[str], stream: TextIO | None = None) -> None:
    logger.remove()
    sink = _Scrubber(stream or sys.stderr, secrets)
    if fmt == "json":
        logger.add(sink.write, level=level, serialize=True, backtrace=False, diagnose=False)
    else:
        logger.add(sink.write, level=level, format=TEXT_FORMAT + "\n", backtrace=False, diagnose=False)
    # Filter in the stdlib too: records below our level are never built, let alone forwarded.
    logging.basicConfig(
        handlers=[_InterceptHandler()],
        level=logging.getLevelName(level) if level != "TRACE" else 5,
        force=True,
    )
    # aiohttp's access log, asyncio's debug chatter and aiogram's line per handled update are
    # noise at INFO (and the last one costs time on every update).
    for noisy in ("aiohttp.access", "asyncio", "aiogram.event"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
