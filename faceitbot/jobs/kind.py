"""A job kind as data: its policy (the queue's JobSpec: priority, timeout, retries, per-user
limit), the msgspec Struct its payload decodes into, and its module-level coroutines."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from faceitbot.jobs.context import JobContext
from faceitbot.queue import JobSpec, TaskQueue
from faceitbot.store.jobs import JobRow

Run = Callable[[JobContext, JobRow, Any], Awaitable[None]]
Failed = Callable[[JobContext, JobRow, Any, BaseException], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Kind:
    spec: JobSpec
    payload: type[msgspec.Struct]
    run: Run
    failed: Failed | None = None  # after the last attempt: tell the user, give back what was charged

    def register(self, queue: TaskQueue, ctx: JobContext) -> None:
        """The queue stores payloads as JSON objects; each run reads its own into the Struct."""

        async def run(payload: dict[str, Any], job: JobRow) -> None:
            await self.run(ctx, job, msgspec.convert(payload, self.payload))

        async def failed(payload: dict[str, Any], job: JobRow, error: BaseException) -> None:
            assert self.failed is not None
            await self.failed(ctx, job, msgspec.convert(payload, self.payload), error)

        queue.register(self.spec, run, failed if self.failed is not None else None)
