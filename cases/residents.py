"""Residents: who is talking to us, on which channel."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cases.clock import utcnow
from cases.guards.cleaning import clean_line
from cases.messages import TEMPLATES
from cases.models import Resident
from cases.store.db import affected_rows

# Where residents talk to us, and can be written to (WeChat within its rules: README "WeChat"); and Open311 clients'
# reporters, who read their requests' status through the API and get no messages from us.
MESSAGING_CHANNELS = ("telegram", "web", "wechat")
OPEN311 = "open311"
CHANNELS = (*MESSAGING_CHANNELS, OPEN311)
MAX_DISPLAY_NAME = 200  # the column's length
# The languages we have texts in: a language is added by adding its texts (README "Languages").
SUPPORTED_LANGUAGES = tuple(TEMPLATES)


class UnsupportedLanguage(ValueError):
    """A language we have no texts in."""


def sender_id(channel: str, external_id: str) -> str:
    """The conversation id Rasa knows a resident by, e.g. `telegram:12345`."""
    return f"{channel}:{external_id}"


def parse_sender_id(value: str) -> tuple[str, str]:
    """Split a Rasa sender id into (channel, external id); raises ValueError."""
    channel, sep, external_id = (value or "").partition(":")
    if not sep or channel not in MESSAGING_CHANNELS or not external_id:
        raise ValueError(f"not a resident conversation id: {value!r}")
    return channel, external_id


def normalise_language(code: Optional[str]) -> str:
    """Our language for a platform language code such as `zh-hans` or `en-GB`."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in SUPPORTED_LANGUAGES else "en"


def find_resident(session: Session, *, channel: str, external_id: str) -> Optional[Resident]:
    """The resident with this channel identity, if we know them."""
    return session.scalar(
        select(Resident).where(Resident.channel == channel, Resident.external_id == str(external_id))
    )


def get_or_create_resident(
    session: Session,
    *,
    channel: str,
    external_id: str,
    display_name: Optional[str] = None,
    language: Optional[str] = None,
    now: Optional[datetime] = None,
) -> Resident:
    """The resident for this channel identity, created on first contact; a name given updates it."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    # A platform's display name is the resident's own text: no lone surrogates or control characters.
    display_name = clean_line(display_name)[:MAX_DISPLAY_NAME] or None
    resident = find_resident(session, channel=channel, external_id=external_id)
    if resident is None:
        resident = Resident(
            channel=channel,
            external_id=str(external_id),
            display_name=display_name,
            language=normalise_language(language),
            created_at=now or utcnow(),
        )
        try:
            with session.begin_nested():
                session.add(resident)
        except IntegrityError:  # another process created them a moment ago
            resident = find_resident(session, channel=channel, external_id=external_id)
            assert resident is not None
    elif display_name and resident.display_name != display_name:
        resident.display_name = display_name
    return resident


def resident_for_sender(session: Session, conversation_id: str) -> Resident:
    """The resident behind a Rasa conversation id, created if new."""
    channel, external_id = parse_sender_id(conversation_id)
    return get_or_create_resident(session, channel=channel, external_id=external_id)


def set_language(session: Session, *, resident: Resident, language: str) -> Resident:
    """Make `language` the resident's language, for the conversation and every later push.

    Raises UnsupportedLanguage."""
    if language not in SUPPORTED_LANGUAGES:
        raise UnsupportedLanguage(language)
    resident.language = language
    session.flush()
    return resident


def mark_unreachable(session: Session, *, resident: Resident, now: Optional[datetime] = None) -> None:
    """Record that the platform refuses messages to this resident (e.g. they blocked the bot)."""
    resident.unreachable_at = now or utcnow()


def mark_filing(session: Session, *, resident: Resident, filing: bool, now: Optional[datetime] = None) -> None:
    """Record that the resident started filing a report (True) or that it was filed or discarded (False).

    Rasa keeps the report's answers in memory only; this durable marker lets a conversation that starts
    afresh (Rasa restarted, or the session expired) tell the resident the half-filed report was not sent.
    """
    resident.filing_started_at = (now or utcnow()) if filing else None
    session.flush()


def take_unfinished_filing(session: Session, *, resident: Resident) -> bool:
    """Whether the resident was filing a report when their conversation was lost; clears the marker (once)."""
    if resident.filing_started_at is None:
        return False
    # Conditional, so two conversations starting at once tell the resident only once.
    cleared = affected_rows(session.execute(
        update(Resident).where(Resident.id == resident.id, Resident.filing_started_at.is_not(None))
        .values(filing_started_at=None).execution_options(synchronize_session=False)
    ))
    set_committed_value(resident, "filing_started_at", None)
    return bool(cleared)
