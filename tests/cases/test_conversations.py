"""Where Rasa keeps conversations and how old ones go (cases.store.conversations)."""

from __future__ import annotations

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, text

from cases.store import conversations
from cases.store.db import make_engine
from huiyin.settings import Settings
from tests.conftest import POSTGRES_URL


def test_the_tracker_store_follows_the_database_unless_told_otherwise(tmp_path):
    sqlite = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/h.db", var_dir=tmp_path)
    assert sqlite.tracker_store_url() == f"sqlite:///{tmp_path}/rasa-trackers.db"
    postgres = Settings(_env_file=None, database_url="postgresql+psycopg://u:p@db:5432/city")
    assert postgres.tracker_store_url() == "postgresql+psycopg://u:p@db:5432/city"
    assert conversations.for_rasa(postgres.tracker_store_url()) == "postgresql://u:p@db:5432/city"  # psycopg2
    told = Settings(_env_file=None, rasa_tracker_store_url="sqlite:////srv/trackers.db")
    assert told.tracker_store_url() == "sqlite:////srv/trackers.db"


def test_prune_before_rasa_ever_started_finds_nothing(tmp_path):
    assert conversations.prune(f"sqlite:///{tmp_path}/none.db", "rasa", before=datetime.now(timezone.utc)) == 0
    engine = create_engine(f"sqlite:///{tmp_path}/empty.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE other (id INTEGER)"))
    engine.dispose()
    assert conversations.prune(f"sqlite:///{tmp_path}/empty.db", "rasa", before=datetime.now(timezone.utc)) == 0


@pytest.mark.postgres
def test_prune_on_postgresql_deletes_only_old_events_in_rasas_schema():
    schema = f"rasa_prune_{secrets.token_hex(4)}"
    conversations.ensure_schema(POSTGRES_URL, schema)
    conversations.ensure_schema(POSTGRES_URL, schema)  # twice is fine
    engine = make_engine(POSTGRES_URL)
    now = datetime.now(timezone.utc)
    try:
        with engine.begin() as connection:  # the columns Rasa's SQL tracker store uses
            connection.execute(text(f"CREATE TABLE {schema}.events (id SERIAL PRIMARY KEY, sender_id TEXT, "
                                    "type_name TEXT, timestamp DOUBLE PRECISION, data TEXT)"))
            for age in (40, 31, 2, 0):
                connection.execute(text(f"INSERT INTO {schema}.events (sender_id, type_name, timestamp) "
                                        "VALUES ('web:1', 'user', :t)"),
                                   {"t": (now - timedelta(days=age)).timestamp()})
        assert conversations.prune(POSTGRES_URL, schema, before=now - timedelta(days=30)) == 2
        with engine.connect() as connection:
            assert connection.scalar(text(f"SELECT count(*) FROM {schema}.events")) == 2
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


@pytest.mark.postgres
def test_replicas_creating_the_schema_at_the_same_moment_all_succeed():
    schema = f"rasa_race_{secrets.token_hex(4)}"
    start = threading.Barrier(6)

    def create() -> None:
        start.wait()
        conversations.ensure_schema(POSTGRES_URL, schema)

    try:
        with ThreadPoolExecutor(6) as pool:
            for future in [pool.submit(create) for _ in range(6)]:
                future.result()  # without turns, one of them fails on pg_namespace's unique index
    finally:
        engine = make_engine(POSTGRES_URL)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
