"""Migrations: they build exactly the models' schema, and upgrade a first-release database keeping its data."""

from __future__ import annotations

from datetime import datetime, timezone

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from cases import lifecycle, queries
from cases.models import Base, Case
from cases.store import migrate
from cases.store.db import Database
from cases.workflow import Actor
from tests.city import CITY


def _fresh(db: Database) -> Database:
    """The fixture's database emptied of the tables it created with create_all."""
    Base.metadata.drop_all(db.engine)
    return db


def _differences(db: Database) -> list:
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_migrations_build_the_models_schema(db):
    db = _fresh(db)
    db.create_tables()
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert _differences(db) == []
    db.create_tables()  # at head: nothing to do
    assert migrate.current_revision(db.engine) == migrate.head_revision()


def test_first_release_database_is_upgraded_with_its_data(db):
    db = _fresh(db)
    with db.engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), migrate.FIRST_REVISION)
        connection.execute(text("DROP TABLE alembic_version"))  # the first release had no migrations
        now = datetime(2026, 11, 1, 8, 0)
        connection.execute(
            text(
                "INSERT INTO residents (id, channel, external_id, language, consent, created_at) "
                "VALUES (1, 'telegram', '42', 'en', false, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO cases (id, reference, resident_id, request_type, department, description, address, status,"
                " created_at, due_at, updated_at)"
                " VALUES (1, 'HY-2026-00001', 1, 'pothole', 'Roads', 'hole', 'Park Lane', 'submitted',"
                " :now, :now, :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO case_events (case_id, to_status, actor, public_note, created_at)"
                " VALUES (1, 'submitted', 'resident', NULL, :now), (1, 'submitted', 'staff', 'Seen, thanks.', :now),"
                " (1, 'submitted', 'staff', NULL, :now)"
            ),
            {"now": now},
        )
    assert inspect(db.engine).has_table("cases") and migrate.current_revision(db.engine) is None

    db.create_tables()

    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert _differences(db) == []
    with db.transaction() as session:
        case = queries.find_case(session, reference="HY-2026-00001")
        assert case.escalation_level == 0 and case.events[0].kind == "status"
        assert case.latest_public_note == "Seen, thanks." and case.answers == {}  # filled in by the migrations
        lifecycle.change_status(
            session,
            case=case,
            to_status="in_progress",
            actor=Actor.STAFF,
            now=datetime(2026, 11, 2, tzinfo=timezone.utc),
            **CITY,
        )
    with db.transaction() as session:
        case = session.get(Case, 1)
        assert case.status == "in_progress" and case.first_response_at is not None
        assert [e.kind for e in case.events] == ["status"] * 4
        assert case.resident.external_id == "42"


def test_database_made_from_the_current_models_is_taken_as_up_to_date(db):
    # The fixture made it with create_all, as tests and tools do; a process opening it must not re-create tables.
    db.create_tables()
    assert migrate.current_revision(db.engine) == migrate.head_revision()
    assert _differences(db) == []
