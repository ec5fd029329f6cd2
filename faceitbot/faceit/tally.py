"""Per-request accounting of FACEIT traffic: how many upstream calls and cache hits one
operation (an analysis, a profile) caused, even though its requests run in many tasks."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class Tally:
    calls: int = 0
    hits: int = 0


_current: ContextVar[Tally | None] = ContextVar("faceit_tally", default=None)


@contextlib.contextmanager
def tally() -> Iterator[Tally]:
    """Counts what happens inside the block, including in tasks created inside it."""
    t = Tally()
    token = _current.set(t)
    try:
        yield t
    finally:
        _current.reset(token)


def count_call() -> None:
    if (t := _current.get()) is not None:
        t.calls += 1


def count_hit() -> None:
    if (t := _current.get()) is not None:
        t.hits += 1
