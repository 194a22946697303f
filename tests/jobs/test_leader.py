"""Exactly one scheduler runs: the scheduler lock (jobs.leader), on PostgreSQL and on a file, and two processes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from cases.store.db import make_engine
from jobs.leader import SchedulerLock
from tests.conftest import POSTGRES_URL
from tests.jobs.test_main import start_jobs, stop, wait_for_line


def test_on_one_machine_a_file_lock_lets_one_scheduler_in(tmp_path):
    first, second = (SchedulerLock(f"sqlite:///{tmp_path}/h.db", tmp_path / "var") for _ in range(2))
    assert first.try_acquire() and first.still_held()
    assert not second.try_acquire()
    first.release()
    assert not first.still_held()
    assert second.try_acquire()
    second.release()


@pytest.mark.postgres
def test_on_postgresql_an_advisory_lock_lets_one_scheduler_in_and_a_dead_connection_frees_it(tmp_path):
    first, second = (SchedulerLock(POSTGRES_URL, tmp_path / f"var{n}") for n in range(2))  # other machines
    try:
        assert first.try_acquire() and first.still_held()
        assert not second.try_acquire() and not second.still_held()
        first.release()
        assert second.try_acquire()
        # the holder's connection dies (PostgreSQL restarted, network gone): the lock is free, and it knows
        admin = make_engine(POSTGRES_URL)
        with admin.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                                    "AND pid <> pg_backend_pid() AND objsubid = 1"))
        admin.dispose()
        assert not second.still_held()
        assert first.try_acquire()
    finally:
        first.release()
        second.release()


def test_a_second_scheduler_process_stands_by_and_takes_over_when_the_first_stops(tmp_path):
    first, first_log = start_jobs(tmp_path / "a", VAR_DIR=str(tmp_path / "var"),
                                  DATABASE_URL=f"sqlite:///{tmp_path / 'huiyin.db'}")
    wait_for_line(first, first_log, "scheduler running")
    second, second_log = start_jobs(tmp_path / "b", VAR_DIR=str(tmp_path / "var"),
                                    DATABASE_URL=f"sqlite:///{tmp_path / 'huiyin.db'}")
    try:
        wait_for_line(second, second_log, "another scheduler is running: standing by")
        assert "scheduler running" not in second_log.read_text()
        stop(first, first_log)
        wait_for_line(second, second_log, "taking over")
        wait_for_line(second, second_log, "scheduler running")
    finally:
        if first.poll() is None:
            first.kill()
    assert stop(second, second_log).rstrip().endswith("stopped")
