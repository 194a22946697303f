"""Service functions on SQLite and PostgreSQL."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from cases import lifecycle, outbox, queries, references
from cases.models import Case, CaseEvent, Notification
from cases.residents import get_or_create_resident
from cases.workflow import TransitionNotAllowed
from tests.city import CITY

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def _resident(session, external_id="100", channel="telegram", language="en"):
    return get_or_create_resident(
        session, channel=channel, external_id=external_id, display_name="Ana", language=language
    )


def test_open_case_gives_reference_due_date_and_first_event(db):
    with db.transaction() as s:
        case = lifecycle.open_case(
            s,
            resident=_resident(s),
            request_type="pothole",
            description="huge pothole",
            address="42 Park Lane",
            photos=["2026/a.jpg"],
            now=T0,
            reference_prefix="HY",
        )
        ref = case.reference
    with db.transaction() as s:
        case = queries.find_case(s, reference=ref.lower())
        assert ref == f"HY-2026-{case.id:05d}"
        assert case.status == "submitted"
        assert case.department == "Roads and Highways"
        assert case.due_at == T0 + timedelta(days=7)
        assert [p.path for p in case.photos] == ["2026/a.jpg"]
        assert [(e.from_status, e.to_status, e.actor) for e in case.events] == [(None, "submitted", "resident")]
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_open_case_refuses_incomplete_input_and_leaves_nothing(db):
    for kwargs in (
        dict(request_type="volcano", description="lava", address="x"),
        dict(request_type="pothole", description="  ", address="x"),
        dict(request_type="pothole", description="hole"),
        dict(request_type="pothole", description="hole", latitude=100.0, longitude=0.0),
    ):
        with pytest.raises((ValueError, KeyError)), db.transaction() as s:
            lifecycle.open_case(s, resident=_resident(s), **kwargs, reference_prefix="HY")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 0


def test_idempotency_key_returns_the_same_case(db):
    with db.transaction() as s:
        first = lifecycle.open_case(
            s,
            resident=_resident(s),
            request_type="noise",
            description="party",
            address="x",
            idempotency_key="k1",
            reference_prefix="HY",
        )
    with db.transaction() as s:
        again = lifecycle.open_case(
            s,
            resident=_resident(s),
            request_type="noise",
            description="party",
            address="x",
            idempotency_key="k1",
            reference_prefix="HY",
        )
        assert again.id == first.id
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_change_status_records_event_and_queues_push_in_one_transaction(db):
    with db.transaction() as s:
        ref = lifecycle.open_case(
            s,
            resident=_resident(s),
            request_type="pothole",
            description="hole",
            address="x",
            now=T0,
            reference_prefix="HY",
        ).reference
    with db.transaction() as s:
        case = queries.find_case(s, reference=ref)
        lifecycle.change_status(
            s,
            case=case,
            to_status="in_progress",
            actor="staff",
            actor_name="Li",
            public_note="crew booked for Tuesday",
            internal_note="use van 3",
            now=T0 + timedelta(hours=1),
            **CITY,
        )
    with db.transaction() as s:
        case = queries.find_case(s, reference=ref)
        assert case.status == "in_progress"
        event = case.events[-1]
        assert (event.from_status, event.to_status, event.actor, event.internal_note) == (
            "submitted",
            "in_progress",
            "staff",
            "use van 3",
        )
        [note] = s.scalars(select(Notification)).all()
        assert note.event_id == event.id and note.chat_id == "100" and note.status == "pending"
        assert "crew booked for Tuesday" in note.text and "use van 3" not in note.text
        assert "in progress" in note.text and ref in note.text


def test_refused_move_changes_nothing(db):
    with db.transaction() as s:
        ref = lifecycle.open_case(
            s, resident=_resident(s), request_type="pothole", description="hole", address="x", reference_prefix="HY"
        ).reference
    with pytest.raises(TransitionNotAllowed), db.transaction() as s:
        lifecycle.change_status(
            s, case=queries.find_case(s, reference=ref), to_status="closed_fixed", actor="staff", **CITY
        )
    with pytest.raises(TransitionNotAllowed), db.transaction() as s:
        lifecycle.change_status(
            s, case=queries.find_case(s, reference=ref), to_status="resolved", actor="resident", **CITY
        )
    with db.transaction() as s:
        case = queries.find_case(s, reference=ref)
        assert case.status == "submitted" and len(case.events) == 1
        assert s.scalar(select(func.count()).select_from(Notification)) == 0
        assert s.scalar(select(func.count()).select_from(CaseEvent)) == 1


def test_resident_sees_and_cancels_only_own_cases(db):
    with db.transaction() as s:
        mine = lifecycle.open_case(
            s,
            resident=_resident(s, "1"),
            request_type="graffiti",
            description="tags",
            address="x",
            reference_prefix="HY",
        ).reference
        theirs = lifecycle.open_case(
            s,
            resident=_resident(s, "2"),
            request_type="graffiti",
            description="tags",
            address="y",
            reference_prefix="HY",
        ).reference
    with db.transaction() as s:
        me = _resident(s, "1")
        assert queries.find_case_for_resident(s, resident=me, reference=theirs) is None
        assert queries.find_case_for_resident(s, resident=me, reference=mine) is not None
        assert [c.reference for c in queries.active_cases_for_resident(s, resident=me)] == [mine]
        with pytest.raises(queries.CaseNotFound):
            lifecycle.cancel_by_resident(s, resident=me, reference=theirs, **CITY)
        lifecycle.cancel_by_resident(s, resident=me, reference=mine, **CITY)
    with db.transaction() as s:
        assert queries.find_case(s, reference=mine).status == "cancelled"
        assert queries.find_case(s, reference=theirs).status == "submitted"
        assert queries.active_cases_for_resident(s, resident=_resident(s, "1")) == []
        # the resident was answered in the chat; no push for their own move
        assert s.scalar(select(func.count()).select_from(Notification)) == 0


def test_outbox_claim_is_exclusive_and_stale_claims_come_back(db):
    with db.transaction() as s:
        case = lifecycle.open_case(
            s,
            resident=_resident(s),
            request_type="tree",
            description="branch",
            address="x",
            now=T0,
            reference_prefix="HY",
        )
        lifecycle.change_status(s, case=case, to_status="in_progress", actor="staff", now=T0, **CITY)
    with db.transaction() as s:
        [row] = outbox.claim_due(s, channel="telegram", limit=10, now=T0)
        row_id = row.id
    with db.transaction() as s:
        assert outbox.claim_due(s, channel="telegram", limit=10, now=T0 + timedelta(seconds=5)) == []
    # the sender crashed mid-send: after the lease the row is due again (at least once)
    with db.transaction() as s:
        [again] = outbox.claim_due(s, channel="telegram", limit=10, lease_seconds=60, now=T0 + timedelta(seconds=61))
        assert again.id == row_id and again.attempts == 2
        outbox.mark_sent(s, notification_id=row_id, now=T0 + timedelta(seconds=62))
    with db.transaction() as s:
        assert outbox.claim_due(s, channel="telegram", limit=10, now=T0 + timedelta(days=1)) == []


def test_one_notification_per_event(db):
    with db.transaction() as s:
        case = lifecycle.open_case(
            s, resident=_resident(s), request_type="tree", description="branch", address="x", reference_prefix="HY"
        )
        event = lifecycle.change_status(s, case=case, to_status="in_progress", actor="staff", **CITY)
        assert outbox.queue_status_change(s, case=case, event=event, **CITY) is None
        assert s.scalar(select(func.count()).select_from(Notification)) == 1


def test_web_updates_are_cursor_based(db):
    with db.transaction() as s:
        resident = _resident(s, "sess-1", channel="web")
        case = lifecycle.open_case(
            s, resident=resident, request_type="noise", description="loud", address="x", reference_prefix="HY"
        )
        lifecycle.change_status(s, case=case, to_status="in_progress", actor="staff", **CITY)
        lifecycle.change_status(s, case=case, to_status="resolved", actor="staff", **CITY)
    with db.transaction() as s:
        resident = _resident(s, "sess-1", channel="web")
        rows = outbox.web_updates(s, resident=resident)
        assert [r.status for r in rows] == ["sent", "sent"]
        last = rows[-1].id
    with db.transaction() as s:
        resident = _resident(s, "sess-1", channel="web")
        assert len(outbox.web_updates(s, resident=resident, after_id=rows[0].id)) == 1
        assert outbox.web_updates(s, resident=resident, after_id=last) == []
        # web rows are never picked up by the Telegram sender
        assert outbox.claim_due(s, channel="telegram", limit=10) == []


def test_chinese_resident_gets_chinese_push(db):
    with db.transaction() as s:
        case = lifecycle.open_case(
            s,
            resident=_resident(s, "zh1", language="zh-hans"),
            request_type="pothole",
            description="坑",
            address="x",
            reference_prefix="HY",
        )
        lifecycle.change_status(s, case=case, to_status="resolved", actor="staff", public_note="已修复", **CITY)
    with db.transaction() as s:
        [note] = s.scalars(select(Notification)).all()
        assert "已解决" in note.text and "已修复" in note.text


def test_handoff_request_keeps_one_place_in_queue(db):
    from cases.handoff import handoff

    with db.transaction() as s:
        first = handoff.request_handoff(s, resident=_resident(s, "h1"), reason="help", now=T0)
        again = handoff.request_handoff(s, resident=_resident(s, "h1"), reason="again")
        assert again.id == first.id
        handoff.request_handoff(s, resident=_resident(s, "h2"), now=T0 + timedelta(minutes=1))
    with db.transaction() as s:
        assert [h.resident.external_id for h in handoff.waiting_handoffs(s)] == ["h1", "h2"]


def test_reference_found_in_free_text():
    assert references.find_reference_in_text("any news on hy-2026-00042??", "HY") == "HY-2026-00042"
    assert references.find_reference_in_text("number HY-2026-0004 is short", "HY") is None
    assert references.find_reference_in_text(None, "HY") is None


def test_resident_may_cancel_only_while_open(db):
    with db.transaction() as s:
        case = lifecycle.open_case(
            s, resident=_resident(s), request_type="tree", description="branch", address="x", reference_prefix="HY"
        )
        assert lifecycle.resident_may_cancel(case)
        lifecycle.change_status(s, case=case, to_status="resolved", actor="staff", **CITY)
        assert not lifecycle.resident_may_cancel(case)
