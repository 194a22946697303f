"""cases/staff.py: accounts, password hashing, sessions and permissions, on the real databases."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from cases.clock import utcnow
from cases.models import StaffSession, StaffUser
from cases.staff import accounts as staff

PASSWORD = "a long enough secret"


def _make(session, username="ann", role="agent", **extra):
    return staff.create_staff(session, username=username, password=PASSWORD, role=role, **extra)


def test_passwords_are_stored_as_argon2_hashes(db):
    with db.transaction() as session:
        user = _make(session, display_name="Ann Lee", department="Sanitation")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
        assert staff.authenticate(session, "ann", PASSWORD).id == user.id
        assert staff.authenticate(session, "ANN ", PASSWORD).id == user.id  # usernames are lowercase
        assert staff.authenticate(session, "ann", PASSWORD + "x") is None
        assert staff.authenticate(session, "nobody", PASSWORD) is None
        assert user.last_login_at is not None


def test_an_outdated_hash_is_upgraded_at_login(db):
    with db.transaction() as session:
        user = _make(session)
        weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
        user.password_hash = weak
        assert staff.authenticate(session, "ann", PASSWORD) is not None
        assert user.password_hash != weak and not PasswordHasher().check_needs_rehash(user.password_hash)


@pytest.mark.parametrize("username,password,role,error", [
    ("ab", PASSWORD, "agent", "username"),
    ("Ann Lee", PASSWORD, "agent", "username"),
    ("ann", "short", "agent", "10 characters"),
    ("ann", PASSWORD, "mayor", "role"),
])
def test_bad_account_data_is_refused(db, username, password, role, error):
    with db.transaction() as session:
        with pytest.raises(staff.StaffError, match=error):
            staff.create_staff(session, username=username, password=password, role=role)
        assert session.scalar(select(StaffUser)) is None


def test_a_username_is_taken_once(db):
    with db.transaction() as session:
        _make(session)
        with pytest.raises(staff.StaffError, match="taken"):
            _make(session, role="admin")


def test_disabled_accounts_cannot_log_in(db):
    with db.transaction() as session:
        user = _make(session)
        staff.disable_staff(session, staff=user)
        assert staff.authenticate(session, "ann", PASSWORD) is None
        assert [u.username for u in staff.list_staff(session, active_only=True)] == []
        assert [u.username for u in staff.list_staff(session)] == ["ann"]


def test_sessions_keep_only_the_hash_expire_and_slide(db):
    start = utcnow()
    with db.transaction() as session:
        user = _make(session)
        token, row = staff.start_session(session, user, hours=12, now=start)
        assert row.token_hash == staff.token_hash(token) != token and len(row.csrf_token) >= 32
        assert row.expires_at == start + timedelta(hours=12)
        # Used after 11 hours: it now lasts until 12 hours after that use.
        later = start + timedelta(hours=11)
        assert staff.resolve_session(session, token, hours=12, now=later) is row
        assert row.expires_at == later + timedelta(hours=12)
        assert staff.resolve_session(session, token, hours=12, now=later + timedelta(hours=12, seconds=1)) is None
        assert staff.resolve_session(session, "not a token", hours=12, now=later) is None
        assert staff.resolve_session(session, None, hours=12, now=later) is None


def test_logout_and_password_change_end_sessions(db):
    with db.transaction() as session:
        user = _make(session)
        first, _ = staff.start_session(session, user, hours=1)
        second, _ = staff.start_session(session, user, hours=1)
        staff.end_session(session, first)
        assert staff.resolve_session(session, first, hours=1) is None
        assert staff.resolve_session(session, second, hours=1) is not None
        staff.set_password(session, staff=user, password="another long secret")
        assert session.scalar(select(StaffSession)) is None
        assert staff.authenticate(session, "ann", "another long secret") is not None
        with pytest.raises(staff.StaffError):
            staff.set_password(session, staff=user, password="short")


def _who(role, department=None, active=True):
    return SimpleNamespace(role=role, department=department, active=active)


@pytest.mark.parametrize("action,agent,dept_supervisor,city_supervisor,admin", [
    ("work_cases", True, True, True, True),
    ("edit_canned", False, True, True, True),
    ("manage_staff", False, False, False, True),
    ("view_reports", False, True, True, True),
    ("view_city_report", False, False, True, True),
    ("take_over_handoff", False, True, True, True),
    ("launch_rockets", False, False, False, False),
])
def test_permissions_table(action, agent, dept_supervisor, city_supervisor, admin):
    assert staff.may(_who("agent", "Sanitation"), action) is agent
    assert staff.may(_who("supervisor", "Sanitation"), action) is dept_supervisor
    assert staff.may(_who("supervisor", None), action) is city_supervisor
    assert staff.may(_who("admin", None), action) is admin


def test_disabled_or_missing_staff_may_nothing():
    assert not staff.may(_who("admin", active=False), "work_cases")
    assert not staff.may(None, "work_cases")
