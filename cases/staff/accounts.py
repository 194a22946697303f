"""Staff accounts: password hashing, console sessions, and what each role may do."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Optional, Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import i18n
from cases.areas.areas import AreaMap
from cases.clock import utcnow
from cases.i18n import N_
from cases.models import Case, StaffSession, StaffUser

ROLES = ("agent", "supervisor", "admin")
USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
MIN_PASSWORD_LENGTH = 10
WECHAT_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")  # WeChat's are 28 such characters


class StaffError(ValueError):
    """Account data we refuse (bad username, short password, unknown role, name taken)."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verifying against this for unknown users makes "no such user" as slow as "wrong password".
    return _hasher().hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """An argon2id hash of a password that passes our rules; raises StaffError otherwise."""
    check_password(password)
    return _hasher().hash(password)


def check_password(password: str) -> None:
    """Raise StaffError unless the password is long enough."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(N_("a password needs at least %(count)d characters", count=MIN_PASSWORD_LENGTH))


def _check_fields(role: str, department: Optional[str]) -> None:
    if role not in ROLES:
        raise StaffError(N_("role must be one of %(roles)s", roles=", ".join(ROLES)))
    if department is not None and len(department) > 200:
        raise StaffError(N_("the department name is too long"))


def _clean(value: Optional[str]) -> Optional[str]:
    return (value or "").strip() or None


def create_staff(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    display_name: Optional[str] = None,
    department: Optional[str] = None,
    telegram_chat_id: Optional[str] = None,
    language: Optional[str] = None,
    wechat_openid: Optional[str] = None,
    now: Optional[datetime] = None,
) -> StaffUser:
    """A new staff account; raises StaffError for bad data or a username already taken."""
    username = (username or "").strip().lower()
    if not USERNAME.fullmatch(username):
        raise StaffError(N_("a username is 3-64 characters: lowercase letters, digits, dot, dash, underscore"))
    department, telegram_chat_id = _clean(department), _clean(telegram_chat_id)
    _check_fields(role, department)
    if telegram_chat_id is not None and not re.fullmatch(r"-?\d{1,20}", telegram_chat_id):
        raise StaffError(N_("a Telegram chat id is a number"))
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise StaffError(N_("the username %(username)s is taken", username=username))
    user = StaffUser(username=username, display_name=_clean(display_name) or username,
                     password_hash=hash_password(password), role=role, department=department,
                     telegram_chat_id=telegram_chat_id, active=True, created_at=now or utcnow())
    set_language(session, staff=user, language=language)
    set_wechat_openid(session, staff=user, openid=wechat_openid)
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # created a moment ago by someone else
        raise StaffError(N_("the username %(username)s is taken", username=username)) from None
    return user


def authenticate(session: Session, username: str, password: str, *, now: Optional[datetime] = None
                 ) -> Optional[StaffUser]:
    """The active account with this username and password, else None (same cost whether or not it exists)."""
    user = session.scalar(select(StaffUser).where(StaffUser.username == (username or "").strip().lower()))
    try:
        _hasher().verify(user.password_hash if user is not None else _dummy_hash(), password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    user.last_login_at = now or utcnow()
    return user


def token_hash(token: str) -> str:
    """What the sessions table stores for a cookie token: its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, staff: StaffUser, *, hours: float, now: Optional[datetime] = None
                  ) -> tuple[str, StaffSession]:
    """Log someone in: the token for their cookie, and the row that keeps only its hash."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = StaffSession(token_hash=token_hash(token), staff_id=staff.id, staff=staff,
                       csrf_token=secrets.token_urlsafe(32), created_at=now, last_seen_at=now,
                       expires_at=now + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return token, row


def resolve_session(session: Session, token: Optional[str], *, hours: float, now: Optional[datetime] = None
                    ) -> Optional[StaffSession]:
    """The live session for a cookie token, renewed for another `hours`; None if unknown, expired or disabled."""
    if not token or len(token) > 200:
        return None
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    now = now or utcnow()
    if row is None or row.expires_at <= now or not row.staff.active:
        return None
    # Sliding expiry: a login lasts `hours` after its last use. Written at most once a minute.
    if now - row.last_seen_at >= timedelta(minutes=1):
        row.last_seen_at, row.expires_at = now, now + timedelta(hours=hours)
    return row


def end_session(session: Session, token: Optional[str]) -> None:
    """Log out: forget the session behind this token."""
    if token:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def set_password(session: Session, *, staff: StaffUser, password: str) -> None:
    """Give an account a new password and log it out everywhere."""
    staff.password_hash = hash_password(password)
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))


def set_language(session: Session, *, staff: StaffUser, language: Optional[str]) -> None:
    """Set the language an account reads the console, alerts and reports in (None or "": as their browser asks)."""
    language = (language or "").strip() or None
    if language is not None and language not in i18n.LANGUAGES:
        raise StaffError(N_("the language must be one of %(languages)s", languages=", ".join(i18n.LANGUAGES)))
    staff.language = language


def set_wechat_openid(session: Session, *, staff: StaffUser, openid: Optional[str]) -> None:
    """Set where WeChat reaches an account with alerts and reports: their OpenID on the city's Official Account
    (None or "": not on WeChat)."""
    openid = (openid or "").strip() or None
    if openid is not None and not WECHAT_OPENID.fullmatch(openid):
        raise StaffError(N_("a WeChat OpenID is 6-64 letters, digits, dashes or underscores"))
    staff.wechat_openid = openid


def disable_staff(session: Session, *, staff: StaffUser) -> None:
    """Disable an account (kept for history) and end its sessions."""
    staff.active = False
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))


def list_staff(session: Session, *, active_only: bool = False) -> list[StaffUser]:
    """Every account (or only active ones), by role then name."""
    query = select(StaffUser).order_by(StaffUser.role, StaffUser.display_name, StaffUser.id)
    if active_only:
        query = query.where(StaffUser.active.is_(True))
    return list(session.scalars(query))


def find_staff(session: Session, staff_id: int) -> Optional[StaffUser]:
    """The account with this id, if any."""
    return session.get(StaffUser, staff_id)


class HasRole(Protocol):
    """What permissions look at: a StaffUser, or anything else with a role and a department."""

    @property
    def role(self) -> str: ...

    @property
    def department(self) -> Optional[str]: ...


def is_city_supervisor(staff: HasRole) -> bool:
    """A supervisor without a department or an area oversees the whole city."""
    return staff.role == "supervisor" and not staff.department and not getattr(staff, "area_code", None)


def own_area(staff: HasRole, areas: AreaMap) -> Optional[str]:
    """The area a grid worker or an area's supervisor answers for: they list, open, act on and report on its cases
    only. None for department staff and admins, who see every case."""
    code = getattr(staff, "area_code", None)
    return code if staff.role != "admin" and areas.get(code) is not None else None


def may_see_case(staff: HasRole, case: Case, areas: AreaMap) -> bool:
    """Whether this staff member may open a case: anyone, except that an area's people see their area's cases and
    those assigned to them by name."""
    scope = own_area(staff, areas)
    return (scope is None or case.assignee_id == getattr(staff, "id", None)
            or case.grid_code in areas.grids_under(scope))


# Permissions are data: action -> who may do it. `staff` is anything with .role and .department.
PERMISSIONS: dict[str, Callable[[HasRole], bool]] = {
    "work_cases": lambda s: s.role in ROLES,
    "edit_canned": lambda s: s.role in ("supervisor", "admin"),
    "manage_staff": lambda s: s.role == "admin",
    "view_reports": lambda s: s.role in ("supervisor", "admin"),
    "view_city_report": lambda s: s.role == "admin" or is_city_supervisor(s),
    "take_over_handoff": lambda s: s.role in ("supervisor", "admin"),
}


def may(staff: Optional[HasRole], action: str) -> bool:
    """Whether this staff member may do `action` (an unknown action is refused)."""
    rule = PERMISSIONS.get(action)
    return bool(staff is not None and getattr(staff, "active", True) and rule is not None and rule(staff))
