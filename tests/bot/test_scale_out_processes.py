"""The processes of the production profile: the web chat in several workers, Telegram on its own, and the
PostgreSQL database created by `huiyin init-db`."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from bot import texts
from cases.store.db import ensure_postgres_database, make_engine
from testkit.stack import APP_PYTHON, PROJECT_ROOT, child_pids, drop_postgres_database, free_port
from tests.bot.test_telegram_process import process_env, read_until
from tests.conftest import POSTGRES_URL
from tests.residents_data.notice import without_notice


@contextlib.asynccontextmanager
async def child(*args: str, env: dict, cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """A child process (Huiyin's app Python, `args`); it must exit 0 on SIGTERM at the end, or it is killed."""
    process = await asyncio.create_subprocess_exec(str(APP_PYTHON), *args, env=env, cwd=cwd,
                                                   stderr=asyncio.subprocess.PIPE)
    try:
        yield process
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_web_chat_runs_in_workers_that_answer_any_resident_and_stop_on_sigterm(tmp_path):
    env = process_env(tmp_path, WEB_WORKERS="2", RASA_URL=f"http://127.0.0.1:{free_port()}")  # Rasa is down
    subprocess.run([str(APP_PYTHON), "-m", "huiyin", "init-db"], env=env, cwd=tmp_path, check=True,
                   capture_output=True)
    async with child("-m", "bot.webchat", env=env, cwd=tmp_path) as process:
        await read_until(process, r"in 2 worker\(s\)")
        url = f"http://127.0.0.1:{env['WEB_PORT']}"
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            deadline = asyncio.get_running_loop().time() + 30
            while True:  # the workers start after the log line
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
            assert len(child_pids(process.pid)) >= 2  # the workers (and uvicorn's own helper, if any)
            # Residents on fresh connections, wherever the kernel sends them: each keeps their own session.
            for _ in range(4):
                async with httpx.AsyncClient(base_url=url, timeout=10) as resident:
                    await resident.get("/")
                    answer = await resident.post("/api/messages", json={"text": "hello"})
                    assert answer.status_code == 200
                    assert [r["text"] for r in without_notice(answer.json()["replies"])] == [texts.text("unavailable")]


async def test_telegram_only_serves_no_web_chat(tmp_path):
    env = process_env(tmp_path, RASA_URL=f"http://127.0.0.1:{free_port()}", RASA_TIMEOUT_SECONDS="1")
    async with child("-m", "bot", "--telegram-only", env=env, cwd=tmp_path) as process:
        await read_until(process, r"waiting for Rasa")
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{env['WEB_PORT']}/healthz", timeout=2)


@pytest.mark.postgres
def test_init_db_creates_a_missing_postgresql_database():
    name = f"huiyin_new_{secrets.token_hex(4)}"
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        assert ensure_postgres_database(url) is True
        assert ensure_postgres_database(url) is False  # there now
        engine = make_engine(url)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT current_database()")).scalar() == name
        engine.dispose()
    finally:
        drop_postgres_database(url)
    assert ensure_postgres_database(f"sqlite:///{PROJECT_ROOT}/x.db") is False
