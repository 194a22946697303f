"""Push throughput: notifications queued through the domain, delivered to a fake Telegram that enforces its limits.

    .venvs/app/bin/python -m bench.push_throughput [--messages 10000] [--chats 2000] [--database-url URL]

Each chat is a resident with one case that staff move back and forth, one push per move, queued
in rounds (every chat's first update, then every chat's second...). The fake Bot API answers 429
to any send over 30 a second overall or 1 a second per chat. Prints the delivery time, messages per
second, limit violations, lost, duplicated and out-of-order messages, and failed rows.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select, text

from bot.delivery.push import PushLimiter, deliver_due, push_bot
from cases import lifecycle, outbox
from cases.models import Case, Notification
from cases.residents import get_or_create_resident
from cases.store.db import Database
from huiyin import bootstrap
from huiyin.settings import Settings
from testkit.telegram import TOKEN, FakeTelegramServer

FIRST_CHAT = 100_000
CHUNK = 500  # cases per transaction while queuing
# Measure delivery, not the night: with quiet hours on, a run in the evening would queue everything for morning.
QUIET_HOURS_OFF = dict(quiet_hours_start="00:00", quiet_hours_end="00:00")


def queue_pushes(db: Database, *, messages: int, chats: int) -> dict[int, list[str]]:
    """Queue `messages` status pushes over `chats` chats through the service; the texts per chat, in order."""
    counts = [messages // chats + (n < messages % chats) for n in range(chats)]
    settings = Settings(_env_file=None, **QUIET_HOURS_OFF)
    city = dict(timezone=settings.timezone, quiet_hours=bootstrap.quiet_hours(settings))
    case_ids: list[int] = []
    for start in range(0, chats, CHUNK):
        with db.transaction() as s:
            for n in range(start, min(chats, start + CHUNK)):
                resident = get_or_create_resident(s, channel="telegram", external_id=str(FIRST_CHAT + n))
                case_ids.append(lifecycle.open_case(s, resident=resident, request_type="pothole",
                                                  description="a hole", address=f"{n} Park Lane",
                                                  reference_prefix=settings.reference_prefix).id)
    for round_ in range(max(counts)):
        for start in range(0, chats, CHUNK):
            with db.transaction() as s:
                for n in range(start, min(chats, start + CHUNK)):
                    if counts[n] > round_:
                        case = s.get(Case, case_ids[n])
                        lifecycle.change_status(s, case=case, to_status="resolved" if round_ % 2 else "in_progress",
                                              actor="staff", public_note=f"update {round_ + 1}", **city)
    texts: dict[int, list[str]] = {}
    with db.transaction() as s:
        for row in s.scalars(select(Notification).order_by(Notification.id)):
            texts.setdefault(int(row.chat_id), []).append(row.text)
    return texts


async def deliver(db: Database, settings: Settings, expected: int) -> tuple[float, list]:
    """Run sweeps until every row is sent or failed; the wall time and each sweep's stats."""
    limiter, sweeps = PushLimiter.from_settings(settings), []
    async with push_bot(settings) as bot:
        started = time.monotonic()
        while True:
            sweeps.append(await deliver_due(db=db, bot=bot, limiter=limiter, settings=settings, max_seconds=3600))
            with db.transaction() as s:
                counts = outbox.counts_by_status(s)
            if counts.get("sent", 0) + counts.get("failed", 0) >= expected or time.monotonic() - started > 3 * 3600:
                return time.monotonic() - started, sweeps
            await asyncio.sleep(0.5)  # a row handed back after a RetryAfter is due again shortly


def fresh_database(url: str | None, work: Path) -> tuple[Database, Callable[[], None]]:
    """A fresh SQLite file, or a throwaway schema on the PostgreSQL server at `url`; and how to drop it."""
    if not url:
        db = Database(f"sqlite:///{work / 'bench.db'}")
        db.create_tables()
        return db, db.dispose
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = Database(url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    db.create_tables()

    def drop() -> None:
        db.dispose()
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return db, drop


def main() -> None:
    """Queue, deliver, print the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.push_throughput", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--database-url",
                        help="PostgreSQL URL (a throwaway schema is used); default: a fresh SQLite file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="huiyin-push-"))
    db, drop = fresh_database(args.database_url, work)
    try:
        started = time.monotonic()
        expected = queue_pushes(db, messages=args.messages, chats=args.chats)
        if db.engine.dialect.name == "postgresql":
            # A live database's autovacuum keeps planner statistics; a table filled in bulk a moment
            # ago (or a server with autovacuum off) has none, and the claim query plans badly.
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        print(f"queued {args.messages} pushes to {args.chats} chats on {db.engine.dialect.name} "
              f"in {time.monotonic() - started:.1f} s")
        with FakeTelegramServer(enforce_limits=True) as fake:
            settings = Settings(_env_file=None, **QUIET_HOURS_OFF, telegram_bot_token=TOKEN,
                                telegram_api_base_url=fake.base_url, telegram_file_base_url=fake.base_file_url)
            elapsed, sweeps = asyncio.run(deliver(db, settings, args.messages))
            received: dict[int, list[str]] = {}
            for message in fake.sent_messages():
                received.setdefault(message.chat_id, []).append(message.text)
            violations, duplicates = fake.violations, fake.duplicates()
        with db.transaction() as s:
            counts = outbox.counts_by_status(s)
    finally:
        drop()
        shutil.rmtree(work, ignore_errors=True)
    queued = {(chat, t) for chat, texts in expected.items() for t in texts}
    got = {(chat, t) for chat, texts in received.items() for t in texts}
    delivered = sum(map(len, received.values()))
    print(f"delivered {delivered} in {elapsed:.1f} s: {delivered / elapsed:.1f} messages/s "
          f"(sweeps: {len(sweeps)}, RetryAfter answers: {sum(s.rate_limited for s in sweeps)})")
    print(f"limit violations: {len(violations)}")
    print(f"lost: {len(queued - got)}")
    print(f"duplicated: {len(duplicates)}")
    disordered = sum(received[chat] != texts for chat, texts in expected.items() if chat in received)
    print(f"out of order chats: {disordered}")
    print(f"failed rows: {counts.get('failed', 0)}  (outbox: {counts})")


if __name__ == "__main__":
    main()
