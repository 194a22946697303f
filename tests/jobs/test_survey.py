"""The satisfaction question: once per resolution, exact buttons, and what each answer does."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest

from cases import lifecycle, outbox, queries
from cases.followup import survey
from cases.hours import QuietHours
from cases.models import Survey
from tests.cases.builders import T0, TZ, case, notifications, open_case, resident, staff, staff_alerts
from tests.city import CITY, NO_QUIET_HOURS

RESOLVED_AT = T0 + timedelta(days=1)
DELAY = 2.0


def resolved_case(db, *, language="en", assignee=False) -> str:
    """A case staff resolved at RESOLVED_AT (its push already out of the way)."""
    with db.transaction() as s:
        ref = open_case(s, resident(s, "100", language=language)).reference
        agent = staff(s, "amy", department="Roads and Highways", chat_id="900")
        if assignee:
            lifecycle.assign(s, case=case(s, ref), staff=agent, assignee=agent, now=T0)
        lifecycle.change_status(
            s,
            case=case(s, ref),
            to_status="resolved",
            actor="staff",
            staff=agent,
            public_note="filled",
            now=RESOLVED_AT,
            **CITY,
        )
    return ref


def send(db, at, quiet_hours=NO_QUIET_HOURS) -> list[int]:
    with db.transaction() as s:
        return [
            row.case_id
            for row in survey.send_due_surveys(s, delay_hours=DELAY, timezone=TZ, quiet_hours=quiet_hours, now=at)
        ]


def survey_pushes(s):
    return [n for n in notifications(s) if n.buttons]


def test_survey_goes_out_once_with_exact_buttons(db):
    ref = resolved_case(db)
    assert send(db, RESOLVED_AT + timedelta(hours=DELAY) - timedelta(seconds=1)) == []
    assert len(send(db, RESOLVED_AT + timedelta(hours=DELAY))) == 1
    for hours in (3, 30, 300):
        assert send(db, RESOLVED_AT + timedelta(hours=hours)) == []
    with db.transaction() as s:
        [push] = survey_pushes(s)
        assert push.urgent is False and push.chat_id == "100"
        assert push.text.startswith(f"Your request {ref} (Pothole or damaged road) was marked as resolved.")
        rows = outbox.buttons_of(push)
        assert [b["title"] for row in rows for b in row] == [
            "1 ★ Not fixed",
            "2 ★★ Poor",
            "3 ★★★ OK",
            "4 ★★★★ Good",
            "5 ★★★★★ Excellent",
        ]
        assert [b["payload"] for row in rows for b in row] == [
            f'/rate_case{{"reference":"{ref}","rating":"{n}"}}' for n in range(1, 6)
        ]
        [row] = s.query(Survey).all()
        assert (row.status, row.sent_at) == ("sent", RESOLVED_AT + timedelta(hours=DELAY))
        assert [e.kind for e in case(s, ref).events][-1] == "survey"


def test_chinese_resident_gets_the_question_in_chinese(db):
    ref = resolved_case(db, language="zh")
    send(db, RESOLVED_AT + timedelta(hours=3))
    with db.transaction() as s:
        [push] = survey_pushes(s)
        assert ref in push.text and "问题解决了吗" in push.text
        assert outbox.buttons_of(push)[0][0] == {"title": "1 ★ 未解决", "payload": survey.rating_payload(ref, 1)}
        assert json.loads(survey.rating_payload(ref, 4)[len("/rate_case") :]) == {"reference": ref, "rating": "4"}


def test_quiet_hours_hold_the_survey_until_morning(db):
    quiet = QuietHours(time(21, 0), time(8, 0), TZ)
    resolved_case(db)
    night = T0.replace(hour=15) + timedelta(days=1)  # Tuesday 23:00 in Shanghai
    send(db, night, quiet_hours=quiet)
    with db.transaction() as s:
        [push] = survey_pushes(s)
        assert push.next_attempt_at == T0.replace(hour=0) + timedelta(days=2)  # Wednesday 08:00 in Shanghai
        survey_id = push.id
    with db.transaction() as s:  # at midnight only the earlier "resolved" push goes; the question waits
        assert [
            row.id
            for row in outbox.claim_due(s, channel="telegram", limit=10, now=night + timedelta(hours=1))
            if row.buttons
        ] == []
    with db.transaction() as s:
        claimed = outbox.claim_due(s, channel="telegram", limit=10, now=T0.replace(hour=0) + timedelta(days=2))
        assert survey_id in [row.id for row in claimed]


def rate(db, ref, rating, *, external_id="100", at=RESOLVED_AT + timedelta(hours=5)):
    with db.transaction() as s:
        return survey.record_rating(
            s, resident=resident(s, external_id), reference=ref, rating=rating, now=at, **CITY
        ).id


def test_rating_four_closes_the_case_as_fixed(db):
    ref = resolved_case(db)
    send(db, RESOLVED_AT + timedelta(hours=3))
    rate(db, ref.lower(), 4)
    with db.transaction() as s:
        c = case(s, ref)
        assert c.status == "closed_fixed"
        last = c.events[-1]
        assert (last.from_status, last.to_status, last.actor) == ("resolved", "closed_fixed", "resident")
        [row] = s.query(Survey).all()
        assert (row.status, row.rating, row.answered_at) == ("answered", 4, RESOLVED_AT + timedelta(hours=5))
        assert staff_alerts(s) == []
        assert len(notifications(s)) == 2  # the resolved push and the question: the chat answers the rating


def test_rating_one_reopens_keeps_the_due_date_and_alerts_staff(db):
    ref = resolved_case(db, assignee=True)
    send(db, RESOLVED_AT + timedelta(hours=3))
    with db.transaction() as s:
        due = case(s, ref).due_at
    rate(db, ref, "1")
    with db.transaction() as s:
        c = case(s, ref)
        assert (c.status, c.due_at) == ("in_progress", due)
        last = c.events[-1]
        assert (last.from_status, last.to_status, last.actor, last.public_note) == (
            "resolved",
            "in_progress",
            "resident",
            "Reopened: the resident says it is not fixed",
        )
        [alert] = staff_alerts(s)
        assert (alert.kind, alert.staff_id, alert.case_id) == ("reopened", c.assignee_id, c.id)
        assert "1/5" in alert.text and ref in alert.text


def test_rating_two_without_assignee_alerts_the_departments_agents(db):
    ref = resolved_case(db)
    send(db, RESOLVED_AT + timedelta(hours=3))
    rate(db, ref, 2)
    with db.transaction() as s:
        [alert] = staff_alerts(s)
        assert (alert.role, alert.department, alert.staff_id) == ("agent", "Roads and Highways", None)


def test_answering_twice_or_without_a_survey_or_for_someone_else_is_refused(db):
    ref = resolved_case(db)
    with pytest.raises(survey.SurveyNotOpen):  # not sent yet
        rate(db, ref, 5)
    send(db, RESOLVED_AT + timedelta(hours=3))
    with pytest.raises(queries.CaseNotFound):
        rate(db, ref, 5, external_id="someone-else")
    with pytest.raises(queries.CaseNotFound):
        rate(db, "HY-2026-99999", 5)
    for bad in (0, 6, "five", None):
        with pytest.raises(ValueError):
            rate(db, ref, bad)
    rate(db, ref, 5)
    with pytest.raises(survey.SurveyNotOpen):
        rate(db, ref, 1)
    with db.transaction() as s:
        assert case(s, ref).status == "closed_fixed"
        assert [row.rating for row in s.query(Survey)] == [5]


def test_comment_goes_on_the_answered_survey(db):
    ref = resolved_case(db)
    send(db, RESOLVED_AT + timedelta(hours=3))
    with db.transaction() as s, pytest.raises(survey.SurveyNotOpen):
        survey.add_comment(s, resident=resident(s), reference=ref, comment="quick work")
    rate(db, ref, 2)
    with db.transaction() as s:
        for bad in ("   ", "x" * 2001):
            with pytest.raises(ValueError):
                survey.add_comment(s, resident=resident(s), reference=ref, comment=bad)
        with pytest.raises(queries.CaseNotFound):
            survey.add_comment(s, resident=resident(s, "other"), reference=ref, comment="hi")
        row = survey.add_comment(
            s,
            resident=resident(s),
            reference=ref,
            comment="  still a hole there ",
            now=RESOLVED_AT + timedelta(hours=6),
        )
        assert row.comment == "still a hole there"
    with db.transaction() as s:
        assert s.query(Survey).one().comment == "still a hole there"
        assert case(s, ref).events[-1].internal_note == "Resident's comment: still a hole there"


def expire(db, at) -> list[int]:
    with db.transaction() as s:
        return [
            row.case_id
            for row in survey.expire_surveys(s, expiry_days=7, timezone=TZ, now=at, quiet_hours=NO_QUIET_HOURS)
        ]


def test_no_answer_within_a_week_closes_the_case(db):
    ref = resolved_case(db)
    sent_at = RESOLVED_AT + timedelta(hours=3)
    send(db, sent_at)
    assert expire(db, sent_at + timedelta(days=7) - timedelta(seconds=1)) == []
    assert len(expire(db, sent_at + timedelta(days=7))) == 1
    assert expire(db, sent_at + timedelta(days=8)) == []
    with db.transaction() as s:
        c = case(s, ref)
        last = c.events[-1]
        assert (c.status, last.actor, last.to_status) == ("closed_fixed", "system", "closed_fixed")
        assert last.public_note == "Closed without an answer to the satisfaction question."
        assert s.query(Survey).one().status == "expired"
        assert "closed (fixed)" in notifications(s)[-1].text  # the resident is told it was closed
    with pytest.raises(survey.SurveyNotOpen):
        rate(db, ref, 5, at=sent_at + timedelta(days=8))


def test_a_new_resolution_gets_a_new_survey_and_the_old_one_cannot_close_the_case(db):
    ref = resolved_case(db)
    send(db, RESOLVED_AT + timedelta(hours=3))
    with db.transaction() as s:  # staff reopen and resolve again before the resident answered
        lifecycle.change_status(
            s, case=case(s, ref), to_status="in_progress", actor="staff", now=RESOLVED_AT + timedelta(days=1), **CITY
        )
        lifecycle.change_status(
            s, case=case(s, ref), to_status="resolved", actor="staff", now=RESOLVED_AT + timedelta(days=2), **CITY
        )
    assert len(send(db, RESOLVED_AT + timedelta(days=2, hours=3))) == 1
    with db.transaction() as s:
        assert [row.status for row in s.query(Survey).order_by(Survey.id)] == ["expired", "sent"]
    assert expire(db, RESOLVED_AT + timedelta(days=8, hours=4)) == []  # the first is expired already
    rate(db, ref, 3, at=RESOLVED_AT + timedelta(days=3))
    with db.transaction() as s:
        assert case(s, ref).status == "closed_fixed"


async def test_the_question_reaches_telegram_with_its_five_buttons(
    db, telegram, telegram_bot, push_limiter, jobs_settings
):
    from bot.delivery.push import deliver_due

    ref = resolved_case(db)
    send(db, RESOLVED_AT + timedelta(hours=3))
    await deliver_due(db=db, bot=telegram_bot, limiter=push_limiter, settings=jobs_settings)
    resolved_push, question = telegram.sent_messages(100)
    assert resolved_push.reply_markup is None and question.text.startswith(f"Your request {ref}")
    keyboard = question.reply_markup["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in keyboard] == [
        [("1 ★ Not fixed", f'/rate_case{{"reference":"{ref}","rating":"1"}}')],
        [("2 ★★ Poor", f'/rate_case{{"reference":"{ref}","rating":"2"}}')],
        [("3 ★★★ OK", f'/rate_case{{"reference":"{ref}","rating":"3"}}')],
        [("4 ★★★★ Good", f'/rate_case{{"reference":"{ref}","rating":"4"}}')],
        [("5 ★★★★★ Excellent", f'/rate_case{{"reference":"{ref}","rating":"5"}}')],
    ]


def test_reporters_through_open311_are_not_asked(db):
    """Their own system asks them; we have no channel to them."""
    with db.transaction() as s:
        ref = open_case(s, resident(s, "1:anonymous", channel="open311")).reference
        lifecycle.change_status(s, case=case(s, ref), to_status="resolved", actor="staff", public_note="done",
                                now=RESOLVED_AT, **CITY)
        assert notifications(s) == []
    with db.transaction() as s:
        at = RESOLVED_AT + timedelta(hours=DELAY + 1)
        assert survey.send_due_surveys(s, delay_hours=DELAY, timezone=TZ, quiet_hours=NO_QUIET_HOURS, now=at) == []
