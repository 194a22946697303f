"""Real-browser fixtures: headless Debian Chromium (Playwright) against the real processes.

One temporary SQLite database shared by the real Rasa + action server (`stack`), the bot process
(`python -m bot`: Telegram long polling against the fake Bot API server, and the web chat), the jobs
process (`python -m jobs`) and the staff console (`python -m web`). Only Telegram's servers are faked.
Processes are started once for the browser tests, only when one asks for them, and stopped when they
are done (package scope): their scheduler must not send the other tests' pushes, and Playwright's
event loop must not outlive them (pytest-asyncio tests cannot run while it is open).
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT, free_port, wait_for
from testkit.telegram import FakeTelegramServer
from tests.city import QUIET_HOURS_OFF_ENV

CHROMIUM = Path("/usr/bin/chromium")
# Without these Chromium keeps trying to reach Google's servers (there is no internet here).
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PASSWORD = "correct horse battery staple"
SUPERVISOR, AGENT = "sam", "alex"
SUPERVISOR_NAME, AGENT_NAME = "Sam Supervisor", "Alex Agent"
TIMEOUT_MS = 20_000  # a page waits this long for something to appear (Rasa turns take a few seconds here)


def process_env(stack, **extra: str) -> dict[str, str]:
    """The environment every Huiyin process gets: the stack's database, media and Rasa."""
    return {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "MEDIA_DIR": str(stack.media_dir),
        "VAR_DIR": str(stack.var_dir),
        "RASA_URL": stack.rasa_url,
        "TIMEZONE": "Asia/Shanghai",
        **QUIET_HOURS_OFF_ENV,
        "PYTHONPATH": str(PROJECT_ROOT),
        "TELEGRAM_BOT_TOKEN": "",
        "TELEGRAM_WEBHOOK_URL": "",
        **extra,
    }


@dataclass
class Running:
    """A process we started, and where its output goes."""

    name: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        """Terminate it (SIGTERM lets it finish cleanly), killing it if it hangs."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def tail(self, lines: int = 40) -> str:
        """The end of its log, for failure reports."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


RUNNING: list[Running] = []  # every process of the session, for logs in failure reports


def start(name: str, args: list[str], env: dict[str, str], workdir: Path) -> Running:
    """Start `python <args>` in the project root, its output to `<workdir>/<name>.log`."""
    log = workdir / f"{name}.log"
    proc = subprocess.Popen([str(APP_PYTHON), *args], cwd=PROJECT_ROOT, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    running = Running(name, proc, log)
    RUNNING.append(running)
    return running


@pytest.fixture(scope="package")
def workdir(tmp_path_factory) -> Path:
    """Where the browser session's process logs go."""
    return tmp_path_factory.mktemp("browser")


@pytest.fixture(scope="package")
def fake_telegram():
    """The fake Telegram Bot API server, in a thread (the bot and the jobs process talk to it over HTTP)."""
    # Limits off: the bot and the jobs process are separate processes and do not share per-chat pacing.
    server = FakeTelegramServer(token=f"{random.randrange(10**8, 10**9)}:BROWSER", enforce_limits=False)
    with server:
        yield server


def telegram_env(fake: FakeTelegramServer) -> dict[str, str]:
    """Variables that point a process at the fake Bot API."""
    return {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_FILE_BASE_URL": fake.base_file_url}


@pytest.fixture(scope="package")
def bot(stack, fake_telegram, workdir) -> str:
    """The real bot process (Telegram long polling + web chat); the web chat's URL."""
    port = free_port()
    running = start("bot", ["-m", "bot"], process_env(stack, WEB_HOST="127.0.0.1", WEB_PORT=str(port),
                                                      **telegram_env(fake_telegram)), workdir)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", running.proc, running.log, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop()


@pytest.fixture(scope="package")
def jobs(stack, fake_telegram, workdir) -> Running:
    """The real scheduler process (`python -m jobs`), pushing through the fake Bot API every half second."""
    running = start("jobs", ["-m", "jobs"], process_env(stack, PUSH_INTERVAL_SECONDS="0.5",
                                                        **telegram_env(fake_telegram)), workdir)
    try:
        yield running
    finally:
        running.stop()


def staff_cli(stack, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    """The staff command line (`python -m huiyin ...`) on the stack's database."""
    return subprocess.run([str(APP_PYTHON), "-m", "huiyin", *args], cwd=PROJECT_ROOT, capture_output=True,
                          text=True, timeout=60, env=process_env(stack, HUIYIN_STAFF_PASSWORD=password))


@pytest.fixture(scope="package")
def console(stack, workdir) -> str:
    """The real staff console (`python -m web`) with a supervisor and an agent account; its URL."""
    for username, role, name in ((SUPERVISOR, "supervisor", SUPERVISOR_NAME), (AGENT, "agent", AGENT_NAME)):
        done = staff_cli(stack, "create-staff", username, "--role", role, "--name", name)
        assert done.returncode == 0, f"create-staff {username}: {done.stdout}{done.stderr}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    running = start("console", ["-m", "web"], process_env(stack, CONSOLE_HOST="127.0.0.1", CONSOLE_PORT=str(port),
                                                          CONSOLE_PUBLIC_URL=url), workdir)
    try:
        wait_for(f"{url}/healthz", running.proc, running.log, timeout=60)
        yield url
    finally:
        running.stop()


@pytest.fixture(scope="package")
def public_site(stack, workdir) -> str:
    """The real public process (`python -m web.open311`: Open311 and the public board); its URL."""
    port = free_port()
    running = start("public", ["-m", "web.open311"], process_env(stack, OPEN311_HOST="127.0.0.1",
                                                                 OPEN311_PORT=str(port)), workdir)
    try:
        wait_for(f"http://127.0.0.1:{port}/board", running.proc, running.log, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        running.stop()


@pytest.fixture(scope="package")
def database(stack):
    """The shared database, for setting up cases and checking what the processes did."""
    db = Database(stack.database_url)
    yield db
    db.dispose()


@pytest.fixture(scope="package")
def browser() -> Browser:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} missing: run scripts/chromium (make setup does)")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, request):
    """Make pages, each in its own browser context (own cookies: one person each); closed after the test."""
    contexts = []

    def make(base_url: str | None = None) -> Page:
        context = browser.new_context(base_url=base_url, locale="en-GB", timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        request.node.browser_pages = [*getattr(request.node, "browser_pages", []), page]
        return page

    yield make
    for context in contexts:
        context.close()


def login(page: Page, console_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the console's form and wait until we are past it."""
    page.goto(f"{console_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert "/login" not in page.url, f"login as {username} failed: {page.inner_text('body')[:500]}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, screenshot every page the test opened and attach the processes' last log lines."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    pages = getattr(item, "browser_pages", [])
    if pages:
        folder = item.config._tmp_path_factory.mktemp(f"screenshots-{item.name[:40]}")
        paths = []
        for number, page in enumerate(pages, 1):
            path = folder / f"page{number}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                paths.append(f"{path}  ({page.url})")
            except Exception as exc:  # noqa: BLE001 - a closed page must not hide the real failure
                paths.append(f"page{number}: no screenshot ({exc})")
        print("\n".join(["screenshots:", *paths]))
        report.sections.append(("browser screenshots", "\n".join(paths)))
    for running in RUNNING:
        report.sections.append((f"{running.name} log (last lines)", running.tail()))
