"""Live chat latency: an agent's reply typed in the console until it reaches the resident's Telegram chat.

    .venvs/app/bin/python -m bench.handoff_latency [--replies 30] [--chats 5]

Starts the real console (`python -m web`) and scheduler (`python -m jobs`, default PUSH_INTERVAL_SECONDS)
on a fresh SQLite database, with a fake Telegram Bot API server. An agent logs in over HTTP, takes
one handed-over conversation per chat and sends replies round-robin (each chat at most once a second,
as Telegram allows); the time from sending the reply to the fake server receiving sendMessage is
measured. Prints p50, p95 and max.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.procs import wait_ready
from cases.handoff.handoff import request_handoff
from cases.residents import get_or_create_resident
from cases.staff.accounts import create_staff
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT, free_port
from testkit.telegram import TOKEN, FakeTelegramServer

PASSWORD = "bench-password-123"
FIRST_CHAT = 700_000


def _csrf(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def prepare(db: Database, chats: int) -> list[int]:
    """An agent account and one waiting conversation per chat; the conversations' ids."""
    with db.transaction() as s:
        create_staff(s, username="bench", password=PASSWORD, role="agent", display_name="Bench Agent")
        return [request_handoff(s, resident=get_or_create_resident(s, channel="telegram",
                                                                   external_id=str(FIRST_CHAT + n))).id
                for n in range(chats)]


def main() -> None:
    """Start the console and the scheduler, send replies, print the latency figures."""
    parser = argparse.ArgumentParser(prog="python -m bench.handoff_latency", description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=30)
    parser.add_argument("--chats", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="huiyin-handoff-"))
    url = f"sqlite:///{work / 'bench.db'}"
    db = Database(url)
    db.create_tables()
    handoffs = prepare(db, args.chats)
    port = free_port()
    with FakeTelegramServer(enforce_limits=True) as fake:
        env = {**os.environ, "DATABASE_URL": url, "MEDIA_DIR": str(work / "media"), "VAR_DIR": str(work / "var"),
               "CONSOLE_PORT": str(port),
               "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
               "TELEGRAM_FILE_BASE_URL": fake.base_file_url}
        logs = [(work / f"{name}.log").open("w") for name in ("web", "jobs")]
        procs = [subprocess.Popen([str(APP_PYTHON), "-m", name], env=env, cwd=PROJECT_ROOT, stdout=log,
                                  stderr=subprocess.STDOUT) for name, log in zip(("web", "jobs"), logs, strict=True)]
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(f"{base}/healthz", procs[0], timeout=60)
            latencies = run(base, fake, handoffs, args.replies)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=30)
        violations = len(fake.violations)
    db.dispose()
    latencies.sort()
    print(f"{len(latencies)} agent replies over {args.chats} chats, console -> outbox -> jobs -> Telegram")
    print(f"latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    print(f"limit violations: {violations}")


def run(base: str, fake: FakeTelegramServer, handoffs: list[int], replies: int) -> list[float]:
    """Log in, take every conversation, send `replies` replies; each one's time to reach Telegram."""
    with httpx.Client(base_url=base, timeout=10.0) as client:
        client.post("/login", data={"username": "bench", "password": PASSWORD,
                                    "csrf_token": _csrf(client.get("/login")), "next": "/inbox"})
        csrf = _csrf(client.get("/inbox"))
        for handoff_id in handoffs:
            client.post(f"/inbox/{handoff_id}/take", data={"csrf_token": csrf})
        # the "has joined" notices go out first; wait for them so they do not count against the replies
        for n in range(len(handoffs)):
            fake.wait_for_messages_sync(FIRST_CHAT + n, 1, timeout=30)
        time.sleep(1.1)
        latencies = []
        for i in range(replies):
            n = i % len(handoffs)
            chat = FIRST_CHAT + n
            before = len(fake.sent_messages(chat))
            started = time.monotonic()
            answer = client.post(f"/inbox/{handoffs[n]}/reply", data={"text": f"reply {i}"},
                                 headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
            answer.raise_for_status()
            fake.wait_for_messages_sync(chat, before + 1, timeout=30)
            latencies.append(time.monotonic() - started)
            time.sleep(max(0.0, 1.1 / len(handoffs) - (time.monotonic() - started)))
        return latencies


if __name__ == "__main__":
    main()
