"""What every console view shares: settings, the database off the event loop, templates, flash messages."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional, TypeVar, overload
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from cases import messages
from cases.catalog import Catalog, load_catalog
from cases.guards.cleaning import clean_text
from cases.staff import accounts as staff_accounts
from cases.store.db import Database
from cases.workflow import Status
from huiyin import bootstrap
from huiyin.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

HERE = Path(__file__).resolve().parent
FLASH_COOKIE = "console_flash"
MAX_FLASH_CHARS = 4096  # a flash message is a sentence; anything longer was not set by us
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")  # what console POSTs carry
LARGEST_ID = 2**31 - 1  # ids are Integer columns: PostgreSQL refuses more (SQLite overflows past 2**63)


class DatabaseDown(Exception):
    """The database could not be used for this request."""


@dataclass(frozen=True)
class Current:
    """The logged-in staff member, copied out of the database session that found them."""

    id: int
    username: str
    display_name: str
    role: str
    department: Optional[str]
    csrf_token: str
    unread_alerts: int
    active: bool = True
    area_code: Optional[str] = None  # the area a grid worker or an area's supervisor answers for


def departments(catalog: Catalog) -> list[str]:
    """Every department named in the catalog, in menu order, once each."""
    return list(dict.fromkeys(t.department for t in catalog.types))


class Console:
    """The console's shared state: settings (and the city's quiet hours), database, catalog and templates."""

    def __init__(self, *, settings: Settings, db: Database, catalog: Optional[Catalog] = None):
        self.settings, self.db = settings, db
        self.catalog = catalog or load_catalog()
        self.zone = ZoneInfo(settings.timezone)
        self.quiet_hours = bootstrap.quiet_hours(settings)
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        env = self.templates.env
        env.filters["local"] = self.local_time
        env.filters["day"] = self.local_day
        env.filters["status_label"] = lambda s: messages.status_label(s, "en")
        env.filters["type_name"] = self.type_name
        env.globals["may"] = staff_accounts.may

    def local_time(self, value: Optional[datetime]) -> str:
        """A moment in the city's time zone, to the minute."""
        return "" if value is None else value.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def local_day(self, value: Optional[datetime | date]) -> str:
        """A date (or a moment's date) in the city's time zone."""
        if value is None:
            return ""
        return messages.format_date(value, self.settings.timezone)

    def type_name(self, code: Optional[str]) -> str:
        """The catalog name of a request type (the code itself if unknown)."""
        if code is None or code not in self.catalog:
            return code or ""
        return self.catalog.get(code).name

    async def run(self, work: Callable[..., T]) -> T:
        """Run `work(session)` in one transaction in a worker thread; DatabaseDown if the database fails."""
        def in_transaction() -> T:
            with self.db.transaction() as session:
                return work(session)

        try:
            return await run_in_threadpool(in_transaction)
        except SQLAlchemyError:
            log.exception("console: database error")
            raise DatabaseDown() from None

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
        """An HTML page with the common context (who is logged in, the flash message, the statuses)."""
        flash = read_flash(request)
        context.setdefault("staff", getattr(request.state, "staff", None))
        context.update(flash=flash, statuses=[s.value for s in Status], console=self,
                       type_names={t.code: t.name for t in self.catalog.types})
        response = self.templates.TemplateResponse(request, name, context, status_code=status_code,
                                                   headers={"cache-control": "no-store"})
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response


def console_of(request: Request) -> Console:
    """The console state the app was built with."""
    return request.app.state.console


def current(request: Request) -> Current:
    """The logged-in staff member (the guard has set it)."""
    return request.state.staff


def read_flash(request: Request) -> Optional[dict]:
    """The message left by the previous POST, if any."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw or len(raw) > MAX_FLASH_CHARS:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
        return {"kind": clean_text(str(data["kind"])), "text": clean_text(str(data["text"]))}
    except (ValueError, KeyError, TypeError, RecursionError):  # a forged cookie is simply ignored
        return None


async def form_of(request: Request) -> FormData:
    """The posted form with every value cleaned (no lone surrogates or control characters); files dropped.

    The console takes no uploads, and text that cannot be stored must not reach the database. Bodies
    that are not forms (JSON, however deeply nested) are refused with 400 before anything parses them.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind and kind not in FORM_TYPES:
        raise HTTPException(400, "This takes a form: please use the console's own pages.")
    form = await request.form()
    return FormData([(clean_text(key), clean_text(value)) for key, value in form.multi_items()
                     if isinstance(value, str)])


class IdConvertor(Convertor):
    """A route's `{name:id}`: a row id of at most 9 digits, so an id no column can hold is a 404, not a crash."""

    regex = "[0-9]{1,9}"

    def convert(self, value: str) -> int:
        """The id as an int."""
        return int(value)

    def to_string(self, value: int) -> str:
        """The id in a URL."""
        return str(value)


@overload
def whole_number(text: Optional[str], *, default: int) -> int: ...
@overload
def whole_number(text: Optional[str], *, default: None = None) -> Optional[int]: ...


def whole_number(text: Optional[str], *, default: Optional[int] = None) -> Optional[int]:
    """`text` as a non-negative id a database can hold (ASCII digits only), else `default`."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > LARGEST_ID:
        return default
    return int(text)


def redirect(request: Request, url: str, flash: Optional[str] = None, kind: str = "ok") -> Response:
    """Post/redirect/get: go to `url` (303), carrying a one-time message to show there."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        value = base64.urlsafe_b64encode(json.dumps({"kind": kind, "text": flash}).encode()).decode()
        response.set_cookie(FLASH_COOKIE, value, path="/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


async def run_change(request: Request, work: Callable[[Any], Any], *, back: str, done: str, to: Optional[str] = None,
                     refusals: tuple[type[Exception], ...] = (ValueError,)) -> Response:
    """Run a console change in one transaction, then go to `to` (else `back`) saying `done`; a refusal changes
    nothing and goes back to `back` saying why."""
    try:
        await console_of(request).run(work)
    except refusals as exc:
        return redirect(request, back, f"Not done: {polite(exc)}", "error")
    return redirect(request, to or back, done)


def json_response(payload: Any, status_code: int = 200) -> JSONResponse:
    """JSON that no cache keeps."""
    return JSONResponse(payload, status_code=status_code, headers={"cache-control": "no-store"})


def with_query(path: str, **params: Any) -> str:
    """`path` with the non-empty parameters as its query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


def polite(exc: Exception) -> str:
    """An error's message as a sentence for the flash area."""
    text = str(exc.args[0] if exc.args else exc).strip() or "That could not be done"
    if isinstance(exc, KeyError) and not exc.args:
        text = "That could not be done"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
