"""Reports: a weekly or monthly report for the city, one department or one area, as a page or a CSV file."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Optional

from starlette.requests import Request
from starlette.responses import Response

from cases import i18n
from cases.areas import routing
from cases.areas.areas import AreaMap
from cases.clock import utcnow
from cases.messages import status_label
from cases.reporting import export
from cases.reporting import figures as reports
from cases.reporting.areas import TRIAGE
from cases.staff import accounts
from web.auth import forbidden, guard
from web.case_queries import area_options
from web.charts import bar_chart
from web.core import Current, console_of, current, departments, polite, with_query
from web.language import N_, language_of, shown_in

PERIODS = ("weekly", "monthly")
# Reports cover days a case can have; near year 1 or 9999 the time-zone arithmetic overflows.
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


class BadReportRequest(ValueError):
    """Report parameters we cannot use (shown as a message, status 400)."""


def _department_for(me: Current, asked: str, known: list[str]) -> Optional[str]:
    """The department whose report this person gets; PermissionError if they may not see what they asked."""
    asked = (asked or "").strip()
    if asked and asked not in known:
        raise BadReportRequest(N_("there is no department called %(name)s", name=asked))
    if accounts.may(me, "view_city_report"):
        return asked or None
    if asked and asked != me.department:
        raise PermissionError(N_("You may see your own department's report only."))
    if not me.department:
        raise PermissionError(N_("You may see your own department's report only."))
    return me.department


def _area_for(me: Current, asked: str, areas: AreaMap) -> Optional[str]:
    """The area whose report this person gets (None: every area). A grid worker's or an area supervisor's is
    their area, or an area inside it; others may pick any area or the triage desk. Filters narrow, never widen."""
    asked = (asked or "").strip()
    if asked and asked != TRIAGE and areas.get(asked) is None:
        raise BadReportRequest(N_("there is no area %(code)s", code=asked))
    own = accounts.own_area(me, areas)
    if own is None:
        return asked or None
    if asked and own not in areas.lineage(asked):
        raise PermissionError(N_("You may see your own area's report only."))
    return asked or own


def parameters(request: Request):
    """(period, start, end, department, area) of the query string, narrowed to what this person may see; raises
    PermissionError or BadReportRequest."""
    console, me = console_of(request), current(request)
    period = request.query_params.get("period") or "weekly"
    if period not in PERIODS:
        raise BadReportRequest(N_("the period is weekly or monthly"))
    start_text = request.query_params.get("start") or ""
    today = utcnow().astimezone(console.zone).date()
    if start_text:
        try:
            day = date.fromisoformat(start_text)
        except ValueError:
            raise BadReportRequest(N_("the start date is not a date (use YYYY-MM-DD)")) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise BadReportRequest(N_("the start date must be between %(first)s and %(last)s",
                                      first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))
        start, end = reports.period_bounds(period, day)
    else:
        start, end = reports.previous_period(period, today)
    areas, known = routing.router().areas, departments(console.catalog)
    area, asked_department = _area_for(me, request.query_params.get("area", ""), areas), \
        (request.query_params.get("department") or "").strip()
    if accounts.own_area(me, areas) is not None:  # their area's figures, narrowed to a department if they pick one
        if asked_department and asked_department not in known:
            raise BadReportRequest(N_("there is no department called %(name)s", name=asked_department))
        return period, start, end, asked_department or None, area
    return period, start, end, _department_for(me, asked_department, known), area


def refusal(request: Request, exc: Exception) -> Response:
    """A scope this person may not see (403), or parameters we cannot use (400), as a page saying so."""
    if isinstance(exc, PermissionError):
        return forbidden(request, exc.args[0] if exc.args else str(exc))
    language = language_of(request)
    return console_of(request).render(request, "error.html", status_code=400, title=shown_in(N_("Report"), language),
                                      message=polite(exc, language))


async def _build(request: Request):
    """The report the query string asks for, or an error response."""
    console = console_of(request)
    try:
        period, start, end, department, area = parameters(request)
    except (PermissionError, BadReportRequest) as exc:
        return None, refusal(request, exc)
    report = await console.run(lambda session: reports.build_report(
        session, period=period, start=start, end=end, department=department, area=area,
        timezone=console.settings.timezone, catalog=console.catalog))
    return report, None


def slug(text: Optional[str]) -> str:
    """A file-name fragment for a department or area ("city" for none)."""
    return re.sub(r"[^a-z0-9]+", "-", (text or "city").lower()).strip("-") or "city"


@guard("view_reports")
async def report_page(request: Request) -> Response:
    """The report with its charts and tables."""
    console, language = console_of(request), language_of(request)
    report, error = await _build(request)
    if error is not None:
        return error
    params = dict(period=report.period, start=report.start.isoformat(), department=report.department or "",
                  area=report.area or "")
    daily = [(d.strftime("%d"), n) for d, n in report.daily_received]
    charts = {
        "daily": bar_chart(daily, title=i18n.translate(language_of(request), "Cases received per day"),
                           label_every=1 if len(daily) <= 10 else 3),
        "satisfaction": bar_chart([(f"{k}★", report.satisfaction_counts.get(k, 0)) for k in range(1, 6)],
                                  title=i18n.translate(language_of(request), "Satisfaction ratings")),
        "open": bar_chart([(status_label(s, language), n) for s, n in report.open_by_status.items()],
                          title=i18n.translate(language_of(request), "Open cases by status")),
    }
    return console.render(
        request, "reports.html", report=report, charts=charts, **filters(request),
        csv_url=with_query("/reports.csv", **params),
        responsiveness_url=with_query("/reports/responsiveness", **params))


def filters(request: Request) -> dict[str, Any]:
    """The choices of the period, department and area filters this person may pick from."""
    console, me = console_of(request), current(request)
    areas = routing.router().areas
    own = accounts.own_area(me, areas)
    return dict(
        periods=PERIODS,
        departments=(departments(console.catalog) if accounts.may(me, "view_city_report") or own
                     else [me.department]),
        city_allowed=accounts.may(me, "view_city_report") or own is not None,
        area_options=[(code, label) for code, label in area_options(areas)
                      if own is None or own in areas.lineage(code)],
        all_areas_allowed=own is None)


@guard("view_reports")
async def report_csv(request: Request) -> Response:
    """The same report as a CSV download."""
    report, error = await _build(request)
    if error is not None:
        return error
    name = f"huiyin-{report.period}-{report.start.isoformat()}-{slug(report.department)}"
    name += f"-{slug(report.area)}.csv" if report.area else ".csv"
    return Response(export.report_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"',
                             "cache-control": "no-store"})
