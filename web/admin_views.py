"""Canned replies, staff accounts (with the language each reads the console in) and the current user's alerts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from cases import i18n
from cases.areas import people, routing
from cases.models import Case, StaffUser
from cases.residents import SUPPORTED_LANGUAGES
from cases.staff import accounts, alerts, canned
from web.auth import guard, safe_next
from web.case_queries import area_options
from web.core import console_of, current, departments, form_of, redirect, run_change, whole_number
from web.language import N_, language_of

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
                              request_types=console.catalog.types, languages_of_replies=SUPPORTED_LANGUAGES)

    return await console.run(page)


@guard("edit_canned")
async def canned_create(request: Request) -> Response:
    """Add a canned reply."""
    console = console_of(request)

    def work(session, me, form) -> None:
        canned.create_canned(session, staff=me, catalog=console.catalog, **_canned_fields(form))

    return await _post(request, "/canned", work, N_("Canned reply added."))


def _reply_or_404(session, request: Request):
    reply = canned.get_canned(session, request.path_params["reply_id"])
    if reply is None:
        raise HTTPException(404, N_("There is no such canned reply."))
    return reply


@guard("edit_canned")
async def canned_update(request: Request) -> Response:
    """Change a canned reply."""
    console = console_of(request)

    def work(session, me, form) -> None:
        canned.update_canned(session, reply=_reply_or_404(session, request), staff=me, catalog=console.catalog,
                             **_canned_fields(form))

    return await _post(request, "/canned", work, N_("Canned reply saved."))


@guard("edit_canned")
async def canned_delete(request: Request) -> Response:
    """Remove a canned reply."""
    def work(session, me, form) -> None:
        canned.delete_canned(session, reply=_reply_or_404(session, request))

    return await _post(request, "/canned", work, N_("Canned reply deleted."))


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
            raise ValueError(N_("choose a department from the list"))
        accounts.create_staff(session, username=str(form.get("username") or ""),
                              password=str(form.get("password") or ""), role=str(form.get("role") or ""),
                              display_name=str(form.get("display_name") or ""), department=department,
                              telegram_chat_id=str(form.get("telegram_chat_id") or ""),
                              wechat_openid=str(form.get("wechat_openid") or ""),
                              language=str(form.get("language") or ""))

    return await _post(request, "/staff", work, N_("Account created."))


def _member_or_404(session, request: Request) -> StaffUser:
    member = accounts.find_staff(session, request.path_params["staff_id"])
    if member is None:
        raise HTTPException(404, N_("There is no such account."))
    return member


@guard("manage_staff")
async def staff_disable(request: Request) -> Response:
    """Disable an account (not your own) and end its sessions."""
    def work(session, me, form) -> None:
        member = _member_or_404(session, request)
        if member.id == me.id:
            raise ValueError(N_("you cannot disable your own account"))
        accounts.disable_staff(session, staff=member)

    return await _post(request, "/staff", work, N_("Account disabled."))


async def _change_member(request: Request, change: Callable, done: str) -> Response:
    """Change the account the path names with `change(session, member, form)`; back to the staff page."""
    return await _post(request, "/staff", lambda session, me, form: change(session, _member_or_404(session, request),
                                                                            form), done)


def _field(form, name: str) -> str:
    return str(form.get(name) or "")


@guard("manage_staff")
async def staff_password(request: Request) -> Response:
    """Give an account a new password (its sessions end)."""
    return await _change_member(request, lambda session, member, form: accounts.set_password(
        session, staff=member, password=_field(form, "password")), N_("Password changed; that account was logged out."))


@guard("manage_staff")
async def staff_area(request: Request) -> Response:
    """Make an account a grid's worker or an area's supervisor (or neither)."""
    return await _change_member(request, lambda session, member, form: people.set_area(
        session, staff=member, area_code=_field(form, "area"), areas=routing.router().areas), N_("Area saved."))


@guard("manage_staff")
async def staff_language(request: Request) -> Response:
    """Set the language an account reads the console in (empty: as their browser asks)."""
    return await _change_member(request, lambda session, member, form: accounts.set_language(
        session, staff=member, language=_field(form, "language")), N_("Language saved."))


@guard("manage_staff")
async def staff_wechat(request: Request) -> Response:
    """Set the WeChat OpenID an account's alerts and reports go to (empty: not on WeChat)."""
    return await _change_member(request, lambda session, member, form: accounts.set_wechat_openid(
        session, staff=member, openid=_field(form, "wechat_openid")), N_("WeChat OpenID saved."))


@guard()
async def own_language(request: Request) -> Response:
    """The staff member's own choice of language (empty: as their browser asks); back to the page they were on."""
    me, form = current(request), await form_of(request)
    chosen = str(form.get("language") or "").strip() or None
    back = safe_next(str(form.get("back") or ""))
    await console_of(request).run(lambda session: accounts.set_language(
        session, staff=session.get(StaffUser, me.id), language=chosen if chosen in i18n.LANGUAGES else None))
    # Said in the language just chosen, which the next page is in.
    language = i18n.language_for(chosen, request.headers.get("accept-language"),
                                 console_of(request).settings.staff_language)
    return redirect(request, back, N_("Language saved."), language=language)


@guard()
async def alert_list(request: Request) -> Response:
    """The alerts addressed to the current user, newest first."""
    console, me, language = console_of(request), current(request), language_of(request)

    def page(session) -> Response:
        rows = alerts.alerts_for(session, session.get(StaffUser, me.id))
        ids = {row.case_id for row in rows if row.case_id is not None}
        references = dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all()) if ids else {}
        return console.render(request, "alerts.html", alerts=rows, references=references,
                              texts={row.id: alerts.text_in(row, language) for row in rows},
                              kinds={row.id: alerts.kind_label(row.kind, language) for row in rows})

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
                raise ValueError(N_("there is no such alert for you")) from None

    return await _post(request, "/alerts", work, N_("Marked as read."))
