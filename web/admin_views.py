"""Canned replies, staff accounts and the current user's alerts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cases.areas import people, routing
from cases.models import Case, StaffUser
from cases.residents import SUPPORTED_LANGUAGES
from cases.staff import accounts, alerts, canned
from web.auth import guard
from web.case_queries import area_options
from web.core import console_of, current, departments, form_of, run_change, whole_number

REFUSALS = (ValueError,)


async def _post(request: Request, url: str, work: Callable, done: str) -> Response:
    """Run a change in one transaction; a refusal is a flash message and changes nothing."""
    me, form = current(request), await form_of(request)
    return await run_change(request, lambda session: work(session, session.get(StaffUser, me.id), form),
                            back=url, done=done, refusals=REFUSALS)


def _canned_fields(form) -> dict:
    return {key: str(form.get(key) or "") for key in ("title", "body", "request_type", "status", "language")}


@guard()
async def canned_list(request: Request) -> Response:
    """Every canned reply; supervisors and admins also get the forms to change them."""
    console = console_of(request)
    edit_id = request.query_params.get("edit", "")

    def page(session) -> Response:
        number = whole_number(edit_id)
        editing = canned.get_canned(session, number) if number is not None else None
        return console.render(request, "canned.html", replies=canned.list_canned(session), editing=editing,
                              request_types=console.catalog.types, languages=SUPPORTED_LANGUAGES)

    return await console.run(page)


@guard("edit_canned")
async def canned_create(request: Request) -> Response:
    """Add a canned reply."""
    console = console_of(request)

    def work(session, me, form) -> None:
        canned.create_canned(session, staff=me, catalog=console.catalog, **_canned_fields(form))

    return await _post(request, "/canned", work, "Canned reply added.")


def _reply_or_404(session, request: Request):
    reply = canned.get_canned(session, request.path_params["reply_id"])
    if reply is None:
        raise HTTPException(404, "There is no such canned reply.")
    return reply


@guard("edit_canned")
async def canned_update(request: Request) -> Response:
    """Change a canned reply."""
    console = console_of(request)

    def work(session, me, form) -> None:
        canned.update_canned(session, reply=_reply_or_404(session, request), staff=me, catalog=console.catalog,
                             **_canned_fields(form))

    return await _post(request, "/canned", work, "Canned reply saved.")


@guard("edit_canned")
async def canned_delete(request: Request) -> Response:
    """Remove a canned reply."""
    def work(session, me, form) -> None:
        canned.delete_canned(session, reply=_reply_or_404(session, request))

    return await _post(request, "/canned", work, "Canned reply deleted.")


@guard("manage_staff")
async def staff_list(request: Request) -> Response:
    """Every account, with the forms to create, disable and reset them."""
    console = console_of(request)
    return await console.run(lambda session: console.render(
        request, "staff.html", members=accounts.list_staff(session), roles=accounts.ROLES,
        departments=departments(console.catalog), area_options=area_options(routing.router().areas)))


@guard("manage_staff")
async def staff_create(request: Request) -> Response:
    """Create an account."""
    console = console_of(request)

    def work(session, me, form) -> None:
        department = str(form.get("department") or "")
        if department and department not in departments(console.catalog):
            raise ValueError("choose a department from the list")
        accounts.create_staff(session, username=str(form.get("username") or ""),
                              password=str(form.get("password") or ""), role=str(form.get("role") or ""),
                              display_name=str(form.get("display_name") or ""), department=department,
                              telegram_chat_id=str(form.get("telegram_chat_id") or ""))

    return await _post(request, "/staff", work, "Account created.")


def _member_or_404(session, request: Request) -> StaffUser:
    member = accounts.find_staff(session, request.path_params["staff_id"])
    if member is None:
        raise HTTPException(404, "There is no such account.")
    return member


@guard("manage_staff")
async def staff_disable(request: Request) -> Response:
    """Disable an account (not your own) and end its sessions."""
    def work(session, me, form) -> None:
        member = _member_or_404(session, request)
        if member.id == me.id:
            raise ValueError("you cannot disable your own account")
        accounts.disable_staff(session, staff=member)

    return await _post(request, "/staff", work, "Account disabled.")


@guard("manage_staff")
async def staff_password(request: Request) -> Response:
    """Give an account a new password (its sessions end)."""
    def work(session, me, form) -> None:
        accounts.set_password(session, staff=_member_or_404(session, request), password=str(form.get("password") or ""))

    return await _post(request, "/staff", work, "Password changed; that account was logged out.")


@guard("manage_staff")
async def staff_area(request: Request) -> Response:
    """Make an account a grid's worker or an area's supervisor (or neither)."""
    def work(session, me, form) -> None:
        people.set_area(session, staff=_member_or_404(session, request), area_code=str(form.get("area") or ""),
                        areas=routing.router().areas)

    return await _post(request, "/staff", work, "Area saved.")


@guard()
async def alert_list(request: Request) -> Response:
    """The alerts addressed to the current user, newest first."""
    console, me = console_of(request), current(request)

    def page(session) -> Response:
        rows = alerts.alerts_for(session, session.get(StaffUser, me.id))
        ids = {row.case_id for row in rows if row.case_id is not None}
        references = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
        return console.render(request, "alerts.html", alerts=rows, references=references)

    return await console.run(page)


@guard()
async def alert_read(request: Request) -> Response:
    """Mark one alert read (or all, with alert id `all`)."""
    alert_id = request.path_params["alert_id"]

    def work(session, me, form) -> None:
        if alert_id == "all":
            alerts.mark_all_read(session, staff=me)
        else:
            try:
                alerts.mark_read(session, staff=me, alert_id=whole_number(alert_id, default=0))
            except alerts.AlertNotFound:
                raise ValueError("there is no such alert for you") from None

    return await _post(request, "/alerts", work, "Marked as read.")
