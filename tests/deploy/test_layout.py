"""The layout holds: the simulators sit beside the product, and the product never reaches for them."""

import ast
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "faceitbot"


def imported_modules(path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_the_product_never_imports_the_simulators() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_modules(path) if n.split(".")[0] == "faceitbot_sim"
        )
        for path in PACKAGE.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


# Statements are written in capitals; prose that merely starts with "Drop" or "selected" is not SQL.
SQL = re.compile(
    r"^\s*(SELECT |INSERT INTO|UPDATE \w+ SET|DELETE FROM|WITH \w+ AS|(CREATE|ALTER|DROP) (TABLE|INDEX))"
)


def test_no_sql_outside_the_store() -> None:
    statements = {
        str(path.relative_to(ROOT)): [
            node.value
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value)
        ]
        for path in PACKAGE.rglob("*.py")
        if path.parent != PACKAGE / "store"
    }
    assert {path: found for path, found in statements.items() if found} == {}


def test_the_store_imports_nothing_above_it() -> None:
    # The floors below the store hold plain values (tiers, plans) and nothing that reaches back up.
    allowed = ("faceitbot.store", "faceitbot.tiers", "faceitbot.plans")
    upward = {
        str(path.relative_to(ROOT)): sorted(
            n for n in imported_modules(path) if n.startswith("faceitbot") and not n.startswith(allowed)
        )
        for path in (PACKAGE / "store").rglob("*.py")
    }
    assert {path: names for path, names in upward.items() if names} == {}


def test_the_standalone_simulators_do_not_load_the_bot() -> None:
    # Importing faceitbot patches aiogram; a simulator serving another client must not carry that.
    probe = (
        "import sys, faceitbot_sim.__main__, faceitbot_sim.faceit, faceitbot_sim.telegram, faceitbot_sim.fixtures\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('faceitbot', 'aiogram')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_simulator_command_names_its_subcommands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "faceitbot_sim"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 2
    assert "faceit|telegram|world|demo" in out.stderr


def build_context(into: Path) -> None:
    """What the image's build stage copies (its COPY lines before the second FROM), and nothing else."""
    stage = (ROOT / "Dockerfile").read_text().split("\nFROM ")[1]
    for line in stage.splitlines():
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                path = ROOT / source
                if path.is_dir():
                    shutil.copytree(path, into / source, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy(path, into / source)


def test_the_image_wheel_holds_the_migrations_and_leaves_the_simulators_out(tmp_path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    build_context(context)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(context), "-w", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        timeout=180,
        check=True,
    )
    [wheel] = tmp_path.glob("faceitbot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    migrations = {p.name for p in (ROOT / "sql").glob("*.sql")}
    assert {n.removeprefix("faceitbot/sql/") for n in names if n.startswith("faceitbot/sql/")} >= migrations
    assert "faceitbot/app.py" in names
    assert [n for n in names if "faceitbot_sim" in n or "demo_world" in n or "botapi_methods" in n] == []
