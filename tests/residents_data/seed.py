"""A resident with personal data in every corner (cases, photos, live chat, survey, reminder, pushes), and a search
of every table for what must not be left after forgetting them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.photos import clean_photo, store_photo
from cases import lifecycle
from cases.handoff import handoff
from cases.models import Base, CaseChase, Survey
from cases.residents import find_resident
from cases.staff import alerts
from tests.bot.webchat_harness import PNG
from tests.city import CITY


@dataclass(frozen=True)
class Seeded:
    """What was stored for the resident, to look for afterwards."""

    references: list[str]
    photo_paths: list[str]
    needles: list[str]  # strings that must appear nowhere once they are forgotten


def seed(session, *, channel: str, external_id: str, name: str, media_dir: Path, now: datetime, tag: str) -> Seeded:
    """Cases (one open, one closed), a photo, a live-chat message, a survey comment and a reminder for a resident
    first seen on `channel`; `tag` makes every text unique to this test."""
    resident = find_resident(session, channel=channel, external_id=external_id)
    assert resident is not None, "the resident wrote to us first"
    resident.display_name = name
    photo = store_photo(media_dir, clean_photo(PNG), channel=channel, when=now)
    first = lifecycle.open_case(session, resident=resident, request_type="pothole",
                                description=f"Huge hole outside Flat {tag} in Quokkastreet",
                                address=f"{tag} Wombat Road",
                                latitude=31.230412, longitude=121.473718, photos=[photo], reference_prefix="HY",
                                idempotency_key=f"{channel}:{external_id}:seed", now=now)
    second = lifecycle.open_case(session, resident=resident, request_type="pothole",
                                 description=f"Crack by the Numbat {tag} bakery", address=f"{tag} Bilby Lane",
                                 reference_prefix="HY", now=now + timedelta(minutes=1))
    lifecycle.change_status(session, case=second, to_status="resolved", actor="staff", actor_name="Bo",
                            public_note=f"Fixed the crack at {tag} Bilby Lane", now=now + timedelta(minutes=2), **CITY)
    session.add(Survey(case_id=second.id, resident_id=resident.id, resolved_event_id=second.events[-1].id,
                       status="answered", rating=4, comment=f"Thanks from the Dingo {tag}", sent_at=now,
                       answered_at=now))
    session.add(CaseChase(case_id=first.id, resident_id=resident.id, local_day=now.date(), created_at=now))
    chat = handoff.request_handoff(session, resident=resident, reason=f"Please call {tag} about my hole", now=now)
    handoff.add_message(session, handoff=chat, direction="resident", text=f"My neighbour Echidna {tag} saw it",
                        now=now)
    chat.status, chat.ended_at = "ended", now  # over: their messages reach the assistant again
    # An alert about their case whose parameters quote them (an alert keeps its message and parameters to be
    # read in each reader's language).
    alerts.alert(session, key=f"seed:{first.id}", kind="chase", case=first, message="%(resident)s asks about %(place)s",
                 params={"resident": name, "place": f"Quoll {tag}"}, now=now)
    session.flush()
    return Seeded([first.reference, second.reference], [photo],
                  [name, external_id, f"Flat {tag}", f"Numbat {tag}", f"{tag} Wombat Road", f"{tag} Bilby Lane",
                   f"Dingo {tag}", f"Echidna {tag}", f"Please call {tag}", f"Quoll {tag}", photo,
                   photo.rsplit("/", 1)[-1]])


def leftovers(session, needles: list[str]) -> list[tuple[str, str, str]]:
    """(table, column, needle) wherever a needle still appears in any column of any table."""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).mappings():
            for column, value in row.items():
                shown = str(value) if value is not None else ""
                found += [(table.name, column, needle) for needle in needles if needle in shown]
    return found
