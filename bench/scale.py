"""Scale: web chat throughput with 1, 2 and 3 Rasa replicas behind the channels' consistent hashing.

For each replica count the stack is started afresh (action server, N Rasa replicas, the bot process with
RASA_URL listing them), then N residents file at once through the web chat as in bench.load. On this
2-core machine the replicas share the same two cores: the figures show what routing costs and gains
here, not what more machines would give.

    python -m bench.scale                        # 1, 2, 3 replicas; 100 residents, twice each
    python -m bench.scale --replicas 1 2 --residents 60 --database-url postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
from pathlib import Path

from bench.load import report, start_bot, web_run
from bench.procs import tree_rss_mb
from testkit.stack import start_stack
from testkit.telegram import FakeTelegramServer


def measure(replicas: int, residents: int, rounds: int, database_url: str | None) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"huiyin-scale-{replicas}-"))
    stack = start_stack(workdir, database_url=database_url, rasa_replicas=replicas)
    try:
        with FakeTelegramServer(token=f"{random.randrange(10**6, 10**7)}:SCALE", enforce_limits=False) as fake:
            _, web_url = start_bot(stack, fake, workdir)
            asyncio.run(web_run(web_url, 2, "warm-up"))
            for _ in range(rounds):
                tag = f"s{replicas}-{random.randrange(10**6)}"
                report(f"{replicas} rasa", residents, asyncio.run(web_run(web_url, residents, tag)),
                       stack.database_url, tag)
            rss = sum(tree_rss_mb(proc.pid) for proc in stack.processes)
            print(f"      whole stack {rss / 1024:.2f} GB resident")
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    print(f"Scale: {args.residents} residents at once on the web chat, by Rasa replicas (2-core machine)")
    for replicas in args.replicas:
        measure(replicas, args.residents, args.rounds, args.database_url)


if __name__ == "__main__":
    sys.exit(main())
