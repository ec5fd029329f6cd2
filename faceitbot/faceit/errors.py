"""What can go wrong talking to FACEIT, as a small typed hierarchy (aiogram's exceptions.py shape)."""

from __future__ import annotations

from faceitbot.errors import FaceitBotError


class FaceitError(FaceitBotError):
    key = "error-faceit-unavailable"


class FaceitNotFound(FaceitError):
    """404: the nickname, player or match does not exist (or stats are not computed yet)."""

    key = "error-not-found"

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class FaceitUnavailable(FaceitError):
    """Timeouts, connection errors, 5xx or 429 that outlived our retries."""


class FaceitRateLimited(FaceitUnavailable):
    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after:.1f}s")
        self.retry_after = retry_after


class FaceitAuthError(FaceitError):
    """401/403: the API key is wrong; a configuration problem, not the user's."""


class FaceitDecodeError(FaceitError):
    """The payload did not match our models."""
