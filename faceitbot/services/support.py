"""/paysupport messages go to every admin's private chat, so each user gets a few an hour."""

from __future__ import annotations

from faceitbot.cluster.kv import KeyValue

MESSAGES_PER_HOUR = 3


async def may_write(kv: KeyValue, telegram_id: int, per_hour: int = MESSAGES_PER_HOUR) -> bool:
    """Takes one of the user's slots for the next hour; False once all of them are taken.

    Each slot is its own key with an hour's life, claimed with one atomic SET NX, so the limit
    holds across replicas without a counter to reset.
    """
    for slot in range(per_hour):
        if await kv.add(f"paysupport:{telegram_id}:{slot}", b"1", 3600.0):
            return True
    return False
