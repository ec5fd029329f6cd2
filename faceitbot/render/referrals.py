"""/referral and the messages about invitations and their bonus."""

from __future__ import annotations

from faceitbot.i18n.loader import L10n
from faceitbot.render.common import Rendered, escape


def referral(link: str, invited: int, rewarded: int, bonus: int, bonus_left: int, l10n: L10n) -> Rendered:
    return Rendered(
        l10n("referral", link=escape(link), invited=invited, rewarded=rewarded, bonus=bonus, left=bonus_left)
    )


def invited(bonus: int, l10n: L10n) -> str:
    return l10n("referral-invited", bonus=bonus)


def rewarded_referrer(bonus: int, l10n: L10n) -> str:
    return l10n("referral-reward-referrer", bonus=bonus)


def rewarded_referred(bonus: int, l10n: L10n) -> str:
    return l10n("referral-reward-referred", bonus=bonus)
