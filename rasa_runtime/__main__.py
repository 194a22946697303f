"""`python -m rasa_runtime ARGS...`: Rasa's command line (`rasa ARGS...`) with our adjustments installed.

Run with the Rasa environment's Python, from the project root, e.g.
`.venvs/rasa/bin/python -m rasa_runtime run -m models --endpoints endpoints.yml`.
"""

from __future__ import annotations

import sys

from rasa_runtime import adjust


def main() -> None:
    adjust()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
