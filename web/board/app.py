"""The public board's pages: no login, English and Chinese, nothing of who filed a case (cases.public).

- `/board`: the latest 50 cases (paged; open, closed or all) on a list and a map;
- `/board/cases/{reference}`: a case's public page (the link residents get in the chat);
- `/board/figures`: last week's or last month's figures per department and per type, computed by the same
  code as the supervisors' reports (cases.reporting);
- `/board/photos/{id}`: a photo staff approved for publication, and no other.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from cases import messages, public
from cases.clock import utcnow
from cases.publication import public_photo_path
from cases.reporting.figures import PERIODS, build_report, previous_period
from web.board.texts import LANGUAGES, words
from web.cases_views import media_file

HERE = Path(__file__).resolve().parent
PAGE = 50
FIGURES_TTL = timedelta(minutes=10)  # open and overdue counts on the figures page are this fresh
templates = Jinja2Templates(directory=str(HERE / "templates"))


def language_of(request: Request) -> str:
    """?lang=, else the browser's first language we speak, else English."""
    asked = request.query_params.get("lang", "")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return "en"


def _api(request: Request) -> Any:
    return request.app.state.open311  # the public process's shared state (settings, database, catalog)


def _render(request: Request, name: str, language: str, status_code: int = 200, **context: Any) -> Response:
    api = _api(request)
    context.update(t=words(language), lang=language, other="zh" if language == "en" else "en",
                   type_name=lambda code: api.catalog.get(code).name_in(language) if code in api.catalog else code,
                   status_label=lambda status: messages.status_label(status, language),
                   day=lambda moment: moment.astimezone(api.zone).strftime("%Y-%m-%d") if moment else "",
                   when=lambda moment: moment.astimezone(api.zone).strftime("%Y-%m-%d %H:%M") if moment else "")
    return templates.TemplateResponse(request, name, context, status_code=status_code,
                                      headers={"cache-control": "no-cache", "content-language": language})


def _points(rows: list[public.PublicRequest], language: str, catalog: Any) -> str:
    """The map's points as JSON for a data attribute (a plain string: the template escapes it)."""
    def label(row: public.PublicRequest) -> str:
        kind = catalog.get(row.service_code).name_in(language) if row.service_code in catalog else ""
        return f"{row.reference} · {kind}"

    return json.dumps([{"ref": r.reference, "lat": r.latitude, "lon": r.longitude, "open": r.status == public.OPEN,
                        "label": label(r)} for r in rows if r.latitude is not None and r.longitude is not None],
                      ensure_ascii=False)


async def board(request: Request) -> Response:
    """The latest cases, newest first, on a list and a map."""
    api, language = _api(request), language_of(request)
    status = request.query_params.get("status")
    status = status if status in (public.OPEN, public.CLOSED) else None
    page = request.query_params.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1
    rows, statuses = await api.run(lambda session: public.recent_requests(
        session, limit=PAGE, offset=(number - 1) * PAGE, status=status, catalog=api.catalog))
    now = utcnow()
    return _render(request, "board.html", language, rows=list(zip(rows, statuses, strict=True)), page=number,
                   status=status, more=len(rows) == PAGE, now=now, points=_points(rows, language, api.catalog),
                   days=lambda moment: max(0, (now - moment).days))


async def case_page(request: Request) -> Response:
    """One case's public page."""
    api, language = _api(request), language_of(request)
    found = await api.run(lambda session: public.public_case(session, reference=request.path_params["reference"],
                                                             catalog=api.catalog))
    if found is None:
        return _render(request, "missing.html", language, status_code=404)
    return _render(request, "case.html", language, case=found, request_row=found.request,
                   points=_points([found.request], language, api.catalog))


async def figures(request: Request) -> Response:
    """Last complete week's or month's figures, city-wide, per department and per type."""
    api, language = _api(request), language_of(request)
    period = request.query_params.get("period", "monthly")
    period = period if period in PERIODS else "monthly"
    now = utcnow()
    start, end = previous_period(period, now.astimezone(api.zone).date())
    departments = sorted({kind.department for kind in api.catalog.types})

    def compute(session) -> list[tuple[Optional[str], Any]]:
        return [(department, build_report(session, period=period, start=start, end=end, department=department,
                                          timezone=api.settings.timezone, catalog=api.catalog, now=now))
                for department in [None, *departments]]

    reports, computed_at = await _cached_figures(request, (period, start), compute)
    return _render(request, "figures.html", language, reports=reports, period=period, start=start, end=end,
                   computed_at=computed_at,
                   department_name=lambda name: next((k.department_in(language) for k in api.catalog.types
                                                      if k.department == name), name))


async def _cached_figures(request: Request, key: tuple[str, Any], compute: Any) -> tuple[Any, datetime]:
    """The figures of a finished period, computed at most once per FIGURES_TTL per process (about 13 reports
    over the whole table: seconds with 100,000 cases), one computation at a time."""
    state = request.app.state
    if not hasattr(state, "board_figures"):
        state.board_figures, state.board_figures_lock = {}, asyncio.Lock()
    async with state.board_figures_lock:
        found = state.board_figures.get(key)
        now = utcnow()
        if found is None or now - found[1] > FIGURES_TTL:
            found = (await _api(request).run(compute), now)
            state.board_figures[key] = found
        return found


async def photo(request: Request) -> Response:
    """A photo approved for publication (of a case approved and not refused by its resident)."""
    api = _api(request)
    path = await api.run(lambda session: public_photo_path(session, photo_id=request.path_params["photo_id"]))
    if path is None:
        raise HTTPException(404, "not found")
    return FileResponse(media_file(Path(api.settings.media_dir), path),
                        headers={"cache-control": "public, max-age=3600"})


def routes() -> list[Route | Mount]:
    """The board's routes, mounted beside Open311 in the public process."""
    return [
        Route("/board", board, methods=["GET"]),
        Route("/board/cases/{reference}", case_page, methods=["GET"]),
        Route("/board/figures", figures, methods=["GET"]),
        Route("/board/photos/{photo_id:int}", photo, methods=["GET"]),
        Mount("/board/static", StaticFiles(directory=HERE / "static"), name="board-static"),
    ]
