"""The layout holds: the simulators sit beside the product, and the product never reaches for them."""

import ast
import subprocess
import sys

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
