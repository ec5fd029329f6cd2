"""`faceitbot import-legacy FILE [--dry-run]`: all or nothing, in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import asyncpg

from faceitbot.legacy.records import Invalid, Problem, parse
from faceitbot.store import legacy as legacy_store


class Unreadable(Exception):
    """The file is not the legacy JSON (missing, truncated): nothing is imported."""


@dataclass(slots=True)
class Report:
    imported: int = 0
    tracked: int = 0  # players followed afresh (linked accounts and tracked players)
    skipped: list[Problem] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        head = (
            f"imported {self.imported}, skipped {len(self.skipped)}, invalid {len(self.invalid)}, "
            f"tracked {self.tracked}"
        )
        out = [head + (" (dry run: nothing was written)" if self.dry_run else "")]
        out += [f"invalid: {p.describe()}" for p in self.invalid]
        out += [f"skipped: {p.describe()}" for p in self.skipped]
        out += [f"note: {n}" for n in self.notes]
        return out


def read_document(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Unreadable(f"{path}: {e}") from None


async def import_legacy(
    pool: asyncpg.Pool, document: object, now: datetime, *, dry_run: bool = False
) -> Report:
    try:
        parsed = parse(document, now)
    except Invalid as e:
        raise Unreadable(str(e)) from None
    report = Report(invalid=parsed.invalid, skipped=list(parsed.duplicates), dry_run=dry_run)
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:
            written = []
            for user in parsed.users:
                reason = await legacy_store.newer_than(conn, user.telegram_id, user.seen_at)
                if reason is not None:
                    report.skipped.append(
                        Problem(parsed.entry_of[user.telegram_id], user.telegram_id, reason)
                    )
                    continue
                await legacy_store.upsert_user(conn, user)
                written.append(user)
                follows = (
                    [(user.faceit_player_id, user.faceit_nickname, True)] if user.faceit_player_id else []
                )
                follows += [(pid, nick, False) for pid, nick in user.tracked]
                for player_id, nickname, linked in follows:
                    if await legacy_store.follow_player(
                        conn, user.telegram_id, player_id, nickname, linked=linked
                    ):
                        report.tracked += 1
            report.imported = len(written)
            for user in written:  # referrers may come later in the file
                if user.referred_by is not None:
                    why = await legacy_store.add_referral(
                        conn, user.telegram_id, user.referred_by, user.created_at
                    )
                    if why is not None:
                        report.notes.append(f"user {user.telegram_id}: referral not kept, {why}")
        except BaseException:
            await tx.rollback()
            raise
        if dry_run:
            await tx.rollback()
        else:
            await tx.commit()
    return report
