"""The demo shows what a squad gets: a pinned leaderboard, the week's digest with its card and a
/together answer, from the demo world."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT
from tests.processes.test_processes import clean_env


def test_the_demo_shows_a_leaderboard_a_digest_card_and_together(tmp_path) -> None:
    script = tmp_path / "squad.txt"
    script.write_text(
        "/link s1mple_fan\n/together grumpy_cat\ngroup /join\ngroup /leaderboard\n!week\n", encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "run.py", "--demo", "--script", str(script), "--pictures", str(tmp_path / "pics")],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "bot › 🤝 s1mple_fan and grumpy_cat in your last 7 matches:" in out
    assert "bot in the group › ✅ s1mple_fan joined the squad. The squad has 5 members now." in out
    assert "bot in the group › 🏆 Squad leaderboard\n      1. stratbook · lvl 10 · " in out
    assert "bot in the group › (pinned #" in out
    assert (
        "bot in the group › 📰 The squad's week · 17 Nov – 24 Nov\n      5 matches played by the squad."
        in out
    )
    [card] = (tmp_path / "pics").glob("*.png")  # --pictures keeps what the bot drew
    assert f"bot in the group › (picture 800×304, saved as {card})" in out
    head = card.read_bytes()[:24]
    assert head.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")) == (800, 304)
