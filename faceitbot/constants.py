"""Names and numbers shared across modules."""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    CRITICAL = 0
    HIGH = 1  # a user is waiting: analyses, profile views that went to the queue
    DEFAULT = 2
    LOW = 3  # background: monitoring, scorecard outcomes


JOBS_CHANNEL = "faceitbot_jobs"
