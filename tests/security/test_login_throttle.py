"""Issue 8, finding 2: the login throttle holds under parallel attempts and cannot lock an account's owner out.

Real HTTP: the console served by uvicorn as `python -m web` serves it, the attempts made in parallel over
real connections from different loopback addresses (127.0.0.2 guesses, 127.0.0.3 is the owner).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from cases.models import Throttle
from jobs import casework
from tests.security.live_server import serving
from tests.web.conftest import PASSWORD, add_staff, console_settings, csrf_of  # noqa: F401 (a fixture)
from web.__main__ import server_config
from web.app import create_app

ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def console_url(db, console_settings):
    """The console on the test database, served on a free port."""
    settings = console_settings.model_copy(update={"console_host": "127.0.0.1", "console_port": 0})
    with serving(server_config(create_app(settings=settings, db=db), settings)) as url:
        yield url


def browser_from(url: str, address: str) -> httpx.AsyncClient:
    """A browser whose connections come from `address`, as many at once as it likes."""
    transport = httpx.AsyncHTTPTransport(local_address=address, limits=httpx.Limits(max_connections=100))
    return httpx.AsyncClient(transport=transport, base_url=url, timeout=60)


def move_back(db, by: timedelta) -> None:
    """Make every rate-limit window start `by` earlier, as if that much time had passed."""
    with db.transaction() as session:
        for row in session.scalars(select(Throttle)):
            row.window_started -= by


async def login_form(client: httpx.AsyncClient) -> str:
    """Open the login page (its CSRF cookie stays in the client); the form's token."""
    return csrf_of(await client.get("/login"))


async def attempt(client: httpx.AsyncClient, token: str, username: str, password: str) -> httpx.Response:
    """One login."""
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": token})


async def test_parallel_guesses_are_not_all_checked_and_the_owner_still_gets_in(db, console_url):
    add_staff(db, "ann", "agent")
    async with browser_from(console_url, ATTACKER) as attacker, browser_from(console_url, OWNER) as owner:
        token = await login_form(attacker)
        answers = await asyncio.gather(*[attempt(attacker, token, "ann", f"guess {n}") for n in range(40)])
        counted = Counter(answer.status_code for answer in answers)
        # 400 is "wrong password": a password checked. 429 is refused before any check.
        assert set(counted) <= {400, 429} and counted[400] <= 6, counted
        assert counted[400] == 5 and counted[429] == 35
        assert "Please wait 15 minutes and try again" in next(a.text for a in answers if a.status_code == 429)

        owner_in = await attempt(owner, await login_form(owner), "ann", PASSWORD)
        assert owner_in.status_code == 303 and owner_in.headers["location"] == "/cases"
        assert (await owner.get("/cases")).status_code == 200

        assert (await attempt(attacker, token, "ann", PASSWORD)).status_code == 429  # still refused there

        move_back(db, timedelta(minutes=16))  # the window passes
        assert (await attempt(attacker, token, "ann", "guess again")).status_code == 400  # checked again


async def test_parallel_guesses_across_accounts_stop_at_the_address_limit(db, console_url, console_settings):
    add_staff(db, "ann", "agent")
    async with browser_from(console_url, ATTACKER) as attacker, browser_from(console_url, OWNER) as owner:
        token = await login_form(attacker)
        answers = await asyncio.gather(*[attempt(attacker, token, f"user{n}", "guess") for n in range(40)])
        counted = Counter(answer.status_code for answer in answers)
        assert counted == {400: console_settings.login_attempts_per_address,
                           429: 40 - console_settings.login_attempts_per_address}, counted
        assert (await attempt(owner, await login_form(owner), "ann", PASSWORD)).status_code == 303


async def test_old_counters_are_purged_by_the_jobs(db, console_url, console_settings):
    async with browser_from(console_url, ATTACKER) as attacker:
        await attempt(attacker, await login_form(attacker), "ann", "guess")
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Throttle)) == 2  # account+address, address
    assert await casework.purge_throttles(db=db, settings=console_settings) == 0  # still recent
    move_back(db, timedelta(days=2))
    assert await casework.purge_throttles(db=db, settings=console_settings) == 2
