"""Pushes to WeChat residents leave the outbox the way WeChat allows (customer-service messages within 48 hours of
the resident's last message, template messages beyond), on a real database, against the fake WeChat API; and one
access token serves every process."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select, update

from bot.wechat import push
from bot.wechat.api import WeChatApi
from cases import lifecycle, outbox
from cases.clock import utcnow
from cases.models import ApiToken, Notification
from cases.residents import get_or_create_resident
from testkit.wechat import FakeWeChatServer
from tests.bot.wechat_harness import new_openid, wechat_settings
from tests.city import CITY

TEMPLATE = "tpl-status-1"
BOARD = "https://city.example.org"


@asynccontextmanager
async def wechat_api(db, tmp_path, **values):
    """The fake WeChat API, settings pointing at it, and a client on `db` (as the jobs process makes one)."""
    async with FakeWeChatServer() as fake:
        settings = wechat_settings(fake, database_url=db.url, media_dir=tmp_path / "media", **values)
        api = WeChatApi(settings, db=db)
        try:
            yield fake, settings, api
        finally:
            api.close()


def status_push(db, openid: str, *, last_wrote: Optional[datetime]) -> str:
    """A WeChat resident's case moved to in progress by staff (its push queued); the case's reference."""
    with db.transaction() as s:
        resident = get_or_create_resident(s, channel="wechat", external_id=openid, language="zh")
        resident.last_inbound_at = last_wrote
        case = lifecycle.open_case(s, resident=resident, request_type="pothole", description="a hole",
                                   address="12 Park Lane", reference_prefix="HY")
        lifecycle.change_status(s, case=case, to_status="in_progress", actor="staff", public_note="crew sent", **CITY)
        assert case.reference is not None
        return case.reference


def rows(db) -> list[Notification]:
    with db.transaction() as s:
        return list(s.scalars(select(Notification).where(Notification.channel == "wechat").order_by(Notification.id)))


def unreachable(db, openid: str) -> bool:
    with db.transaction() as s:
        return get_or_create_resident(s, channel="wechat", external_id=openid).unreachable_at is not None


def later(seconds: float):
    """A clock `seconds` ahead of the wall clock."""
    return lambda: utcnow() + timedelta(seconds=seconds)


async def test_inside_the_window_a_customer_service_message(db, tmp_path):
    openid = new_openid()
    reference = status_push(db, openid, last_wrote=utcnow() - timedelta(hours=47))
    async with wechat_api(db, tmp_path, wechat_status_template_id=TEMPLATE) as (fake, settings, api):
        stats = await push.deliver_due(db=db, api=api, settings=settings)
        [text] = fake.texts_to(openid)
        assert reference in text and fake.templates == []
    assert stats.sent == 1 and [r.status for r in rows(db)] == ["sent"]


async def test_outside_the_window_a_template_message_linking_to_the_board(db, tmp_path):
    openid = new_openid()
    reference = status_push(db, openid, last_wrote=utcnow() - timedelta(hours=49))
    async with wechat_api(db, tmp_path, wechat_status_template_id=TEMPLATE, board_public_url=BOARD + "/",
                          timezone="Asia/Shanghai") as (fake, settings, api):
        await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.texts_to(openid) == []
        [sent] = fake.templates_to(openid)
    assert sent.template_id == TEMPLATE
    assert sent.data["keyword1"] == {"value": reference}
    assert sent.data["keyword2"]["value"] and sent.data["keyword3"]["value"].startswith(str(utcnow().year))
    assert sent.url == f"{BOARD}/board/cases/{reference}?lang=zh"
    assert [r.status for r in rows(db)] == ["sent"]


async def test_outside_the_window_without_a_template_the_row_is_not_deliverable(db, tmp_path):
    openid = new_openid()
    status_push(db, openid, last_wrote=None)  # never wrote (e.g. filed through the console for them)
    async with wechat_api(db, tmp_path) as (fake, settings, api):
        stats = await push.deliver_due(db=db, api=api, settings=settings)
        again = await push.deliver_due(db=db, api=api, settings=settings, now=later(3600))
        assert fake.sent == [] and fake.templates == []
    [row] = rows(db)
    assert row.status == "failed" and "48-hour window" in row.last_error
    assert "WECHAT_STATUS_TEMPLATE_ID" in row.last_error
    assert (stats.failed, again.failed, row.attempts) == (1, 0, 1)  # never tried again


async def test_unsubscribed_makes_the_resident_unreachable_and_nothing_more_is_sent(db, tmp_path):
    openid = new_openid()
    status_push(db, openid, last_wrote=utcnow())
    async with wechat_api(db, tmp_path, wechat_status_template_id=TEMPLATE) as (fake, settings, api):
        fake.fail_next(openid, 43004)
        await push.deliver_due(db=db, api=api, settings=settings)
        assert unreachable(db, openid)
        status_push(db, openid, last_wrote=utcnow())  # another case's push, later
        await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.sent == [] and fake.templates == []
    first, second = rows(db)
    assert (first.status, second.status) == ("failed", "failed")
    assert "43004" in first.last_error and "unfollowed" in second.last_error


async def test_out_of_window_answer_falls_back_to_the_template(db, tmp_path):
    openid = new_openid()
    reference = status_push(db, openid, last_wrote=utcnow() - timedelta(hours=1))  # our clock says inside
    async with wechat_api(db, tmp_path, wechat_status_template_id=TEMPLATE) as (fake, settings, api):
        fake.window_closed.add(openid)  # WeChat's says otherwise
        await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.texts_to(openid) == []
        [sent] = fake.templates_to(openid)
        assert sent.data["keyword1"]["value"] == reference and sent.url is None  # no board address set
    assert [r.status for r in rows(db)] == ["sent"]


async def test_transient_errors_are_retried_later(db, tmp_path):
    openid = new_openid()
    status_push(db, openid, last_wrote=utcnow())
    async with wechat_api(db, tmp_path) as (fake, settings, api):
        fake.fail_next(openid, 45047, -1)
        first = await push.deliver_due(db=db, api=api, settings=settings)
        [row] = rows(db)
        assert (first.retried, row.status, row.attempts) == (1, "pending", 1) and "45047" in row.last_error
        assert (await push.deliver_due(db=db, api=api, settings=settings)).sent == 0  # not yet due
        await push.deliver_due(db=db, api=api, settings=settings, now=later(3600))  # busy (-1): again later
        await push.deliver_due(db=db, api=api, settings=settings, now=later(7200))
        assert len(fake.texts_to(openid)) == 1
    [row] = rows(db)
    assert (row.status, row.attempts) == ("sent", 3)


async def test_long_texts_are_split_within_wechats_limit(db, tmp_path):
    openid = new_openid()
    paragraph = "路面修补" * 100  # 1,200 bytes
    with db.transaction() as s:
        resident = get_or_create_resident(s, channel="wechat", external_id=openid, language="zh")
        resident.last_inbound_at = utcnow()
        outbox.queue(s, resident=resident, text="\n\n".join([paragraph] * 3), urgent=True)
    async with wechat_api(db, tmp_path) as (fake, settings, api):
        await push.deliver_due(db=db, api=api, settings=settings)
        assert fake.texts_to(openid) == [paragraph] * 3
    assert push.split_text("a" * 5000) == ["a" * 2048, "a" * 2048, "a" * 904]


async def test_a_refused_token_is_renewed_once_and_the_send_made_again(db, tmp_path):
    openid = new_openid()
    status_push(db, openid, last_wrote=utcnow())
    status_push(db, openid, last_wrote=utcnow())
    async with wechat_api(db, tmp_path) as (fake, settings, api):
        await api.send_text(new_openid(), "warm up")  # a token in hand
        assert fake.token_calls == 1
        fake.expire_tokens()  # e.g. someone fetched one outside Huiyin
        stats = await push.deliver_due(db=db, api=api, settings=settings)
        assert stats.sent == 2 and fake.token_calls == 2
        assert len(fake.texts_to(openid)) == 2


async def test_two_processes_share_one_token_and_renew_an_expired_one_once(db, tmp_path):
    async with wechat_api(db, tmp_path) as (fake, settings, channel):
        jobs = WeChatApi(settings, db=db)  # the jobs process's client: the same database, its own memory
        try:
            await asyncio.gather(channel.send_text(new_openid(), "one"), jobs.send_text(new_openid(), "two"))
            await channel.send_text(new_openid(), "three")
            assert fake.token_calls == 1
            with db.transaction() as s:  # the stored token has run out
                s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
            fresh = WeChatApi(settings, db=db)  # a process started now
            try:
                await asyncio.gather(fresh.send_text(new_openid(), "four"), jobs.send_text(new_openid(), "five"))
            finally:
                fresh.close()
            assert fake.token_calls == 2
            fake.expire_tokens()  # WeChat refuses the current token: whoever notices first renews it, once
            await channel.send_text(new_openid(), "six")
            await jobs.send_text(new_openid(), "seven")
            assert fake.token_calls == 3 and len(fake.sent) == 7
        finally:
            jobs.close()
