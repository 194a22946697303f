"""The real back end for end-to-end tests and benchmarks: a Rasa server and our action server on free ports.

Only Telegram is faked (testkit/telegram/); everything here is the real thing, started against
a temporary SQLite database. Tests start it once per session (tests/stack.py), benchmarks once per run.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text

from cases.store.db import ensure_postgres_database, make_engine
from huiyin.settings import PROJECT_ROOT, Settings

# Rasa as the Procfile runs it: its command line with our adjustments (rasa_runtime) installed.
RASA_COMMAND = (str(PROJECT_ROOT / ".venvs" / "rasa" / "bin" / "python"), "-m", "rasa_runtime")
APP_PYTHON = PROJECT_ROOT / ".venvs" / "app" / "bin" / "python"
# What the stack's processes send is never held back for the night, whatever the time it runs.
QUIET_HOURS_OFF = {"quiet_hours_start": "00:00", "quiet_hours_end": "00:00"}
QUIET_HOURS_OFF_ENV = {"QUIET_HOURS_START": "00:00", "QUIET_HOURS_END": "00:00"}


class StackError(RuntimeError):
    """The back end could not be started: no model, or a process died or never answered (with its log)."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_pids(pid: int) -> list[int]:
    """The process ids of a process's children (of any of its threads); none if it is gone."""
    kids = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return kids


def latest_model() -> Path:
    """The newest trained model under models/ (or $HUIYIN_MODEL)."""
    if os.environ.get("HUIYIN_MODEL"):
        return Path(os.environ["HUIYIN_MODEL"])
    models = sorted((PROJECT_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise StackError("no trained model in models/: run `make model` first")
    return models[-1]


def wait_for(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    """Wait until `url` answers 200, failing early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StackError(f"{url} process exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise StackError(f"{url} not ready after {timeout}s:\n{log.read_text()[-3000:]}")


@dataclass
class Stack:
    """Where the running back end is, and the settings a bot process would use with it."""

    rasa_url: str  # every Rasa replica, comma-separated, as RASA_URL takes them
    action_url: str
    action_token: str
    database_url: str
    media_dir: Path
    var_dir: Path
    processes: list = field(default_factory=list)
    rasa_urls: list[str] = field(default_factory=list)  # every Rasa replica, in order
    env: dict[str, str] = field(default_factory=dict, repr=False)
    workdir: Path = Path(".")
    _rasa: dict[int, subprocess.Popen] = field(default_factory=dict, repr=False)

    def settings(self, **overrides) -> Settings:
        """Settings for a bot, web chat or job running against this stack."""
        values = dict(
            database_url=self.database_url,
            media_dir=self.media_dir,
            var_dir=self.var_dir,
            rasa_url=self.rasa_url,
            timezone="Asia/Shanghai",
        )
        values.update(overrides)
        return Settings(_env_file=None, **{**QUIET_HOURS_OFF, **values})

    def start_rasa(self, replica: int = 0, *, wait: bool = True) -> subprocess.Popen:
        """Start Rasa replica `replica` (again) as the Procfile does, on its port; wait until it answers."""
        url = self.rasa_urls[replica]
        log = self.rasa_log(replica)
        rasa = subprocess.Popen(
            [str(APP_PYTHON), "-m", "huiyin.rasa_env", *RASA_COMMAND, "run", "-m", str(latest_model()),
             "--endpoints", str(PROJECT_ROOT / "endpoints.yml"), "--credentials",
             str(PROJECT_ROOT / "credentials.yml"), "-i", "127.0.0.1", "-p", url.rsplit(":", 1)[1]],
            cwd=PROJECT_ROOT, env=self.env, stdout=log.open("a"), stderr=subprocess.STDOUT,
        )
        self.processes.append(rasa)
        self._rasa[replica] = rasa
        if wait:
            self.wait_for_rasa(replica)
        return rasa

    def wait_for_rasa(self, replica: int = 0) -> None:
        """Wait until Rasa replica `replica` answers (fails early if it died)."""
        log = self.rasa_log(replica)
        wait_for(f"{self.rasa_urls[replica]}/", self._rasa[replica], log)

    def rasa_log(self, replica: int = 0) -> Path:
        """Where Rasa replica `replica` writes its log."""
        return self.workdir / (f"rasa-{replica}.log" if replica else "rasa.log")

    def kill_rasa(self, replica: int = 0) -> None:
        """Kill Rasa replica `replica` with SIGKILL (as a crash would) and wait until it is gone."""
        rasa = self._rasa.pop(replica)
        rasa.kill()
        rasa.wait(timeout=30)

    def stop(self) -> None:
        """Stop every process started."""
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_stack(workdir: Path, *, database_url: str | None = None, rasa_replicas: int = 1,
                action_workers: int = 1) -> Stack:
    """Start the action server and Rasa (with the newest model) as the Procfile does, and wait until both answer."""
    workdir.mkdir(parents=True, exist_ok=True)
    media_dir = workdir / "media"
    media_dir.mkdir(exist_ok=True)
    database_url = database_url or f"sqlite:///{workdir / 'huiyin.db'}"
    action_port = free_port()
    rasa_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(rasa_replicas)]
    stack = Stack(
        rasa_url=",".join(rasa_urls),
        rasa_urls=rasa_urls,
        action_url=f"http://127.0.0.1:{action_port}",
        action_token=secrets.token_urlsafe(32),
        database_url=database_url,
        media_dir=media_dir,
        var_dir=workdir / "var",
        workdir=workdir,
    )
    stack.env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_DIR": str(media_dir),
        "VAR_DIR": str(stack.var_dir),
        "TIMEZONE": "Asia/Shanghai",
        **QUIET_HOURS_OFF_ENV,
        "PYTHONPATH": str(PROJECT_ROOT),
        # Rasa (through huiyin.rasa_env and endpoints.yml) sends the token the action server checks.
        "ACTION_SERVER_HOST": "127.0.0.1",
        "ACTION_SERVER_PORT": str(action_port),
        "ACTION_SERVER_URL": f"{stack.action_url}/webhook",
        "ACTION_SERVER_TOKEN": stack.action_token,
        "ACTION_SERVER_SANIC_WORKERS": str(action_workers),
    }
    subprocess.run([str(APP_PYTHON), "-m", "huiyin", "init-db"], env=stack.env, cwd=PROJECT_ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    action_log = workdir / "actions.log"
    actions = subprocess.Popen(
        [str(APP_PYTHON), "-m", "actions"],
        cwd=PROJECT_ROOT, env=stack.env, stdout=action_log.open("w"), stderr=subprocess.STDOUT,
    )
    stack.processes.append(actions)
    try:
        wait_for(f"{stack.action_url}/health", actions, action_log)
        for replica in range(rasa_replicas):  # all at once: each loads the model on its own
            stack.start_rasa(replica, wait=False)
        for replica in range(rasa_replicas):
            stack.wait_for_rasa(replica)
    except BaseException:
        stack.stop()
        raise
    return stack


def new_postgres_database(server_url: str, prefix: str) -> str:
    """Create a PostgreSQL database of its own on the server of `server_url`; its URL."""
    url = server_url.rsplit("/", 1)[0] + f"/{prefix}_{secrets.token_hex(4)}"
    ensure_postgres_database(url)
    return url


def drop_postgres_database(url: str) -> None:
    """Drop the database made by new_postgres_database, whoever is still connected to it."""
    server = make_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    finally:
        server.dispose()
