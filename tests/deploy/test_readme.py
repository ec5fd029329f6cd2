"""The README's quick start stays two commands, and CI runs the second one verbatim."""

import re

from tests.conftest import ROOT


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# faceitbot\n\n## Quick start\n")
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", text, re.S)
    assert block
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_is_two_commands() -> None:
    install_and_demo, install_and_test = quick_start()
    assert install_and_demo.endswith("run.py --demo")
    assert install_and_test.endswith("-m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start()[1] in ci
