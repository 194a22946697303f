"""Cold start of the whole stack to "ready", and the memory of each process.

Starts the same commands as the Procfile (Rasa with the newest model, the action server, the
bot with its web chat, the scheduler, the staff console) on free ports and a fresh SQLite database, and prints
how long each took to answer and its resident set size. The model must be trained already
(`make model`); training is not part of cold start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.procs import tree_rss_mb, wait_ready
from testkit.stack import APP_PYTHON, RASA_BIN, free_port, latest_model

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    """Start everything, print time to ready and RSS per process, stop everything."""
    work = Path(tempfile.mkdtemp(prefix="huiyin-cold-"))
    rasa_port, action_port, web_port, console_port = free_port(), free_port(), free_port(), free_port()
    # No ACTION_SERVER_TOKEN: as on a fresh clone, the first process generates it under VAR_DIR.
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'huiyin.db'}",
        "MEDIA_DIR": str(work / "media"),
        "VAR_DIR": str(work / "var"),
        "ACTION_SERVER_PORT": str(action_port),
        "ACTION_SERVER_URL": "",
        "ACTION_SERVER_TOKEN": "",
        "WEB_SECRET": "",
        "RASA_URL": f"http://127.0.0.1:{rasa_port}",
        "WEB_PORT": str(web_port),
        "CONSOLE_PORT": str(console_port),
        "TELEGRAM_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [str(APP_PYTHON), "-m", "huiyin", "init-db"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    commands = {
        "rasa": [
            str(APP_PYTHON),
            "-m",
            "actions.rasa_env",
            str(RASA_BIN),
            "run",
            "-m",
            str(latest_model()),
            "--endpoints",
            str(ROOT / "endpoints.yml"),
            "--credentials",
            str(ROOT / "credentials.yml"),
            "-i",
            "127.0.0.1",
            "-p",
            str(rasa_port),
        ],
        "actions": [str(APP_PYTHON), "-m", "actions"],
        "bot": [str(APP_PYTHON), "-m", "bot"],
        "jobs": [str(APP_PYTHON), "-m", "jobs"],
        "console": [str(APP_PYTHON), "-m", "web"],
    }
    ready_urls = {
        "rasa": f"http://127.0.0.1:{rasa_port}/",
        "actions": f"http://127.0.0.1:{action_port}/health",
        "bot": f"http://127.0.0.1:{web_port}/healthz",
        "console": f"http://127.0.0.1:{console_port}/healthz",
    }
    started = time.monotonic()
    procs = {
        name: subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=(work / f"{name}.log").open("w"), stderr=subprocess.STDOUT
        )
        for name, cmd in commands.items()
    }
    try:
        ready = {name: wait_ready(url, procs[name], started=started) for name, url in ready_urls.items()}
        # The stack is ready when a resident's message gets Rasa's answer through the web chat.
        with httpx.Client(base_url=ready_urls["bot"].rsplit("/", 1)[0], timeout=60) as web:
            web.get("/")
            reply = web.post("/api/messages", json={"text": "hello"})
            reply.raise_for_status()
        total = time.monotonic() - started
        time.sleep(1.0)
        print(f"Cold start (model {latest_model().name}), 2-core machine:")
        for name in commands:
            when = f"ready after {ready[name]:5.1f} s" if name in ready else "running           "
            print(f"  {name:8s} {when}   RSS {tree_rss_mb(procs[name].pid):7.1f} MB")
        print(f"  whole stack answering a web chat message after {total:.1f} s")
        print(f"  total RSS {sum(tree_rss_mb(p.pid) for p in procs.values()):.0f} MB")
    finally:
        for proc in procs.values():
            proc.terminate()
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    sys.exit(main())
