"""Links to a resident's export (cases/residents_data/links.py), with the clock passed in, on a real database."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cases.clock import utcnow
from cases.models import ExportLink
from cases.residents import get_or_create_resident
from cases.residents_data import links

LIFETIME = timedelta(minutes=30)


def test_a_link_works_once_within_its_lifetime_and_stores_no_token(db):
    now = utcnow()
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="wechat", external_id="o-links-1", language="zh")
        expiring = links.issue_link(session, resident=resident, now=now, lifetime=LIFETIME)
        assert links.redeem_link(session, token=expiring, now=now + LIFETIME + timedelta(seconds=1)) is None
        token = links.issue_link(session, resident=resident, now=now, lifetime=LIFETIME)
        assert [row.token_hash for row in session.scalars(select(ExportLink))] != [token]  # only its hash is kept
        assert links.redeem_link(session, token=token, now=now + LIFETIME - timedelta(seconds=1)) is resident
        assert links.redeem_link(session, token=token, now=now) is None
        assert links.redeem_link(session, token="not-a-token", now=now) is None


def test_a_link_dies_with_a_newer_one_and_when_its_resident_is_forgotten(db):
    now = utcnow()
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="wechat", external_id="o-links-2", language="zh")
        older = links.issue_link(session, resident=resident, now=now, lifetime=LIFETIME)
        newer = links.issue_link(session, resident=resident, now=now, lifetime=LIFETIME)
        assert links.redeem_link(session, token=older, now=now) is None
        resident.external_id = "forgotten-0123"  # what forgetting does to the chat id
        assert links.redeem_link(session, token=newer, now=now) is None
