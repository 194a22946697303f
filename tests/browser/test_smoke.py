"""The browser set-up works: Chromium opens the web chat and the console's login page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_web_chat_page_talks_to_the_assistant(bot, new_page):
    page = new_page()
    page.goto(bot)
    expect(page.locator(".msg.bot").first).to_be_visible()  # the page's own welcome
    welcome = page.locator(".msg.bot").count()
    page.fill("#text", "hello")
    page.press("#text", "Enter")
    expect(page.locator(".msg.me").last).to_have_text("hello")
    expect(page.locator(".msg.bot:not(.typing)")).not_to_have_count(welcome)  # Rasa answered
    assert page.locator(".msg.note").count() == 0, page.locator(".msg.note").all_inner_texts()


def test_console_login_page_has_the_form(console, new_page):
    page = new_page()
    page.goto(f"{console}/login")
    for field in ("input[name=username]", "input[name=password]"):
        expect(page.locator(field)).to_be_visible()
    expect(page.locator("input[name=csrf_token]")).to_have_count(1)
    assert page.locator("input[name=csrf_token]").get_attribute("value")
