"""The satisfaction answer: ratings from the buttons, the comment form, and polite refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions.survey import ActionRateCase, ActionSaveSurveyComment, ValidateSurveyCommentForm
from cases import lifecycle, queries
from cases.followup import survey
from cases.models import StaffAlert, Survey
from tests.actions.test_status import NEIGHBOUR, T0, file_case, move, status
from tests.actions.trackers import RESIDENT, responses, run, slots_set, tracker
from tests.city import CITY, NO_QUIET_HOURS


def resolved_with_survey(database, sender=RESIDENT) -> str:
    """A case resolved by staff whose satisfaction question went out; its reference."""
    reference = file_case(database, sender=sender)
    with database.transaction() as session:
        lifecycle.change_status(
            session,
            case=queries.find_case(session, reference=reference),
            to_status="resolved",
            actor="staff",
            now=T0 + timedelta(days=1),
            **CITY,
        )
        assert survey.send_due_surveys(
            session, delay_hours=2, now=T0 + timedelta(days=1, hours=3), quiet_hours=NO_QUIET_HOURS
        )
    return reference


def rating(reference, value, form=None):
    """The tracker after the resident pressed a rating button."""
    payload = survey.rating_payload(reference, value)
    return tracker(payload, "rate_case", ("reference", reference), ("rating", str(value)), form=form)


def surveys(database):
    with database.transaction() as session:
        return [(s.status, s.rating, s.comment) for s in session.scalars(select(Survey))]


async def test_a_good_rating_closes_the_case_and_offers_a_comment(deps, backend_db, domain):
    reference = resolved_with_survey(backend_db)
    events, dispatcher = await run(ActionRateCase(deps), rating(reference, 5), domain)
    assert responses(dispatcher) == ["utter_rating_thanks", "utter_offer_survey_comment"]
    assert dispatcher.messages[0]["reference"] == reference
    assert slots_set(events) == {"survey_reference": reference}
    assert status(backend_db, reference) == "closed_fixed"
    assert surveys(backend_db) == [("answered", 5, None)]


async def test_a_bad_rating_reopens_the_case_and_alerts_staff(deps, actions_db, domain):
    reference = resolved_with_survey(actions_db)
    _, dispatcher = await run(ActionRateCase(deps), rating(reference, 2), domain)
    assert responses(dispatcher) == ["utter_rating_sorry", "utter_offer_survey_comment"]
    assert status(actions_db, reference) == "in_progress"
    with actions_db.transaction() as session:
        assert [a.kind for a in session.scalars(select(StaffAlert))] == ["reopened"]


async def test_a_second_answer_is_refused_politely(deps, actions_db, domain):
    reference = resolved_with_survey(actions_db)
    await run(ActionRateCase(deps), rating(reference, 4), domain)
    events, dispatcher = await run(ActionRateCase(deps), rating(reference, 1), domain)
    assert responses(dispatcher) == ["utter_survey_not_open"]
    assert slots_set(events) == {"survey_reference": None}
    assert status(actions_db, reference) == "closed_fixed"


async def test_rating_someone_elses_case_looks_like_an_unknown_one(deps, actions_db, domain):
    theirs = resolved_with_survey(actions_db, sender=NEIGHBOUR)
    _, foreign = await run(ActionRateCase(deps), rating(theirs, 1), domain)
    _, missing = await run(ActionRateCase(deps), rating("HY-2026-09999", 1), domain)
    assert responses(foreign) == ["utter_case_not_found"]
    assert foreign.messages == [{**missing.messages[0], "reference": theirs}]
    assert status(actions_db, theirs) == "resolved"


@pytest.mark.parametrize(
    "t",
    [
        tracker("5 stars", "rate_case"),
        tracker(
            '/rate_case{"reference":"HY-2026-00001","rating":"9"}',
            "rate_case",
            ("reference", "HY-2026-00001"),
            ("rating", "9"),
        ),
    ],
    ids=["typed", "out-of-range"],
)
async def test_a_rating_without_case_or_with_a_bad_value_points_at_the_buttons(deps, actions_db, domain, t):
    _, dispatcher = await run(ActionRateCase(deps), t, domain)
    assert responses(dispatcher) == ["utter_rate_with_buttons"]


async def test_a_rating_while_filing_a_report_offers_no_comment(deps, actions_db, domain):
    reference = resolved_with_survey(actions_db)
    _, dispatcher = await run(ActionRateCase(deps), rating(reference, 4, form="case_form"), domain)
    assert responses(dispatcher) == ["utter_rating_thanks"]


def validated(text, intent):
    """The comment form's check of a message while it asks for the comment."""
    t = tracker(
        text,
        intent,
        slots={"survey_reference": "HY-2026-00001", "requested_slot": "survey_comment", "survey_comment": text},
        form="survey_comment_form",
    )
    return ValidateSurveyCommentForm().validate_survey_comment(text, CollectingDispatcher(), t, {})


def test_the_comment_form_takes_words_and_reads_no_as_no_comment():
    assert validated("the hole is still there", "report_pothole") == {"survey_comment": "the hole is still there"}
    assert validated("no", "deny") == {"survey_comment": ""}
    assert validated("/check_status", "check_status") == {"survey_comment": ""}
    assert validated("no, they never came and it is worse now", "deny") == {
        "survey_comment": "no, they never came and it is worse now"
    }
    assert validated("?!", "nlu_fallback") == {"survey_comment": None}
    assert len((validated("x" * 5000, "inform"))["survey_comment"]) == survey.MAX_COMMENT


async def test_the_comment_form_asks_nothing_without_a_rating_just_before(domain):
    form = ValidateSurveyCommentForm()
    t = tracker("yes", "affirm", slots={"survey_reference": None})
    assert await form.required_slots(["survey_comment"], None, t, domain) == []


async def test_the_comment_is_stored_with_the_answered_survey(deps, backend_db, domain):
    reference = resolved_with_survey(backend_db)
    await run(ActionRateCase(deps), rating(reference, 2), domain)
    t = tracker(
        "they only put a cone next to it",
        "inform",
        slots={"survey_reference": reference, "survey_comment": "they only put a cone next to it"},
    )
    events, dispatcher = await run(ActionSaveSurveyComment(deps), t, domain)
    assert responses(dispatcher) == ["utter_survey_comment_saved"]
    assert slots_set(events) == {"survey_comment": None, "survey_reference": None, "requested_slot": None}
    assert surveys(backend_db) == [("answered", 2, "they only put a cone next to it")]


async def test_no_comment_stores_nothing(deps, actions_db, domain):
    reference = resolved_with_survey(actions_db)
    await run(ActionRateCase(deps), rating(reference, 5), domain)
    t = tracker("no", "deny", slots={"survey_reference": reference, "survey_comment": ""})
    _, dispatcher = await run(ActionSaveSurveyComment(deps), t, domain)
    assert responses(dispatcher) == ["utter_survey_no_comment"]
    assert surveys(actions_db) == [("answered", 5, None)]


async def test_a_comment_without_an_answered_survey_is_refused_politely(deps, actions_db, domain):
    reference = file_case(actions_db)
    move(actions_db, reference, "resolved")
    t = tracker("great job", "inform", slots={"survey_reference": reference, "survey_comment": "great job"})
    _, dispatcher = await run(ActionSaveSurveyComment(deps), t, domain)
    assert responses(dispatcher) == ["utter_survey_not_open"]
