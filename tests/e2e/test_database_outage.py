"""PostgreSQL going away under load (as in a restart): no case lost or filed twice, polite answers meanwhile, and
service back without restarting any of our processes."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from contextlib import AsyncExitStack

import pytest
from sqlalchemy import func, select, text

from bot import texts
from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from cases.models import Case
from cases.store.db import Database, make_engine
from testkit.stack import StackError, drop_postgres_database, new_postgres_database, start_stack
from tests.bot.webchat_harness import browser
from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]
RESIDENTS = 12
APOLOGY = texts.text("unavailable")


@pytest.fixture(scope="module")
def pg_stack(tmp_path_factory):
    """Two Rasa replicas, the action server and our tables on a new PostgreSQL database of their own (conversations
    in it too)."""
    url = new_postgres_database(POSTGRES_URL, "huiyin_outage")
    try:
        running = start_stack(tmp_path_factory.mktemp("outage"), database_url=url, rasa_replicas=2)
    except StackError as exc:
        drop_postgres_database(url)
        pytest.fail(str(exc))
    yield running
    running.stop()
    drop_postgres_database(url)


def outage(database: str, noticed: Callable[[], bool], timeout: float = 60.0) -> None:
    """What a restart looks like from outside: every connection dropped, and new ones refused until `noticed`
    (residents were told of it) or the timeout."""
    server = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database})
        deadline = time.monotonic() + timeout
        while not noticed() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        server.dispose()


async def file_report(client, n: int, said: list[str]) -> None:
    """A resident files a report, sending a message again (after a pause) whenever the answer is an apology."""
    steps = [({"text": f"there is a big pothole outside {n} Park Lane, opposite the bakery"}, "/deny"),
             ({"payload": "/deny"}, "/affirm"), ({"payload": "/affirm"}, None)]
    for body, wanted in steps:
        for _ in range(60):
            response = await client.post("/api/messages", json=body)
            assert response.status_code in (200, 503), response.text  # never a crash
            replies = response.json()["replies"]
            said.extend(r["text"] for r in replies)
            payloads = {b["payload"] for r in replies for b in r.get("buttons") or []}
            if response.status_code == 200 and (wanted in payloads if wanted else
                                                any(re.search(r"HY-\d{4}-\d+", r["text"]) for r in replies)):
                break
            await asyncio.sleep(0.5)  # an apology: the resident tries again shortly
        else:
            raise AssertionError(f"resident {n} could not get past {body}: {said[-3:]}")


async def test_reports_filed_while_postgresql_goes_away_are_each_filed_once(pg_stack):
    db, rasa = Database(pg_stack.database_url), RasaClient(pg_stack.rasa_url)
    # Residents send again after each apology: limits high enough that none is told to slow down.
    settings = pg_stack.settings(media_dir=pg_stack.media_dir, web_messages_per_minute=1000,
                                 web_messages_per_minute_per_address=100000)
    app = create_app(settings=settings, db=db, rasa=rasa)
    said: list[str] = []
    try:
        async with AsyncExitStack() as stack:
            clients = [await stack.enter_async_context(browser(app)) for _ in range(RESIDENTS)]
            residents = asyncio.gather(*(file_report(client, n, said) for n, client in enumerate(clients, 1)))
            while len(said) < RESIDENTS and not residents.done():  # the residents are under way
                await asyncio.sleep(0.01)
            apologies = said.count(APOLOGY)
            await asyncio.to_thread(outage, pg_stack.database_url.rsplit("/", 1)[1],
                                    lambda: said.count(APOLOGY) >= apologies + 3)
            await residents
    finally:
        await rasa.aclose()
    with db.transaction() as session:  # the same processes, the same pools: service is back
        per_address = session.execute(select(Case.address, func.count()).group_by(Case.address)).all()
    db.dispose()
    assert sorted(int(address.split()[0]) for address, count in per_address) == list(range(1, RESIDENTS + 1))
    assert {count for _, count in per_address} == {1}  # nobody's report twice
    assert said.count(APOLOGY) >= 3  # the outage was noticed, and answered with the apology
    assert not [line for line in said if "Traceback" in line or "Error" in line]


def test_replicas_starting_together_on_a_new_database_create_rasas_tables_once(pg_stack):
    logs = [(pg_stack.workdir / name).read_text() for name in ("rasa.log", "rasa-1.log")]
    assert all("Rasa server is up and running" in log for log in logs)
    assert not [log for log in logs if "Could not create tables" in log or "duplicate key value" in log]
