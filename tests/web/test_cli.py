"""`python -m huiyin create-staff` and `list-staff`, run as a staff member would run them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from cases.staff import accounts as staff
from cases.store.db import Database
from tests.city import QUIET_HOURS_OFF_ENV

ROOT = Path(__file__).resolve().parents[2]


def _run(args, tmp_path, *, password=None, stdin=None):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "MEDIA_DIR": str(tmp_path / "media"),
           **QUIET_HOURS_OFF_ENV}
    env.pop("HUIYIN_STAFF_PASSWORD", None)
    if password is not None:
        env["HUIYIN_STAFF_PASSWORD"] = password
    return subprocess.run([sys.executable, "-m", "huiyin", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_create_staff_then_log_in_with_it(tmp_path):
    done = _run(["create-staff", "dora", "--role", "supervisor", "--name", "Dora Wu",
                 "--department", "Roads and Highways", "--telegram-chat-id", "4242"], tmp_path,
                password="supervisor secret")
    assert done.returncode == 0, done.stderr
    assert "Created supervisor dora (Dora Wu, Roads and Highways)" in done.stdout
    from_stdin = _run(["create-staff", "ann", "--role", "agent", "--password-stdin"], tmp_path,
                      stdin="agent secret 123\n")
    assert from_stdin.returncode == 0, from_stdin.stderr
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with db.transaction() as session:
            dora = staff.authenticate(session, "dora", "supervisor secret")
            assert (dora.role, dora.department, dora.telegram_chat_id) == ("supervisor", "Roads and Highways", "4242")
            assert staff.authenticate(session, "ann", "agent secret 123").role == "agent"
    finally:
        db.dispose()
    listing = _run(["list-staff"], tmp_path)
    assert listing.returncode == 0
    assert "dora\tsupervisor\tRoads and Highways\tactive\tDora Wu" in listing.stdout
    assert "ann\tagent\t-\tactive\tann" in listing.stdout


def test_create_staff_with_a_language(tmp_path):
    done = _run(["create-staff", "mei", "--role", "agent", "--language", "zh"], tmp_path, password="agent secret 123")
    assert done.returncode == 0, done.stderr
    _run(["create-staff", "ann", "--role", "agent"], tmp_path, password="agent secret 123")
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with db.transaction() as session:
            assert staff.authenticate(session, "mei", "agent secret 123").language == "zh"
            assert staff.authenticate(session, "ann", "agent secret 123").language is None  # the browser's
    finally:
        db.dispose()
    wrong = _run(["create-staff", "bob", "--role", "agent", "--language", "fr"], tmp_path, password="agent secret 123")
    assert wrong.returncode == 2  # argparse: invalid choice


def test_create_staff_refuses_bad_input_clearly(tmp_path):
    short = _run(["create-staff", "ann", "--role", "agent"], tmp_path, password="short")
    assert short.returncode == 1 and "at least 10 characters" in short.stderr and "Traceback" not in short.stderr
    bad_name = _run(["create-staff", "A", "--role", "agent"], tmp_path, password="long enough pass")
    assert bad_name.returncode == 1 and "username" in bad_name.stderr
    _run(["create-staff", "ann", "--role", "agent"], tmp_path, password="long enough pass")
    again = _run(["create-staff", "ann", "--role", "admin"], tmp_path, password="long enough pass")
    assert again.returncode == 1 and "taken" in again.stderr
    wrong_role = _run(["create-staff", "bob", "--role", "mayor"], tmp_path, password="long enough pass")
    assert wrong_role.returncode == 2  # argparse: invalid choice


def test_set_status_scheduled_needs_a_date(tmp_path):
    assert _run(["init-db"], tmp_path).returncode == 0
    from cases import lifecycle, residents

    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with db.transaction() as session:
            resident = residents.get_or_create_resident(session, channel="web", external_id="w1")
            reference = lifecycle.open_case(session, resident=resident, request_type="pothole",
                                          description="hole", address="Main St", reference_prefix="HY").reference
    finally:
        db.dispose()
    refused = _run(["set-status", reference, "scheduled"], tmp_path)
    assert refused.returncode == 1 and "Not done: a scheduled case needs the date" in refused.stderr
    done = _run(["set-status", reference, "scheduled", "--scheduled-for", "2030-01-02"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is now scheduled" in done.stdout
