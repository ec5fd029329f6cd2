"""deploy/prometheus: the rules pass `promtool check rules`, every alert has a unit test that
fires it, the unit tests pass, and every series they name is one the bot exports, so renaming a
metric in the code (or in the rules) breaks this test."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.exported import exported_series, named_metrics

PROM = ROOT / "deploy" / "prometheus"
# Debian's `prometheus` package; .ci/run installs it when missing.
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"


def promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    assert Path(PROMTOOL).exists(), "promtool is missing: apt-get install prometheus (as .ci/run does)"
    return subprocess.run([PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def alerts() -> list[dict]:
    doc = yaml.safe_load((PROM / "rules.yml").read_text())
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def test_the_rules_are_valid_and_their_unit_tests_pass() -> None:
    checked = promtool("check", "rules", "rules.yml")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", "tests.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_every_alert_has_a_unit_test_that_fires_it() -> None:
    doc = yaml.safe_load((PROM / "tests.yml").read_text())
    fired = {
        case["alertname"]
        for test in doc["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")
    }
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))
    assert set(names) - fired == set()
    assert fired - set(names) == set()
    for rule in alerts():
        assert rule["labels"]["severity"] in {"page", "warn", "info"}, rule["alert"]


async def test_rules_and_their_tests_name_only_exported_series(bot) -> None:
    exported = await exported_series(bot.rt)
    for name in ("rules.yml", "tests.yml"):
        named = named_metrics((PROM / name).read_text())
        assert named, name
        assert named - exported == set(), f"{name} names series the bot does not export"


def test_a_rule_on_a_renamed_metric_fails_its_unit_test(tmp_path: Path) -> None:
    rules = (PROM / "rules.yml").read_text()
    assert "faceitbot_queue_oldest_seconds" in rules
    (tmp_path / "rules.yml").write_text(
        rules.replace("faceitbot_queue_oldest_seconds", "faceitbot_queue_age")
    )
    shutil.copy(PROM / "tests.yml", tmp_path / "tests.yml")
    tested = promtool("test", "rules", "tests.yml", cwd=tmp_path)
    assert tested.returncode != 0
    assert "FaceitbotHighJobsWaiting" in tested.stdout + tested.stderr
