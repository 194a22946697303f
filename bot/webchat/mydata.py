"""The resident's own data in the web chat: answers to "my data" and "delete my data", the export download (a link
that works only in the session that asked, for EXPORT_LINK_MINUTES), and the full privacy notice at /privacy."""

from __future__ import annotations

import hmac
import html
import time
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from bot import resident_data
from bot.rasa_client import Reply
from bot.webchat.responses import reply_json
from bot.webchat.sessions import COOKIE
from cases import residents
from cases.residents_data import notice

if TYPE_CHECKING:
    from bot.webchat.app import Admission, WebChat


def download_link(chat: WebChat, session_id: str) -> str:
    """A link to the session's export, valid for EXPORT_LINK_MINUTES and only with the session's cookie."""
    expires = int(time.time() + chat.settings.export_link_minutes * 60)
    return f"/api/mydata?expires={expires}&sig={chat.sessions.sign(f'mydata|{session_id}|{expires}')}"


async def answer(chat: WebChat, request: Request, session_id: str, admission: Admission, kind: str,
                 replies: list[dict]) -> Response:
    """The channel's answer to a data request (bot/inbound.data_request); forgetting also gives a new session."""
    sender = residents.sender_id("web", session_id)
    turn = await resident_data.answer_data_request(chat.db, chat.settings, sender=sender, request=kind,
                                                   language=admission.language)
    shown = [reply_json(reply) for reply in turn.replies]
    if turn.document is not None:
        shown[-1]["download"] = download_link(chat, session_id)
    new_cookie = chat.sessions.issue()[1] if turn.forgotten else None
    return chat.answer(request, {"replies": replies + shown}, new_cookie)


async def download(chat: WebChat, request: Request) -> Response:
    """The export as a JSON file, for the session whose link this is, while the link is valid."""
    session_id = chat.sessions.verify(request.cookies.get(COOKIE))
    expires, signature = request.query_params.get("expires", ""), request.query_params.get("sig", "")
    if (session_id is None or not (expires.isascii() and expires.isdigit()) or int(expires) < time.time()
            or not hmac.compare_digest(signature, chat.sessions.sign(f"mydata|{session_id}|{expires}"))):
        raise HTTPException(403, "This download link is not valid any more. Ask for \"my data\" again.")
    document = await run_in_threadpool(resident_data.build_export, chat.db, chat.settings,
                                       residents.sender_id("web", session_id))
    if document is None:
        raise HTTPException(404, "We hold no data about you.")
    return Response(document.data, media_type="application/json; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{document.filename}"',
                             "cache-control": "no-store"})


def notice_reply(text: str) -> dict:
    """The short notice as one more reply of the turn."""
    return reply_json(Reply(text=text))


async def privacy(chat: WebChat, request: Request) -> Response:
    """The full privacy notice, English and Chinese, generated from the retention settings."""
    retention = notice.Retention.of(chat.settings)
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8">'
             '<meta name="viewport" content="width=device-width, initial-scale=1">'
             '<title>Privacy notice · 隐私说明</title></head><body>']
    for language, title in (("en", "Privacy notice"), ("zh", "隐私说明")):
        parts.append(f'<section lang="{language}"><h1>{title}</h1>')
        for heading, paragraph in notice.full_notice(language, retention):
            parts.append(f"<h2>{html.escape(heading)}</h2><p>{html.escape(paragraph)}</p>")
        parts.append("</section>")
    parts.append(f"<p><small>Version {notice.notice_version(retention)}</small></p></body></html>")
    return HTMLResponse("".join(parts), headers={"cache-control": "no-cache"})
