"""`python -m web.open311` as deployed: its own process on its own port, two workers, over real HTTP."""

from __future__ import annotations

import os
import subprocess
from xml.etree import ElementTree

import httpx

from cases import queries
from cases.open311 import keys
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT, free_port, wait_for


def test_the_process_serves_reads_and_posts(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPEN311_", "DATABASE_", "MEDIA_", "VAR_"))}
    env.update(PYTHONPATH=str(PROJECT_ROOT), DATABASE_URL=f"sqlite:///{tmp_path / 'huiyin.db'}",
               VAR_DIR=str(tmp_path), MEDIA_DIR=str(tmp_path / "media"), OPEN311_PORT=str(port), OPEN311_WORKERS="2")
    log = tmp_path / "open311.log"
    # Run from tmp_path so a developer's .env in the project cannot configure it.
    proc = subprocess.Popen([str(APP_PYTHON), "-m", "web.open311"], cwd=tmp_path, env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/open311/v2"
    db = None
    try:
        wait_for(f"{base}/services.json", proc, log, timeout=60)
        db = Database(env["DATABASE_URL"])  # the process made the tables
        with db.transaction() as session:
            key = keys.create_key(session, name="CRM")[1]
        services = ElementTree.fromstring(httpx.get(f"{base}/services.xml").content)
        assert len(services.findall("service")) == 12
        posted = httpx.post(f"{base}/requests.json", data={"api_key": key, "service_code": "graffiti",
                                                           "address_string": "2 Mill Lane", "description": "tags"})
        assert posted.status_code == 200, posted.text
        reference = posted.json()[0]["service_request_id"]
        [row] = httpx.get(f"{base}/requests/{reference}.json").json()
        assert (row["service_code"], row["status"], row["address"]) == ("graffiti", "open", "2 Mill Lane")
        with db.transaction() as session:
            assert queries.find_case(session, reference=reference).resident.channel == "open311"
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if db is not None:
            db.dispose()
