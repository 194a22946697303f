"""The resident's own data on WeChat, through the channel's server URL with WeChat's servers faked: "my data" is a
single-use link to their export (WeChat's customer-service messages carry no files), "delete my data" asks first
(numbered choices) and then anonymises their cases. On a real database; Rasa is unreachable (and never asked)."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from bot import texts
from cases.clock import utcnow
from cases.models import Case
from cases.residents_data.forget import DELETED
from testkit.stack import free_port
from tests.bot.webchat_harness import RecordingRasa
from tests.bot.wechat_harness import new_openid, wechat_channel
from tests.residents_data.seed import leftovers, seed

PUBLIC = "https://city.example/wechat"  # WECHAT_PUBLIC_URL: the server URL set in WeChat's console


@pytest.fixture
async def rasa():
    client = RecordingRasa(f"http://127.0.0.1:{free_port()}")
    yield client
    await client.aclose()


async def first_contact(channel, openid: str, tag: str, media) -> list[str]:
    """The resident writes once (so we know them), then has cases, photos, a live chat...; what must not remain
    once they are forgotten."""
    await channel.wechat.text(openid, "你好")
    await channel.settle()
    with channel.db.transaction() as session:
        seeded = seed(session, channel="wechat", external_id=openid, name=f"Resident {tag}", media_dir=media,
                      now=utcnow(), tag=tag)
    return [seeded.references, seeded.needles]


async def ask_for_data(channel, openid: str) -> str:
    """Send 我的数据; the path of the link the answer holds."""
    await channel.wechat.text(openid, "我的数据")
    await channel.settle()
    answer = channel.fake.texts_to(openid)[-1]
    [link] = re.findall(r"https://\S+", answer)
    assert link.startswith(f"{PUBLIC}/mydata/") and "30 分钟" in answer
    return urlsplit(link).path


async def test_my_data_is_a_link_that_opens_the_residents_own_export_once(db, rasa, tmp_path):
    alice, bob, media = new_openid(), new_openid(), tmp_path / "media"
    async with wechat_channel(db, rasa, media, wechat_public_url=PUBLIC) as channel:
        alice_cases, _ = await first_contact(channel, alice, "A7", media)
        bob_cases, _ = await first_contact(channel, bob, "B7", media)
        alice_link, bob_link = await ask_for_data(channel, alice), await ask_for_data(channel, bob)
        assert alice_link != bob_link

        assert (await channel.wechat.client.head(alice_link)).status_code == 200  # a preview does not use it up
        opened = await channel.wechat.client.get(alice_link)
        assert opened.status_code == 200 and opened.headers["content-type"].startswith("application/json")
        assert opened.headers["cache-control"] == "no-store" and opened.headers["content-disposition"].startswith(
            "inline")
        document = json.loads(opened.content)
        assert {case["reference"] for case in document["cases"]} == set(alice_cases)
        assert document["resident"]["name"] == "Resident A7" and "Resident B7" not in opened.text
        assert not any(reference in opened.text for reference in bob_cases)  # ("B7" alone may be in a random name)

        again = await channel.wechat.client.get(alice_link)  # used: forwarded, or opened twice
        assert again.status_code == 404 and "Resident A7" not in again.text
        forged = await channel.wechat.client.get(alice_link[:-4] + "abcd")
        assert forged.status_code == 404

        # Bob's own link opens Bob's data, and only while it is his latest.
        newer = await ask_for_data(channel, bob)
        assert (await channel.wechat.client.get(bob_link)).status_code == 404
        bobs = await channel.wechat.client.get(newer)
        assert {case["reference"] for case in json.loads(bobs.content)["cases"]} == set(bob_cases)
        assert rasa.sent == ["你好", "你好"]  # their data is the channel's to answer


async def test_my_data_without_a_public_address_names_the_service_desk(sqlite_db, rasa, tmp_path):
    openid = new_openid()
    async with wechat_channel(sqlite_db, rasa, tmp_path / "media") as channel:
        await channel.wechat.text(openid, "my data")
        await channel.settle()
        assert channel.fake.texts_to(openid) == [texts.text("export_wechat", "zh")]


async def test_delete_my_data_asks_then_anonymises_their_cases_and_kills_their_link(db, rasa, tmp_path):
    openid, media = new_openid(), tmp_path / "media"
    async with wechat_channel(db, rasa, media, wechat_public_url=PUBLIC) as channel:
        references, needles = await first_contact(channel, openid, "C7", media)
        link = await ask_for_data(channel, openid)
        await channel.wechat.text(openid, "删除我的数据")
        await channel.settle()
        asked = channel.fake.texts_to(openid)[-1]
        assert asked.startswith(texts.text("forget_ask", "zh")) and references[0] in asked  # the open case named
        assert "1. 是，删除我的数据\n2. 不，保留" in asked
        await channel.wechat.text(openid, "1")
        await channel.settle()
        assert channel.fake.texts_to(openid)[-1] == texts.text("forget_done", "zh")

        with db.transaction() as session:
            cases = [session.query(Case).filter_by(reference=reference).one() for reference in references]
            assert {case.description for case in cases} == {DELETED}
            assert [case.status for case in cases] == ["cancelled", "resolved"]  # the open one cancelled
            assert leftovers(session, needles) == []  # not the OpenID either: pending messages, keys, leases
        assert (await channel.wechat.client.get(link)).status_code == 404
        assert channel.resident(openid) is None  # writing again starts afresh
        assert rasa.sent == ["你好"]
