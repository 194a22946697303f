"""The resident's own data in every channel: the privacy notice at first contact, "my data" (an export file, or
a single-use link to it where a channel cannot send files) and "delete my data" (with confirmation), answered by the
channel without Rasa (cases/residents_data/)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Optional

from bot import texts
from bot.rasa_client import Button, Reply
from cases import residents
from cases.clock import utcnow
from cases.guards.privacy import pseudonym
from cases.residents_data import conversation, export, forget, links, notice
from cases.store.db import Database
from huiyin import bootstrap
from huiyin.settings import Settings

log = logging.getLogger(__name__)

CONFIRM, CANCEL = "/forget_confirm", "/forget_cancel"


@dataclass(frozen=True)
class Document:
    """A file to give the resident."""

    filename: str
    data: bytes


@dataclass
class DataTurn:
    """The channel's answer to a data request: texts (with buttons), maybe a file, and whether they were forgotten."""

    replies: list[Reply] = field(default_factory=list)
    document: Optional[Document] = None
    forgotten: bool = False


def _notice_due(db: Database, settings: Settings, sender: str) -> Optional[str]:
    channel, external_id = residents.parse_sender_id(sender)
    retention = notice.Retention.of(settings)
    with db.transaction() as session:
        resident = residents.find_resident(session, channel=channel, external_id=external_id)
        if resident is None or not notice.take_notice(session, resident=resident,
                                                      version=notice.notice_version(retention), now=utcnow()):
            return None
        return notice.short_notice(resident.language, retention, settings.privacy_url())


async def notice_reply(db: Database, settings: Settings, *, sender: str) -> Optional[Reply]:
    """The short privacy notice if this resident has never been shown it (recorded as shown); consent otherwise.

    Never raises: a failure costs the notice of this turn (it is shown at the next), never the answer."""
    try:
        said = await asyncio.to_thread(_notice_due, db, settings, sender)
    except Exception:  # logged with its trace
        log.exception("privacy notice not recorded for resident %s", pseudonym(sender))
        return None
    return Reply(text=said) if said else None


def build_export(db: Database, settings: Settings, sender: str) -> Optional[Document]:
    """The resident's export file, or None if we do not know them."""
    channel, external_id = residents.parse_sender_id(sender)
    said = conversation.conversation_texts(settings.tracker_store_url(), settings.rasa_tracker_schema, sender=sender)
    now = utcnow()
    with db.transaction() as session:
        resident = residents.find_resident(session, channel=channel, external_id=external_id)
        if resident is None:
            return None
        document = export.export_resident(session, resident=resident, now=now, conversation=said)
    return Document(export.export_filename(now), export.export_json(document))


def _issue_link(db: Database, settings: Settings, sender: str) -> Optional[str]:
    channel, external_id = residents.parse_sender_id(sender)
    with db.transaction() as session:
        resident = residents.find_resident(session, channel=channel, external_id=external_id)
        if resident is None:
            return None
        return links.issue_link(session, resident=resident, now=utcnow(),
                                lifetime=timedelta(minutes=settings.export_link_minutes))


async def export_link_reply(db: Database, settings: Settings, *, sender: str, base_url: str,
                            language: str) -> Reply:
    """"my data" where the channel cannot send a file: a link `base_url/<token>` that opens the export once, for
    EXPORT_LINK_MINUTES (`export_by_link`)."""
    token = await asyncio.to_thread(_issue_link, db, settings, sender)
    if token is None:
        return Reply(text=texts.text("export_none", language))
    return Reply(text=texts.text("export_link", language, link=f"{base_url}/{token}",
                                 minutes=f"{settings.export_link_minutes:g}"))


def export_by_link(db: Database, settings: Settings, token: str) -> Optional[Document]:
    """The export a link's token opens, the token used up; None if it opens nothing (any more)."""
    with db.transaction() as session:
        resident = links.redeem_link(session, token=token, now=utcnow())
        sender = None if resident is None else residents.sender_id(resident.channel, resident.external_id)
    return None if sender is None else build_export(db, settings, sender)


def _ask(db: Database, sender: str, language: str) -> list[Reply]:
    channel, external_id = residents.parse_sender_id(sender)
    with db.transaction() as session:
        resident = residents.find_resident(session, channel=channel, external_id=external_id)
        if resident is None:
            return [Reply(text=texts.text("forget_none", language))]
        references = forget.open_references(session, resident=resident)
    said = texts.text("forget_ask", language)
    if references:
        said += "\n\n" + texts.text("forget_open", language, references=", ".join(references))
    return [Reply(text=said, buttons=(Button(texts.text("forget_yes", language), CONFIRM),
                                     Button(texts.text("forget_no", language), CANCEL)))]


def forget_now(db: Database, settings: Settings, sender: str) -> bool:
    """Forget the resident behind `sender` (cases/residents_data/forget.py) and their Rasa conversation; whether
    we knew them."""
    channel, external_id = residents.parse_sender_id(sender)
    with db.transaction() as session:
        resident = residents.find_resident(session, channel=channel, external_id=external_id)
        if resident is None:
            return False
        done = forget.forget_resident(session, resident=resident, timezone=settings.timezone,
                                      quiet_hours=bootstrap.quiet_hours(settings), now=utcnow())
    # After the commit: a failed transaction must not have lost the files.
    forget.delete_files(settings.media_dir, done.files)
    conversation.delete_conversation(settings.tracker_store_url(), settings.rasa_tracker_schema, sender=sender)
    log.info("resident %s forgotten at their request (%d case(s) cancelled)", pseudonym(sender), len(done.cancelled))
    return True


def forget_traffic(db: Database, sender: str) -> None:
    """Delete the chat's traffic rows written while answering (pacing of the last message)."""
    channel, external_id = residents.parse_sender_id(sender)
    with db.transaction() as session:
        forget.forget_traffic(session, channel=channel, external_id=external_id)


async def answer_data_request(db: Database, settings: Settings, *, sender: str, request: str,
                              language: str) -> DataTurn:
    """The answer to "my_data", "forget_me", "forget_confirm" or "forget_cancel" (bot/inbound.data_request)."""
    if request == "my_data":
        document = await asyncio.to_thread(build_export, db, settings, sender)
        if document is None:
            return DataTurn([Reply(text=texts.text("export_none", language))])
        return DataTurn([Reply(text=texts.text("export_ready", language))], document)
    if request == "forget_me":
        return DataTurn(await asyncio.to_thread(_ask, db, sender, language))
    if request == "forget_confirm":
        known = await asyncio.to_thread(forget_now, db, settings, sender)
        return DataTurn([Reply(text=texts.text("forget_done" if known else "forget_none", language))], forgotten=known)
    return DataTurn([Reply(text=texts.text("forget_kept", language))])
