"""WeChat load: N residents filing a report at once over the WeChat Official Account channel.

    .venvs/app/bin/python -m bench.wechat [--residents 20]

Starts the stack as bench/load.py does (action server, Rasa with the newest model, SQLite in a temporary
directory), the fake WeChat API (testkit/wechat) and the channel's process (`python -m bot.wechat`, uvicorn on a
free port). Each resident subscribes, describes a pothole at an address of their own, skips the photo and
confirms, picking the numbered choice whose payload is /deny, then /affirm; the description call is made twice at
once with the same MsgId, as WeChat retries a call, and must be handled once.

Prints, per call, the time to WeChat's "success" (WeChat gives up after 5 s) and, per turn, the time from the call
to the turn's last customer-service message; the share of calls answered within 5 s, errors, duplicated
deliveries (a text sent twice to one resident in the fake's log) and cases filed (each resident exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.load import REFERENCE, TURN_TIMEOUT, Run, client_tls, figures
from bench.procs import wait_ready
from bot.wechat import choices
from cases.residents import find_resident
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT, QUIET_HOURS_OFF_ENV, Stack, free_port, start_stack
from testkit.wechat import FakeWeChatServer, WeChatCaller

TOKEN = "huiyin-bench-wechat"
WECHAT_DEADLINE = 5.0  # WeChat retries a call not answered within 5 seconds
HINT = "回复数字选择"  # the last text of an answer with numbered choices
APOLOGY = "抱歉"
DESCRIPTION = "{number}号 测试路 门口有个大坑"  # a house number per resident and run: no nearby offers


def offered(db: Database, openid: str) -> list[choices.Choice]:
    """The numbered choices the channel last offered a resident."""
    with db.transaction() as session:
        resident = find_resident(session, channel="wechat", external_id=openid)
        return choices.loaded(resident.offered_choices if resident else None)


class Resident:
    """One resident's calls: each call's time to "success", each turn's start and first message index."""

    def __init__(self, n: int, number: int, openid: str, wechat: WeChatCaller, fake: FakeWeChatServer, db: Database,
                 run: Run):
        self.n, self.number, self.openid, self.wechat, self.fake, self.db, self.run = (
            n, number, openid, wechat, fake, db, run)
        self.turns: list[tuple[float, int]] = []  # (sent at, index of the turn's first text)

    def texts(self) -> list[str]:
        return self.fake.texts_to(self.openid)

    async def call(self, request: Awaitable[httpx.Response]) -> bool:
        """One call to /wechat: WeChat's answer must be "success"."""
        started = time.monotonic()
        try:
            answer = await request
        except httpx.HTTPError as exc:
            self.run.errors.append(f"resident {self.n}: {type(exc).__name__}")
            return False
        self.run.first.append(time.monotonic() - started)
        if (answer.status_code, answer.text) != (200, "success"):
            self.run.errors.append(f"resident {self.n}: HTTP {answer.status_code} {answer.text[:80]}")
            return False
        return True

    async def turn(self, done: Callable[[str], bool], *requests: Awaitable[httpx.Response]) -> bool:
        """Make the calls at once (several: one call repeated), wait for the text that ends the turn."""
        since = len(self.texts())
        self.turns.append((time.monotonic(), since))
        if not all(await asyncio.gather(*(self.call(r) for r in requests))):
            return False
        deadline = time.monotonic() + TURN_TIMEOUT
        while time.monotonic() < deadline:
            said = self.texts()[since:]
            if any(APOLOGY in t for t in said):
                self.run.errors.append(f"resident {self.n}: {' | '.join(said)[:160]}")
                return False
            if any(done(t) for t in said):
                return True
            await asyncio.sleep(0.02)
        self.run.errors.append(f"resident {self.n}: no answer in {TURN_TIMEOUT:.0f} s: {self.texts()[since:]}")
        return False

    async def pick(self, payload: str) -> str | None:
        """The number of the offered choice with this payload (None, an error noted, if not offered)."""
        offers = await asyncio.to_thread(offered, self.db, self.openid)
        payloads = [p for _, p in offers]
        if payload not in payloads:
            self.run.errors.append(f"resident {self.n}: {payload} not offered: {self.texts()[-1][:160]}")
            return None
        return str(payloads.index(payload) + 1)

    async def file(self) -> None:
        """Subscribe, describe (the call sent twice with one MsgId), skip the photo, confirm."""
        if not await self.turn(lambda t: t.startswith("您好"), self.wechat.event(self.openid, "subscribe")):
            return
        xml = self.wechat.text_xml(self.openid, DESCRIPTION.format(number=self.number))
        if not await self.turn(lambda t: HINT in t, self.wechat.post_xml(xml), self.wechat.post_xml(xml)):
            return
        for payload, done in [("/deny", lambda t: HINT in t), ("/affirm", lambda t: bool(REFERENCE.search(t)))]:
            number = await self.pick(payload)
            if number is None or not await self.turn(done, self.wechat.text(self.openid, number)):
                return

    def time_turns(self) -> None:
        """Each turn's last text: the last one before the next turn's calls (after the last turn: any)."""
        sent = self.fake.sent
        mine = [s for s in sent if s.touser == self.openid]
        for i, (started, first) in enumerate(self.turns):
            next_started = self.turns[i + 1][0] if i + 1 < len(self.turns) else float("inf")
            own = [s for s in mine[first:] if s.at < next_started]
            if own:
                self.run.last.append(own[-1].at - started)


def filed(db: Database, openids: list[str]) -> Counter[str]:
    """Cases filed per resident (OpenID) of this run."""
    with db.transaction() as session:
        rows = session.execute(text("SELECT r.external_id FROM cases c JOIN residents r ON r.id = c.resident_id "
                                    "WHERE r.channel = 'wechat'")).scalars().all()
    wanted = set(openids)
    return Counter(openid for openid in rows if openid in wanted)


async def wechat_run(base_url: str, fake: FakeWeChatServer, db: Database, residents: int, tag: str, first: int,
                     report: bool = True) -> None:
    """N residents filing at once; prints the figures."""
    run = Run()
    async with httpx.AsyncClient(base_url=base_url, timeout=TURN_TIMEOUT, verify=client_tls(),
                                 limits=httpx.Limits(max_connections=4 * residents + 10)) as client:
        wechat = WeChatCaller(client, token=TOKEN, app_id=fake.app_id)
        people = [Resident(n, first + n, f"o{tag}{n:04d}".ljust(28, "x")[:28], wechat, fake, db, run)
                  for n in range(1, residents + 1)]
        run.started = time.monotonic()
        await asyncio.gather(*(person.file() for person in people))
        run.ended = time.monotonic()
    await asyncio.sleep(1.5)  # trailing texts of the last turns (and any second delivery) still count
    for person in people:
        person.time_turns()
    if not report:
        return
    calls, within = len(run.first), sum(t < WECHAT_DEADLINE for t in run.first)
    duplicated = sum(count - 1 for person in people for count in Counter(person.texts()).values() if count > 1)
    per_resident = await asyncio.to_thread(filed, db, [person.openid for person in people])
    once = sum(per_resident[person.openid] == 1 for person in people)
    extra = sum(max(0, count - 1) for count in per_resident.values())
    print(f"  wechat {residents:4d} residents: {calls} calls, {len(run.last)} turns in "
          f"{run.ended - run.started:.1f} s ({residents} duplicated MsgIds sent)", flush=True)
    print(f"    {figures('call to success:', run.first)}; within {WECHAT_DEADLINE:g} s: {within}/{calls} "
          f"({100 * within / max(calls, 1):.0f}%)")
    print(f"    {figures('call to last message:', run.last)}")
    print(f"    errors {len(run.errors)}; duplicated deliveries {duplicated}; "
          f"filed exactly once {once}/{residents}, cases beyond one per resident {extra}")
    for error in run.errors[:5]:
        print(f"      {error}")


def start_channel(stack: Stack, fake: FakeWeChatServer, workdir: Path) -> str:
    """The channel's process as the Procfile starts it (`python -m bot.wechat`), on the fake API; its URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": stack.database_url,
           "VAR_DIR": str(stack.var_dir), "MEDIA_DIR": str(stack.media_dir), "RASA_URL": ",".join(stack.rasa_urls),
           "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": fake.app_id, "WECHAT_APP_SECRET": fake.secret,
           "WECHAT_API_BASE": fake.base_url, "WECHAT_HOST": "127.0.0.1", "WECHAT_PORT": str(port),
           "TELEGRAM_BOT_TOKEN": "", **QUIET_HOURS_OFF_ENV}
    channel = subprocess.Popen([str(APP_PYTHON), "-m", "bot.wechat"], cwd=PROJECT_ROOT, env=env,
                               stdout=(workdir / "wechat.log").open("w"), stderr=subprocess.STDOUT)
    stack.processes.append(channel)
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/healthz", channel)
    return url


async def measure(args: argparse.Namespace, stack: Stack, workdir: Path) -> None:
    db = Database(stack.database_url)
    try:
        async with FakeWeChatServer() as fake:
            url = await asyncio.to_thread(start_channel, stack, fake, workdir)
            print(f"WeChat load: residents filing at once (4 turns, 5 calls each) on "
                  f"{stack.database_url.split(':')[0]}, channel log {workdir / 'wechat.log'}")
            await wechat_run(url, fake, db, 1, "warm", 900, report=False)
            for i, residents in enumerate(args.residents):
                await wechat_run(url, fake, db, residents, f"r{i}x{random.randrange(10**6)}", 1000 * (i + 1))
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, nargs="+", default=[20], help="residents at once, one run each")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="huiyin-wechat-"))
    stack = start_stack(workdir)
    try:
        asyncio.run(measure(args, stack, workdir))
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
