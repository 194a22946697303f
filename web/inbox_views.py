"""The live-chat inbox: conversations handed to a person, taken, answered and ended by staff."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from cases import i18n, queries
from cases.catalog import UnknownRequestType
from cases.clock import utcnow
from cases.handoff import handoff
from cases.models import Case, HandoffMessage, HandoffRequest, StaffUser
from cases.staff import accounts
from web import labels
from web.auth import guard
from web.case_queries import resident_case_count
from web.cases_views import media_file
from web.core import Console, console_of, current, form_of, json_response, not_done, polite, redirect, whole_number
from web.language import N_, language_of

REFUSALS = (handoff.HandoffError, queries.CaseNotFound, UnknownRequestType, ValueError)


def _waited(since: datetime, now: datetime, language: str) -> str:
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 120:
        return i18n.translate(language, "%(minutes)d min") % {"minutes": minutes}
    return i18n.translate(language, "%(hours)d h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def _summary(session, item: HandoffRequest, console: Console, now: datetime, language: str) -> dict:
    resident = item.resident
    cases = resident_case_count(session, resident.id)
    waiting = _waited(item.created_at, now, language)
    since, agent = console.local_time(item.created_at, language), item.agent.display_name if item.agent else None
    meta = (i18n.translate(language, "waiting %(waited)s") % {"waited": waiting} if item.status == handoff.WAITING
            else i18n.translate(language, "with %(agent)s · since %(since)s") % {"agent": agent or "-", "since": since})
    count = i18n.translate_plural(language, "%(num)d case", "%(num)d cases", cases) % {"num": cases}
    return {
        "id": item.id, "status": item.status, "trigger": item.trigger or "", "url": f"/inbox/{item.id}",
        "resident": resident.display_name or i18n.translate(language, "%(channel)s resident") % {
            "channel": resident.channel},
        "channel": resident.channel, "language": resident.language, "cases": cases, "waiting": waiting,
        "since": since, "agent": agent,
        # The line under the name, as the page and its script show it (the script knows no language).
        "meta": " · ".join([meta, resident.channel, resident.language or "", count]
                           + ([labels.label(language, "trigger", item.trigger)]
                              if item.trigger and item.status == handoff.WAITING else [])),
    }


def _queue(session, console: Console, language: str) -> dict:
    now = utcnow()
    rows = handoff.open_handoffs(session)
    return {"waiting": [_summary(session, h, console, now, language) for h in rows
                        if h.status == handoff.HandoffStatus.WAITING],
            "active": [_summary(session, h, console, now, language) for h in rows
                       if h.status == handoff.HandoffStatus.ACTIVE],
            "empty": {"waiting": i18n.translate(language, "Nobody is waiting."),
                      "active": i18n.translate(language, "No conversation in progress.")}}


@guard()
async def inbox(request: Request) -> Response:
    """Waiting conversations (longest waiting first) and those being answered."""
    console = console_of(request)
    language = language_of(request)
    return await console.run(lambda session: console.render(request, "inbox.html",
                                                            **_queue(session, console, language)))


@guard()
async def inbox_api(request: Request) -> Response:
    """The same lists as JSON, polled by the inbox page."""
    console = console_of(request)
    language = language_of(request)
    return json_response(await console.run(lambda session: _queue(session, console, language)))


def _handoff_or_404(session, handoff_id: int) -> HandoffRequest:
    item = session.get(HandoffRequest, handoff_id)
    if item is None:
        raise HTTPException(404, N_("There is no such conversation."))
    return item


def message_json(message: HandoffMessage, console: Console, language: str = i18n.SOURCE_LANGUAGE) -> dict:
    """One transcript line as the page shows it."""
    return {
        "id": message.id, "direction": message.direction, "text": message.text,
        "time": console.local_time(message.created_at, language),
        "who": message.staff.display_name if message.staff is not None else None,
        "photo": f"/inbox/{message.handoff_id}/photos/{message.id}" if message.photo_path else None,
        "latitude": message.latitude, "longitude": message.longitude,
    }


@guard()
async def conversation(request: Request) -> Response:
    """One conversation: transcript (live), the resident's cases, and the agent's actions."""
    console, me, language = console_of(request), current(request), language_of(request)
    handoff_id = request.path_params["handoff_id"]

    def page(session) -> Response:
        item = _handoff_or_404(session, handoff_id)
        said = [m for m in item.messages if m.direction == handoff.RESIDENT]
        located = [m for m in said if m.latitude is not None]
        cases = list(session.scalars(select(Case).where(Case.resident_id == item.resident_id)
                                     .order_by(Case.created_at.desc(), Case.id.desc())))
        mine = item.status == handoff.HandoffStatus.ACTIVE and item.agent_id == me.id
        return console.render(
            request, "conversation.html", item=item, resident=item.resident,
            messages=[message_json(m, console, language) for m in item.messages], cases=cases, mine=mine,
            can_take=item.status == handoff.HandoffStatus.WAITING or (
                item.status == handoff.HandoffStatus.ACTIVE and not mine and accounts.may(me, "take_over_handoff")),
            request_types=console.catalog.types,
            prefill="\n".join(m.text for m in said if m.text and not m.text.startswith("[")),
            location=located[-1] if located else None)

    return await console.run(page)


@guard()
async def messages_api(request: Request) -> Response:
    """Transcript lines after `?after=<id>`, with the conversation's state, for live updates."""
    console, language = console_of(request), language_of(request)
    after = whole_number(request.query_params.get("after", "0"))
    if after is None:
        message = i18n.translate(language, "'after' must be a whole number (the last message id shown).")
        return json_response({"error": message}, 400)

    def fetch(session) -> dict:
        item = session.get(HandoffRequest, request.path_params["handoff_id"])
        if item is None:
            return {}
        rows = handoff.messages_after(session, handoff=item, after_id=after)
        return {"status": item.status, "status_label": labels.label(language, "handoff", item.status),
                "agent": item.agent.display_name if item.agent else None,
                "messages": [message_json(m, console, language) for m in rows]}

    found = await console.run(fetch)
    if not found:
        return json_response({"error": i18n.translate(language_of(request), "There is no such conversation.")}, 404)
    return json_response(found)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


async def _act(request: Request, work: Callable, done: str) -> Response:
    """One action on a conversation in one transaction; a refusal is a flash message (or JSON 400)."""
    console, me = console_of(request), current(request)
    handoff_id = request.path_params["handoff_id"]
    form = await form_of(request)
    url = f"/inbox/{handoff_id}"

    def run(session):
        return work(session, _handoff_or_404(session, handoff_id), session.get(StaffUser, me.id), form)

    try:
        result = await console.run(run)
    except REFUSALS as exc:
        if _wants_json(request):
            return json_response({"error": polite(exc, language_of(request))}, 400)
        return redirect(request, url, not_done(request, exc), "error")
    if _wants_json(request):
        return json_response({"ok": True, "message": result})
    return redirect(request, url, done)


@guard()
async def take(request: Request) -> Response:
    """Take a waiting conversation (supervisors may take over one another agent is answering)."""
    def work(session, item, me, form) -> None:
        if (item.status == handoff.HandoffStatus.ACTIVE and item.agent_id != me.id
                and not accounts.may(me, "take_over_handoff")):
            raise handoff.HandoffError(N_("another agent is answering this conversation"))
        handoff.take(session, handoff=item, staff=me)

    return await _act(request, work, N_("You are now answering this conversation."))


@guard()
async def reply(request: Request) -> Response:
    """Send a message to the resident (urgent push); answers JSON when called by the page's script."""
    console, language = console_of(request), language_of(request)

    def work(session, item, me, form) -> dict:
        message = handoff.agent_reply(session, handoff=item, staff=me, text=str(form.get("text") or ""))
        return message_json(message, console, language)

    return await _act(request, work, N_("Sent."))


@guard()
async def end(request: Request) -> Response:
    """End the conversation; the resident is back with the assistant."""
    def work(session, item, me, form) -> None:
        handoff.end(session, handoff=item, staff=me)

    return await _act(request, work, N_("Conversation ended."))


def _coordinate(value: object, low: float, high: float) -> Optional[float]:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(N_("the coordinates are not numbers")) from None
    if not low <= number <= high:
        raise ValueError(N_("the coordinates are out of range"))
    return number


@guard()
async def open_case(request: Request) -> Response:
    """File a case for the resident from the conversation, link it, and tell them its reference."""
    console = console_of(request)

    def work(session, item, me, form) -> None:
        request_type = str(form.get("request_type") or "")
        if request_type not in console.catalog:
            raise ValueError(N_("choose a request type"))
        handoff.open_case_from_handoff(
            session, handoff=item, staff=me, request_type=request_type,
            description=str(form.get("description") or ""), address=str(form.get("address") or ""),
            latitude=_coordinate(form.get("latitude"), -90, 90),
            longitude=_coordinate(form.get("longitude"), -180, 180),
            reference_prefix=console.settings.reference_prefix, timezone=console.settings.timezone,
            catalog=console.catalog)

    return await _act(request, work, N_("Case opened and linked; the resident was told its reference."))


@guard()
async def attach(request: Request) -> Response:
    """Link the conversation to one of the resident's existing cases."""
    def work(session, item, me, form) -> None:
        case = queries.find_case(session, reference=str(form.get("reference") or ""))
        handoff.attach_case(session, handoff=item, case=case)

    return await _act(request, work, N_("Conversation linked to the case."))


@guard()
async def message_photo(request: Request) -> Response:
    """A photo the resident sent in the conversation (only paths the transcript records)."""
    console = console_of(request)

    def find(session) -> Optional[str]:
        return session.scalar(select(HandoffMessage.photo_path).where(
            HandoffMessage.id == request.path_params["message_id"],
            HandoffMessage.handoff_id == request.path_params["handoff_id"]))

    path = media_file(console.settings.media_dir, await console.run(find))
    return FileResponse(path, headers={"cache-control": "private, max-age=3600"})
