"""The policy database in the console (real app, real database, CSRF) and on the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from cases.models import PolicyAnswer
from cases.store.db import Database
from tests.city import QUIET_HOURS_OFF_ENV
from tests.web.conftest import add_staff, app, console_settings, login  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
FORM = {"code": "fireworks", "title_en": "Fireworks", "answer_en": "Banned inside the ring road.",
        "keywords_en": "fireworks, firecrackers", "title_zh": "烟花爆竹", "answer_zh": "环路以内禁放。",
        "keywords_zh": "烟花, 鞭炮", "examples_en": "can I let off rockets on my balcony\r\n\r\nsparklers ok?",
        "examples_zh": "过年能放炮吗", "source_url": "https://www.example.gov/fireworks",
        "effective_from": "2024-01-01", "expires_on": ""}


def rows(db) -> list[PolicyAnswer]:
    with db.transaction() as session:
        return list(session.scalars(select(PolicyAnswer)))


async def test_supervisor_adds_edits_and_retires_an_answer(app, db):
    add_staff(db, "sue", "supervisor")
    client = await login(app, "sue")
    created = await client.post("/policies", data={"csrf_token": client.csrf, **FORM})
    assert created.status_code == 303 and created.headers["location"] == "/policies"
    [row] = rows(db)
    assert (row.code, row.answer_zh, row.expires_on) == ("fireworks", "环路以内禁放。", None)
    assert (row.examples_en, row.examples_zh) == ("can I let off rockets on my balcony\nsparklers ok?", "过年能放炮吗")
    page = await client.get(f"/policies?edit={row.id}")
    assert 'id="policy-edit-form"' in page.text and "Banned inside the ring road." in page.text
    assert 'name="examples_en"' in page.text and "sparklers ok?</textarea>" in page.text
    saved = await client.post(f"/policies/{row.id}", data={"csrf_token": client.csrf, **FORM,
                                                           "answer_en": "Banned everywhere.",
                                                           "expires_on": "2030-01-01"})
    assert saved.status_code == 303
    [row] = rows(db)
    assert (row.answer_en, row.expires_on.isoformat()) == ("Banned everywhere.", "2030-01-01")
    retired = await client.post(f"/policies/{row.id}/retire", data={"csrf_token": client.csrf})
    assert retired.status_code == 303
    listing = await client.get("/policies")
    assert 'data-code="fireworks" data-state="retired"' in listing.text
    assert rows(db)[0].retired_at is not None


async def test_bad_input_is_refused_with_a_message_and_nothing_saved(app, db):
    add_staff(db, "sue", "supervisor")
    client = await login(app, "sue")
    refused = await client.post("/policies", data={"csrf_token": client.csrf, **FORM, "effective_from": "soon"})
    assert refused.status_code == 303
    page = await client.get("/policies")
    assert "Not done: The effective date must be a date as YYYY-MM-DD." in page.text
    assert rows(db) == []
    missing = await client.post("/policies/999/retire", data={"csrf_token": client.csrf})
    assert missing.status_code == 404


async def test_agents_read_but_cannot_change_and_csrf_is_required(app, db):
    add_staff(db, "sue", "supervisor")
    add_staff(db, "ann", "agent", "Roads and Highways")
    sue = await login(app, "sue")
    without_token = await sue.post("/policies", data=FORM)
    assert without_token.status_code == 403 and rows(db) == []
    await sue.post("/policies", data={"csrf_token": sue.csrf, **FORM})
    ann = await login(app, "ann")
    page = await ann.get("/policies")
    assert page.status_code == 200 and "Fireworks" in page.text and 'id="policy-form"' not in page.text
    [row] = rows(db)
    assert (await ann.post(f"/policies/{row.id}/retire", data={"csrf_token": ann.csrf})).status_code == 403
    assert rows(db)[0].retired_at is None


def _cli(args, tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", "MEDIA_DIR": str(tmp_path / "media"),
           **QUIET_HOURS_OFF_ENV}
    return subprocess.run([sys.executable, "-m", "huiyin", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_init_db_seeds_the_sample_once_and_load_policies_updates(tmp_path):
    first = _cli(["init-db"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "loaded 18 sample policy answers" in first.stdout
    assert "sample policy" not in _cli(["init-db"], tmp_path).stdout
    mine = tmp_path / "mine.yml"
    mine.write_text("policies:\n  - code: fireworks\n    effective_from: 2024-01-01\n"
                    "    en: {title: Fireworks, answer: Never.}\n", encoding="utf-8")
    loaded = _cli(["load-policies", str(mine)], tmp_path)
    assert loaded.returncode == 0 and "0 added, 1 updated" in loaded.stdout
    mine.write_text("policies:\n  - code: fireworks\n    effective_from: someday\n", encoding="utf-8")
    bad = _cli(["load-policies", str(mine)], tmp_path)
    assert bad.returncode == 1 and "Not done: answer 1 (fireworks)" in bad.stderr
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    try:
        with db.transaction() as session:
            row = session.scalar(select(PolicyAnswer).where(PolicyAnswer.code == "fireworks"))
            assert (row.answer_en, row.answer_zh) == ("Never.", "")
    finally:
        db.dispose()
