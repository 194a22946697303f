"""Keeping policy answers: what is stored, what is refused, retiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.models import PolicyAnswer
from cases.policies import service
from tests.policies.helpers import NOW, TODAY, add, fields


def test_an_answer_is_stored_and_read_in_either_language(db):
    with db.transaction() as session:
        row = add(session, "dogs", title_en="Dogs", answer_en="Register your dog.", keywords_en="dog, puppy")
    with db.transaction() as session:
        entry = service.entry_of(session.get(PolicyAnswer, row.id))
        # Only English was written: a Chinese reader gets the English.
        assert (entry.title_in("zh"), entry.answer_in("zh")) == ("Dogs", "Register your dog.")
        assert entry.live_on(TODAY) and entry.keywords["en"] == "dog, puppy"


@pytest.mark.parametrize("changes,error", [
    ({"title_en": "", "answer_en": ""}, "English or Chinese"),
    ({"answer_en": ""}, "both a title and an answer"),
    ({"source_url": "javascript:alert(1)"}, "http"),
    ({"expires_on": TODAY - timedelta(days=400)}, "after the effective date"),
    ({"title_en": "x" * 201}, "too long"),
])
def test_bad_answers_are_refused_and_nothing_is_stored(db, changes, error):
    values = {"title_en": "T", "answer_en": "A", **changes}
    with pytest.raises(service.PolicyError, match=error), db.transaction() as session:
        service.create_policy(session, code="bad", fields=fields(**values), now=NOW)
    with db.transaction() as session:
        assert session.scalar(select(PolicyAnswer)) is None


def test_codes_are_checked_and_unique(db):
    with db.transaction() as session:
        add(session, "fireworks", title_en="F", answer_en="No.")
    for code, error in (("fireworks", "already"), ("Bad Code!", "lower-case")):
        with pytest.raises(service.PolicyError, match=error), db.transaction() as session:
            add(session, code, title_en="F", answer_en="No.")


def test_bad_dates_in_text_are_refused_politely(db):
    with pytest.raises(service.PolicyError, match="YYYY-MM-DD"), db.transaction() as session:
        service.create_policy(session, code="x1", now=NOW, fields={**fields(title_en="T", answer_en="A"),
                                                                   "effective_from": "next tuesday"})


def test_update_and_retire(db):
    with db.transaction() as session:
        row = add(session, "stalls", title_en="Stalls", answer_en="Only at markets.")
        service.update_policy(session, policy=row, now=NOW + timedelta(hours=1),
                              fields=fields(title_en="Stalls", answer_en="Only at night markets.",
                                            title_zh="摆摊", answer_zh="只能在夜市。"))
        service.retire_policy(session, policy=row, now=NOW + timedelta(hours=2))
        service.retire_policy(session, policy=row, now=NOW + timedelta(hours=3))  # twice changes nothing
    with db.transaction() as session:
        row = service.find_policy(session, code="stalls")
        assert (row.answer_en, row.answer_zh) == ("Only at night markets.", "只能在夜市。")
        assert row.retired_at == NOW + timedelta(hours=2)
        assert service.list_policies(session, include_retired=False) == []
