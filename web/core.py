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

from jinja2 import pass_context
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates

from cases import i18n, messages
from cases.catalog import Catalog, load_catalog
from cases.guards.cleaning import clean_text
from cases.staff import accounts as staff_accounts
from cases.store.db import Database
from cases.workflow import Status
from huiyin import bootstrap
from huiyin.settings import Settings
from web import labels
from web import language as lang
from web.language import N_, language_of, shown_in

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
    language: Optional[str] = None  # the language they chose for the console (None: their browser's)


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
        # One environment serves every request at once: its gettext reads each page's own `language`.
        env.add_extension("jinja2.ext.i18n")
        env.install_gettext_callables(lang.gettext, lang.ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.filters["local"] = pass_context(lambda c, v: self.local_time(v, c.get("language", "en")))
        env.filters["day"] = pass_context(lambda c, v: lang.local_day(c.get("language", "en"), v, self.zone))
        env.filters["status_label"] = pass_context(lambda c, s: messages.status_label(s, c.get("language", "en")))
        env.filters["type_name"] = pass_context(lambda c, code: self.type_name(code, c.get("language", "en")))
        env.filters["label"] = pass_context(lambda c, code, group: labels.label(c.get("language", "en"), group, code))
        env.filters["number"] = lang.number
        env.filters["percent"] = lang.percent
        env.globals["may"] = staff_accounts.may

    def local_time(self, value: Optional[datetime], language: str = i18n.SOURCE_LANGUAGE) -> str:
        """A moment in the city's time zone, to the minute, as `language`'s locale writes it."""
        return lang.local_time(language, value, self.zone)

    def local_day(self, value: Optional[datetime | date], language: str = i18n.SOURCE_LANGUAGE) -> str:
        """A date (or a moment's date) in the city's time zone, as `language`'s locale writes it."""
        return lang.local_day(language, value, self.zone)

    def type_name(self, code: Optional[str], language: str = i18n.SOURCE_LANGUAGE) -> str:
        """The catalog name of a request type in `language` (the code itself if unknown)."""
        if code is None or code not in self.catalog:
            return code or ""
        return self.catalog.get(code).name_in(language)

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
        """An HTML page with the common context (who is logged in, the flash message, the statuses, the language)."""
        flash = read_flash(request)
        context.setdefault("staff", getattr(request.state, "staff", None))
        language = language_of(request)
        context.update(flash=flash, statuses=[s.value for s in Status], console=self, language=language,
                       html_lang=lang.HTML_LANG.get(language, language), languages=lang.CHOICES,
                       type_names={t.code: t.name_in(language) for t in self.catalog.types})
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
        raise HTTPException(400, N_("This takes a form: please use the console's own pages."))
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


def redirect(request: Request, url: str, flash: Optional[str] = None, kind: str = "ok",
             language: Optional[str] = None) -> Response:
    """Post/redirect/get: go to `url` (303), carrying a one-time message to show there (in the request's language,
    or `language`, if it is a console message)."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        flash = shown_in(flash, language or language_of(request))
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
        return redirect(request, back, not_done(request, exc), "error")
    return redirect(request, to or back, done)


def not_done(request: Request, exc: Exception) -> str:
    """A refusal as the flash message says it, in the request's language."""
    language = language_of(request)
    return shown_in(N_("Not done: %(reason)s", reason=polite(exc, language)), language)


def json_response(payload: Any, status_code: int = 200) -> JSONResponse:
    """JSON that no cache keeps."""
    return JSONResponse(payload, status_code=status_code, headers={"cache-control": "no-store"})


def with_query(path: str, **params: Any) -> str:
    """`path` with the non-empty parameters as its query string."""
    kept = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{path}?{urlencode(kept)}" if kept else path


def polite(exc: Exception, language: str = i18n.SOURCE_LANGUAGE) -> str:
    """An error's message as a sentence for the flash area, in `language` when it is a Text (the console's
    messages and the domain's refusals)."""
    text = shown_in(exc.args[0] if exc.args else exc, language).strip()
    if not text or (isinstance(exc, KeyError) and not exc.args):
        text = i18n.translate(language, "That could not be done")
    text = text[0].upper() + text[1:]
    if text.endswith((".", "!", "?", "。", "！", "？")):
        return text
    return text + ("。" if language == "zh" else ".")
