"""deploy/grafana/faceitbot.json: loads as a Grafana dashboard, every query parses as PromQL
(promtool) and names only series a /metrics scrape of the bot really has, and it covers what an
operator looks at: updates, latency, queue, job outcomes, FACEIT calls, cache, 429s and budget,
notifications, Stars."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.deploy.test_prometheus_rules import promtool
from tests.exported import exported_series, named_metrics

DASHBOARD = ROOT / "deploy" / "grafana" / "faceitbot.json"
# Grafana's own interval variables, as Grafana substitutes them before asking Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h"}
COVERED = {
    "faceitbot_updates_handled_total",
    "faceitbot_handler_seconds_bucket",
    "faceitbot_updates_failed_total",
    "faceitbot_queue_jobs",
    "faceitbot_queue_oldest_seconds",
    "faceitbot_jobs_total",
    "faceitbot_faceit_calls_total",
    "faceitbot_faceit_cache_total",
    "faceitbot_faceit_rate_limited_total",
    "faceitbot_faceit_budget_left",
    "faceitbot_telegram_rate_limited_total",
    "faceitbot_telegram_blocked_total",
    "faceitbot_notifications",
    "faceitbot_payment_stars",
    "faceitbot_replicas_alive",
    "faceitbot_dependency_up",
}


def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text())


def queries() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p.get("targets", [])]


def test_the_dashboard_is_a_grafana_dashboard_on_a_chosen_prometheus() -> None:
    d = dashboard()
    assert d["uid"] == "faceitbot" and d["schemaVersion"] >= 36
    variables = {v["name"]: v for v in d["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for p in d["panels"]:
        g = p["gridPos"]
        assert g["x"] + g["w"] <= 24
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, f"panel {p['title']!r} overlaps another"
        cells |= mine
        if p["type"] == "row":
            continue
        assert p["targets"], p["title"]
        assert p["datasource"]["uid"] == "${datasource}"
        assert all(t["datasource"]["uid"] == "${datasource}" for t in p["targets"])
        refs = [t["refId"] for t in p["targets"]]
        assert len(refs) == len(set(refs))


def test_every_query_parses_as_promql(tmp_path: Path) -> None:
    rules = []
    for i, expr in enumerate(queries()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, f"an unknown variable in {expr}"
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    (tmp_path / "queries.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    checked = promtool("check", "rules", "queries.yml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


async def test_every_query_names_only_exported_series(bot) -> None:
    exported = await exported_series(bot.rt)
    named: set[str] = set()
    for expr in queries():
        names = named_metrics(expr)
        assert names, f"no faceitbot metric in {expr}"
        assert names - exported == set(), f"{expr} names series the bot does not export"
        named |= names
    assert COVERED - named == set()
