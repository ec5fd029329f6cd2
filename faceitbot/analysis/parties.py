"""Premades: teammates who shared at least PARTY_MIN_SHARED of their last matches on the same side.

Read from the per-match rows already fetched for recent form (`Match Id` and `Team` of each row),
so finding parties costs no FACEIT call."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

PARTY_MIN_SHARED = 3


def _sides(rows: Iterable[Mapping[str, object]]) -> set[tuple[str, str]]:
    return {
        (str(r.get("Match Id", "")), str(r.get("Team", "")))
        for r in rows
        if r.get("Match Id") and r.get("Team")
    }


def find_parties(
    team: Iterable[str],
    rows: Mapping[str, Iterable[Mapping[str, object]]],
    min_shared: int = PARTY_MIN_SHARED,
) -> tuple[tuple[str, ...], ...]:
    """Groups (in roster order, largest first) among the players of one team; solo players are in none."""
    ids = list(dict.fromkeys(team))
    sides = {pid: _sides(rows.get(pid, ())) for pid in ids}
    parent = {pid: pid for pid in ids}

    def root(pid: str) -> str:
        while parent[pid] != pid:
            parent[pid] = parent[parent[pid]]
            pid = parent[pid]
        return pid

    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if len(sides[a] & sides[b]) >= min_shared:
                parent[root(b)] = root(a)
    groups: dict[str, list[str]] = {}
    for pid in ids:
        groups.setdefault(root(pid), []).append(pid)
    found = [tuple(g) for g in groups.values() if len(g) > 1]
    return tuple(sorted(found, key=lambda g: (-len(g), ids.index(g[0]))))
