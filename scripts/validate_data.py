"""`rasa data validate`, strict: any warning fails except responses that only custom actions send.

Rasa 3.6 warns about every response not named in a story or rule, but our actions send many
responses themselves (`dispatcher.utter_message(response=...)`) so that all texts stay in
domain.yml. Such a warning is accepted only if the response's name appears in actions/;
so are `utter_ask_<slot>` (a form asks with it) and `utter_default` (Rasa's fallback action).
Every other warning or error fails the check.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNUSED = re.compile(r"The utterance '(utter_\w+)' is not used in any story or rule")
# Python deprecation notices from Rasa's own dependencies are not about our data.
NOISE = re.compile(r"(DeprecationWarning|MovedIn20Warning|SQLALCHEMY_|pkg_resources)")


def main() -> int:
    """Run the validation and judge its warnings; print what fails."""
    done = subprocess.run(
        [str(ROOT / ".venvs/rasa/bin/rasa"), "data", "validate", "--data", "nlu", "--domain", "domain.yml",
         "--config", "config.yml"],
        cwd=ROOT, capture_output=True, text=True,
    )
    output = done.stdout + done.stderr
    actions_source = "\n".join(p.read_text() for p in (ROOT / "actions").rglob("*.py"))
    slots = set(re.findall(r"^  (\w+):\n    type:", (ROOT / "domain.yml").read_text(), re.M))
    problems = []
    for line in output.splitlines():
        unused = UNUSED.search(line)
        if unused:
            name = unused[1]
            used_by_rasa = name == "utter_default" or name.removeprefix("utter_ask_") in slots
            if not used_by_rasa and f'"{name}"' not in actions_source and f"'{name}'" not in actions_source:
                problems.append(f"response {name} is used by no story, rule or action")
        elif ("Warning" in line or "ERROR" in line) and not NOISE.search(line):
            problems.append(line.strip())
    if done.returncode != 0:
        problems.append(f"rasa data validate exited with {done.returncode}")
    for problem in problems:
        print(f"validate: {problem}")
    print("rasa data validate: clean" if not problems else f"rasa data validate: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
