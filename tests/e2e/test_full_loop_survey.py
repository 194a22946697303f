"""The whole loop of the satisfaction question on Telegram: the jobs process asks it after a resolution, the resident
rates the case not fixed, it is reopened, and their comment is kept."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.rasa_client import RasaClient
from bot.telegram.app import build_application, running
from cases import lifecycle, queries
from cases.clock import utcnow
from cases.followup import survey
from cases.models import Survey
from cases.residents import get_or_create_resident
from cases.store.db import Database
from testkit.telegram import FakeTelegramServer
from tests.city import CITY, NO_QUIET_HOURS
from tests.e2e.loop_harness import (
    WAIT,
    answer,
    bot_settings,
    button_payloads,
    last_with_buttons,
    start_scheduler,
)

pytestmark = pytest.mark.e2e


async def test_telegram_resident_answers_the_satisfaction_question_not_fixed(stack, tmp_path):
    chat = random.randrange(10**9, 2 * 10**9)
    async with FakeTelegramServer(token=f"{chat}:E2E", enforce_limits=True) as fake:
        settings = bot_settings(stack, fake)
        db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
        with db.transaction() as session:
            resident = get_or_create_resident(session, channel="telegram", external_id=str(chat))
            case = lifecycle.open_case(
                session,
                resident=resident,
                request_type="pothole",
                description="deep hole by the school gate",
                address="3 School Lane",
                reference_prefix="HY",
            )
            reference = case.reference
            # Resolved by staff longer ago than the survey's delay...
            lifecycle.change_status(
                session,
                case=case,
                to_status="resolved",
                actor="staff",
                public_note="Filled on Monday.",
                now=utcnow() - timedelta(hours=settings.survey_delay_hours + 1),
                **CITY,
            )
            # ...so the survey sweep (as the jobs process runs it) asks the question now.
            assert survey.send_due_surveys(session, delay_hours=settings.survey_delay_hours, quiet_hours=NO_QUIET_HOURS)
        try:
            async with running(build_application(settings, db=db, rasa=rasa), settings) as app:
                scheduler = start_scheduler(stack, fake, tmp_path / "jobs.log")
                try:
                    resolved, question = await fake.wait_for_messages(chat, 2, timeout=WAIT)
                finally:
                    scheduler.terminate()
                    scheduler.wait(timeout=30)
                assert "resolved" in resolved.text and reference in question.text
                assert button_payloads([question])[1] == f'/rate_case{{"reference":"{reference}","rating":"2"}}'

                replies = await answer(
                    app,
                    fake,
                    chat,
                    lambda: fake.push_callback(chat, button_payloads([question])[1], message_id=question.message_id),
                )
                text = " ".join(m.text for m in replies)
                assert "reopened" in text and reference in text
                assert "Would you like to add a comment?" in text
                with db.transaction() as session:
                    case = queries.find_case(session, reference=reference)
                    assert case.status == "in_progress"
                    assert case.events[-1].public_note == survey.REOPENED_NOTE

                offer = last_with_buttons(replies)
                await answer(app, fake, chat, lambda: fake.push_callback(chat, "/affirm", message_id=offer.message_id))
                thanks = await answer(app, fake, chat, lambda: fake.push_text(chat, "they only put a cone next to it"))
                assert "passed your comment on" in " ".join(m.text for m in thanks)
                with db.transaction() as session:
                    answered = session.scalar(select(Survey).where(Survey.case_id == case.id))
                    assert (answered.rating, answered.comment) == (2, "they only put a cone next to it")
            assert fake.violations == []
        finally:
            await rasa.aclose()
            db.dispose()
