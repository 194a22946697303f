"""Open311 under load: GET requests over many cases with filters, and POST requests from concurrent clients.

    .venvs/app/bin/python -m bench.open311 [--cases 100000] [--posts 3000] [--clients 16] [--backend both]

For each backend (SQLite file, PostgreSQL database of its own) the database is filled with `--cases` cases
spread over 180 days (every type and status, half with a public note), then `python -m web.open311` is
started on it as deployed and read over real HTTP, one request at a time: p50 and p95 per kind of filter
(the targets: p95 <= 50 ms), and the public board's pages (target: a page of 50 cases in <= 200 ms).
Then `--clients` concurrent clients post `--posts` requests with one API key;
printed: posts per second (target >= 100) and, from the database, lost and duplicated cases (target 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
from sqlalchemy import func, insert, select

from bench.procs import wait_ready
from cases.catalog import load_catalog
from cases.models import Case, CaseEvent, Resident
from cases.open311 import keys
from cases.store.db import Database
from testkit.stack import drop_postgres_database, free_port, new_postgres_database

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
STATUSES = ["submitted", "acknowledged", "in_progress", "scheduled", "resolved", "closed_fixed",
            "closed_not_fixed", "cancelled"]
CHUNK = 10_000
READS_PER_KIND = 60


def fill(db: Database, cases: int, now: datetime) -> list[str]:
    """`cases` cases over the last 180 days, inserted in bulk; their references."""
    catalog, rng = load_catalog(), random.Random(7)
    with db.transaction() as session:
        session.execute(insert(Resident), [
            {"channel": "telegram", "external_id": str(n), "language": "en", "created_at": now} for n in range(1000)])
        residents = list(session.scalars(select(Resident.id)))
    references = []
    for start in range(0, cases, CHUNK):
        rows, notes = [], []
        for n in range(start, min(cases, start + CHUNK)):
            kind = catalog.types[n % len(catalog.types)]
            created = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
            reference = f"HY-{created.year}-{n + 1:06d}"
            references.append(reference)
            note = "Work booked." if n % 2 else None
            rows.append({"latest_public_note": note, "reference": reference, "resident_id": rng.choice(residents),
                         "request_type": kind.code,
                         "department": kind.department, "description": "a problem", "address": f"{n} Park Lane",
                         "status": rng.choice(STATUSES), "answers": {}, "created_at": created,
                         "due_at": kind.due_at(created), "updated_at": created})
        with db.transaction() as session:
            ids = session.scalars(insert(Case).returning(Case.id, sort_by_parameter_order=True), rows).all()
            for case_id, row in zip(ids, rows, strict=True):
                notes.append({"case_id": case_id, "kind": "status", "from_status": None, "to_status": row["status"],
                              "actor": "staff", "created_at": row["created_at"],
                              "public_note": row["latest_public_note"]})
            session.execute(insert(CaseEvent), notes)
    with db.engine.connect() as connection:  # planner statistics, as a database in service has them
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    return references


def start_api(database_url: str, workdir: Path, workers: int) -> tuple[subprocess.Popen, str]:
    """`python -m web.open311` on a free port (uvicorn with `workers` processes when more than one)."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "OPEN311_PORT": str(port), "OPEN311_HOST": "127.0.0.1",
           "VAR_DIR": str(workdir), "MEDIA_DIR": str(workdir / "media"), "OPEN311_POSTS_PER_MINUTE": "1000000",
           "OPEN311_WORKERS": str(workers)}
    proc = subprocess.Popen([sys.executable, "-m", "web.open311"], cwd=ROOT, env=env,
                            stdout=(workdir / "open311.log").open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/open311/v2"
    wait_ready(f"{base}/services.json", proc, timeout=60)
    return proc, base


def read_queries(references: list[str], now: datetime) -> dict[str, list[str]]:
    """Kinds of GET requests a client makes, each with varied arguments."""
    rng = random.Random(11)
    codes = load_catalog().codes()

    def day(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")

    return {
        "default (90 days, 1000 rows)": ["requests.json"] * READS_PER_KIND,
        "service_code + status=open": [f"requests.json?service_code={rng.choice(codes)}&status=open"
                                       for _ in range(READS_PER_KIND)],
        "7-day window": [f"requests.json?start_date={day(d + 7)}&end_date={day(d)}"
                         for d in (rng.randrange(170) for _ in range(READS_PER_KIND))],
        "window + code + closed": [f"requests.json?start_date={day(d + 30)}&end_date={day(d)}"
                                   f"&service_code={rng.choice(codes)}&status=closed"
                                   for d in (rng.randrange(150) for _ in range(READS_PER_KIND))],
        "10 ids": ["requests.json?service_request_id=" + ",".join(rng.sample(references, 10))
                   for _ in range(READS_PER_KIND)],
        "one request (xml)": [f"requests/{rng.choice(references)}.xml" for _ in range(READS_PER_KIND)],
        # The public board, on the same process (paths from the site's root).
        "board: newest 50": ["/board?lang=en"] * READS_PER_KIND,
        "board: page 40, open, zh": ["/board?lang=zh&status=open&page=40"] * READS_PER_KIND,
        "board: a case's page": [f"/board/cases/{rng.choice(references)}" for _ in range(READS_PER_KIND)],
        "board: monthly figures": ["/board/figures?period=monthly"] * 10,
    }


def measure_reads(base: str, queries: dict[str, list[str]]) -> None:
    with httpx.Client(timeout=30) as client:
        client.get(f"{base}/{queries['10 ids'][0]}")  # warm the connection and the process
        every: list[float] = []
        for kind, paths in queries.items():
            times = []
            for path in paths:
                url = f"{base.split('/open311/')[0]}{path}" if path.startswith("/") else f"{base}/{path}"
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text
            if not kind.startswith("board"):
                every += times
            rows = response.text.count("service_request_id") or response.text.count('class="case ')
            print(f"  GET {kind:30s} p50 {statistics.median(times):6.1f} ms  "
                  f"p95 {statistics.quantiles(times, n=20)[18]:6.1f} ms  ({rows} rows in the last)")
        print(f"  GET all Open311 kinds              p50 {statistics.median(every):6.1f} ms  "
              f"p95 {statistics.quantiles(every, n=20)[18]:6.1f} ms")


async def measure_posts(base: str, key: str, posts: int, clients: int, marker: str) -> tuple[float, int]:
    """Post `posts` requests from `clients` concurrent clients; (seconds, failed posts)."""
    todo = list(range(posts))
    failed = 0

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal failed
        while todo:
            n = todo.pop()
            response = await client.post(f"{base}/requests.json", data={
                "api_key": key, "service_code": "pothole", "address_string": f"{n} Elm Street",
                "description": f"{marker}-{n}", "email": f"reporter{n % 50}@example.org"})
            if response.status_code != 200:
                failed += 1

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
        return time.perf_counter() - started, failed


def run(backend: str, args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix=f"open311-{backend}-"))
    url = f"sqlite:///{workdir / 'bench.db'}" if backend == "sqlite" else new_postgres_database(POSTGRES, "open311")
    db = Database(url)
    proc = None
    try:
        db.create_tables()
        now = datetime.now(timezone.utc)
        started = time.perf_counter()
        references = fill(db, args.cases, now)
        with db.transaction() as session:
            key = keys.create_key(session, name="bench")[1]
        print(f"\n{backend}: {args.cases} cases in {time.perf_counter() - started:.0f} s; "
              f"{args.workers} Open311 process(es)")
        proc, base = start_api(url, workdir, args.workers)
        measure_reads(base, read_queries(references, now))
        marker = f"bench{int(time.time())}"
        seconds, failed = asyncio.run(measure_posts(base, key, args.posts, args.clients, marker))
        with db.transaction() as session:
            filed = session.execute(select(Case.description, func.count()).where(Case.description.like(f"{marker}-%"))
                                    .group_by(Case.description)).all()
        duplicated = sum(count - 1 for _, count in filed)
        lost = args.posts - failed - len(filed)
        print(f"  POST {args.posts} requests, {args.clients} clients: {args.posts / seconds:.0f} per second, "
              f"{failed} refused, {lost} lost, {duplicated} duplicated")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        db.dispose()
        if backend == "postgres":
            drop_postgres_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1, help="Open311 processes (OPEN311_WORKERS)")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
