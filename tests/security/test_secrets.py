"""Secrets that survive restarts, and data only its owner can read (issue 8, items 3 and 7).

Found by probing: with WEB_SECRET unset the cookie key changed at every start, so a resident with an
open case was a stranger after a restart; `var/huiyin.db` was 0644 and `var/media` 0755.
"""

from __future__ import annotations

import stat
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from bot.rasa_client import RasaClient
from bot.webchat.app import create_app
from bot.webchat.sessions import COOKIE
from cases import lifecycle, outbox, residents
from cases.store.db import Database
from cases.store.secret_store import SecretFileError, kept_secret
from cases.workflow import Actor
from huiyin import bootstrap
from huiyin.settings import Settings
from testkit.stack import APP_PYTHON, free_port
from tests.city import CITY, make_settings
from tests.security.test_action_server import clean_env

SHOW_SECRET = (
    "from huiyin import bootstrap; from huiyin.settings import get_settings; "
    "print(bootstrap.secret(get_settings(), 'web_secret'))"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settings_for(var: Path, **values) -> Settings:
    """Settings with nothing from the environment or .env that matters here: data and secrets under `var`."""
    return make_settings(
        var_dir=var,
        media_dir=var / "media",
        database_url=f"sqlite:///{var / 'huiyin.db'}",
        web_secret=None,
        action_server_token=None,
        **values,
    )


def test_a_generated_secret_is_the_same_in_every_process_and_after_a_restart(tmp_path):
    env = clean_env(tmp_path)
    first, second = (
        subprocess.run(
            [str(APP_PYTHON), "-c", SHOW_SECRET],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        for _ in range(2)
    )
    assert len(first) >= 40 and first == second
    kept = tmp_path / "var" / "secrets" / "web_secret"
    assert kept.read_text().strip() == first
    assert (mode(kept), mode(kept.parent), mode(tmp_path / "var")) == (0o600, 0o700, 0o700)


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    # Every generator races past the "does it exist" check together; the hard link lets exactly one win.
    start, got = threading.Barrier(16), []

    def generate():
        start.wait()
        got.append(kept_secret(tmp_path / "secrets", "action_server_token"))

    threads = [threading.Thread(target=generate) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(got) == 16 and len(set(got)) == 1
    assert sorted(p.name for p in (tmp_path / "secrets").iterdir()) == ["action_server_token"]  # no temporaries left


def test_a_configured_secret_wins_and_nothing_is_generated(tmp_path):
    settings = settings_for(tmp_path / "var").model_copy(update={"web_secret": "set-by-the-operator"})
    assert bootstrap.secret(settings, "web_secret") == "set-by-the-operator"
    assert not (tmp_path / "var" / "secrets").exists()


def test_a_kept_secret_made_readable_is_made_owner_only_again(tmp_path):
    secret = kept_secret(tmp_path, "web_secret")
    (tmp_path / "web_secret").chmod(0o644)
    tmp_path.chmod(0o755)
    assert kept_secret(tmp_path, "web_secret") == secret
    assert (mode(tmp_path / "web_secret"), mode(tmp_path)) == (0o600, 0o700)


def test_an_emptied_secret_file_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "web_secret").write_text("\n")
    with pytest.raises(SecretFileError, match="delete it"):
        kept_secret(tmp_path, "web_secret")


def test_a_short_action_server_token_is_refused():
    with pytest.raises(ValueError, match="ACTION_SERVER_TOKEN"):
        make_settings(action_server_token="changeme")


async def test_a_web_chat_session_survives_a_restart(tmp_path):
    """A cookie issued before a restart (WEB_SECRET unset) still leads to the resident and their case's updates."""
    settings = settings_for(tmp_path / "var")
    db = Database(settings.database_url)
    db.create_tables()
    rasa = RasaClient(f"http://127.0.0.1:{free_port()}")  # nobody there: these requests never reach Rasa
    try:
        async with client_of(create_app(settings=settings, db=db, rasa=rasa)) as before:
            assert (await before.get("/")).status_code == 200
            cookie = before.cookies[COOKIE]
        session_id = cookie.split(".")[0]
        with db.transaction() as session:
            resident = residents.get_or_create_resident(session, channel="web", external_id=session_id)
            case = lifecycle.open_case(
                session,
                resident=resident,
                request_type="pothole",
                description="pothole outside the school",
                address="1 School Lane",
                reference_prefix="HY",
            )
            lifecycle.change_status(
                session,
                case=case,
                to_status="acknowledged",
                actor=Actor.STAFF,
                actor_name="Lee",
                public_note="A crew will look at it this week.",
                **CITY,
            )
            reference = case.reference

        # The restart: a new app instance, a new key derivation, the same VAR_DIR.
        async with client_of(create_app(settings=settings_for(tmp_path / "var"), db=db, rasa=rasa)) as after:
            after.cookies.set(COOKIE, cookie)
            answer = await after.get("/api/updates")
        assert answer.status_code == 200
        assert "set-cookie" not in answer.headers  # the old session was recognised, not replaced
        updates = " ".join(update["text"] for update in answer.json()["updates"])
        assert reference in updates and "A crew will look at it this week." in updates
        with db.transaction() as session:
            assert (
                len(
                    outbox.web_updates(
                        session,
                        resident=residents.find_resident(session, channel="web", external_id=session_id),
                        after_id=0,
                    )
                )
                >= 1
            )
    finally:
        await rasa.aclose()
        db.dispose()


def client_of(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def legacy_install(var: Path) -> list[Path]:
    """A var/ as older versions left it: world-readable database, photos and folders; what should end up private."""
    var.mkdir(mode=0o755)
    db = Database(f"sqlite:///{var / 'huiyin.db'}")
    db.create_tables()
    db.dispose()
    photo = var / "media" / "web" / "2026" / "11" / "old.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8\xff old photo")
    paths = [var, var / "huiyin.db", var / "media", var / "media" / "web", photo.parent, photo]
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return paths


def loose(paths: list[Path]) -> list[str]:
    """The paths someone other than the owner can read, write or enter."""
    return [f"{path}: {oct(mode(path))}" for path in paths if path.exists() and mode(path) & 0o077]


def data_files(var: Path) -> list[Path]:
    return [var, *var.rglob("*")]


@pytest.mark.parametrize(
    "command",
    [
        ["-m", "huiyin", "init-db"],
        ["-m", "web"],
        ["-m", "bot"],
        ["-m", "jobs"],
        ["-m", "actions"],
    ],
    ids=lambda command: " ".join(command[1:]),
)
def test_every_process_makes_the_data_owner_only_at_start(tmp_path, command):
    var = tmp_path / "var"
    paths = legacy_install(var)
    env = clean_env(
        tmp_path,
        WEB_PORT=str(free_port()),
        CONSOLE_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        RASA_URL=f"http://127.0.0.1:{free_port()}",
    )
    log = tmp_path / "process.log"
    proc = subprocess.Popen(
        [str(APP_PYTHON), *command], cwd=tmp_path, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    try:
        wait_until(lambda: not loose(paths) or proc.poll() is not None, timeout=60)
        assert not loose(paths), log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not loose(data_files(var)), log.read_text()  # the -wal/-shm files the process made, any secret


def test_files_written_after_start_up_are_owner_only(tmp_path):
    # A photo saved by the bot, a report file, a journal: everything inherits the process's umask.
    env = clean_env(tmp_path)
    script = (
        "from pathlib import Path; from huiyin import bootstrap; from huiyin.settings import get_settings\n"
        "settings = get_settings(); bootstrap.owner_only(settings)\n"
        "folder = settings.media_dir / 'telegram' / '2026' / '12'; folder.mkdir(parents=True)\n"
        "(folder / 'new.jpg').write_bytes(b'photo')\n"
    )
    subprocess.run([str(APP_PYTHON), "-c", script], cwd=tmp_path, env=env, check=True, timeout=60)
    var = tmp_path / "var"
    assert not loose(data_files(var))
    assert mode(var / "media" / "telegram" / "2026" / "12" / "new.jpg") == 0o600


def wait_until(condition, timeout: float) -> None:
    """Poll `condition` until it holds or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return
        time.sleep(0.1)
