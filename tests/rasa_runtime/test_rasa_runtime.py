"""What we add to the Rasa process (rasa_runtime), checked in the Rasa environment, where Rasa is installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

from testkit.stack import PROJECT_ROOT, RASA_COMMAND

CHECKS = Path(__file__).with_name("checks.py")


def test_rasa_runtime_checks_pass_inside_the_rasa_environment():
    done = subprocess.run([RASA_COMMAND[0], str(CHECKS)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    passed = [line for line in done.stdout.splitlines() if line.startswith("ok ")]
    assert len(passed) == 7, done.stdout
