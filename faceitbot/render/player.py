"""Player texts: the profile card."""

from __future__ import annotations

import functools

from faceitbot.analysis.profile import ProfileCard
from faceitbot.i18n import formats
from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape, flag, fmt


# Cards are values and L10n compares by catalog and locale: popular players and repeated views
# are rendered once.
@functools.lru_cache(maxsize=2048)
def profile(card: ProfileCard, l10n: L10n) -> Rendered:
    lines = [
        l10n(
            "profile-title",
            flag=flag(card.country),
            nickname=escape(card.nickname),
            level=card.level,
            elo=card.elo,
        ),
        l10n("profile-matches", matches=formats.number(card.matches, l10n), win_rate=fmt(card.win_rate, 0)),
        l10n(
            "profile-aim",
            kd=fmt(card.kd),
            hs=fmt(card.hs_pct, 0),
            avg_kills="—" if card.avg_kills is None else fmt(card.avg_kills, 1),
        ),
        l10n("profile-streaks", current=card.current_streak, longest=card.longest_streak),
    ]
    if card.last_results:
        win, loss = l10n("result-win"), l10n("result-loss")
        lines.append(l10n("profile-last", results=" ".join(win if r else loss for r in card.last_results)))
    else:
        lines.append(l10n("profile-last-none"))
    return Rendered("\n".join(lines))
