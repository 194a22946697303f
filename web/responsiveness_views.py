"""The responsiveness record (双向评价): per official, department or area, for a report's period and scope."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from starlette.requests import Request
from starlette.responses import Response

from cases.reporting import export
from cases.reporting import responsiveness as record
from web.auth import guard
from web.core import console_of, with_query
from web.language import N_
from web.reports_views import BadReportRequest, filters, parameters, refusal, slug

BY_LABELS = {"staff": "official", "department": "department", "grid": "area"}


async def _answer(request: Request, write: Callable[[SimpleNamespace, list[record.Row]], Response]) -> Response:
    """The record the query string asks for, written out by `write(chosen parameters, rows)`; or the page refusing
    it."""
    console = console_of(request)
    try:
        period, start, end, department, area = parameters(request)
        by = request.query_params.get("by") or "staff"
        if by not in record.BY:
            raise BadReportRequest(N_("the record is by staff, department or grid"))
    except (PermissionError, BadReportRequest) as exc:
        return refusal(request, exc)
    chosen = SimpleNamespace(period=period, start=start, end=end, department=department, area=area, by=by)
    rows = await console.run(lambda session: record.responsiveness(
        session, period=period, start=start, end=end, timezone=console.settings.timezone, by=by,
        department=department, area=area))
    return write(chosen, rows)


def _table(request: Request, chosen: SimpleNamespace, rows: list[record.Row]) -> Response:
    params = dict(period=chosen.period, start=chosen.start.isoformat(), department=chosen.department or "",
                  area=chosen.area or "")
    return console_of(request).render(
        request, "responsiveness.html", chosen=chosen, rows=rows, by_labels=BY_LABELS, **filters(request),
        report_url=with_query("/reports", **params),
        csv_url=with_query("/reports/responsiveness.csv", **params, by=chosen.by))


def _csv(chosen: SimpleNamespace, rows: list[record.Row]) -> Response:
    name = f"huiyin-responsiveness-{chosen.by}-{chosen.period}-{chosen.start.isoformat()}-{slug(chosen.department)}"
    name += f"-{slug(chosen.area)}.csv" if chosen.area else ".csv"
    return Response(export.responsiveness_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})


@guard("view_reports")
async def responsiveness_page(request: Request) -> Response:
    """The record as a table, with the report's period and scope filters and a choice of rows."""
    return await _answer(request, lambda chosen, rows: _table(request, chosen, rows))


@guard("view_reports")
async def responsiveness_csv(request: Request) -> Response:
    """The same record as a CSV download."""
    return await _answer(request, _csv)
