"""`python -m faceitbot_sim {faceit|telegram|world|demo} [options]` from the checkout."""

from __future__ import annotations

import sys

USAGE = "usage: python -m faceitbot_sim {faceit|telegram|world|demo} [options] (each takes -h)"


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("faceit", "telegram", "world", "demo"):
        print(USAGE, file=sys.stderr)
        raise SystemExit(2)
    kind, rest = argv[0], argv[1:]
    # Imported on demand: only the demo loads faceitbot.
    if kind == "faceit":
        from faceitbot_sim.faceit import main as command
    elif kind == "telegram":
        from faceitbot_sim.telegram import main as command
    elif kind == "world":
        from faceitbot_sim.fixtures import world_main as command
    else:
        from faceitbot_sim.demo import main as command
    command(rest)


if __name__ == "__main__":
    main()
