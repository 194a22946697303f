"""The public process: Open311 GeoReport v2 (discovery, services, service definitions, requests read and
posted, tokens) and the public board (web/board).

Reading is public and carries no personal data (cases.public); posting needs an API key made by an admin
in the console. Every path ends in `.xml` or `.json`; errors come in the specification's form.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Optional, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Scope

from cases import public
from cases.catalog import Catalog, RequestType, load_catalog
from cases.open311 import filing, keys
from cases.questions import Question
from cases.store.db import Database
from huiyin.asgi import CatchErrors, SecurityHeaders
from huiyin.bootstrap import database
from huiyin.settings import Settings, get_settings
from web.board.app import routes as board_routes
from web.open311 import params
from web.open311.formats import FORMATS, JSON, errors, present, respond

log = logging.getLogger(__name__)
PREFIX = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_BODY_BYTES = 64 * 1024
# The public process also serves the board, whose map loads OpenStreetMap's tiles (and nothing else foreign).
PUBLIC_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' https://tile.openstreetmap.org; "
     b"style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]
T = TypeVar("T")


class Open311:
    """What the endpoints share: settings, database, catalog, the city's time zone."""

    def __init__(self, *, settings: Settings, db: Database, catalog: Optional[Catalog] = None):
        self.settings, self.db = settings, db
        self.catalog = catalog or load_catalog()
        self.zone = ZoneInfo(settings.timezone)

    async def run(self, work: Callable[..., T]) -> T:
        """`work(session)` in one transaction, in a worker thread."""
        def in_transaction() -> T:
            with self.db.transaction() as session:
                return work(session)

        return await run_in_threadpool(in_transaction)

    def when(self, moment: Optional[datetime]) -> Optional[str]:
        """ISO 8601 with the city's offset, to the second."""
        return moment.astimezone(self.zone).isoformat(timespec="seconds") if moment else None


def _api(request: Request) -> Open311:
    api: Open311 = request.app.state.open311
    return api


def _format(request: Request) -> str:
    fmt = request.path_params.get("fmt", "")
    if fmt not in FORMATS:
        raise HTTPException(404, "the format must be xml or json")
    return fmt


def _check_jurisdiction(api: Open311, given: Optional[str]) -> None:
    expected = api.settings.open311_jurisdiction_id
    if expected and given and given.strip() != expected:
        raise params.Refused(404, f"jurisdiction_id {given.strip()!r} was not found")


def service(kind: RequestType) -> dict[str, Any]:
    """One request type as a GeoReport service."""
    return present(service_code=kind.code, service_name=kind.name, description=kind.description,
                   metadata=bool(kind.questions), type="realtime", keywords=kind.keywords or None,
                   group=kind.department)


def attribute(question: Question) -> dict[str, Any]:
    """One question of a request type as a service definition's attribute."""
    return present(variable=True, code=question.code, datatype=question.datatype, required=question.required,
                   order=question.order, description=question.text_in("en"),
                   values=[{"key": c.key, "name": c.name_in("en")} for c in question.choices] or None)


def request_row(api: Open311, row: public.PublicRequest, base_url: str) -> dict[str, Any]:
    """One public request in GeoReport's fields: the description and `media_url` (the board's copy of the first
    photo) only as staff approved them for publication; no personal data."""
    return present(service_request_id=row.reference, status=row.status, status_notes=row.status_notes,
                   service_name=row.service_name, service_code=row.service_code, agency_responsible=row.agency,
                   requested_datetime=api.when(row.requested_at), updated_datetime=api.when(row.updated_at),
                   expected_datetime=api.when(row.expected_at), address=row.address, lat=row.latitude,
                   long=row.longitude, description=row.description,
                   media_url=f"{base_url}/board/photos/{row.photo_id}" if row.photo_id is not None else None)


def _public_base(api: Open311, request: Request) -> str:
    """Where the public reaches this process: BOARD_PUBLIC_URL, else the address this request came to."""
    return (api.settings.board_public_url or str(request.base_url)).rstrip("/")


async def discovery(request: Request) -> Response:
    """Service discovery: where this endpoint is and what it speaks."""
    api, fmt = _api(request), _format(request)
    base = str(request.base_url).rstrip("/") + PREFIX + "/"
    return respond(fmt, "discovery", {
        "changeset": api.settings.open311_changeset, "contact": api.settings.open311_contact,
        "key_service": "API keys are issued by the city's administrators (Huiyin console, API keys page).",
        "endpoints": [{"specification": SPECIFICATION, "url": base, "changeset": api.settings.open311_changeset,
                       "type": "production", "formats": ["text/xml", "application/json"]}]})


async def services(request: Request) -> Response:
    """GET services: one per request type in the catalog."""
    api, fmt = _api(request), _format(request)
    _check_jurisdiction(api, request.query_params.get("jurisdiction_id"))
    return respond(fmt, "services", [service(kind) for kind in api.catalog.types])


async def service_definition(request: Request) -> Response:
    """GET services/{code}: the type's questions as attributes."""
    api, fmt = _api(request), _format(request)
    _check_jurisdiction(api, request.query_params.get("jurisdiction_id"))
    code = request.path_params["code"]
    if code not in api.catalog:
        raise params.Refused(404, f"service_code {code!r} was not found")
    kind = api.catalog.get(code)
    return respond(fmt, "service_definition", {"service_code": kind.code,
                                               "attributes": [attribute(q) for q in kind.questions]})


async def get_requests(request: Request) -> Response:
    """GET requests: by id list, or filtered by service, dates and status (90 days and 1,000 rows at most)."""
    api, fmt = _api(request), _format(request)
    query = request.query_params
    _check_jurisdiction(api, query.get("jurisdiction_id"))
    search = params.search(query, api.zone)

    def read(session) -> list[public.PublicRequest]:
        return public.search_requests(session, catalog=api.catalog, **search)

    try:
        rows = await api.run(read)
    except public.BadSearch as refused:
        raise params.Refused(400, str(refused)) from None
    base = _public_base(api, request)
    return respond(fmt, "service_requests", [request_row(api, row, base) for row in rows])


async def get_request(request: Request) -> Response:
    """GET requests/{id}: a one-element array."""
    api, fmt = _api(request), _format(request)
    _check_jurisdiction(api, request.query_params.get("jurisdiction_id"))
    reference = request.path_params["id"]
    rows = await api.run(lambda session: public.search_requests(session, references=[reference],
                                                                catalog=api.catalog))
    if not rows:
        raise params.Refused(404, f"service_request_id {reference!r} was not found")
    return respond(fmt, "service_requests", [request_row(api, rows[0], _public_base(api, request))])


async def post_request(request: Request) -> Response:
    """POST requests: file a case for the client whose api_key is given; answers its service_request_id."""
    api, fmt = _api(request), _format(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise params.Refused(413, "the request is too large")
    form = await request.form()
    _check_jurisdiction(api, params.one(form, "jurisdiction_id"))
    submission = params.submission(form)
    key_given = params.one(form, "api_key")

    def post(session) -> str:
        key = keys.use_key(session, key=key_given, per_minute=api.settings.open311_posts_per_minute)
        case = filing.file_request(session, key=key, submission=submission, catalog=api.catalog,
                                   reference_prefix=api.settings.reference_prefix)
        assert case.reference is not None  # every case gets one when opened
        return case.reference

    try:
        reference = await api.run(post)
    except keys.KeyRefused as refused:
        raise params.Refused(403, str(refused)) from None
    except keys.TooManyPosts as limited:
        return errors(fmt, 429, f"too many requests with this api_key: try again in {int(limited.seconds)} s")
    except filing.RequestRefused as refused:
        raise params.Refused(400, str(refused)) from None
    return respond(fmt, "service_requests", [{"service_request_id": reference}])


async def token(request: Request) -> Response:
    """GET tokens/{token}: every service here is realtime (POST answers the service_request_id at once), so
    no token is ever issued and none is found."""
    _format(request)
    raise params.Refused(404, f"token {request.path_params['token']!r} was not found: requests here are "
                              "realtime, POST requests answers their service_request_id")


def routes() -> list[Route]:
    """Every endpoint, with its format suffix."""
    return [
        Route(PREFIX + "/discovery.{fmt}", discovery, methods=["GET"]),
        Route(PREFIX + "/services.{fmt}", services, methods=["GET"]),
        Route(PREFIX + "/services/{code}.{fmt}", service_definition, methods=["GET"]),
        Route(PREFIX + "/requests.{fmt}", get_requests, methods=["GET"]),
        Route(PREFIX + "/requests.{fmt}", post_request, methods=["POST"]),
        Route(PREFIX + "/requests/{id}.{fmt}", get_request, methods=["GET"]),
        Route(PREFIX + "/tokens/{token}.{fmt}", token, methods=["GET"]),
    ]


def _fmt_of(request: Request) -> str:
    fmt = request.url.path.rsplit(".", 1)[-1] if "." in request.url.path.rsplit("/", 1)[-1] else JSON
    return fmt if fmt in FORMATS else JSON


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, params.Refused)
    return errors(_fmt_of(request), exc.status_code, exc.description)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    generic = {404: "not found", 405: "this resource does not take that method"}
    # Starlette's own 404 and 405 say only "Not Found"/"Method Not Allowed": say it in the spec's words.
    own = exc.detail not in ("Not Found", "Method Not Allowed")
    return errors(_fmt_of(request), exc.status_code, str(exc.detail) if own else generic[exc.status_code])


async def _database_error(request: Request, exc: Exception) -> Response:
    log.exception("open311: database error")
    return errors(_fmt_of(request), 503, "the service is unavailable right now; please try again shortly")


async def _crashed(scope: Scope, exc: Exception) -> Response:
    return errors(_fmt_of(Request(scope)), 500, "something went wrong on our side; please try again")


def create_app(*, settings: Optional[Settings] = None, db: Optional[Database] = None,
               catalog: Optional[Catalog] = None, lifespan: Any = None) -> Starlette:
    """The Open311 API as an ASGI app (a database made here from the settings if none is given)."""
    settings = settings or get_settings()
    db = db or database(settings)
    app = Starlette(
        routes=[*routes(), *board_routes()],
        middleware=[Middleware(SecurityHeaders, headers=PUBLIC_HEADERS, hsts_max_age=settings.hsts_max_age),
                    Middleware(CatchErrors, handler=_crashed, logger=log)],
        exception_handlers={params.Refused: _refused, HTTPException: _http_error,
                            SQLAlchemyError: _database_error},
        lifespan=lifespan,
    )
    app.state.open311 = Open311(settings=settings, db=db, catalog=catalog)
    return app
