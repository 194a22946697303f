"""Cold start of the whole stack to "ready", and the memory of each process.

Starts the same commands as the Procfile (Rasa with the newest model, the action server, the
bot with its web chat, the scheduler, the staff console) on free ports and a fresh SQLite database, and prints
how long each took to answer and its resident set size. The model must be trained already
(`make model`); training is not part of cold start.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

import httpx

from bench.procs import tree_rss_mb, wait_ready
from testkit.stack import APP_PYTHON, RASA_COMMAND, free_port, latest_model

ROOT = Path(__file__).resolve().parent.parent


class Ports(NamedTuple):
    """The free ports the stack's servers listen on."""

    rasa: int
    action: int
    web: int
    console: int


def stack_env(work: Path, ports: Ports) -> dict[str, str]:
    """The processes' environment: a fresh database and directories under `work`, the given ports."""
    # No ACTION_SERVER_TOKEN: as on a fresh clone, the first process generates it under VAR_DIR.
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'huiyin.db'}",
        "MEDIA_DIR": str(work / "media"),
        "VAR_DIR": str(work / "var"),
        "ACTION_SERVER_PORT": str(ports.action),
        "ACTION_SERVER_URL": "",
        "ACTION_SERVER_TOKEN": "",
        "WEB_SECRET": "",
        "RASA_URL": f"http://127.0.0.1:{ports.rasa}",
        "WEB_PORT": str(ports.web),
        "CONSOLE_PORT": str(ports.console),
        "TELEGRAM_BOT_TOKEN": "",
        "PYTHONPATH": str(ROOT),
    }


def stack_commands(ports: Ports) -> dict[str, list[str]]:
    """The Procfile's commands, by process name (Rasa with the newest model)."""
    return {
        "rasa": [
            str(APP_PYTHON),
            "-m",
            "huiyin.rasa_env",
            *RASA_COMMAND,
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
            str(ports.rasa),
        ],
        "actions": [str(APP_PYTHON), "-m", "actions"],
        "bot": [str(APP_PYTHON), "-m", "bot"],
        "jobs": [str(APP_PYTHON), "-m", "jobs"],
        "console": [str(APP_PYTHON), "-m", "web"],
    }


def ready_urls(ports: Ports) -> dict[str, str]:
    """Where each server answers once it is ready (the scheduler serves nothing)."""
    return {
        "rasa": f"http://127.0.0.1:{ports.rasa}/",
        "actions": f"http://127.0.0.1:{ports.action}/health",
        "bot": f"http://127.0.0.1:{ports.web}/healthz",
        "console": f"http://127.0.0.1:{ports.console}/healthz",
    }


def start(commands: dict[str, list[str]], env: dict[str, str], work: Path) -> dict[str, subprocess.Popen]:
    """Start every process, each logging to `work/<name>.log`."""
    return {
        name: subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=(work / f"{name}.log").open("w"), stderr=subprocess.STDOUT
        )
        for name, cmd in commands.items()
    }


def web_chat_answers(bot_url: str) -> None:
    """A resident's message gets Rasa's answer through the web chat at `bot_url`."""
    with httpx.Client(base_url=bot_url, timeout=60) as web:
        web.get("/")
        reply = web.post("/api/messages", json={"text": "hello"})
        reply.raise_for_status()


def report(procs: dict[str, subprocess.Popen], ready: dict[str, float], total: float) -> None:
    """Print each process's time to ready and RSS, the whole stack's time to answer and its RSS."""
    print(f"Cold start (model {latest_model().name}), 2-core machine:")
    for name, proc in procs.items():
        when = f"ready after {ready[name]:5.1f} s" if name in ready else "running           "
        print(f"  {name:8s} {when}   RSS {tree_rss_mb(proc.pid):7.1f} MB")
    print(f"  whole stack answering a web chat message after {total:.1f} s")
    print(f"  total RSS {sum(tree_rss_mb(p.pid) for p in procs.values()):.0f} MB")


def stop(procs: dict[str, subprocess.Popen]) -> None:
    """Ask every process to end, then kill those that have not within 15 s."""
    for proc in procs.values():
        proc.terminate()
    for proc in procs.values():
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    """Start everything, print time to ready and RSS per process, stop everything."""
    work = Path(tempfile.mkdtemp(prefix="huiyin-cold-"))
    ports = Ports(free_port(), free_port(), free_port(), free_port())
    env = stack_env(work, ports)
    subprocess.run(
        [str(APP_PYTHON), "-m", "huiyin", "init-db"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    urls = ready_urls(ports)
    started = time.monotonic()
    procs = start(stack_commands(ports), env, work)
    try:
        ready = {name: wait_ready(url, procs[name], started=started) for name, url in urls.items()}
        # The stack is ready when a resident's message gets Rasa's answer through the web chat.
        web_chat_answers(urls["bot"].rsplit("/", 1)[0])
        total = time.monotonic() - started
        time.sleep(1.0)  # let the processes settle before their memory is measured
        report(procs, ready, total)
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
