"""Domain errors. Each one carries the i18n key of the text a user sees for it."""

from __future__ import annotations


class FaceitBotError(Exception):
    """Base of every error a user may be told about."""

    key = "error-generic"

    def params(self) -> dict[str, object]:
        return {}


class BadInput(FaceitBotError):
    """The user's text cannot be what the command expects."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self._params = params

    def params(self) -> dict[str, object]:
        return self._params


class PlayerNotFound(FaceitBotError):
    key = "error-player-not-found"

    def __init__(self, nickname: str, suggestions: tuple[str, ...] = (), *, purpose: str = "stats") -> None:
        super().__init__(nickname)
        self.nickname = nickname
        self.suggestions = suggestions
        # What the user was doing ("link" or "stats"), so suggestions offer the same action.
        self.purpose = purpose

    def params(self) -> dict[str, object]:
        return {"nickname": self.nickname}


class NoCs2Profile(FaceitBotError):
    key = "error-no-cs2"

    def __init__(self, nickname: str) -> None:
        super().__init__(nickname)
        self.nickname = nickname

    def params(self) -> dict[str, object]:
        return {"nickname": self.nickname}


class NotLinked(FaceitBotError):
    key = "error-not-linked"


class NoMatches(FaceitBotError):
    key = "error-no-matches"


class JobCancelled(FaceitBotError):
    """An operator purged the queue the job was waiting in; whatever it cost is given back."""

    key = "error-job-cancelled"
