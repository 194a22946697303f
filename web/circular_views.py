"""The supervision circular (通报) as a PDF download: the report page's period, scope and permission rules, in the
language of the staff member asking (or `language=en|zh`, to forward it to someone who reads the other)."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from cases import i18n
from cases.reporting.circular import build_circular
from cases.reporting.circular_pdf import render_pdf
from web.auth import guard
from web.core import console_of, with_query
from web.language import language_of
from web.reports_views import BadReportRequest, parameters, refusal, slug


@guard("view_reports")
async def circular_pdf(request: Request) -> Response:
    """The circular of the period and scope the query string asks for (a month unless it says otherwise)."""
    if not request.query_params.get("period"):
        # The report page's default period is the week; the circular's is the month.
        return RedirectResponse(with_query(request.url.path, **{**request.query_params, "period": "monthly"}),
                                status_code=303)
    console = console_of(request)
    try:
        period, start, end, department, area = parameters(request)
    except (PermissionError, BadReportRequest) as exc:
        return refusal(request, exc)
    language = i18n.supported(request.query_params.get("language")) or language_of(request)
    circular = await console.run(lambda session: build_circular(
        session, period=period, start=start, end=end, department=department, area=area,
        timezone=console.settings.timezone, catalog=console.catalog))
    # WeasyPrint is CPU-bound: off the event loop, and outside the database transaction.
    pdf = await run_in_threadpool(render_pdf, circular, language=language, timezone=console.settings.timezone)
    name = f"huiyin-circular-{period}-{start.isoformat()}-{slug(department)}"
    name += f"-{slug(area)}-{language}.pdf" if area else f"-{language}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"})
