"""Retention sweeps with a controlled clock: old data deleted, recent kept, a second run deletes nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from bot.photos import clean_photo, store_photo
from cases import lifecycle
from cases.handoff import handoff
from cases.models import CasePhoto, HandoffMessage, PendingUpdate
from cases.residents import get_or_create_resident
from jobs import retention
from tests.bot.webchat_harness import PNG
from tests.city import CITY, make_settings

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def _count(db, model, *where) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


async def test_stale_telegram_updates_go_after_their_days(db, tmp_path):
    settings = make_settings(database_url=db.url, media_dir=tmp_path, pending_update_retention_days=7)
    with db.transaction() as session:
        for key, age in (("old", 8), ("new", 6)):
            session.add(PendingUpdate(channel="telegram", update_id=f"ret-{key}", sequence=1, chat_key=f"t:{key}",
                                      payload="{}", received_at=NOW - timedelta(days=age), attempts=0))
    assert await retention.delete_stale_updates(db=db, settings=settings, now=lambda: NOW) == 1
    assert await retention.delete_stale_updates(db=db, settings=settings, now=lambda: NOW) == 0
    assert _count(db, PendingUpdate, PendingUpdate.update_id.like("ret-%")) == 1


async def test_transcripts_and_closed_case_photos_go_after_their_days(db, tmp_path):
    settings = make_settings(database_url=db.url, media_dir=tmp_path, transcript_retention_days=30,
                             closed_case_photo_retention_days=90)
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="web", external_id="retention-1", now=NOW)
        chats, cases = [], []
        for age in (31, 29):  # ended this many days ago
            chat = handoff.request_handoff(session, resident=resident, reason="help", now=NOW - timedelta(days=age))
            handoff.add_message(session, handoff=chat, direction="resident", text=f"said {age}",
                                now=NOW - timedelta(days=age))
            chat.status, chat.ended_at = "ended", NOW - timedelta(days=age)
            session.flush()
            chats.append(chat.id)
        for age, status in ((91, "cancelled"), (89, "cancelled"), (200, "submitted")):
            path = store_photo(tmp_path, clean_photo(PNG), channel="web", when=NOW)
            case = lifecycle.open_case(session, resident=resident, request_type="pothole", description="hole",
                                       address="1 Road", photos=[path], reference_prefix="HY",
                                       now=NOW - timedelta(days=age))
            if status == "cancelled":
                lifecycle.change_status(session, case=case, to_status=status, actor="resident",
                                        now=NOW - timedelta(days=age), **CITY)
            cases.append((case.id, path))
    assert await retention.delete_old_transcripts(db=db, settings=settings, now=lambda: NOW) == []
    assert _count(db, HandoffMessage, HandoffMessage.handoff_id == chats[0]) == 0
    assert _count(db, HandoffMessage, HandoffMessage.handoff_id == chats[1], HandoffMessage.text == "said 29") == 1
    removed = await retention.delete_closed_case_photos(db=db, settings=settings, now=lambda: NOW)
    assert removed == [cases[0][1]] and not (tmp_path / cases[0][1]).exists()
    assert all((tmp_path / path).exists() for _, path in cases[1:])  # closed recently; still open
    assert [_count(db, CasePhoto, CasePhoto.case_id == case_id) for case_id, _ in cases] == [0, 1, 1]
    assert await retention.delete_closed_case_photos(db=db, settings=settings, now=lambda: NOW) == []
    assert await retention.delete_old_transcripts(db=db, settings=settings, now=lambda: NOW) == []
