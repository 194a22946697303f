"""The resident's own data: how long an export and a forget take for a resident with many cases, among many others.

    .venvs/app/bin/python -m bench.residents_data [--cases 200] [--others 20000] [--runs 5]

On a SQLite file: `--others` cases of other residents, then one resident with `--cases` cases (each with a photo,
history and a live-chat message). Printed: the export's median time and size, and the forget's time (run on a
fresh copy of the resident each time). No target in the brief; the figures show what a request costs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert

from cases import lifecycle
from cases.handoff import handoff
from cases.hours import QuietHours, parse_time
from cases.models import Base, Case, Resident
from cases.residents import get_or_create_resident
from cases.residents_data import export, forget
from cases.store.db import Database

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
CITY = {"timezone": "Asia/Shanghai", "quiet_hours": QuietHours(parse_time("00:00"), parse_time("00:00"),
                                                               "Asia/Shanghai")}


def _fill_others(db: Database, count: int) -> None:
    with db.transaction() as session:
        other = get_or_create_resident(session, channel="web", external_id="others", now=NOW)
        session.execute(insert(Case), [dict(
            reference=f"HY-2025-{n:05d}", resident_id=other.id, request_type="pothole", department="Roads",
            description="someone else's", status="submitted", created_at=NOW, due_at=NOW, updated_at=NOW,
            answers={}, publication="pending", publish_allowed=True, escalation_level=0) for n in range(count)])


def _resident(db: Database, external_id: str, cases: int) -> None:
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="telegram", external_id=external_id,
                                          display_name="Bench Resident", now=NOW)
        for n in range(cases):
            lifecycle.open_case(session, resident=resident, request_type="pothole", description=f"hole {n}",
                                address=f"{n} Bench Road", photos=[f"bench/{external_id}-{n}.jpg"],
                                reference_prefix="HY", now=NOW - timedelta(minutes=n))
        chat = handoff.request_handoff(session, resident=resident, reason="bench", now=NOW)
        handoff.add_message(session, handoff=chat, direction="resident", text="hello", now=NOW)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--others", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'bench.db'}")
        Base.metadata.create_all(db.engine)
        _fill_others(db, args.others)
        exports, forgets, size = [], [], 0
        for run in range(args.runs):
            _resident(db, f"bench-{run}", args.cases)
            with db.transaction() as session:
                resident = session.query(Resident).filter_by(external_id=f"bench-{run}").one()
                start = time.perf_counter()
                size = len(export.export_json(export.export_resident(session, resident=resident, now=NOW)))
                exports.append(time.perf_counter() - start)
            with db.transaction() as session:
                resident = session.query(Resident).filter_by(external_id=f"bench-{run}").one()
                start = time.perf_counter()
                forget.forget_resident(session, resident=resident, now=NOW, **CITY)
            forgets.append(time.perf_counter() - start)  # the commit included
        db.dispose()
    print(f"resident with {args.cases} cases among {args.others} others, SQLite, {args.runs} runs")
    print(f"export: median {statistics.median(exports) * 1000:.0f} ms, {size / 1024:.0f} KiB of JSON")
    print(f"forget: median {statistics.median(forgets) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
