"""/accuracy: the prediction scorecard, every rate with the number of matches behind it."""

from __future__ import annotations

from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, fmt
from faceitbot.services.scorecard import Scorecard, rate

_TIER_LABELS = {"50-60": "50–60 %", "60-70": "60–70 %", "70+": "70 %+"}


def _pct(won: int, n: int) -> str:
    value = rate(won, n)
    return "-" if value is None else fmt(value, 0)


def accuracy(card: Scorecard, l10n: L10n) -> Rendered:
    total = card.total
    if total.matches == 0:
        return Rendered(l10n("accuracy-empty"))
    lines = [l10n("accuracy-title"), ""]
    if total.faceit_matches:
        lines.append(
            l10n(
                "accuracy-overall",
                rate=_pct(total.ours_won, total.matches),
                n=l10n.plural("n-of-matches", total.matches),
                fav_rate=_pct(total.faceit_won, total.faceit_matches),
                fav_n=total.faceit_matches,
            )
        )
    else:
        lines.append(
            l10n(
                "accuracy-overall-no-faceit",
                rate=_pct(total.ours_won, total.matches),
                n=l10n.plural("n-of-matches", total.matches),
            )
        )
    lines.append(l10n("accuracy-tiers"))
    for t in card.tiers:
        label, ours = _TIER_LABELS.get(t.tier, t.tier), _pct(t.ours_won, t.matches)
        if t.faceit_matches:
            fav = _pct(t.faceit_won, t.faceit_matches)
            lines.append(
                l10n(
                    "accuracy-tier", tier=label, rate=ours, n=t.matches, fav_rate=fav, fav_n=t.faceit_matches
                )
            )
        else:
            lines.append(l10n("accuracy-tier-no-faceit", tier=label, rate=ours, n=t.matches))
    if card.maps.played:
        lines.append(l10n("accuracy-maps", rate=_pct(card.maps.won, card.maps.played), n=card.maps.played))
    else:
        lines.append(l10n("accuracy-maps-none"))
    return Rendered("\n".join(lines))
