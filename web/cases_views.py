"""Case pages: the filtered list, one case with its history, and the actions staff take on it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Optional
from urllib.parse import quote

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from cases import following, lifecycle, publication, queries, references, workflow
from cases.areas import ladder, placing, routing
from cases.catalog import UnknownRequestType
from cases.clock import utcnow
from cases.extract import find_duration
from cases.models import Case, CasePhoto, StaffUser
from cases.reporting.areas import area_label
from cases.staff import accounts, canned
from cases.workflow import Actor, Status, TransitionNotAllowed, next_statuses
from web.auth import guard
from web.case_queries import (
    SORTS,
    CaseFilters,
    area_options,
    area_path,
    grid_options,
    merged_into,
    optional_int,
    page_count,
    search_cases,
    status_counts,
)
from web.core import Current, console_of, current, departments, form_of, run_change
from web.language import N_, language_of

MAX_SCHEDULE_YEARS = 10  # further is a typo, and dates near year 9999 overflow date arithmetic

# What a refused action raises; each is shown to the user as a sentence, and the transaction is rolled back.
REFUSALS = (TransitionNotAllowed, lifecycle.ScheduleDateRequired, lifecycle.InvalidDuplicate, UnknownRequestType,
            ValueError)


@guard()
async def case_list(request: Request) -> Response:
    """The cases matching the filters, a page at a time, with counts per status."""
    console, me, language = console_of(request), current(request), language_of(request)
    areas = routing.router().areas
    filters = CaseFilters.from_query(request.query_params, console.catalog, departments(console.catalog), areas)
    now = utcnow()

    def page(session) -> Response:
        scope = accounts.own_area(me, areas)
        rows, total = search_cases(session, filters, staff_id=me.id, now=now, areas=areas, scope=scope)
        counts = status_counts(session, filters, staff_id=me.id, now=now, areas=areas, scope=scope)
        return console.render(
            request, "cases.html", filters=filters, rows=rows, total=total, counts=counts,
            area_options=area_options(areas), scope=areas.get(scope),
            pages=page_count(total), departments=departments(console.catalog), sorts=SORTS,
            request_types=console.catalog.types, overdue={c.id: queries.is_overdue(c, now) for c in rows},
            followers=following.follower_counts(session, case_ids=[c.id for c in rows]),
            points=json.dumps([{"ref": c.reference, "lat": c.latitude, "lon": c.longitude,
                                "open": workflow.is_working(Status(c.status)),
                                "label": f"{c.reference} · {console.type_name(c.request_type, language)}"}
                               for c in rows if c.latitude is not None and c.longitude is not None]))

    return await console.run(page)


def _case_or_404(session, reference: str, me: Current) -> Case:
    """The case, if this staff member may see it: anyone, except that a grid worker or an area's supervisor sees
    the cases of their area and those assigned to them. Any other is "no such case", as the list shows it."""
    try:
        case = queries.find_case(session, reference=reference)
    except queries.CaseNotFound:
        raise HTTPException(404, N_("There is no case %(reference)s.", reference=reference)) from None
    areas = routing.router().areas
    if not accounts.may_see_case(me, case, areas):
        raise HTTPException(404, N_("There is no case %(reference)s in your area.", reference=reference))
    return case


@guard()
async def case_page(request: Request) -> Response:
    """One case: what was reported, where, by whom on which channel, its history and the actions."""
    console, me, language = console_of(request), current(request), language_of(request)
    reference = request.path_params["reference"]
    now = utcnow()

    def page(session) -> Response:
        case = _case_or_404(session, reference, me)
        moves = [s.value for s in next_statuses(Status(case.status), Actor.STAFF) if s is not Status.DUPLICATE]
        areas = routing.router().areas
        rungs = ladder.ladder_for(case, catalog=console.catalog, areas=areas)
        return console.render(
            request, "case.html", case=case, resident=case.resident, events=list(case.events),
            grid=area_path(areas, case.grid_code), grid_choices=_grid_choices(case, me),
            rungs=[ladder.describe(case, rung, areas, language=language, catalog=console.catalog) for rung in rungs],
            photos=list(case.photos), merged=merged_into(session, case), moves=moves,
            followers=following.follower_count(session, case=case),
            may_duplicate=Status.DUPLICATE in next_statuses(Status(case.status), Actor.STAFF),
            overdue=queries.is_overdue(case, now), departments=departments(console.catalog),
            staff_members=accounts.list_staff(session, active_only=True), request_types=console.catalog.types,
            suggestions=canned.suggestions(session, case.request_type, None, case.resident.language),
            today=now.astimezone(console.zone).date().isoformat(), osm=_osm_link(case),
            lasting=find_duration(case.description),
            answers=console.catalog.answers_in_words(case.request_type, case.answers or {}),
            public_photos=sum(1 for p in case.photos if p.public))

    return await console.run(page)


def _grid_choices(case: Case, me: Current) -> list[tuple[str, str]]:
    """The grids this staff member may place the case in (an area's people: their area's), other than its own;
    none for a closed case."""
    if not workflow.is_active(Status(case.status)):
        return []
    areas = routing.router().areas
    choices = grid_options(areas, accounts.own_area(me, areas))
    return [(code, label) for code, label in choices if code != case.grid_code]


def _osm_link(case: Case) -> Optional[str]:
    if case.latitude is None or case.longitude is None:
        return None
    lat, lon = f"{case.latitude:.6f}", f"{case.longitude:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


async def _act(request: Request, work: Callable, done: str) -> Response:
    """Run one action on the case in one transaction; a refusal becomes a flash message and changes nothing."""
    me, reference = current(request), request.path_params["reference"]
    form = await form_of(request)
    url = f"/cases/{quote(reference)}"

    def run(session) -> None:
        case = _case_or_404(session, reference, me)
        work(session, case, session.get(StaffUser, me.id), form)

    return await run_change(request, run, back=url, done=done, refusals=REFUSALS)


def _scheduled_date(text: str, today: date) -> Optional[date]:
    if not (text or "").strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(N_("the scheduled date is not a date (use YYYY-MM-DD)")) from None
    if day < today:
        raise ValueError(N_("the scheduled date is in the past"))
    if day.year > today.year + MAX_SCHEDULE_YEARS:
        raise ValueError(N_("the scheduled date is more than %(years)d years away", years=MAX_SCHEDULE_YEARS))
    return day


@guard()
async def change_status(request: Request) -> Response:
    """Move the case to another status, with a public note (pushed) and an internal note (never sent)."""
    console = console_of(request)

    def work(session, case, me, form) -> None:
        to_status = str(form.get("to_status") or "")
        if to_status not in {s.value for s in Status}:
            raise ValueError(N_("choose the new status"))
        if to_status == Status.DUPLICATE.value:
            raise ValueError(N_("use 'Mark as duplicate' to merge a case into another"))
        today = utcnow().astimezone(console.zone).date()
        lifecycle.change_status(
            session, case=case, to_status=to_status, actor=Actor.STAFF, staff=me,
            public_note=str(form.get("public_note") or ""), internal_note=str(form.get("internal_note") or ""),
            scheduled_for=_scheduled_date(str(form.get("scheduled_for") or ""), today),
            timezone=console.settings.timezone, quiet_hours=console.quiet_hours, catalog=console.catalog)

    return await _act(request, work, N_("Status changed; the resident will be told."))


@guard()
async def assign(request: Request) -> Response:
    """Give the case to a department and, optionally, one staff member."""
    console = console_of(request)

    def work(session, case, me, form) -> None:
        department = str(form.get("department") or "")
        if department and department not in departments(console.catalog):
            raise ValueError(N_("choose a department from the list"))
        assignee_id = optional_int(str(form.get("assignee_id") or ""))
        assignee = session.get(StaffUser, assignee_id) if assignee_id else None
        if assignee_id and assignee is None:
            raise ValueError(N_("that staff member does not exist"))
        lifecycle.assign(session, case=case, staff=me, department=department or None, assignee=assignee,
                       internal_note=str(form.get("internal_note") or ""))

    return await _act(request, work, N_("Assignment saved."))


@guard()
async def change_type(request: Request) -> Response:
    """Re-route the case to another request type (new department and due date; the resident is told)."""
    console = console_of(request)

    def work(session, case, me, form) -> None:
        request_type = str(form.get("request_type") or "")
        if request_type not in console.catalog:
            raise ValueError(N_("choose a request type from the list"))
        lifecycle.change_request_type(session, case=case, request_type=request_type, staff=me,
                                    internal_note=str(form.get("internal_note") or ""),
                                    timezone=console.settings.timezone, quiet_hours=console.quiet_hours,
                                    catalog=console.catalog)

    return await _act(request, work, N_("Request type changed; the resident will be told."))


@guard()
async def place_in_grid(request: Request) -> Response:
    """Place the case in a grid, or move it to another (staff only: the resident is not told)."""
    console = console_of(request)
    areas = routing.router().areas
    grid_code = str((await form_of(request)).get("grid_code") or "").strip()

    def work(session, case, me, form) -> None:
        placing.place_in_grid(session, case=case, grid_code=grid_code, staff=me,
                              internal_note=str(form.get("internal_note") or ""), catalog=console.catalog,
                              areas=areas)

    return await _act(request, work, N_("Placed in grid %(grid)s; the resident is not told.",
                                          grid=area_label(areas, grid_code)))


@guard()
async def mark_duplicate(request: Request) -> Response:
    """Merge the case into another one; its resident follows that case from now on."""
    console = console_of(request)

    def work(session, case, me, form) -> None:
        original = str(form.get("original_reference") or "").strip()
        if not original:
            raise ValueError(N_("give the reference of the case this one duplicates"))
        lifecycle.mark_duplicate(session, case=case, original_reference=original, staff=me,
                               public_note=str(form.get("public_note") or ""),
                               internal_note=str(form.get("internal_note") or ""),
                               timezone=console.settings.timezone, quiet_hours=console.quiet_hours)

    return await _act(request, work, N_("Marked as a duplicate; the resident will be told."))


@guard()
async def moderate(request: Request) -> Response:
    """Approve the description (as written or redacted) and chosen photos for the public board, or keep them
    private."""
    def work(session, case, me, form) -> None:
        if form.get("decision") == "private":
            publication.keep_private(session, case=case, staff=me)
            return
        chosen = [int(v) for v in form.getlist("photo") if isinstance(v, str) and v.isdigit()]
        publication.approve(session, case=case, staff=me, description=str(form.get("public_description") or ""),
                            photo_ids=chosen)

    return await _act(request, work, N_("Publication on the public board saved."))


def media_file(media_dir: Path, relative: Optional[str]) -> Path:
    """The file a stored photo path names, only if it lies inside the media directory (else 404)."""
    root = media_dir.resolve()
    target = (root / (relative or "")).resolve()
    if not relative or not target.is_relative_to(root) or not target.is_file():
        raise HTTPException(404, N_("There is no such photo."))
    return target


@guard()
async def case_photo(request: Request) -> Response:
    """A photo of a case, by its id: only files the database lists for that case are ever served."""
    console, me = console_of(request), current(request)
    reference, photo_id = request.path_params["reference"], request.path_params["photo_id"]

    def find(session) -> Optional[str]:
        case = _case_or_404(session, references.normalise_reference(reference), me)
        return session.scalar(select(CasePhoto.path).where(CasePhoto.id == photo_id, CasePhoto.case_id == case.id))

    path = media_file(console.settings.media_dir, await console.run(find))
    return FileResponse(path, headers={"cache-control": "private, max-age=3600"})
