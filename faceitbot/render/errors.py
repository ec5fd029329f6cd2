"""The one place where an exception becomes the text a user reads."""

from __future__ import annotations

from faceitbot.callbacks import PlayerAction
from faceitbot.errors import FaceitBotError, PlayerNotFound
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape
from faceitbot.render.keyboards import player_choices
from faceitbot.render.settings import zone_choices

# A time zone the user got wrong comes with the common ones as buttons.
ZONE_ERRORS = frozenset({"error-bad-zone", "error-zone-region"})
# Counts a domain error carries that its message shows with a counted noun: key → {param: phrase}.
COUNTED = {"error-track-limit": {"limit": "n-players"}, "error-quota": {"limit": "n-analyses"}}
# Waits a domain error carries in seconds, shown as "in 3 min": key → param.
WAITS = {"error-slow-down": ("seconds", "wait"), "error-quota": ("resets", "resets")}


def for_exception(exc: BaseException, l10n: L10n) -> Rendered:
    if not isinstance(exc, FaceitBotError):
        return Rendered(l10n("error-generic"))
    params = {k: escape(v) if isinstance(v, str) else v for k, v in exc.params().items()}
    for name, phrase in COUNTED.get(exc.key, {}).items():
        params[name] = l10n.plural(phrase, int(params[name]))
    if exc.key in WAITS:
        seconds, shown = WAITS[exc.key]
        params[shown] = formats.within(float(params.pop(seconds)), l10n)
    text = l10n(exc.key, **params)
    if isinstance(exc, PlayerNotFound) and exc.suggestions:
        text += "\n\n" + l10n("suggestions-title")
        return Rendered(text, player_choices(exc.suggestions, PlayerAction(exc.purpose)))
    if exc.key in ZONE_ERRORS:
        return Rendered(text, zone_choices())
    return Rendered(text)
