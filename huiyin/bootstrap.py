"""Wiring shared by every process: settings turned into the database, logging, secrets and the city's hours.

The one place that reads settings for the domain: `cases/` takes what it needs as arguments.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from cases.areas import routing
from cases.hours import OfficeHours, QuietHours, parse_days, parse_time
from cases.store import secret_store
from cases.store.db import Database
from huiyin.settings import Settings

log = logging.getLogger(__name__)


def database(settings: Settings, *, create_tables: bool = True) -> Database:
    """The database named by the settings, with its tables in place (and the city's areas chosen for routing)."""
    # Every process opens the database before it opens a case: the one moment to say which city it routes in.
    routing.use_files(areas_file=settings.areas_file, gazetteer_file=settings.gazetteer_file)
    db = Database(settings.database_url)
    if create_tables:
        db.create_tables()
    return db


def quiet_hours(settings: Settings) -> QuietHours:
    """The night during which non-urgent pushes wait (QUIET_HOURS_START-QUIET_HOURS_END, city time)."""
    return QuietHours(parse_time(settings.quiet_hours_start), parse_time(settings.quiet_hours_end), settings.timezone)


def office_hours(settings: Settings) -> OfficeHours:
    """When people answer handed-over chats (OFFICE_DAYS, OFFICE_OPEN-OFFICE_CLOSE, city time)."""
    return OfficeHours(parse_days(settings.office_days), parse_time(settings.office_open),
                       parse_time(settings.office_close), settings.timezone)


def configure_logging(level: int = logging.INFO) -> None:
    """One log format for every process (honcho prefixes the process name)."""
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "apscheduler.executors.default", "sqlalchemy.engine", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def secret(settings: Settings, name: str) -> str:
    """A secret setting (`web_secret`, `action_server_token`): as configured, else generated once under VAR_DIR."""
    # Generated rather than random per process: every process and every restart must agree on it.
    return getattr(settings, name) or secret_store.kept_secret(settings.var_dir / "secrets", name)


def owner_only(settings: Settings) -> None:
    """Files this process creates are owner-only from now on, and data left readable by older versions is fixed."""
    os.umask(0o077)  # the database, its journal, photos, secrets: nobody else on the machine reads them
    for directory in (settings.var_dir, settings.media_dir):
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    tops = [settings.var_dir]
    if not settings.media_dir.resolve().is_relative_to(settings.var_dir.resolve()):  # else walked already
        tops.append(settings.media_dir)
    for path in (*tops, *_database_files(settings.database_url)):
        _tighten(path)


def _database_files(url: str) -> list[Path]:
    """A SQLite database's file and the journal files beside it (none for a server database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return []
    main = Path(parsed.database)
    return [main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]


def _tighten(top: Path) -> None:
    """Drop group and other permissions from `top` and, if a directory, everything in it (links left alone)."""
    if top.is_symlink() or not top.exists():
        return
    paths = [str(top)]
    if top.is_dir():
        for folder, dirs, files in os.walk(top):
            paths += [os.path.join(folder, name) for name in (*dirs, *files)]
    for path in paths:
        try:
            status = os.lstat(path)
            if status.st_mode & 0o077 and not stat.S_ISLNK(status.st_mode):
                os.chmod(path, stat.S_IMODE(status.st_mode) & ~0o077)
        except FileNotFoundError:
            continue  # removed meanwhile (a photo, a journal)
        except PermissionError:
            log.warning("cannot make %s owner-only: it belongs to another user", path)
