"""Load: N residents filing a report at once, through the web chat or Telegram, as fast as the stack answers.

Each resident files a pothole in three turns (a message with the address, Skip photo, Confirm). On the web
chat they press each button as soon as it appears (the stack's capacity), or after --web-think seconds of
reading (what residents feel); on Telegram they read each answer
for --think seconds first, since Telegram's own limits (30 messages a second per bot, one a second per chat
after a short burst) would otherwise be what is measured. Prints, per run: turns per second, p50/p95/max
per turn (on Telegram the time to a turn's first and to its last message), errors (apologies, refusals,
failed requests), and how many cases were filed: each resident's report must be filed exactly once.

    python -m bench.load                          # 1, 20, 60, 100 residents on the web chat, 1 and 20 on Telegram
    python -m bench.load --residents 500 --path web
    python -m bench.load --residents 20 100 --path web --web-think 3   # residents who read each answer
    python -m bench.load --web-url http://127.0.0.1:8000 --database-url postgresql://...   # a running stack

Without --web-url the benchmark starts its own stack as `make run` does (action server, Rasa, bot process
with the web chat and Telegram on the fake Bot API server), on SQLite in a temporary directory, or on
--database-url. Each resident reports at a house number no other resident of the invocation used (a pothole
where one is already open gets "someone already reported this" instead of the form): against a running stack,
give each invocation a fresh database.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import os
import random
import re
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from bench.procs import wait_ready
from cases.store.db import make_engine
from testkit.stack import APP_PYTHON, PROJECT_ROOT, Stack, free_port, start_stack
from testkit.telegram import FakeTelegramServer

REFERENCE = re.compile(r"\b[A-Z]{1,6}-\d{4,}-\d+\b")
FIRST = "there is a big pothole outside {number} Park Lane, opposite the bakery (load test {tag})"
# Every resident of every run (the warm-up too) reports at a house number of their own: a pothole at an address
# with an open pothole case gets "someone already reported this" instead of the form (cases/nearby.py).
_HOUSE_NUMBERS = itertools.count(1)
_HOUSES: dict[tuple[str, int], int] = {}


@functools.lru_cache(maxsize=1)
def client_tls() -> ssl.SSLContext:
    """One TLS context for every simulated resident's client. httpx builds one per client otherwise (loading the
    system's certificates): three quarters of the benchmark's own CPU in a profile, on the cores the stack uses."""
    return ssl.create_default_context()


def first_message(n: int, tag: str) -> str:
    """Resident n's report, at a house no other resident of this benchmark reported."""
    number = _HOUSES.setdefault((tag, n), next(_HOUSE_NUMBERS))
    return FIRST.format(number=number, tag=tag)
TURN_TIMEOUT = 120.0


@dataclass
class Run:
    """What one run measured."""

    first: list[float] = field(default_factory=list)  # per turn: seconds to the (first) answer
    last: list[float] = field(default_factory=list)  # per turn, Telegram only: seconds to the turn's last message
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    ended: float = 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share + 0.5) - 1)] if ordered else float("nan")


def figures(label: str, values: list[float]) -> str:
    if not values:
        return f"{label} -"
    return (f"{label} p50 {statistics.median(values) * 1000:.0f} ms, p95 {percentile(values, 0.95) * 1000:.0f} ms, "
            f"max {max(values) * 1000:.0f} ms")


# ---- the web chat -----------------------------------------------------------------------------------------------


def web_turns(n: int, tag: str) -> list[tuple[dict, str | None]]:
    """Resident n's three turns: what they send, and the button the answer must offer (None: the reference)."""
    return [({"text": first_message(n, tag)}, "/deny"), ({"payload": "/deny"}, "/affirm"),
            ({"payload": "/affirm"}, None)]


def next_step(replies: list[dict], wanted: str | None) -> bool:
    """Whether the answer is the report's next step: the wanted button, or the filed case's reference."""
    if wanted is None:
        return bool(REFERENCE.search(" | ".join(str(r.get("text")) for r in replies)))
    return wanted in {b.get("payload") for r in replies for b in r.get("buttons") or []}


async def web_resident(base_url: str, n: int, tag: str, run: Run, think: float) -> None:
    """One resident filing through the web chat: open the page, then three turns, reading each answer for
    `think` seconds (0: pressing the next button as soon as it appears)."""
    async with httpx.AsyncClient(base_url=base_url, timeout=TURN_TIMEOUT, verify=client_tls()) as client:
        await client.get("/")
        await asyncio.sleep(random.uniform(0, think))
        for turn, (body, wanted) in enumerate(web_turns(n, tag)):
            if turn and think:
                await asyncio.sleep(think)
            started = time.monotonic()
            try:
                response = await client.post("/api/messages", json=body)
            except httpx.HTTPError as exc:
                run.errors.append(f"resident {n}: {type(exc).__name__}")
                return
            run.first.append(time.monotonic() - started)
            replies = response.json().get("replies", []) if response.status_code == 200 else []
            said = " | ".join(str(r.get("text")) for r in replies)
            if response.status_code != 200:
                run.errors.append(f"resident {n}: HTTP {response.status_code} {said[:120]}")
                return
            if not next_step(replies, wanted):
                run.errors.append(f"resident {n}: not the next step after {body}: {said[:160]}")
                return


async def web_run(base_url: str, residents: int, tag: str, think: float = 0.0) -> Run:
    run = Run(started=time.monotonic())
    await asyncio.gather(*(web_resident(base_url, n, tag, run, think) for n in range(1, residents + 1)))
    run.ended = time.monotonic()
    return run


# ---- Telegram ---------------------------------------------------------------------------------------------------


async def _wait_for(fake: FakeTelegramServer, chat: int, since: int, done) -> int:
    """Wait until a message from index `since` on satisfies `done`; its index."""
    deadline = time.monotonic() + TURN_TIMEOUT
    while time.monotonic() < deadline:
        for i, message in enumerate(fake.sent_messages(chat)[since:], start=since):
            if done(message):
                return i
        await asyncio.sleep(0.01)
    raise TimeoutError(f"chat {chat}: no answer in {TURN_TIMEOUT:.0f} s")


def _has_button(payload: str):
    return lambda m: any(b.get("callback_data") == payload
                         for row in (m.reply_markup or {}).get("inline_keyboard", []) for b in row)


def _has_reference(message) -> bool:
    return bool(REFERENCE.search(message.text or ""))


async def telegram_resident(fake: FakeTelegramServer, chat: int, n: int, tag: str, run: Run,
                            think: float) -> list[tuple]:
    """One resident filing on Telegram; (sent at, first index, done index) per turn, for timing afterwards.

    Residents start at random moments within one `think` and read each answer for `think` seconds before
    pressing the next button: Telegram's limits (30 messages a second per bot, about one a second per chat)
    would otherwise measure themselves rather than the stack.
    """
    turns: list[tuple] = []
    seen, keyboard_id = 0, None
    await asyncio.sleep(random.uniform(0, think))
    for kind, content, done in [("text", first_message(n, tag), _has_button("/deny")),
                                ("button", "/deny", _has_button("/affirm")), ("button", "/affirm", _has_reference)]:
        if turns:
            await asyncio.sleep(think)
        sent_at = time.monotonic()
        if kind == "text":
            fake.push_text(chat, content)
        else:
            fake.push_callback(chat, content, message_id=keyboard_id)
        try:
            index = await _wait_for(fake, chat, seen, done)
        except TimeoutError as exc:
            run.errors.append(str(exc))
            return turns
        turns.append((sent_at, seen, index))
        keyboard_id, seen = fake.sent_messages(chat)[index].message_id, index + 1
    return turns


def _time_turns(fake: FakeTelegramServer, chat: int, turns: list[tuple], run: Run) -> None:
    """First and last message of each turn: the last is the one before the next turn was sent."""
    messages = fake.sent_messages(chat)
    for i, (sent_at, first, _) in enumerate(turns):
        next_sent = turns[i + 1][0] if i + 1 < len(turns) else float("inf")
        own = [m for m in messages[first:] if m.time < next_sent]
        if own:
            run.first.append(own[0].time - sent_at)
            run.last.append(own[-1].time - sent_at)
        replies = " | ".join(m.text or "" for m in own)
        if "sorry" in replies.lower():
            run.errors.append(f"chat {chat}: {replies[:160]}")


async def telegram_run(fake: FakeTelegramServer, residents: int, tag: str, think: float) -> Run:
    run = Run(started=time.monotonic())
    chats = [random.randrange(10**9, 2 * 10**9) for _ in range(residents)]
    timings = await asyncio.gather(*(telegram_resident(fake, chat, n, tag, run, think)
                                     for n, chat in enumerate(chats, start=1)))
    run.ended = time.monotonic()
    await asyncio.sleep(1.5)  # trailing messages of the last turns (after the reference) still count as theirs
    for chat, turns in zip(chats, timings, strict=True):
        _time_turns(fake, chat, turns, run)
    return run


# ---- the stack and the report -----------------------------------------------------------------------------------


def filed_once(database_url: str, tag: str, residents: int) -> tuple[int, int]:
    """(residents whose report was filed, cases beyond one per resident) for this run's tag."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT description FROM cases WHERE description LIKE :tag"),
                                      {"tag": f"%(load test {tag})%"}).scalars().all()
    finally:
        engine.dispose()
    per_resident: dict[str, int] = {}
    for description in rows:
        if match := re.search(r"outside (\d+) Park Lane", description):
            per_resident[match.group(1)] = per_resident.get(match.group(1), 0) + 1
    return len(per_resident), sum(count - 1 for count in per_resident.values())


def report(path: str, residents: int, run: Run, database_url: str, tag: str, violations: int | None = None) -> None:
    turns = len(run.first)
    elapsed = run.ended - run.started
    filed, duplicates = filed_once(database_url, tag, residents)
    line = (f"  {path:8s} {residents:4d} residents: {turns} turns in {elapsed:.1f} s = {turns / elapsed:.1f} turns/s; "
            f"{figures('first' if run.last else 'turn', run.first)}")
    if run.last:
        line += f"; {figures('last', run.last)}"
    line += f"; errors {len(run.errors)}; filed {filed}/{residents}, duplicates {duplicates}"
    if violations is not None:
        line += f"; rate-limit violations {violations}"
    print(line, flush=True)
    for error in run.errors[:5]:
        print(f"      {error}")


def start_bot(stack: Stack, fake: FakeTelegramServer, workdir: Path) -> tuple[subprocess.Popen, str]:
    """The bot process (web chat and Telegram) as the Procfile starts it; its web chat URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "DATABASE_URL": stack.database_url,
           "VAR_DIR": str(stack.var_dir), "MEDIA_DIR": str(stack.media_dir), "RASA_URL": ",".join(stack.rasa_urls),
           "WEB_PORT": str(port), "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "TELEGRAM_FILE_BASE_URL": fake.base_file_url, "QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00",
           # one address (this machine) plays every resident
           "WEB_MESSAGES_PER_MINUTE_PER_ADDRESS": "1000000"}
    log = (workdir / "bot.log").open("w")
    bot = subprocess.Popen([str(APP_PYTHON), "-m", "bot"], cwd=PROJECT_ROOT, env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    stack.processes.append(bot)
    url = f"http://127.0.0.1:{port}"
    wait_ready(f"{url}/healthz", bot)
    return bot, url


def own_stack(args: argparse.Namespace) -> None:
    """Start the stack with the fake Telegram server (in its own thread), measure, stop."""
    workdir = Path(tempfile.mkdtemp(prefix="huiyin-load-"))
    stack = start_stack(workdir, database_url=args.database_url)
    try:
        with FakeTelegramServer(token=f"{random.randrange(10**6, 10**7)}:LOAD", enforce_limits=False) as fake:
            _, web_url = start_bot(stack, fake, workdir)
            asyncio.run(measure(args, web_url, stack.database_url, fake))
    finally:
        stack.stop()


async def measure(args: argparse.Namespace, web_url: str, database_url: str,
                  fake: FakeTelegramServer | None) -> None:
    print(f"Load: residents filing at once (3 turns each) on {database_url.split(':')[0]}, 2-core machine")
    await web_run(web_url, 2, "warm-up")
    for residents in args.residents:
        if args.path in ("web", "both"):
            tag = f"w{residents}-{random.randrange(10**6)}"
            path = f"web{f' (think {args.web_think:g} s)' if args.web_think else ''}"
            report(path, residents, await web_run(web_url, residents, tag, args.web_think), database_url, tag)
    if fake is not None and args.path in ("telegram", "both"):
        for residents in args.telegram_residents:
            tag = f"t{residents}-{random.randrange(10**6)}"
            before = len(fake.violations)
            run = await telegram_run(fake, residents, tag, args.think)
            violations = fake.violations[before:]
            report("telegram", residents, run, database_url, tag, violations=len(violations))
            for reason in sorted({v.reason for v in violations}):
                print(f"      {sum(v.reason == reason for v in violations)} x {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, nargs="+", default=[1, 20, 60, 100],
                        help="residents at once on the web chat, one run each")
    parser.add_argument("--telegram-residents", type=int, nargs="+", default=[1, 20],
                        help="residents at once on Telegram, one run each")
    parser.add_argument("--think", type=float, default=2.0,
                        help="Telegram: seconds a resident reads an answer before pressing (and spread of starts)")
    parser.add_argument("--web-think", type=float, default=0.0,
                        help="web chat: seconds a resident reads an answer before pressing (and spread of starts); "
                             "0 (default): as fast as the stack answers, the stack's capacity")
    parser.add_argument("--path", choices=["web", "telegram", "both"], default="both")
    parser.add_argument("--database-url", help="the database for the benchmark's own stack (default: SQLite)")
    parser.add_argument("--web-url", help="drive this running web chat instead of starting a stack "
                                          "(needs --database-url to count the cases; web chat only)")
    args = parser.parse_args()
    if args.web_url:
        if not args.database_url:
            parser.error("--web-url needs --database-url")
        asyncio.run(measure(args, args.web_url, args.database_url, None))
    else:
        own_stack(args)


if __name__ == "__main__":
    sys.exit(main())
