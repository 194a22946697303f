"""Restart: Rasa killed with -9 while residents are halfway through their reports; how many carry on.

N residents file through the web chat (a message with the address, Skip photo, Confirm), reading each
answer for --think seconds. Once a third of the turns are done, Rasa replica 0 is killed with SIGKILL and
started again. A resident who gets the apology sends the same thing again a little later, as a person
would. A conversation carried on if every answer after the restart was the next step of the same report
(not a conversation started afresh), and its report was filed exactly once.

    python -m bench.restart                      # 60 residents, one Rasa
    python -m bench.restart --replicas 2         # two replicas, one killed: the other's residents see nothing
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench.load import TURN_TIMEOUT, client_tls, filed_once, next_step, start_bot, web_turns
from bot import texts
from bot.rasa_client import replica_for
from bot.webchat.sessions import COOKIE
from testkit.stack import Stack, start_stack
from testkit.telegram import FakeTelegramServer

APOLOGY = texts.text("unavailable")
RETRY_SECONDS = 4.0  # a person sends it again after a few seconds (and stays under the web chat's limits)


@dataclass
class Outcome:
    turns_done: int = 0
    interrupted: set[int] = field(default_factory=set)  # residents who got the apology at least once
    lost: dict[int, str] = field(default_factory=dict)  # resident: what they got instead of the next step
    on_killed_replica: set[int] = field(default_factory=set)


async def resident(base_url: str, n: int, tag: str, think: float, outcome: Outcome, replicas: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=TURN_TIMEOUT, verify=client_tls()) as client:
        await client.get("/")
        if replica_for(f"web:{client.cookies[COOKIE].split('.')[0]}", replicas) == replicas[0]:
            outcome.on_killed_replica.add(n)
        await asyncio.sleep(random.uniform(0, think))
        for body, wanted in web_turns(n, tag):
            deadline = time.monotonic() + TURN_TIMEOUT
            while True:
                replies = (await client.post("/api/messages", json=body)).json().get("replies", [])
                said = " | ".join(str(r.get("text")) for r in replies)
                if said != APOLOGY or time.monotonic() > deadline:
                    break
                outcome.interrupted.add(n)
                await asyncio.sleep(RETRY_SECONDS)  # Rasa is down: the resident tries again a little later
            if not next_step(replies, wanted):
                outcome.lost[n] = said[:160]
                return
            outcome.turns_done += 1
            await asyncio.sleep(think)


async def kill_when(stack: Stack, outcome: Outcome, after_turns: int) -> float:
    """Kill replica 0 with SIGKILL once `after_turns` turns are done, start it again; seconds it was down."""
    while outcome.turns_done < after_turns:
        await asyncio.sleep(0.05)
    stopped = time.monotonic()
    stack.kill_rasa(0)
    await asyncio.to_thread(stack.start_rasa, 0)
    return time.monotonic() - stopped


async def run(stack: Stack, web_url: str, residents: int, think: float) -> None:
    outcome, tag = Outcome(), f"r{random.randrange(10**6)}"
    killer = asyncio.create_task(kill_when(stack, outcome, residents))  # a third of 3 turns each
    await asyncio.gather(*(resident(web_url, n, tag, think, outcome, stack.rasa_urls)
                           for n in range(1, residents + 1)))
    down = await killer
    filed, duplicates = filed_once(stack.database_url, tag, residents)
    print(f"  {residents} residents, {len(stack.rasa_urls)} Rasa replica(s), replica 0 killed (-9) and back in "
          f"{down:.1f} s: {len(outcome.on_killed_replica)} on it, {len(outcome.interrupted)} got the apology, "
          f"{residents - len(outcome.lost)} carried on, {len(outcome.lost)} lost; "
          f"filed {filed}/{residents}, duplicates {duplicates}", flush=True)
    for n, said in list(outcome.lost.items())[:5]:
        print(f"      resident {n}: {said}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=60)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--think", type=float, default=1.0, help="seconds a resident reads each answer")
    parser.add_argument("--database-url", help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="huiyin-restart-"))
    stack = start_stack(workdir, database_url=args.database_url, rasa_replicas=args.replicas)
    try:
        with FakeTelegramServer(token=f"{random.randrange(10**6, 10**7)}:RESTART", enforce_limits=False) as fake:
            _, web_url = start_bot(stack, fake, workdir)
            print("Restart: Rasa killed with -9 under load (web chat, 2-core machine)")
            asyncio.run(run(stack, web_url, args.residents, args.think))
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
