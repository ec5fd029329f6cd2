"""The one place Settings become a FaceitClient: the bot's, tracking's and `faceitbot analyze`'s
clients differ in budget, cache and pacing, never in URL, key, concurrency or timeout."""

from __future__ import annotations

from collections.abc import Callable

from faceitbot.config import Settings
from faceitbot.faceit.cache import ResponseCache
from faceitbot.faceit.client import Budget, FaceitClient
from faceitbot.faceit.pacing import Pacer


def faceit_client(
    settings: Settings,
    *,
    budget: Budget,
    cache: ResponseCache | None = None,
    pacer: Pacer | None = None,
    on_rate_limited: Callable[[], None] | None = None,
    background: bool = False,
) -> FaceitClient:
    return FaceitClient(
        settings.faceit_api_url,
        settings.faceit_api_key,
        budget=budget,
        cache=cache,
        concurrency=settings.faceit_concurrency,
        timeout_s=settings.faceit_timeout_s,
        pacer=pacer,
        on_rate_limited=on_rate_limited,
        background=background,
    )
