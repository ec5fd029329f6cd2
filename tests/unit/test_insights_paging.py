"""The per-match rows are read in FACEIT's pages of at most 100, over HTTP from the simulator."""

import json
from pathlib import Path

from faceitbot.faceit.budget import LocalBudget
from faceitbot.faceit.client import FaceitClient
from faceitbot.services.insights import recent_lines
from faceitbot_sim.faceit import FaceitSim
from tests.conftest import SAMPLES

PLAYER = "ffe3566c-9574-4f1b-8012-bf4d42aeb898"


def write_rows(root: Path, n: int) -> list[str]:
    """n per-match rows shaped like the recorded ones, newest first, one an hour."""
    template = json.loads((SAMPLES / "player_games_stats_cs2.json").read_text())["items"][0]
    ids, items = [], []
    for i in range(n):
        stats = dict(
            template["stats"],
            **{"Match Id": f"1-m{i:04d}", "Match Finished At": (1_773_700_000 - 3600 * i) * 1000},
        )
        ids.append(stats["Match Id"])
        items.append({"stats": stats})
    path = root / "players" / PLAYER / "games" / "cs2" / "stats.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"items": items, "start": 0, "end": n}))
    return ids


async def test_rows_come_in_pages_of_one_hundred(tmp_path: Path) -> None:
    ids = write_rows(tmp_path, 150)
    async with FaceitSim(tmp_path, api_key="k") as sim:
        client = FaceitClient(sim.base_url, "k", budget=LocalBudget(100, 60))
        try:
            seen: list[tuple[int, int]] = []

            async def progress(done: int, total: int) -> None:
                seen.append((done, total))

            lines = await recent_lines(client, PLAYER, 150, progress)
            assert [m.match_id for m in lines] == ids
            assert sim.stats()["total"] == 2  # offset 0 limit 100, offset 100 limit 50
            assert seen == [(100, 150), (150, 150)]

            sim.reset_stats()
            more = await recent_lines(client, PLAYER, 200)
            # offset 0 limit 100 is cached; offset 100 limit 100 answers 50 rows: no more to read.
            assert len(more) == 150 and sim.stats()["total"] == 1
        finally:
            await client.close()
