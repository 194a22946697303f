"""`python -m jobs` as a process: starts, delivers pushes, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from cases.models import Notification
from cases.store.db import Database
from huiyin.settings import PROJECT_ROOT
from testkit.telegram import TOKEN, FakeTelegramServer
from tests.bot.test_push import queue_pushes
from tests.city import QUIET_HOURS_OFF_ENV


def start_jobs(tmp_path: Path, **env: str) -> tuple[subprocess.Popen, Path]:
    """Start the scheduler process on a temporary database; its log goes to a file."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "jobs.log"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "PUSH_", "DATABASE_"))}
    environment.update(PYTHONPATH=str(PROJECT_ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'huiyin.db'}",
                       VAR_DIR=str(tmp_path / "var"), **QUIET_HOURS_OFF_ENV)
    environment.update(env)
    # run from tmp_path so a developer's .env cannot switch Telegram on
    proc = subprocess.Popen([sys.executable, "-m", "jobs"], cwd=tmp_path, env=environment,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)
    return proc, log


def wait_for_line(proc: subprocess.Popen, log: Path, text: str, timeout: float = 20.0) -> None:
    """Wait until the process logs `text`."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.05)


def stop(proc: subprocess.Popen, log: Path) -> str:
    """SIGTERM the process; it must exit cleanly. Returns its log."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, log.read_text()
    return log.read_text()


def test_without_a_token_pushes_are_off_but_the_scheduler_runs(tmp_path):
    proc, log = start_jobs(tmp_path)
    wait_for_line(proc, log, "scheduler running")
    output = stop(proc, log)
    assert output.count("TELEGRAM_BOT_TOKEN is not set: Telegram pushes are off") == 1
    [running] = [line for line in output.splitlines() if "scheduler running: " in line]
    assert set(running.split("scheduler running: ")[1].split(", ")) == {
        "escalation", "surveys", "survey_expiry", "handoff_waits", "throttle_purge", "orphan_photos",
        "conversation_prune", "seen_updates_purge", "stale_updates_purge", "transcript_retention",
        "closed_photo_retention"}
    assert "Traceback" not in output and output.rstrip().endswith("stopped")


def test_with_a_token_queued_pushes_are_delivered(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'huiyin.db'}")
    db.create_tables()  # the migrations, as every process runs them
    expected = queue_pushes(db, chats=3, per_chat=1)
    with FakeTelegramServer() as fake:
        proc, log = start_jobs(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url,
                               TELEGRAM_FILE_BASE_URL=fake.base_file_url, PUSH_INTERVAL_SECONDS="0.2")
        try:
            for chat, texts in expected.items():
                assert [m.text for m in fake.wait_for_messages_sync(chat, 1, timeout=20)] == texts
        finally:
            output = stop(proc, log)
    assert "Traceback" not in output and "telegram_push" in output
    with db.transaction() as s:
        assert {row.status for row in s.scalars(select(Notification))} == {"sent"}
    db.dispose()
