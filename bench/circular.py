"""The PDF circular (通报): how long a month of the sample city takes to gather and to render, in both languages.

    .venvs/app/bin/python -m bench.circular [--cases 1500] [--per-department 2] [--database-url URL]

March 2026 in the sample city, on a temporary SQLite database (or the PostgreSQL given, in a schema it drops):
cases filed at random moments and places in its grids (one in ten with no place: the triage desk's), each
answered by one of its department's officials after minutes to a day (most), resolved days later (most), chased
when overdue (some), and rated by residents (half of those resolved before the 31st). Printed: the time to gather
the figures (the report and the responsiveness record by department, area and official: build_circular), the
first render (WeasyPrint's import and font set-up included) and the median of five renders of the PDF in English
and in Chinese, with its pages and size.
"""

from __future__ import annotations

import argparse
import functools
import io
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.orm import Session

from cases import lifecycle, residents
from cases.areas import routing
from cases.catalog import load_catalog
from cases.followup import chase, survey
from cases.followup.chase import CannotChase
from cases.hours import QuietHours
from cases.models import Base, Case, StaffUser
from cases.reporting.circular import build_circular
from cases.reporting.circular_pdf import render_pdf
from cases.staff import accounts
from cases.store.db import Database

TZ = "Asia/Shanghai"
CITY = {"timezone": TZ, "quiet_hours": QuietHours(datetime.min.time(), datetime.min.time(), TZ)}
MONTH_START = datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)  # 1 March, midnight in Shanghai
NOW = datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)  # 1 April, 09:00: when the monthly report goes out
H = timedelta(hours=1)


def _officials(s: Session, departments: list[str], per_department: int) -> dict[str, list[StaffUser]]:
    """A few officials per department."""
    made: dict[str, list[StaffUser]] = {}
    for n, department in enumerate(departments):
        for k in range(per_department):
            made.setdefault(department, []).append(accounts.create_staff(
                s, username=f"official{n}-{k}", password="correct horse battery", role="agent",
                display_name=f"{department.split()[0]} {k + 1}", department=department))
    return made


def _work(s: Session, rng: random.Random, case: Case, officials: list[StaffUser]) -> None:
    """Answer, chase and resolve one case in the order these happen (all before NOW)."""
    official = rng.choice(officials)
    answered = case.created_at + H * rng.uniform(0.1, 30)
    if rng.random() < 0.12 or answered >= NOW:
        return
    lifecycle.change_status(s, case=case, to_status="acknowledged", actor="staff", staff=official, now=answered,
                            **CITY)
    resolved = answered + H * rng.uniform(2, 24 * 12)
    chased = case.due_at + H * rng.uniform(1, 20)
    if chased < min(resolved, NOW) and rng.random() < 0.4:
        try:
            chase.chase_case(s, resident=case.resident, reference=case.reference, timezone=TZ, now=chased)
        except CannotChase:
            pass
    if resolved < NOW and rng.random() < 0.85:
        lifecycle.change_status(s, case=case, to_status="resolved", actor="staff", staff=official, now=resolved,
                                **CITY)


def fill(db: Database, cases: int, per_department: int, seed: int = 14) -> None:
    """The month's cases, officials, chases and ratings."""
    rng, catalog = random.Random(seed), load_catalog()
    areas = routing.router().areas
    grids = list(areas.polygons.items())
    types = [t for t in catalog.types if t.department != "Triage Desk"]
    with db.transaction() as s:
        officials = _officials(s, sorted({t.department for t in types}), per_department)
    for batch in range(0, cases, 250):
        with db.transaction() as s:
            for n in range(batch, min(cases, batch + 250)):
                kind = rng.choice(types)
                where: dict[str, object] = {"address": "somewhere unknown"}
                if rng.random() > 0.1:
                    point = rng.choice(grids)[1].representative_point()
                    where = {"latitude": point.y, "longitude": point.x}
                resident = residents.get_or_create_resident(s, channel="telegram", external_id=str(n),
                                                            display_name=f"Resident {n}", language="zh")
                filed = MONTH_START + timedelta(days=31) * rng.random()
                case = lifecycle.open_case(s, resident=resident, request_type=kind.code, description="x",
                                           reference_prefix="HY", catalog=catalog, answers_required=False, now=filed,
                                           **where)
                _work(s, rng, case, officials[kind.department])
    with db.transaction() as s:
        asked = MONTH_START + timedelta(days=30, hours=4)
        for sent in survey.send_due_surveys(s, delay_hours=2, quiet_hours=CITY["quiet_hours"], timezone=TZ,
                                            now=asked):
            if rng.random() < 0.5:
                case = s.get(Case, sent.case_id)
                assert case is not None
                survey.record_rating(s, resident=case.resident, reference=case.reference, now=asked + H,
                                     rating=rng.choice((1, 2, 3, 4, 4, 5, 5, 5)), **CITY)


def _median_seconds(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--per-department", type=int, default=2, help="officials per department")
    parser.add_argument("--database-url", help="a PostgreSQL server (a throwaway schema); default: SQLite")
    args = parser.parse_args()
    schema = None
    if args.database_url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with Database(args.database_url).engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        db = Database(f"{args.database_url}{'&' if '?' in args.database_url else '?'}options=-csearch_path%3D{schema}")
    else:
        db = Database(f"sqlite:///{Path(tempfile.mkdtemp(prefix='huiyin-circular-')) / 'bench.db'}")
    try:
        Base.metadata.create_all(db.engine)
        began = time.perf_counter()
        fill(db, args.cases, args.per_department)
        print(f"Circular: March 2026 in the sample city, {args.cases} cases "
              f"({'PostgreSQL' if schema else 'SQLite'}; filed and worked in {time.perf_counter() - began:.1f} s)")

        def gather():
            with db.transaction() as s:
                return build_circular(s, period="monthly", start=date(2026, 3, 1), end=date(2026, 4, 1),
                                      timezone=TZ, now=NOW)

        circular = gather()
        print(f"  gather figures (report + record by department, area, official): "
              f"{_median_seconds(gather, 3) * 1000:.0f} ms median of 3; {len(circular.officials)} officials, "
              f"{len(circular.areas)} areas")
        began = time.perf_counter()
        render_pdf(circular, language="en", timezone=TZ)
        print(f"  first render, WeasyPrint's import and fonts included: {time.perf_counter() - began:.2f} s")
        for language in ("en", "zh"):
            pdf = render_pdf(circular, language=language, timezone=TZ)
            seconds = _median_seconds(functools.partial(render_pdf, circular, language=language, timezone=TZ), 5)
            print(f"  render PDF ({language}): {seconds * 1000:.0f} ms median of 5; "
                  f"{len(PdfReader(io.BytesIO(pdf)).pages)} pages, {len(pdf) / 1024:.0f} KB")
    finally:
        db.dispose()
        if schema and args.database_url:
            with Database(args.database_url).engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


if __name__ == "__main__":
    sys.exit(main())
