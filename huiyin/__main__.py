"""`python -m huiyin init-db`, `create-staff`, `set-status`...: the staff command line (huiyin/cli.py)."""

import sys

from huiyin.cli import main

if __name__ == "__main__":
    sys.exit(main())
