"""`faceitbot backup FILE` and `faceitbot restore FILE`: pg_dump's custom format, written under
a temporary name and renamed when complete, and pg_restore into an empty database in one
transaction, so a failed restore leaves nothing half written. Redis holds only caches, locks and
the FACEIT budget window; everything to keep is in PostgreSQL.

The password never appears on a command line (other users see those in `ps`): it goes to
pg_dump and pg_restore in PGPASSWORD, the URL without it in --dbname.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

from faceitbot.store import backups as store

DUMP_MAGIC = b"PGDMP"  # the first bytes of every pg_dump custom-format archive
# Options asyncpg takes in a DATABASE_URL that libpq would refuse.
_ASYNCPG_ONLY = {"search_path", "server_settings"}


class BackupError(Exception):
    """A clear reason the backup or restore did nothing."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str  # without the password
    env: dict[str, str]
    database: str


def target(database_url: str) -> Target:
    parts = urlsplit(database_url)
    env = dict(os.environ)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
    query = "&".join(q for q in parts.query.split("&") if q and q.split("=", 1)[0] not in _ASYNCPG_ONLY)
    url = urlunsplit((parts.scheme, netloc, parts.path, query, ""))
    return Target(url, env, unquote(parts.path.lstrip("/")) or (parts.username or ""))


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-2000:]}")


def backup(database_url: str, file: Path) -> int:
    """Dumps the database into `file`; returns its size in bytes."""
    t = target(database_url)
    partial = file.with_name(file.name + ".partial")
    try:
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--file={partial}",
                f"--dbname={t.url}",
            ],
            t.env,
        )
        partial.replace(file)
    finally:
        partial.unlink(missing_ok=True)
    return file.stat().st_size


async def restore(database_url: str, file: Path) -> int | None:
    """Restores `file` into the empty database; returns the schema version it carries."""
    try:
        with file.open("rb") as f:
            magic = f.read(len(DUMP_MAGIC))
    except OSError as e:
        raise BackupError(f"cannot read {file}: {e.strerror}") from None
    if magic != DUMP_MAGIC:
        raise BackupError(f"{file} is not a pg_dump custom-format archive (faceitbot backup writes those)")
    t = target(database_url)
    try:
        conn = await asyncpg.connect(database_url)
    except (OSError, asyncpg.PostgresError) as e:
        raise BackupError(f"cannot connect to database {t.database!r}: {e}") from None
    try:
        tables = await store.user_tables(conn)
        if tables:
            shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
            raise BackupError(
                f"database {t.database!r} is not empty ({len(tables)} tables: {shown}); "
                "restore only into an empty database"
            )
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={t.url}",
                str(file),
            ],
            t.env,
        )
        return await store.migrated_to(conn)
    finally:
        await conn.close()
