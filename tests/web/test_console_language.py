"""The console in the staff member's language: their own setting, else their browser's; Chinese pages, messages,
errors, dates and numbers; the choice kept per account, set by the staff member or by an admin."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime, timezone

import httpx
import pytest

from cases.handoff.waits import LONG_WAIT
from cases.models import StaffUser
from cases.staff import accounts, alerts
from tests.web.conftest import PASSWORD, add_staff, browser, csrf_of, new_case

CHINESE = {"accept-language": "zh-CN,zh;q=0.9,en;q=0.5"}
ENGLISH = {"accept-language": "en-GB,en;q=0.9"}
FILED = datetime(2026, 3, 4, 2, 30, tzinfo=timezone.utc)  # 10:30 on 4 March in Shanghai


async def log_in(app, username: str, headers: dict[str, str]) -> httpx.AsyncClient:
    """A browser sending `headers` (its Accept-Language), logged in through the form."""
    client = browser(app)
    client.headers.update(headers)
    form = await client.get("/login")
    done = await client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": csrf_of(form), "next": "/cases"})
    assert done.status_code == 303, done.text
    client.csrf = csrf_of(await client.get("/cases"))
    return client


def set_language(db, username: str, language) -> None:
    with db.transaction() as session:
        member = session.query(StaffUser).filter_by(username=username).one()
        accounts.set_language(session, staff=member, language=language)


def language_of(db, username: str):
    with db.transaction() as session:
        return session.query(StaffUser).filter_by(username=username).one().language


def flash(page: httpx.Response) -> str:
    found = re.search(r'<p class="flash [a-z]+" role="status">([^<]*)</p>', page.text)
    return found.group(1) if found else ""


async def test_a_chinese_speaking_member_of_staff_reads_the_case_list_and_a_case_in_chinese(app, db):
    add_staff(db, "mei", "agent")
    set_language(db, "mei", "zh")
    reference = new_case(db, now=FILED)
    client = await log_in(app, "mei", ENGLISH)  # their own setting wins over the browser's

    listing = await client.get("/cases")
    assert '<html lang="zh-CN">' in listing.text
    assert "<h1>案件" in listing.text
    assert "派给我的" in listing.text and "Request type" not in listing.text
    assert re.search(r'data-status="submitted">\s*<a [^>]*>已提交 <b class="count">1</b>', listing.text)
    assert "道路坑洼或破损" in listing.text  # the request type's Chinese name from the catalog
    assert "2026年3月4日 10:30" in listing.text  # the date as Chinese staff write it, in city time
    assert "共 1 件案件" in listing.text

    page = await client.get(f"/cases/{reference}")
    assert 'id="case-status">已提交<' in page.text
    for heading in ("办理记录", "变更状态", "派单", "公示栏"):
        assert f"<h2>{heading}</h2>" in page.text
    assert "History" not in page.text and "Change status" not in page.text

    refused = await client.post(f"/cases/{reference}/status", data={"csrf_token": client.csrf, "to_status": ""})
    assert flash(await client.get(refused.headers["location"])) == "未办理：请选择新状态。"
    saved = await client.post(f"/cases/{reference}/assign", data={"csrf_token": client.csrf,
                                                                  "department": "Roads and Highways"})
    assert flash(await client.get(saved.headers["location"])) == "派单已保存。"

    missing = await client.get("/cases/HY-2026-99999")
    assert missing.status_code == 404 and "没有案件 HY-2026-99999。" in missing.text
    assert "<h1>未找到</h1>" in missing.text


async def test_without_a_setting_the_browser_language_decides(app, db):
    add_staff(db, "lin", "agent")
    anonymous = browser(app)
    login_zh = await anonymous.get("/login", headers=CHINESE)
    assert '<html lang="zh-CN">' in login_zh.text and "<h1>登录</h1>" in login_zh.text
    login_en = await anonymous.get("/login", headers=ENGLISH)
    assert '<html lang="en">' in login_en.text and "<h1>Log in</h1>" in login_en.text
    refused = await anonymous.post("/login", headers=CHINESE, data={
        "username": "lin", "password": "wrong password", "csrf_token": csrf_of(login_zh), "next": "/cases"})
    assert refused.status_code == 400 and "用户名或密码错误，或账号已停用。" in refused.text

    client = await log_in(app, "lin", CHINESE)
    assert "<h1>案件" in (await client.get("/cases")).text
    assert "<h1>Cases" in (await client.get("/cases", headers=ENGLISH)).text


async def test_a_member_of_staff_chooses_their_language_and_it_is_kept(app, db):
    add_staff(db, "kai", "agent")
    client = await log_in(app, "kai", ENGLISH)
    assert 'id="language-form"' in (await client.get("/cases")).text

    chosen = await client.post("/language", data={"csrf_token": client.csrf, "language": "zh",
                                                  "back": "/cases?overdue=1"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/cases?overdue=1"
    assert language_of(db, "kai") == "zh"
    page = await client.get(chosen.headers["location"])
    assert "<h1>案件" in page.text and flash(page) == "语言已保存。"

    again = await log_in(app, "kai", ENGLISH)  # a new session, another day: still Chinese
    assert '<option value="zh" selected>' in (await again.get("/cases")).text
    assert "<h1>案件" in (await again.get("/cases")).text

    back = await again.post("/language", data={"csrf_token": again.csrf, "language": "", "back": "//evil.example"})
    assert back.headers["location"] == "/cases"  # only a path on this site
    assert language_of(db, "kai") is None
    assert "<h1>Cases" in (await again.get("/cases")).text  # the browser's again

    forged = await again.post("/language", data={"language": "zh"})
    assert forged.status_code == 403 and language_of(db, "kai") is None


async def test_an_admin_sets_another_accounts_language(app, db):
    add_staff(db, "root", "admin")
    agent_id = add_staff(db, "ana", "agent")
    admin = await log_in(app, "root", ENGLISH)

    staff_page = await admin.get("/staff")
    assert f'action="/staff/{agent_id}/language"' in staff_page.text
    done = await admin.post(f"/staff/{agent_id}/language", data={"csrf_token": admin.csrf, "language": "zh"})
    assert done.status_code == 303 and language_of(db, "ana") == "zh"
    assert flash(await admin.get("/staff")) == "Language saved."
    refused = await admin.post(f"/staff/{agent_id}/language", data={"csrf_token": admin.csrf, "language": "fr"})
    assert "Not done" in flash(await admin.get(refused.headers["location"])) and language_of(db, "ana") == "zh"

    created = await admin.post("/staff", data={"csrf_token": admin.csrf, "username": "bob", "role": "agent",
                                                "password": PASSWORD, "language": "zh"})
    assert flash(await admin.get(created.headers["location"])) == "Account created."
    assert language_of(db, "bob") == "zh"

    agent = await log_in(app, "ana", ENGLISH)
    assert "<h1>案件" in (await agent.get("/cases")).text
    forbidden = await agent.post(f"/staff/{agent_id}/language", data={"csrf_token": agent.csrf, "language": "en"})
    assert forbidden.status_code == 403 and "您的角色无权进行此操作。" in forbidden.text


async def test_an_admin_sets_where_wechat_reaches_an_account(app, db):
    add_staff(db, "root", "admin")
    agent_id = add_staff(db, "wuli", "agent")
    admin = await log_in(app, "root", ENGLISH)

    assert f'action="/staff/{agent_id}/wechat"' in (await admin.get("/staff")).text
    done = await admin.post(f"/staff/{agent_id}/wechat", data={"csrf_token": admin.csrf,
                                                               "wechat_openid": "oWu_1234567890"})
    assert done.status_code == 303 and flash(await admin.get("/staff")) == "WeChat OpenID saved."
    assert openid_of(db, "wuli") == "oWu_1234567890"
    refused = await admin.post(f"/staff/{agent_id}/wechat", data={"csrf_token": admin.csrf,
                                                                  "wechat_openid": "not an openid!"})
    assert "Not done" in flash(await admin.get(refused.headers["location"]))
    assert openid_of(db, "wuli") == "oWu_1234567890"
    cleared = await admin.post(f"/staff/{agent_id}/wechat", data={"csrf_token": admin.csrf, "wechat_openid": ""})
    assert cleared.status_code == 303 and openid_of(db, "wuli") is None

    created = await admin.post("/staff", data={"csrf_token": admin.csrf, "username": "zhou", "role": "supervisor",
                                                "password": PASSWORD, "wechat_openid": "oZhou_987654321"})
    assert flash(await admin.get(created.headers["location"])) == "Account created."
    assert openid_of(db, "zhou") == "oZhou_987654321"

    agent = await log_in(app, "wuli", ENGLISH)
    forbidden = await agent.post(f"/staff/{agent_id}/wechat", data={"csrf_token": agent.csrf,
                                                                    "wechat_openid": "oSomeoneElse_1"})
    assert forbidden.status_code == 403 and openid_of(db, "wuli") is None


def openid_of(db, username: str):
    with db.transaction() as session:
        return session.query(StaffUser).filter_by(username=username).one().wechat_openid


@pytest.mark.parametrize("path,heading", [
    ("/inbox", "人工对话"), ("/alerts", "提醒"), ("/canned", "常用回复"), ("/policies", "政策答复"),
    ("/staff", "工作人员账号"), ("/api-keys", "Open311 API 密钥"), ("/reports?start=2026-03-02", "周报"),
    ("/reports/responsiveness?start=2026-03-02", "双向评价"),
])
async def test_every_page_is_in_chinese(app, db, path, heading):
    add_staff(db, "wang", "admin")
    set_language(db, "wang", "zh")
    new_case(db, now=FILED)
    client = await log_in(app, "wang", ENGLISH)
    page = await client.get(path)
    assert page.status_code == 200, page.text
    assert f"<h1>{heading}" in page.text
    assert '<html lang="zh-CN">' in page.text and ">Cases<" not in page.text and ">Log out<" not in page.text


async def test_a_report_is_in_chinese_with_its_charts_and_dates(app, db):
    add_staff(db, "zhao", "admin")
    set_language(db, "zhao", "zh")
    new_case(db, now=FILED)
    client = await log_in(app, "zhao", ENGLISH)
    page = await client.get("/reports?start=2026-03-02")
    assert "统计时段：2026年3月2日 至 2026年3月9日（不含），本市时间。" in page.text
    assert "<title>每日受理量</title>" in page.text and "<title>各状态在办案件</title>" in page.text
    assert "已受理" in page.text.split('id="chart-open"', 1)[1]  # the chart's bars are Chinese status labels
    refused = await client.get("/reports?period=yearly")
    assert refused.status_code == 400 and "周期只能是周报或月报。" in refused.text


async def test_english_is_unchanged_for_english_staff(app, db):
    add_staff(db, "eve", "agent")
    set_language(db, "eve", "en")
    reference = new_case(db, now=FILED)
    client = await log_in(app, "eve", CHINESE)  # their own setting wins over the browser's
    listing = await client.get("/cases")
    assert '<html lang="en">' in listing.text and "<h1>Cases" in listing.text
    assert "2026-03-04 10:30" in listing.text and "Pothole or damaged road" in listing.text
    page = await client.get(f"/cases/{reference}")
    assert 'id="case-status">submitted<' in page.text and "<h2>History</h2>" in page.text
    refused = await client.post(f"/cases/{reference}/status", data={"csrf_token": client.csrf, "to_status": ""})
    assert flash(await client.get(refused.headers["location"])) == "Not done: Choose the new status."


async def test_alerts_are_listed_in_the_readers_language(app, db):
    add_staff(db, "sun", "supervisor")
    set_language(db, "sun", "zh")
    with db.transaction() as session:
        row = alerts.alert(session, key="handoff_wait:test", kind="handoff_wait", role="supervisor",
                           message=LONG_WAIT, params={"minutes": 12})
        english, chinese = row.text, alerts.text_in(row, "zh")
    assert chinese != english and re.search(r"[\u4e00-\u9fff]", chinese)
    client = await log_in(app, "sun", ENGLISH)
    page = await client.get("/alerts")
    assert chinese in page.text and english not in page.text
    assert alerts.kind_label("handoff_wait", "zh") in page.text and "全部标为已读" in page.text


async def test_pages_rendered_at_the_same_time_keep_their_own_languages(app, db):
    add_staff(db, "qian", "agent")
    add_staff(db, "fred", "agent")
    set_language(db, "qian", "zh")
    chinese, english = await log_in(app, "qian", ENGLISH), await log_in(app, "fred", ENGLISH)
    pages = await asyncio.gather(*[(chinese if n % 2 else english).get("/cases") for n in range(20)])
    for n, page in enumerate(pages):
        assert ("<h1>案件" if n % 2 else "<h1>Cases") in page.text
