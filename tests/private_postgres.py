"""A throwaway PostgreSQL cluster of the test's own, on a free port, that a test may stop and
start at will (the shared cluster on 5432 is never restarted). initdb refuses to run as root,
so as root the cluster belongs to the `postgres` system user."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import tempfile
from pathlib import Path

from tests.replicas import free_port


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PrivatePostgres:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        self._bin = bin_dir
        self.port = free_port()
        # Outside pytest's tmp dirs: those are private to root and the cluster's owner must enter.
        self._root = Path(tempfile.mkdtemp(prefix="fbpg-"))
        self._data = self._root / "data"
        self._as_postgres = os.geteuid() == 0

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    async def _run(self, *args: str) -> None:
        cmd = [str(self._bin / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        out, _ = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {out.decode(errors='replace')[-2000:]}")

    async def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self._root, "postgres", "postgres")
        await self._run(
            "initdb", "-D", str(self._data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"
        )
        await self.start()

    async def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self._root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        await self._run(
            "pg_ctl",
            "-D",
            str(self._data),
            "-l",
            str(self._root / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        )

    async def stop(self) -> None:
        """A fast shutdown, as a restart does: open sessions are cut off."""
        await self._run("pg_ctl", "-D", str(self._data), "-m", "fast", "-w", "stop")

    async def destroy(self) -> None:
        try:
            await self.stop()
        except RuntimeError:
            pass  # already stopped
        shutil.rmtree(self._root, ignore_errors=True)
