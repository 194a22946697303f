"""The action server answers only our Rasa: loopback by default, and every call must carry the shared token.

Found by probing (issue 8, item 1): anyone reaching port 5055 could run any action as any resident.
Here the real action server runs as the Procfile starts it (`python -m actions`), on a fresh clone's
defaults (no token configured: it generates one under VAR_DIR), against a real SQLite database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from cases.models import Case, Resident
from cases.store.db import Database
from cases.store.secret_store import kept_secret
from huiyin.settings import PROJECT_ROOT
from testkit.stack import APP_PYTHON, RASA_COMMAND, free_port, wait_for

VERSION = "3.6.21"  # the Rasa version that calls us
SLOTS = {"request_type": "pothole", "description": "deep pothole outside number 12", "location": "12 Mill Road",
         "latitude": None, "longitude": None, "photo": None, "confirmed": True, "language": "en"}


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """A process environment with nothing of the developer's Huiyin settings, data under `tmp_path`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ACTION_SERVER_", "WEB_", "DATABASE_", "MEDIA_", "VAR_", "TELEGRAM_"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'var' / 'huiyin.db'}",
               MEDIA_DIR=str(tmp_path / "var" / "media"), VAR_DIR=str(tmp_path / "var"), **extra)
    return env


@pytest.fixture(scope="module")
def action_server(tmp_path_factory):
    """`python -m actions` on the defaults but a free port; its URL, token and database."""
    work = tmp_path_factory.mktemp("actions")
    env = clean_env(work, ACTION_SERVER_PORT=str(free_port()))
    # Run from `work` so a developer's .env in the project cannot configure it.
    subprocess.run([str(APP_PYTHON), "-m", "huiyin", "init-db"], cwd=work, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    log = work / "actions.log"
    proc = subprocess.Popen([str(APP_PYTHON), "-m", "actions"], cwd=work, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}"
    db = Database(env["DATABASE_URL"])
    try:
        wait_for(f"{url}/health", proc, log, timeout=60)
        yield {"url": url, "token": kept_secret(work / "var" / "secrets", "action_server_token"), "db": db,
               "port": int(env["ACTION_SERVER_PORT"]), "pid": proc.pid}
    finally:
        db.dispose()
        proc.terminate()
        proc.wait(timeout=15)


def open_case_call(sender_id: str, description: str = SLOTS["description"]) -> dict:
    """The body Rasa posts to /webhook when a resident confirms a report."""
    latest = {"text": "/affirm", "intent": {"name": "affirm", "confidence": 1.0}, "entities": [],
              "message_id": uuid.uuid4().hex}
    tracker = {"sender_id": sender_id, "slots": {**SLOTS, "description": description}, "latest_message": latest,
               "events": [{"event": "user", "text": "/affirm", "parse_data": latest,
                           "message_id": latest["message_id"]}],
               "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    return {"next_action": "action_open_case", "sender_id": sender_id, "tracker": tracker, "domain": {},
            "version": VERSION}


def counts(db: Database) -> tuple[int, int]:
    """Residents and cases in the database."""
    with db.transaction() as session:
        return (session.scalar(select(func.count()).select_from(Resident)),
                session.scalar(select(func.count()).select_from(Case)))


def resident_exists(db: Database, external_id: str) -> bool:
    with db.transaction() as session:
        return session.scalar(select(Resident).where(Resident.external_id == external_id)) is not None


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer wrong-token-0123456789abcdef"},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
], ids=["no token", "wrong token", "empty token", "other scheme"])
def test_an_action_call_without_the_token_is_refused_and_does_nothing(action_server, headers):
    before = counts(action_server["db"])
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    answer = httpx.post(f"{action_server['url']}/webhook", json=open_case_call(sender), headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.content == b""  # no detail for a caller without the token
    assert counts(action_server["db"]) == before
    assert not resident_exists(action_server["db"], sender.split(":")[1])


def test_the_token_in_the_wrong_place_is_refused(action_server):
    token, sender = action_server["token"], f"telegram:{uuid.uuid4().int % 10**9}"
    for request in (
        dict(params={"token": token}),  # Rasa's `token:` option puts it in the query string; we do not accept it
        dict(headers={"X-Token": token}),
        dict(headers={"Authorization": f"Bearer {token[:-1]}"}),  # one character short
        dict(headers={"Authorization": f"Bearer {token}x"}),
    ):
        answer = httpx.post(f"{action_server['url']}/webhook", json=open_case_call(sender), timeout=10, **request)
        assert answer.status_code == 401, request
    assert not resident_exists(action_server["db"], sender.split(":")[1])


def test_listing_the_actions_needs_the_token_too(action_server):
    assert httpx.get(f"{action_server['url']}/actions", timeout=10).status_code == 401
    listed = httpx.get(f"{action_server['url']}/actions", timeout=10,
                       headers={"Authorization": f"Bearer {action_server['token']}"})
    assert listed.status_code == 200 and {"name": "action_open_case"} in listed.json()


def test_health_is_open_and_says_nothing_else(action_server):
    answer = httpx.get(f"{action_server['url']}/health", timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_with_the_token_the_call_files_the_case(action_server):
    sender = f"telegram:{uuid.uuid4().int % 10**9}"
    answer = httpx.post(f"{action_server['url']}/webhook", json=open_case_call(sender, "a lamp out on Elm Street"),
                        headers={"Authorization": f"Bearer {action_server['token']}"}, timeout=30)
    assert answer.status_code == 200, answer.text
    [message] = answer.json()["responses"]
    assert message["response"] == "utter_case_opened"
    with action_server["db"].transaction() as session:
        case = session.scalar(select(Case).where(Case.reference == message["reference"]))
        assert (case.description, case.resident.external_id) == ("a lamp out on Elm Street", sender.split(":")[1])


def test_a_failing_call_does_not_echo_the_conversation(action_server):
    # rasa_sdk's own error handler answers with the exception and the whole request body, which Rasa then logs.
    marker = f"resident-words-{uuid.uuid4().hex}"
    call = open_case_call("telegram:1", marker)
    call["tracker"] = marker  # not a tracker at all: rasa_sdk's executor fails
    answer = httpx.post(f"{action_server['url']}/webhook", json=call, timeout=30,
                        headers={"Authorization": f"Bearer {action_server['token']}"})
    assert answer.status_code >= 400
    assert marker not in answer.text


def test_it_listens_on_loopback_only_by_default(action_server):
    listening = listening_addresses(action_server["port"])
    assert listening == {"127.0.0.1"}, listening


def listening_addresses(port: int) -> set[str]:
    """The local addresses with a socket listening on `port` (Linux's /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(_address(address))
    return found


def _address(hex_address: str) -> str:
    if len(hex_address) == 8:  # IPv4, little-endian
        return ".".join(str(int(hex_address[i:i + 2], 16)) for i in (6, 4, 2, 0))
    return "ipv6:" + hex_address


def test_rasa_sends_the_token_from_endpoints_yml():
    """endpoints.yml, read by Rasa itself, sends the token on every action call and keeps conversations where the
    environment says; without the token Rasa refuses to start."""
    script = ("import sys; from rasa.utils.endpoints import read_endpoint_config as read\n"
              "try:\n    e = read(sys.argv[1], 'action_endpoint'); t = read(sys.argv[1], 'tracker_store')\n"
              "except Exception as exc:\n    print('refused', type(exc).__name__); sys.exit(0)\n"
              "print(t.type, t.url); print(e.url); print(e.headers['Authorization'])\n")
    rasa_python = RASA_COMMAND[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACTION_SERVER_")}
    configured = subprocess.run(
        [rasa_python, "-W", "ignore", "-c", script, str(PROJECT_ROOT / "endpoints.yml")], capture_output=True,
        text=True, timeout=180,
        env={**env, "ACTION_SERVER_URL": "http://10.0.0.7:5055/webhook", "ACTION_SERVER_TOKEN": "t0ken-t0ken-t0ken",
             "RASA_TRACKER_STORE_URL": "sqlite:////srv/trackers.db"},
    )
    assert configured.stdout.split("\n")[-4:-1] == [
        "rasa_runtime.trackers.TrackerStore sqlite:////srv/trackers.db", "http://10.0.0.7:5055/webhook",
        "Bearer t0ken-t0ken-t0ken"], \
        configured.stdout + configured.stderr
    unset = subprocess.run([rasa_python, "-W", "ignore", "-c", script, str(PROJECT_ROOT / "endpoints.yml")],
                           capture_output=True, text=True, timeout=180,
                           env={**env, "RASA_TRACKER_STORE_URL": "sqlite:////srv/trackers.db"})
    assert "refused RasaException" in unset.stdout, unset.stdout + unset.stderr


def test_rasa_is_started_with_the_token_the_action_server_uses(tmp_path):
    """`python -m huiyin.rasa_env` gives the command the settings' URL and the same generated token."""
    env = clean_env(tmp_path, ACTION_SERVER_PORT="5099")
    shown = subprocess.run(
        [str(APP_PYTHON), "-m", "huiyin.rasa_env", sys.executable, "-c",
         "import os; print(os.environ['ACTION_SERVER_URL']); print(os.environ['ACTION_SERVER_TOKEN']); "
         "print(os.environ['RASA_TRACKER_STORE_URL']); print(os.environ['RASA_TELEMETRY_ENABLED'])"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=True,
    ).stdout.split()
    assert shown == ["http://127.0.0.1:5099/webhook", kept_secret(tmp_path / "var" / "secrets", "action_server_token"),
                     f"sqlite:///{tmp_path / 'var' / 'rasa-trackers.db'}", "false"]  # Rasa's telemetry off
