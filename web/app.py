"""The console's routes, middleware and error pages, wired into one Starlette app."""

from __future__ import annotations

import logging
from typing import Optional

from starlette.applications import Starlette
from starlette.convertors import register_url_convertor
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from cases.catalog import Catalog
from cases.store.db import Database
from huiyin.asgi import CatchErrors, SecurityHeaders
from huiyin.bootstrap import database
from huiyin.settings import Settings, get_settings
from web import (
    admin_views,
    api_keys_views,
    auth,
    cases_views,
    circular_views,
    inbox_views,
    policies_views,
    reports_views,
    responsiveness_views,
)
from web.auth import guard
from web.core import HERE, Console, DatabaseDown, IdConvertor, console_of, json_response
from web.language import N_, language_of, shown_in

log = logging.getLogger(__name__)

# The only routes anyone may use without logging in (plus /static).
PUBLIC_PATHS = frozenset({"/login", "/healthz"})
MAX_BODY_BYTES = 256 * 1024
SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' data: https://tile.openstreetmap.org; "
     b"style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


class BodyLimit:
    """Refuse request bodies over MAX_BODY_BYTES (the console's forms are small), counted as they arrive."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            return await json_response({"error": N_("That is too large.")}, 413)(scope, receive, send)
        received = 0

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                raise HTTPException(413, N_("That is too large."))
            return message

        await self.app(scope, limited, send)


async def healthz(request: Request) -> Response:
    """Liveness, for process supervisors."""
    return json_response({"ok": True})


@guard()
async def home(request: Request) -> Response:
    """The console opens on the case list."""
    return RedirectResponse("/cases", status_code=303)


def routes() -> list:
    """Every route of the console."""
    # Ids in paths are `{name:id}`: digits a database column can hold, anything else is not a page (404).
    register_url_convertor("id", IdConvertor())
    return [
        Route("/login", auth.login_form, methods=["GET"]),
        Route("/login", auth.login, methods=["POST"]),
        Route("/logout", auth.logout, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", home, methods=["GET"]),
        Route("/cases", cases_views.case_list, methods=["GET"]),
        Route("/cases/{reference}", cases_views.case_page, methods=["GET"]),
        Route("/cases/{reference}/status", cases_views.change_status, methods=["POST"]),
        Route("/cases/{reference}/assign", cases_views.assign, methods=["POST"]),
        Route("/cases/{reference}/type", cases_views.change_type, methods=["POST"]),
        Route("/cases/{reference}/grid", cases_views.place_in_grid, methods=["POST"]),
        Route("/cases/{reference}/duplicate", cases_views.mark_duplicate, methods=["POST"]),
        Route("/cases/{reference}/publication", cases_views.moderate, methods=["POST"]),
        Route("/cases/{reference}/photos/{photo_id:id}", cases_views.case_photo, methods=["GET"]),
        Route("/inbox", inbox_views.inbox, methods=["GET"]),
        Route("/inbox/{handoff_id:id}", inbox_views.conversation, methods=["GET"]),
        Route("/inbox/{handoff_id:id}/take", inbox_views.take, methods=["POST"]),
        Route("/inbox/{handoff_id:id}/reply", inbox_views.reply, methods=["POST"]),
        Route("/inbox/{handoff_id:id}/end", inbox_views.end, methods=["POST"]),
        Route("/inbox/{handoff_id:id}/case", inbox_views.open_case, methods=["POST"]),
        Route("/inbox/{handoff_id:id}/attach", inbox_views.attach, methods=["POST"]),
        Route("/inbox/{handoff_id:id}/photos/{message_id:id}", inbox_views.message_photo, methods=["GET"]),
        Route("/api/inbox", inbox_views.inbox_api, methods=["GET"]),
        Route("/api/inbox/{handoff_id:id}/messages", inbox_views.messages_api, methods=["GET"]),
        Route("/alerts", admin_views.alert_list, methods=["GET"]),
        Route("/alerts/{alert_id}/read", admin_views.alert_read, methods=["POST"]),
        Route("/reports", reports_views.report_page, methods=["GET"]),
        Route("/reports.csv", reports_views.report_csv, methods=["GET"]),
        Route("/reports/responsiveness", responsiveness_views.responsiveness_page, methods=["GET"]),
        Route("/reports/responsiveness.csv", responsiveness_views.responsiveness_csv, methods=["GET"]),
        Route("/reports/circular.pdf", circular_views.circular_pdf, methods=["GET"]),
        Route("/canned", admin_views.canned_list, methods=["GET"]),
        Route("/canned", admin_views.canned_create, methods=["POST"]),
        Route("/canned/{reply_id:id}", admin_views.canned_update, methods=["POST"]),
        Route("/canned/{reply_id:id}/delete", admin_views.canned_delete, methods=["POST"]),
        Route("/staff", admin_views.staff_list, methods=["GET"]),
        Route("/staff", admin_views.staff_create, methods=["POST"]),
        Route("/staff/{staff_id:id}/disable", admin_views.staff_disable, methods=["POST"]),
        Route("/staff/{staff_id:id}/password", admin_views.staff_password, methods=["POST"]),
        Route("/staff/{staff_id:id}/area", admin_views.staff_area, methods=["POST"]),
        Route("/staff/{staff_id:id}/language", admin_views.staff_language, methods=["POST"]),
        Route("/staff/{staff_id:id}/wechat", admin_views.staff_wechat, methods=["POST"]),
        Route("/language", admin_views.own_language, methods=["POST"]),
        Route("/api-keys", api_keys_views.key_list, methods=["GET"]),
        Route("/api-keys", api_keys_views.key_create, methods=["POST"]),
        Route("/api-keys/{key_id:id}/revoke", api_keys_views.key_revoke, methods=["POST"]),
        Route("/policies", policies_views.policy_list, methods=["GET"]),
        Route("/policies", policies_views.policy_create, methods=["POST"]),
        Route("/policies/{policy_id:id}", policies_views.policy_update, methods=["POST"]),
        Route("/policies/{policy_id:id}/retire", policies_views.policy_retire, methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        # The map (tiles or a plain grid) is the board's, shared: one file.
        Mount("/board/static", StaticFiles(directory=HERE / "board" / "static"), name="board-static"),
    ]


def _check_guarded(all_routes: list) -> None:
    """Refuse to start if a route other than the public ones lacks the login guard."""
    for route in all_routes:
        if isinstance(route, Route) and route.path not in PUBLIC_PATHS and not hasattr(route.endpoint, "guarded_by"):
            raise RuntimeError(f"console route {route.path} is not guarded")


def _page_error(request: Request, status_code: int, title: str, message: str) -> Response:
    language = language_of(request)
    title, message = shown_in(title, language), shown_in(message, language)
    if request.url.path.startswith("/api/"):
        return json_response({"error": message}, status_code)
    return console_of(request).render(request, "error.html", status_code=status_code, title=title, message=message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)  # registered for HTTPException only (Starlette types handlers loosely)
    titles = {404: N_("Not found"), 405: N_("Not allowed here"), 413: N_("Too large")}
    message = exc.detail if exc.status_code != 405 else N_("That page does not take this kind of request.")
    # Starlette's own, for a path no route has (the inbox's script reads the API's as it is).
    if exc.status_code == 404 and message == "Not Found" and not request.url.path.startswith("/api/"):
        message = N_("There is no such page.")
    return _page_error(request, exc.status_code, titles.get(exc.status_code, N_("Sorry")), message)


async def _database_down(request: Request, exc: Exception) -> Response:
    return _page_error(request, 503, N_("Database unavailable"),
                       N_("The database cannot be reached right now. Please try again in a minute."))


async def _crashed(scope: Scope, exc: Exception) -> Response:
    # CatchErrors has logged it; the browser gets an apology that claims nothing it cannot know.
    return _page_error(Request(scope), 500, N_("Something went wrong"),
                       N_("Something went wrong on our side; what you just did may not have been saved. "
                          "Please try again."))


def create_app(*, settings: Optional[Settings] = None, db: Optional[Database] = None,
               catalog: Optional[Catalog] = None) -> Starlette:
    """The console as an ASGI app (a database made here from the settings if none is given)."""
    settings = settings or get_settings()
    db = db or database(settings)
    all_routes = routes()
    _check_guarded(all_routes)
    app = Starlette(
        routes=all_routes,
        # SecurityHeaders outermost so the 500 page carries them too; CatchErrors around everything that
        # can fail, answering an exception without re-raising it, so the keep-alive connection survives.
        middleware=[Middleware(SecurityHeaders, headers=SECURITY_HEADERS, hsts_max_age=settings.hsts_max_age),
                    Middleware(CatchErrors, handler=_crashed, logger=log), Middleware(BodyLimit)],
        exception_handlers={HTTPException: _http_error, DatabaseDown: _database_down},
    )
    app.state.console = Console(settings=settings, db=db, catalog=catalog)
    return app
