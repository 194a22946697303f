"""The staff console in Chinese in a real browser: a member of staff whose browser asks for zh-CN reads the case
list and a case in Chinese (headings, status labels, dates), switches to English and back, and the choice holds."""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import Page, expect

from cases.lifecycle import open_case
from cases.residents import get_or_create_resident
from tests.browser.conftest import TIMEOUT_MS, login, staff_cli

pytestmark = pytest.mark.browser

READER = "mei"
CHINESE_MOMENT = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")


@pytest.fixture
def chinese_page(browser, console, stack, request):
    """A page in a browser whose language is Chinese (Accept-Language: zh-CN), with a staff account to log in."""
    done = staff_cli(stack, "create-staff", READER, "--role", "agent", "--name", "Mei Chen")
    assert done.returncode == 0 or "taken" in done.stderr, done.stderr
    context = browser.new_context(base_url=console, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    request.node.browser_pages = [*getattr(request.node, "browser_pages", []), page]
    yield page
    context.close()


def a_case(database) -> str:
    """A pothole filed through the web chat, straight into the database; its reference."""
    with database.transaction() as session:
        resident = get_or_create_resident(session, channel="web", external_id=f"zh-{random.getrandbits(48)}",
                                          language="zh")
        return open_case(session, resident=resident, request_type="pothole", description="学校门口有个大坑",
                         address="学府路 1 号", reference_prefix="HY").reference


def choose_language(page: Page, value: str) -> None:
    """Pick a language in the header's menu and send it; the same page comes back."""
    page.locator("#language-choice").select_option(value)
    with page.expect_navigation():
        page.locator("#language-submit").click()


def test_a_chinese_browser_gets_the_console_in_chinese_and_can_switch(console, database, chinese_page):
    reference = a_case(database)
    page = chinese_page
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    login(page, console, READER)

    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("h1")).to_have_text("案件")
    expect(page.locator("#status-counts li[data-status=submitted] a")).to_contain_text("已提交")
    row = page.locator(f"tr.case-row[data-reference='{reference}']")
    expect(row.locator("td.status")).to_have_text("已提交")
    expect(row).to_contain_text("道路坑洼或破损")
    expect(row).to_contain_text(CHINESE_MOMENT)

    with page.expect_navigation():
        row.locator("a.case-link").click()
    expect(page.locator("#case-status")).to_have_text("已提交")
    expect(page.locator("#history")).to_be_visible()
    expect(page.locator("h2", has_text="办理记录")).to_be_visible()
    expect(page.locator("#case-received")).to_have_text(CHINESE_MOMENT)
    expect(page.locator("#status-submit")).to_have_text("变更状态")

    choose_language(page, "en")  # English for this account, whatever the browser says
    assert page.url.endswith(f"/cases/{reference}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".flash")).to_have_text("Language saved.")
    expect(page.locator("#case-status")).to_have_text("submitted")
    expect(page.locator("h2", has_text="History")).to_be_visible()
    expect(page.locator("#case-received")).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    page.goto("/cases")
    expect(page.locator("h1")).to_have_text("Cases")

    choose_language(page, "")  # back to "as my browser asks": Chinese
    expect(page.locator(".flash")).to_have_text("语言已保存。")
    expect(page.locator("h1")).to_have_text("案件")
    expect(page.locator("#language-choice")).to_have_value("")
