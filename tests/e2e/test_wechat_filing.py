"""A resident files a report over WeChat, everything real but WeChat's servers (testkit/wechat fakes them): the
real Rasa model and action server, the database, the channel's app. Each call is answered at once ("success"),
the replies arrive as customer-service messages with their buttons as numbered choices; staff's status change
reaches them through the real jobs process, with the access token the channel stored; "my data" is a link that
opens their export once."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bot.photos import clean_photo
from bot.rasa_client import RasaClient
from bot.wechat import choices
from cases import lifecycle
from cases.queries import find_case
from cases.store.db import Database
from testkit.stack import APP_PYTHON, PROJECT_ROOT
from testkit.wechat import FakeWeChatServer, gps_jpeg
from tests.bot.wechat_harness import TOKEN, new_openid, wechat_channel
from tests.city import CITY
from tests.e2e.loop_harness import QUIET_HOURS_OFF_ENV, REFERENCE, WAIT

pytestmark = pytest.mark.e2e
PUBLIC = "https://city.example/wechat"  # WECHAT_PUBLIC_URL: where "my data" links point


@contextlib.contextmanager
def jobs_running(stack, fake: FakeWeChatServer, log_path) -> Iterator[subprocess.Popen]:
    """The real scheduler process (`python -m jobs`), WeChat configured against the fake API, Telegram off; stopped
    at the end."""
    env = {**os.environ, "DATABASE_URL": stack.database_url, "MEDIA_DIR": str(stack.media_dir),
           "TIMEZONE": "Asia/Shanghai", "TELEGRAM_BOT_TOKEN": "", "WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": fake.app_id,
           "WECHAT_APP_SECRET": fake.secret, "WECHAT_API_BASE": fake.base_url, "PUSH_INTERVAL_SECONDS": "0.5",
           **QUIET_HOURS_OFF_ENV}
    jobs = subprocess.Popen([str(APP_PYTHON), "-m", "jobs"], env=env, cwd=PROJECT_ROOT, stdout=log_path.open("w"),
                            stderr=subprocess.STDOUT)
    try:
        yield jobs
    finally:
        jobs.terminate()
        jobs.wait(timeout=30)


async def test_wechat_resident_files_a_pothole_report_and_hears_of_its_progress(stack, tmp_path):
    openid, photo = new_openid(), gps_jpeg()
    db, rasa = Database(stack.database_url), RasaClient(stack.rasa_url)
    try:
        async with wechat_channel(db, rasa, stack.media_dir, wechat_public_url=PUBLIC) as channel:
            wechat, fake = channel.wechat, channel.fake

            async def turn(call) -> list[str]:
                """Make a call; WeChat gets "success" within its 5 seconds; the texts sent for it."""
                before = len(fake.texts_to(openid))
                started = time.monotonic()
                answer = await call
                assert (answer.status_code, answer.text) == (200, "success")
                assert time.monotonic() - started < 1.0  # the turn runs after the answer, never within it
                return (await fake.wait_until_quiet(openid, timeout=WAIT))[before:]

            greeting = await turn(wechat.event(openid, "subscribe"))
            assert greeting[0].startswith("隐私说明") and greeting[1].startswith("您好！我是回音")

            # A place of its own: the e2e tests share one database, and a pothole at another test's place would
            # get the nearby offer first.
            asked = await turn(wechat.text(openid, "延安西路1088号门口有个大坑"))
            assert "照片" in asked[-1] and asked[-1].endswith("回复数字选择"), asked
            summary = await turn(wechat.image(openid, fake.add_media(photo)))
            offered = choices.loaded(channel.resident(openid).offered_choices)
            assert "/affirm" in [payload for _, payload in offered], summary
            done = await turn(wechat.text(openid, str([p for _, p in offered].index("/affirm") + 1)))
            [reference] = {r for text in done for r in REFERENCE.findall(text)}

            with db.transaction() as session:
                case = find_case(session, reference=reference)
                assert case.request_type == "pothole"
                assert "延安西路1088号" in case.description
                assert (case.resident.channel, case.resident.external_id) == ("wechat", openid)
                [stored] = case.photos
                assert (stack.media_dir / stored.path).read_bytes() == clean_photo(photo).data
            assert len(fake.tokens) == 1

            with db.transaction() as session:  # staff start the work (the console calls the same function)
                lifecycle.change_status(session, case=find_case(session, reference=reference), to_status="in_progress",
                                        actor="staff", public_note="工程队已出发", **CITY)
            before = len(fake.texts_to(openid))
            with jobs_running(stack, fake, tmp_path / "jobs.log"):
                pushed = (await fake.wait_for_texts(openid, before + 1, timeout=WAIT))[before:]
            assert reference in pushed[0] and "工程队已出发" in pushed[0], pushed
            assert fake.templates == []  # they wrote minutes ago: inside WeChat's 48 hours
            assert len(fake.tokens) == 1  # the jobs process used the token the channel stored

            # "My data": a link (customer-service messages carry no files) that opens their export once.
            [link] = re.findall(r"https://\S+", (await turn(wechat.text(openid, "我的数据")))[-1])
            opened = await wechat.client.get(urlsplit(link).path)
            assert opened.status_code == 200, opened.text
            assert [c["reference"] for c in json.loads(opened.content)["cases"]] == [reference]
            assert (await wechat.client.get(urlsplit(link).path)).status_code == 404
    finally:
        await rasa.aclose()
        db.dispose()
