"""Reply latency and throughput through the whole stack.

fake Telegram Bot API → python-telegram-bot → Rasa → action server → database → reply.
Each simulated resident files a report (words, typed address, skip photo, confirm) and then
asks for its status: five messages, each sent when the previous one was answered. Prints the
time from an update being queued at the fake to the bot's first reply arriving there (p50/p95)
and messages per second, for 1 and for 20 residents at once. Residents write again once the
bot has been quiet in their chat for THINK_SECONDS, so messages per second reflects people
chatting, not the stack's capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from cases.store.db import Database
from testkit.stack import start_stack
from testkit.telegram import FakeTelegramServer

THINK_SECONDS = 1.1
MESSAGES = [
    ("text", "there is a big pothole outside number {n} park lane, my bike nearly went in"),
    ("text", "{n} Park Lane, opposite the bakery"),
    ("button", "/deny"),
    ("button", "/affirm"),
    ("text", "what is the status of my requests"),
]


def _keyboard_message(fake: FakeTelegramServer, chat: int, since: int):
    """The newest message with buttons among the chat's messages from index `since` on, or None."""
    with_buttons = [m for m in fake.sent_messages(chat)[since:] if (m.reply_markup or {}).get("inline_keyboard")]
    return with_buttons[-1] if with_buttons else None


async def resident(fake: FakeTelegramServer, chat: int, latencies: list[float]) -> None:
    """One resident's conversation, message after message."""
    turn_start = 0
    for kind, content in MESSAGES:
        if kind == "button":
            # a person presses a button once they see it
            while (keyboard := _keyboard_message(fake, chat, turn_start)) is None:
                await asyncio.sleep(0.01)
        before = len(fake.sent_messages(chat))
        started = time.monotonic()
        if kind == "text":
            fake.push_text(chat, content.format(n=chat % 997))
        else:
            fake.push_callback(chat, content, message_id=keyboard.message_id)
        await fake.wait_for_messages(chat, before + 1, timeout=120)
        latencies.append(time.monotonic() - started)
        turn_start = before
        await _read_whole_answer(fake, chat)


async def _read_whole_answer(fake: FakeTelegramServer, chat: int) -> None:
    """Wait until the bot has been quiet in this chat for THINK_SECONDS: the turn is over and read.

    The bot keeps a second between messages to one chat (Telegram's limit), so writing again
    sooner would measure that pacing instead of the stack; a person reads before writing anyway.
    """
    def sends() -> int:
        return sum(1 for c in fake.calls if str(c.params.get("chat_id")) == str(chat) and c.method != "getFile")

    seen, quiet_since = sends(), time.monotonic()
    while time.monotonic() - quiet_since < THINK_SECONDS:
        await asyncio.sleep(0.05)
        if (now := sends()) != seen:
            seen, quiet_since = now, time.monotonic()


async def run(concurrency: int, rounds: int, stack) -> None:
    """Run `rounds` conversations per resident with `concurrency` residents at once; print figures."""
    async with FakeTelegramServer(token=f"{random.randrange(10**6, 10**7)}:BENCH", enforce_limits=False) as fake:
        settings = stack.settings(telegram_bot_token=fake.token, telegram_api_base_url=fake.base_url,
                                  telegram_file_base_url=fake.base_file_url, media_dir=stack.media_dir)
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url, timeout=120)
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings):
                # warm-up: first messages pay for lazy imports and connections
                await resident(fake, 1, [])
                latencies: list[float] = []
                started = time.monotonic()
                chats = [random.randrange(10**9, 2 * 10**9) for _ in range(concurrency)]
                for _ in range(rounds):
                    await asyncio.gather(*(resident(fake, chat, latencies) for chat in chats))
                elapsed = time.monotonic() - started
        finally:
            await rasa.aclose()
            db.dispose()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"  {concurrency:2d} resident(s): {len(latencies)} messages in {elapsed:.1f} s = "
          f"{len(latencies) / elapsed:.1f} msg/s; first reply p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")


def main() -> None:
    """Start the real stack once, then measure with 1 and with 20 concurrent residents."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4, help="conversations per resident")
    args = parser.parse_args()
    stack = start_stack(Path(tempfile.mkdtemp(prefix="huiyin-latency-")))
    try:
        print("Reply latency through fake Telegram → bot → Rasa → actions → SQLite (2-core machine):")
        asyncio.run(run(1, args.rounds * 5, stack))
        asyncio.run(run(20, args.rounds, stack))
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
