"""A report put as a policy question, through the web chat and the real dialogue: the resident gets the policy
answer with a "Report it" button, no report is started, and the button starts the report from their message."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cases import residents
from cases.clock import utcnow
from cases.models import Case
from cases.policies import loader
from tests.bot import webchat_harness as chat
from tests.bot.webchat_harness import stack_app  # noqa: F401 - a fixture

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("browser_language", "question", "title", "report_button", "asks_where"), [
    ("en-GB", "the tree outside my window has branches touching the glass, can I get it cut back?",
     "Pruning or removing a tree", "Report it", "Where is it"),
    ("zh-CN", "楼下树枝都伸进阳台了，找谁剪？", "修剪", "登记问题", "问题在哪里"),
])
async def test_a_report_put_as_a_policy_question_gets_the_answer_then_the_report_on_request(
        stack_app, browser_language, question, title, report_button, asks_where):
    db = stack_app.state.db
    with db.transaction() as session:
        loader.seed_sample(session, now=utcnow())
    async with chat.browser(stack_app) as resident:
        resident.headers["accept-language"] = browser_language
        answered = await chat.say(resident, question)
        text = " ".join(chat.texts_of(answered))
        assert title in text, answered.json()
        assert [(b["title"], b["payload"]) for b in chat.buttons_of(answered)] == [(report_button, "/report_tree")]
        with db.transaction() as session:
            who = residents.find_resident(session, channel="web", external_id=chat.session_of(resident))
            assert who.filing_started_at is None  # no report in progress
        started = " ".join(chat.texts_of(await resident.post("/api/messages", json={"payload": "/report_tree"})))
        assert asks_where in started, started  # the form goes on to the place: the description is the question
        with db.transaction() as session:
            who = residents.find_resident(session, channel="web", external_id=chat.session_of(resident))
            assert who.filing_started_at is not None
            assert session.scalar(select(func.count()).select_from(Case).where(Case.resident_id == who.id)) == 0
