"""The `faceitbot` command: run, migrate, analyze, import-legacy, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from faceitbot.config import ConfigError, load_settings
from faceitbot.logs import setup_logging


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="faceitbot", description="FACEIT companion bot for Telegram")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (long polling); the demo is `python run.py --demo`")
    sub.add_parser("migrate", help="apply pending SQL migrations and exit")
    analyze = sub.add_parser("analyze", help="analyse a match room from the command line")
    analyze.add_argument("match", help="match id (1-<uuid>) or FACEIT room URL")
    analyze.add_argument("--json", action="store_true", help="print the documented JSON instead of text")
    analyze.add_argument("--lang", default="en", choices=("en", "ru"))
    analyze.add_argument(
        "--as", dest="viewer", help="write the briefing from this roster player's side (nickname or id)"
    )
    legacy = sub.add_parser("import-legacy", help="import the JSON storage of the bot this one replaces")
    legacy.add_argument("file", type=Path, help="the old bot's data.json")
    legacy.add_argument("--dry-run", action="store_true", help="validate and count, write nothing")
    dump = sub.add_parser("backup", help="dump DATABASE_URL into FILE (pg_dump, custom format)")
    dump.add_argument("file", type=Path, help="the archive to write, e.g. faceitbot-2026-01-31.dump")
    load = sub.add_parser("restore", help="restore FILE into the empty database at DATABASE_URL")
    load.add_argument("file", type=Path, help="an archive written by `faceitbot backup`")
    args = parser.parse_args(argv)

    if args.command == "analyze":
        raise SystemExit(
            asyncio.run(_analyze(args.match, as_json=args.json, lang=args.lang, viewer=args.viewer))
        )

    try:
        settings = load_settings(require_secrets=args.command == "run")
    except ConfigError as e:
        print(f"faceitbot: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    setup_logging(settings.log_level, settings.log_format, settings.secrets)

    if args.command == "migrate":
        asyncio.run(_migrate(settings))
    elif args.command in ("backup", "restore"):
        raise SystemExit(_backup_or_restore(args.command, settings.database_url, args.file))
    elif args.command == "import-legacy":
        raise SystemExit(asyncio.run(_import_legacy(settings, args.file, dry_run=args.dry_run)))
    else:
        from faceitbot.app import run as run_bot

        asyncio.run(run_bot(settings))


async def _migrate(settings) -> None:
    from loguru import logger

    from faceitbot.store.database import migrated_pool

    async with migrated_pool(settings.database_url, settings.data_dir) as (_, applied):
        logger.info("schema is up to date ({} applied now)", len(applied))


def _backup_or_restore(command: str, database_url: str | None, file: Path) -> int:
    from faceitbot.backup import BackupError, backup, restore

    if not database_url:
        print(f"faceitbot: {command} needs DATABASE_URL (the PostgreSQL to {command})", file=sys.stderr)
        return 2
    try:
        if command == "backup":
            size = backup(database_url, file)
            print(f"backup written: {file} ({size} bytes)")
        else:
            version = asyncio.run(restore(database_url, file))
            print(f"restored {file}: schema version {version}; start the bot (it applies newer migrations)")
    except BackupError as e:
        print(f"faceitbot: {command} did nothing: {e}", file=sys.stderr)
        return 1
    return 0


async def _import_legacy(settings, path: Path, *, dry_run: bool) -> int:
    from datetime import UTC, datetime

    from faceitbot.legacy.importer import Unreadable, import_legacy, read_document

    try:
        document = read_document(path)
    except Unreadable as e:
        print(f"faceitbot: not importing anything, the file is unreadable: {e}", file=sys.stderr)
        return 1
    from faceitbot.store.database import migrated_pool

    async with migrated_pool(settings.database_url, settings.data_dir) as (pool, _):
        try:
            report = await import_legacy(pool, document, datetime.now(UTC), dry_run=dry_run)
        except Unreadable as e:
            print(f"faceitbot: not importing anything: {e}", file=sys.stderr)
            return 1
    print("\n".join(report.lines()))
    return 0


async def _analyze(text: str, *, as_json: bool, lang: str, viewer: str | None = None) -> int:
    import json

    from faceitbot.errors import FaceitBotError
    from faceitbot.faceit.budget import LocalBudget
    from faceitbot.faceit.configured import faceit_client
    from faceitbot.i18n.loader import L10n, load_i18n
    from faceitbot.parsing import match_id
    from faceitbot.render import match as render_match
    from faceitbot.render.errors import for_exception
    from faceitbot.render.match_json import analysis_json
    from faceitbot.services.analysis import analyse_match

    try:
        settings = load_settings(dotenv=Path(".env"), require_secrets=False)
    except ConfigError as e:
        print(f"faceitbot: {e}", file=sys.stderr)
        return 2
    if not settings.faceit_api_key:
        print("faceitbot: FACEIT_API_KEY is not set", file=sys.stderr)
        return 2
    setup_logging("WARNING", settings.log_format, settings.secrets)
    l10n = L10n(load_i18n(), lang)
    faceit = faceit_client(
        settings, budget=LocalBudget(settings.faceit_budget_requests, settings.faceit_budget_window_s)
    )
    try:
        result = await analyse_match(faceit, match_id(text))
    except FaceitBotError as e:
        print(for_exception(e, l10n).text, file=sys.stderr)
        return 1
    finally:
        await faceit.close()
    if as_json:
        print(json.dumps(analysis_json(result), ensure_ascii=False, indent=2))
    else:
        viewer_id = next(
            (
                p.player_id
                for t in result.report.teams
                for p in t.players
                if viewer in (p.player_id, p.nickname)
            ),
            None,
        )
        rendered = render_match.analysis(
            result.report,
            l10n,
            viewer_player_id=viewer_id,
            calls=result.faceit_calls,
            elapsed_ms=result.elapsed_ms,
        )
        print(rendered.text)
    return 0


if __name__ == "__main__":
    main()
