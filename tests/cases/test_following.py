"""Following a case someone else reported: idempotent, and the follower gets its pushes in their language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import following, lifecycle, queries
from tests.cases.builders import T0, case, notifications, open_case, resident, staff
from tests.city import CITY

ROADS = "Roads and Highways"


def test_following_twice_records_one_follower(db):
    with db.transaction() as s:
        ref = open_case(s, resident(s, "1")).reference
        bo = resident(s, "2")
        first = following.follow_case(s, case=case(s, ref), resident=bo, now=T0)
        again = following.follow_case(s, case=case(s, ref), resident=bo, now=T0 + timedelta(minutes=1))
        assert first is not None and again is not None and first.id == again.id
    with db.transaction() as s:
        assert following.follower_count(s, case=case(s, ref)) == 1
        assert following.follower_counts(s, case_ids=[case(s, ref).id]) == {case(s, ref).id: 1}
        assert [c.reference for c in following.followed_cases(s, resident=resident(s, "2"))] == [ref]
        assert following.is_following(s, case=case(s, ref), resident=resident(s, "2"))


def test_the_cases_own_resident_is_never_a_follower(db):
    with db.transaction() as s:
        ana = resident(s, "1")
        ref = open_case(s, ana).reference
        assert following.follow_case(s, case=case(s, ref), resident=ana, now=T0) is None
        assert following.follower_count(s, case=case(s, ref)) == 0 and queries.followers(s, case(s, ref)) == []


def test_a_closed_case_cannot_be_followed(db):
    with db.transaction() as s:
        c = open_case(s, resident(s, "1"))
        lifecycle.change_status(s, case=c, to_status="cancelled", actor="resident", now=T0, **CITY)
        with pytest.raises(following.NotFollowable):
            following.follow_case(s, case=c, resident=resident(s, "2"), now=T0)


def test_unfollow(db):
    with db.transaction() as s:
        c = open_case(s, resident(s, "1"))
        bo = resident(s, "2")
        following.follow_case(s, case=c, resident=bo, now=T0)
        assert following.unfollow(s, case=c, resident=bo) is True
        assert following.unfollow(s, case=c, resident=bo) is False
        assert following.follower_count(s, case=c) == 0 and queries.followers(s, c) == []


def test_followers_get_status_changes_in_their_language_each_once(db):
    with db.transaction() as s:
        sue = staff(s, "sue", role="supervisor", department=ROADS)
        ref = open_case(s, resident(s, "1")).reference
        merged = open_case(s, resident(s, "2")).reference
        lifecycle.mark_duplicate(s, case=case(s, merged), original_reference=ref, staff=sue, now=T0, **CITY)
        # Resident 2 both had a case merged into it and follows it; resident 3 follows it in Chinese.
        following.follow_case(s, case=case(s, ref), resident=resident(s, "2"), now=T0)
        following.follow_case(s, case=case(s, ref), resident=resident(s, "3", language="zh"), now=T0)
        assert [r.external_id for r in queries.followers(s, case(s, ref))] == ["2", "3"]
        before = len(notifications(s))
        lifecycle.change_status(s, case=case(s, ref), to_status="in_progress", actor="staff", staff=sue,
                                public_note="crew on the way", now=T0 + timedelta(hours=1), **CITY)
    with db.transaction() as s:
        news = notifications(s)[before:]
        assert sorted(n.chat_id for n in news) == ["1", "2", "3"]
        chinese = next(n for n in news if n.chat_id == "3")
        english = next(n for n in news if n.chat_id == "2")
        assert ref in chinese.text and ref in english.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese.text)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.text)
