"""The "someone already reported this" check (cases/nearby.py) over a city's worth of open cases.

    .venvs/app/bin/python -m bench.nearby [--cases 100000] [--closed 50000] [--checks 300] [--backend both]
                                          [--postgres postgresql://postgres@127.0.0.1:5432/test]

For each backend (a temporary SQLite file; a temporary PostgreSQL database, created and dropped) the database
is filled in bulk with `--cases` open cases and `--closed` closed ones over a city about 20 km across: 60% around
forty busy spots, the rest spread evenly, every type of the catalog, one in ten with a typed address only (English
or Chinese) and no pin. A square kilometre in the middle (a park) has none. Then `--checks` checks, one transaction
each as the filing form runs them, for each kind of place: a pin at a busy spot ("dense"), a pin in the park
("empty"), a typed street and number ("address"). Printed: median and p95 in ms (target: p95 <= 20 ms).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select

from cases.catalog import load_catalog
from cases.models import Case, Resident
from cases.nearby import METRES_PER_DEGREE, nearby_open_cases
from cases.store.db import Database
from testkit.stack import drop_postgres_database, new_postgres_database

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
CENTRE = (31.2304, 121.4737)
HALF_SIDE_M = 10_000  # the city is 20 km across
PARK_HALF_SIDE_M = 500  # no case in the middle square kilometre
OPEN = ["submitted", "acknowledged", "in_progress", "scheduled"]
CLOSED = ["resolved", "closed_fixed", "closed_not_fixed", "cancelled"]
SPOTS = 40
CHUNK = 10_000
STREETS = ["Park Lane", "Mill Road", "Church Street", "Station Road", "High Street"]
ZH_STREETS = ["建设路", "人民路", "解放大道", "中山路", "和平街"]


def offset(north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` north and `east_m` east of the city's centre."""
    lat = CENTRE[0] + north_m / METRES_PER_DEGREE
    return lat, CENTRE[1] + east_m / (METRES_PER_DEGREE * math.cos(math.radians(CENTRE[0])))


def in_park(north_m: float, east_m: float) -> bool:
    return abs(north_m) < PARK_HALF_SIDE_M and abs(east_m) < PARK_HALF_SIDE_M


def spots(rng: random.Random) -> list[tuple[float, float]]:
    """The busy spots, as metres from the centre, none in the park."""
    found: list[tuple[float, float]] = []
    while len(found) < SPOTS:
        north, east = rng.uniform(-9000, 9000), rng.uniform(-9000, 9000)
        if abs(north) > 1500 or abs(east) > 1500:
            found.append((north, east))
    return found


def place(rng: random.Random, busy: list[tuple[float, float]]) -> tuple[float, float]:
    """Where a case is, in metres from the centre: around a busy spot, or anywhere but the park."""
    while True:
        if rng.random() < 0.6:
            north, east = rng.choice(busy)
            north, east = north + rng.gauss(0, 150), east + rng.gauss(0, 150)
        else:
            north, east = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M), rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
        if not in_park(north, east):
            return north, east


def address(rng: random.Random) -> str:
    """A typed address: an English or a Chinese street and number."""
    if rng.random() < 0.5:
        return f"{rng.randrange(1, 400)} {rng.choice(STREETS)}"
    return f"{rng.choice(ZH_STREETS)}{rng.randrange(1, 400)}号"


def fill(db: Database, *, open_cases: int, closed_cases: int, now: datetime, busy: list[tuple[float, float]]) -> None:
    """The cases, inserted in bulk."""
    catalog, rng = load_catalog(), random.Random(11)
    with db.transaction() as session:
        session.execute(insert(Resident), [
            {"channel": "telegram", "external_id": str(n), "language": "en", "created_at": now} for n in range(1000)])
        residents = list(session.scalars(select(Resident.id)))
    total = open_cases + closed_cases
    for start in range(0, total, CHUNK):
        rows = []
        for n in range(start, min(total, start + CHUNK)):
            kind = catalog.types[rng.randrange(len(catalog.types))]
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 60))
            typed = rng.random() < 0.1
            lat, lon = (None, None) if typed else offset(*place(rng, busy))
            rows.append({"reference": f"HY-B-{n + 1:07d}", "resident_id": rng.choice(residents),
                         "request_type": kind.code, "department": kind.department, "description": "a problem",
                         "latitude": lat, "longitude": lon, "address": address(rng) if typed else None,
                         "status": rng.choice(OPEN if n < open_cases else CLOSED), "answers": {},
                         "created_at": created, "due_at": kind.due_at(created), "updated_at": created})
        with db.transaction() as session:
            session.execute(insert(Case), rows)
    with db.engine.connect() as connection:  # planner statistics, as a database in service has them
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def timed(db: Database, checks: list[dict], now: datetime) -> tuple[list[float], int]:
    """Each check in a transaction of its own: the times in ms, and how many found a case."""
    times, found = [], 0
    for check in checks:
        started = time.perf_counter()
        with db.transaction() as session:
            found += bool(nearby_open_cases(session, now=now, limit=2, **check))
        times.append((time.perf_counter() - started) * 1000)
    return times, found


def checks_of(kind: str, count: int, busy: list[tuple[float, float]]) -> list[dict]:
    """`count` checks at one kind of place, over every type."""
    rng, codes = random.Random(kind), load_catalog().codes()
    made = []
    for n in range(count):
        code = codes[n % len(codes)]
        if kind == "address":
            made.append({"request_type": code, "latitude": None, "longitude": None, "address": address(rng)})
            continue
        if kind == "dense":
            north, east = rng.choice(busy)
            lat, lon = offset(north + rng.gauss(0, 50), east + rng.gauss(0, 50))
        else:
            lat, lon = offset(rng.uniform(-400, 400), rng.uniform(-400, 400))
        made.append({"request_type": code, "latitude": lat, "longitude": lon, "address": None})
    return made


def run_backend(backend: str, args: argparse.Namespace, workdir: Path) -> None:
    """Fill one backend, then time the checks at each kind of place."""
    url = f"sqlite:///{workdir / 'nearby.db'}" if backend == "sqlite" else new_postgres_database(args.postgres,
                                                                                                   "nearby")
    db = Database(url)
    try:
        db.create_tables()
        now, busy = datetime.now(timezone.utc), spots(random.Random(5))
        started = time.perf_counter()
        fill(db, open_cases=args.cases, closed_cases=args.closed, now=now, busy=busy)
        print(f"{backend}: {args.cases} open + {args.closed} closed cases in {time.perf_counter() - started:.0f} s")
        for kind in ("dense", "empty", "address"):
            checks = checks_of(kind, args.checks, busy)
            timed(db, checks[:20], now)  # warm the connection pool and the caches
            times, found = timed(db, checks, now)
            p95 = statistics.quantiles(times, n=20)[-1]
            print(f"  {kind:8s} median {statistics.median(times):6.2f} ms   p95 {p95:6.2f} ms   "
                  f"found a case {found}/{len(checks)}")
    finally:
        db.dispose()
        if backend == "postgres":
            drop_postgres_database(url)


def main() -> int:
    """Run the benchmark on the chosen backends and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=50_000)
    parser.add_argument("--checks", type=int, default=300)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL server URL (a database is made on it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
            run_backend(backend, args, Path(workdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
