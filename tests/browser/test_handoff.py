"""A live handoff in two browsers: a resident in the web chat, an agent in the console.

The resident asks for a person (real Rasa + action server); the conversation appears in the agent's
inbox without a reload; the agent takes it and they talk (the web chat polls /api/updates, the console
transcript updates itself); the agent ends it and the assistant answers the resident again.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from bot.webchat.sessions import COOKIE
from cases.handoff.handoff import open_handoff_for
from cases.models import HandoffRequest
from cases.residents import find_resident
from tests.browser.conftest import AGENT, AGENT_NAME, login

pytestmark = pytest.mark.browser

BOT = ".msg.bot:not(.typing)"


def say(chat: Page, text: str) -> None:
    """The resident types a message and sends it with Enter; returns once the web chat has its answer."""
    chat.fill("#text", text)
    chat.press("#text", "Enter")
    expect(chat.locator(".msg.me").last).to_have_text(text)
    expect(chat.locator(".msg.typing")).to_have_count(0)  # the request is done (answered or not)


def open_handoff_id(database, chat: Page) -> int:
    """The id of the web chat resident's open handoff, found through their session cookie."""
    cookies = {c["name"]: c["value"] for c in chat.context.cookies()}
    assert COOKIE in cookies, f"no web chat session cookie in {cookies}"
    session_id = cookies[COOKIE].split(".")[0]
    with database.transaction() as session:
        resident = find_resident(session, channel="web", external_id=session_id)
        assert resident is not None, "the web chat made no resident"
        handoff = open_handoff_for(session, resident)
        assert handoff is not None, "asking for a person opened no handoff"
        return handoff.id


def test_agent_takes_a_web_chat_handoff_and_hands_back_to_the_bot(bot, console, jobs, database, new_page):
    agent = new_page(console)
    login(agent, console, AGENT)
    agent.goto("/inbox")
    chat = new_page(bot)
    chat.goto("/")
    expect(chat.locator(BOT).first).to_be_visible()

    # The resident asks for a person; the assistant says someone will answer.
    bot_before = chat.locator(BOT).count()
    say(chat, "I want to talk to a person")
    expect(chat.locator(BOT).nth(bot_before)).to_contain_text(re.compile(r"a person will answer you", re.I))
    handoff_id = open_handoff_id(database, chat)

    # The waiting conversation shows up in the open inbox page by itself.
    item = agent.locator(f'.handoff-item[href$="/inbox/{handoff_id}"], .handoff-item a[href$="/inbox/{handoff_id}"]')
    expect(item).to_have_count(1)
    item.click()
    expect(agent).to_have_url(re.compile(rf"/inbox/{handoff_id}$"))
    transcript = agent.locator("#transcript")
    expect(transcript.locator(".msg.resident").first).to_contain_text("I want to talk to a person")

    agent.click("#take")
    expect(agent.locator("#reply-form")).to_be_visible()
    expect(transcript.locator(".msg.system").last).to_contain_text(f"{AGENT_NAME} from the city has joined")
    expect(chat.locator(".msg.update").last).to_contain_text(f"{AGENT_NAME} from the city has joined")

    # While a person has the chat, the assistant keeps quiet and the agent sees messages arrive live.
    bot_before = chat.locator(BOT).count()
    say(chat, "The lift in my building has been broken for two weeks")
    expect(transcript.locator(".msg.resident").last).to_contain_text("broken for two weeks")
    assert chat.locator(BOT).count() == bot_before, chat.locator(BOT).last.inner_text()

    agent.fill("#reply-form textarea[name=text]", "Sorry to hear that. Which building is it?")
    agent.click("#reply-send")
    expect(transcript.locator(".msg.agent").last).to_contain_text("Which building is it?")
    expect(agent.locator("#reply-form textarea[name=text]")).to_have_value("")
    expect(chat.locator(".msg.update").last).to_contain_text(
        f"{AGENT_NAME} (city staff): Sorry to hear that. Which building is it?")

    say(chat, "Block 7, Riverside Estate")
    expect(transcript.locator(".msg.resident").last).to_contain_text("Block 7, Riverside Estate")
    assert chat.locator(BOT).count() == bot_before

    # The agent ends the chat: the resident is told, and the assistant answers again.
    agent.click("#end-handoff")
    expect(chat.locator(".msg.update").last).to_contain_text(f"{AGENT_NAME} has ended the chat")
    expect(transcript.locator(".msg.system").last).to_contain_text("has ended the chat")
    say(chat, "hello")
    expect(chat.locator(BOT).nth(bot_before)).to_be_visible()
    with database.transaction() as session:
        assert session.get(HandoffRequest, handoff_id).status == "ended"
