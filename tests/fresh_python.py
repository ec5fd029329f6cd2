"""Running a snippet in a fresh interpreter, for checks of what happens when faceitbot is
imported before aiogram (the test process itself has long imported both)."""

import subprocess
import sys
import textwrap


def run_python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
