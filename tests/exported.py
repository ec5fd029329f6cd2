"""The metric series a replica really exports, read from a /metrics scrape of the session bot:
what the alert rules, their unit tests and the dashboard may name."""

from __future__ import annotations

import re

import aiohttp

from faceitbot.app import Runtime
from tests.dashboard_site import serve_dashboard

SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created", ""),
}
METRIC_NAME = re.compile(r"\bfaceitbot_[a-z0-9_]+\b")


def series_names(body: str) -> set[str]:
    """Every sample name the exposition declares, labelled children or not yet."""
    names: set[str] = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", body, re.M):
        # The text format declares a counter as name_total already.
        base = name.removesuffix("_total") if kind == "counter" else name
        names.update(base + suffix for suffix in SUFFIXES.get(kind, ("",)))
    names.update(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )", body, re.M))
    return names


async def exported_series(rt: Runtime) -> set[str]:
    async with serve_dashboard(rt) as site, aiohttp.ClientSession() as s:
        async with s.get(site.base + "/metrics") as r:
            assert r.status == 200
            return series_names(await r.text())


def named_metrics(text: str) -> set[str]:
    return set(METRIC_NAME.findall(text))
