"""/referral and the messages about invitations and their bonus."""

from __future__ import annotations

from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape


def referral(link: str, invited: int, rewarded: int, bonus: int, bonus_left: int, l10n: L10n) -> Rendered:
    return Rendered(
        l10n(
            "referral",
            link=escape(link),
            invited=invited,
            rewarded=rewarded,
            bonus=l10n.plural("n-bonus-analyses", bonus),
            left=bonus_left,
        )
    )


def invited(bonus: int, l10n: L10n) -> str:
    return l10n("referral-invited", bonus=l10n.plural("n-bonus-analyses", bonus))


def rewarded_referrer(bonus: int, l10n: L10n) -> str:
    return l10n("referral-reward-referrer", bonus=l10n.plural("n-bonus-analyses", bonus))


def rewarded_referred(bonus: int, l10n: L10n) -> str:
    return l10n("referral-reward-referred", bonus=l10n.plural("n-bonus-analyses", bonus))
