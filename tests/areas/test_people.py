"""An area's people are set in the console's staff page and on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from cases.models import StaffUser
from cases.store.db import Database
from tests.city import QUIET_HOURS_OFF_ENV
from tests.web.conftest import add_staff, login

ROOT = Path(__file__).resolve().parents[2]


def area_of(db, username):
    with db.transaction() as s:
        return s.scalar(select(StaffUser.area_code).where(StaffUser.username == username))


async def test_an_admin_sets_a_grid_worker_and_a_community_supervisor(app, db):
    add_staff(db, "boss", "admin")
    worker_id = add_staff(db, "gridw", "agent")
    supervisor_id = add_staff(db, "comm", "supervisor")
    dora_id = add_staff(db, "dora", "supervisor", "Sanitation")
    admin = await login(app, "boss")
    page = await admin.get("/staff")
    assert '<option value="D01-S01-C02-G06">' in page.text
    done = await admin.post(f"/staff/{worker_id}/area", data={"csrf_token": admin.csrf, "area": "D01-S01-C02-G06"})
    assert done.status_code == 303 and area_of(db, "gridw") == "D01-S01-C02-G06"
    await admin.post(f"/staff/{supervisor_id}/area", data={"csrf_token": admin.csrf, "area": "D01-S01-C02"})
    assert area_of(db, "comm") == "D01-S01-C02"
    # refused, changing nothing: a supervisor for a grid, an unknown area, department staff
    for member, area in [(supervisor_id, "D01-S01-C02-G01"), (worker_id, "Z99"), (dora_id, "D01")]:
        refused = await admin.post(f"/staff/{member}/area", data={"csrf_token": admin.csrf, "area": area})
        assert refused.status_code == 303
    assert (area_of(db, "comm"), area_of(db, "gridw"), area_of(db, "dora")) == ("D01-S01-C02", "D01-S01-C02-G06", None)
    await admin.post(f"/staff/{worker_id}/area", data={"csrf_token": admin.csrf, "area": ""})
    assert area_of(db, "gridw") is None
    # only those who manage staff may
    agent = await login(app, "comm")
    assert (await agent.post(f"/staff/{worker_id}/area", data={"csrf_token": agent.csrf, "area": "D01-S01-C02-G06"})
            ).status_code in (302, 303, 403)
    assert area_of(db, "gridw") is None


def _run(args, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "MEDIA_DIR": str(tmp_path / "media"),
           "HUIYIN_STAFF_PASSWORD": "grid worker secret", **QUIET_HOURS_OFF_ENV}
    return subprocess.run([sys.executable, "-m", "huiyin", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_the_command_line_sets_a_grids_worker(tmp_path):
    assert _run(["create-staff", "wang", "--role", "agent", "--name", "Wang Wei"], tmp_path).returncode == 0
    done = _run(["set-area", "wang", "D01-S01-C02-G06"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "wang now answers for grid D01-S01-C02-G06 (Grid 6)."
    listing = _run(["list-areas"], tmp_path)
    assert "D01-S01-C02-G06\tgrid\tGrid 6 / 第6网格\twang\n" in listing.stdout
    assert "D01\tdistrict\tJing'an / 静安区\t-\n" in listing.stdout
    assert "wang\tagent\tD01-S01-C02-G06\tactive" in _run(["list-staff"], tmp_path).stdout
    wrong = _run(["set-area", "wang", "D01"], tmp_path)
    assert wrong.returncode == 1 and "a district takes a supervisor" in wrong.stderr
    assert _run(["set-area", "nobody", "D01"], tmp_path).returncode == 1
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        assert area_of(db, "wang") == "D01-S01-C02-G06"
    finally:
        db.dispose()
    assert _run(["set-area", "wang", "none"], tmp_path).returncode == 0
