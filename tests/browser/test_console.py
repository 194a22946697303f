"""The staff console in a real browser: logging in, who may see what, the case list, and a case update
that reaches the resident on Telegram (through the real jobs process) without its internal note."""

from __future__ import annotations

import random
import re
import time
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import and_, or_, select

from cases.clock import utcnow
from cases.lifecycle import change_status, open_case
from cases.models import Case, Notification
from cases.queries import find_case
from cases.residents import find_resident, get_or_create_resident
from cases.workflow import Actor
from tests.browser.conftest import AGENT, PASSWORD, SUPERVISOR, SUPERVISOR_NAME, login
from tests.city import CITY
from tests.e2e.loop_harness import JPEG, REFERENCE

pytestmark = pytest.mark.browser

WAIT = 30.0  # seconds for a bot turn or a push


def path_of(page: Page) -> str:
    """The path of the page's current URL."""
    return urlparse(page.url).path


# ---- who may see what ---------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_the_login_page(console, new_page):
    page = new_page(console)
    page.goto("/cases")
    assert path_of(page) == "/login"
    expect(page.locator("input[name=username]")).to_be_visible()


def test_wrong_password_is_refused_then_the_right_one_lets_staff_in(console, new_page):
    page = new_page(console)
    page.goto("/login")
    page.fill("input[name=username]", SUPERVISOR)
    page.fill("input[name=password]", PASSWORD + "!")
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert path_of(page) == "/login"
    expect(page.locator("body")).to_contain_text(re.compile(r"incorrect|invalid|wrong|not recogni", re.I))
    expect(page.locator("input[name=password]")).to_have_value("")  # a refused password is not echoed back

    page.fill("input[name=username]", SUPERVISOR)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")
    assert path_of(page) == "/cases"
    expect(page.locator("#filters")).to_be_visible()


def test_an_agent_may_not_manage_staff(console, new_page):
    page = new_page(console)
    login(page, console, AGENT)
    response = page.goto("/staff")
    assert response.status == 403
    assert path_of(page) == "/staff"  # refused where it stands, not bounced to the login page
    expect(page.locator("h1")).to_contain_text(re.compile(r"not allowed|forbidden", re.I))
    expect(page.locator("#staff-form")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(SUPERVISOR_NAME)  # no list of accounts either


# ---- the case list --------------------------------------------------------------------------------


def web_case(database, request_type: str, description: str, *, acknowledged: bool = False) -> str:
    """A case filed by a web chat resident straight into the database (quicker than chatting); its reference."""
    with database.transaction() as session:
        resident = get_or_create_resident(session, channel="web", external_id=f"browser-{random.getrandbits(48)}")
        case = open_case(session, resident=resident, request_type=request_type, description=description,
                         address="1 Test Street", reference_prefix="HY")
        if acknowledged:
            change_status(session, case=case, to_status="acknowledged", actor=Actor.STAFF, actor_name="test", **CITY)
        return case.reference


def test_filtering_the_case_list_by_status_and_type(console, database, new_page):
    wanted = web_case(database, "pothole", "pothole by the school gate")
    acknowledged = web_case(database, "pothole", "pothole by the bakery", acknowledged=True)
    other_type = web_case(database, "streetlight", "lamp out on Elm Road")
    page = new_page(console)
    login(page, console, SUPERVISOR)
    page.goto("/cases")
    expect(page.locator("#status-counts")).to_be_visible()
    listed = set(page.locator("tr.case-row a.case-link").all_inner_texts())
    assert {wanted, acknowledged, other_type} <= {t.strip() for t in listed}

    filters = page.locator("#filters")
    filters.locator("select[name=status]").select_option("submitted")
    filters.locator("select[name=request_type]").select_option("pothole")
    with page.expect_navigation():
        filters.locator("button[type=submit], input[type=submit]").first.click()
    query = page.url.split("?", 1)[-1]
    assert "status=submitted" in query and "request_type=pothole" in query
    references = [t.strip() for t in page.locator("tr.case-row a.case-link").all_inner_texts()]
    assert wanted in references
    assert acknowledged not in references and other_type not in references
    with database.transaction() as session:
        shown = {r: (find_case(session, reference=r).status, find_case(session, reference=r).request_type)
                 for r in references}
    assert set(shown.values()) == {("submitted", "pothole")}, shown
    # The form shows the filters in force.
    expect(filters.locator("select[name=status]")).to_have_value("submitted")
    expect(filters.locator("select[name=request_type]")).to_have_value("pothole")


# ---- a case update, from the console to the resident's Telegram ----------------------------------


def bot_turn(fake, chat: int, push, until) -> list:
    """Push an update to the bot and return its new messages once `until(messages)` holds: the turn's last
    message has arrived (a turn may have several, paced 1 s apart per chat)."""
    before = len(fake.sent_messages(chat))
    push()
    deadline = time.monotonic() + WAIT
    while not until(messages := fake.sent_messages(chat)[before:]):
        assert time.monotonic() < deadline, [m.text for m in messages]
        time.sleep(0.05)
    return messages


def texts(messages) -> str:
    """The text of these messages, lower-cased, as one string."""
    return " ".join(m.text or "" for m in messages).lower()


def nothing_due(database, chat: int) -> bool:
    """No push to this chat's resident is due or being sent: anything queued for it has gone out."""
    with database.transaction() as session:
        resident = find_resident(session, channel="telegram", external_id=str(chat))
        due = or_(Notification.status == "sending",
                  and_(Notification.status == "pending", Notification.next_attempt_at <= utcnow()))
        return session.scalars(select(Notification.id).where(Notification.resident_id == resident.id, due)).first() \
            is None


def payloads(messages) -> list[str]:
    """Every button payload offered in these messages."""
    return [b["callback_data"] for m in messages for row in (m.reply_markup or {}).get("inline_keyboard", [])
            for b in row]


def file_pothole_on_telegram(fake, chat: int) -> str:
    """A resident reports a pothole through the real bot and Rasa (words naming the place, photo, yes)."""
    # The message names the place, so the bot goes straight to the photo.
    bot_turn(fake, chat, lambda: fake.push_text(
        chat, "there's a huge pothole outside 42 Park Lane, nearly lost a wheel in it"),
        until=lambda messages: "photo" in texts(messages))
    summary = bot_turn(fake, chat, lambda: fake.push_photo(chat, JPEG),
                       until=lambda messages: "/affirm" in payloads(messages))
    confirm = [m for m in summary if "/affirm" in payloads([m])][-1]
    done = bot_turn(fake, chat, lambda: fake.push_callback(chat, "/affirm", message_id=confirm.message_id),
                    until=lambda messages: REFERENCE.search(texts(messages).upper()) is not None)
    [reference] = {r for m in done for r in REFERENCE.findall(m.text or "")}
    return reference


def test_status_change_with_a_canned_reply_reaches_the_resident_without_the_internal_note(
        console, bot, jobs, fake_telegram, database, new_page):
    chat = random.randrange(10**9, 2 * 10**9)
    reference = file_pothole_on_telegram(fake_telegram, chat)
    page = new_page(console)
    login(page, console, SUPERVISOR)

    # The supervisor writes a canned reply for potholes being worked on.
    canned_title = f"Crew booked {random.getrandbits(24):06x}"
    canned_text = "A road crew is booked to fill the pothole within five working days."
    page.goto("/canned")
    canned_form = page.locator("#canned-form")
    canned_form.locator("[name=title]").fill(canned_title)
    canned_form.locator("[name=body]").fill(canned_text)
    if canned_form.locator("select[name=request_type]").count():
        canned_form.locator("select[name=request_type]").select_option("pothole")
    if canned_form.locator("select[name=status]").count():
        canned_form.locator("select[name=status]").select_option("in_progress")
    with page.expect_navigation():
        canned_form.locator("button[type=submit], input[type=submit]").first.click()
    expect(page.locator("body")).to_contain_text(canned_title)

    # On the case, one click puts the canned text in the public note.
    page.goto("/cases")
    page.locator("a.case-link", has_text=reference).click()
    expect(page).to_have_url(re.compile(rf"/cases/{reference}$"))
    form = page.locator("#status-form")
    form.locator("select[name=to_status]").select_option("in_progress")
    page.locator(".canned-reply", has_text=canned_title).first.click()
    public_note = form.locator("textarea[name=public_note]")
    expect(public_note).to_have_value(re.compile(re.escape(canned_text)))
    public_note.press("End")
    public_note.type(" Thank you for reporting it.")
    internal_note = "Councillor Wu asked about this one; keep her office posted."
    form.locator("textarea[name=internal_note]").fill(internal_note)
    with page.expect_navigation():
        form.locator("#status-submit").click()

    history = page.locator("#history")
    expect(history).to_contain_text(canned_text)
    expect(history).to_contain_text(internal_note)
    expect(history).to_contain_text(re.compile(r"in[ _]progress", re.I))
    with database.transaction() as session:
        case: Case = find_case(session, reference=reference)
        assert case.status == "in_progress"
        [event] = [e for e in case.events if e.to_status == "in_progress"]
        assert event.public_note == f"{canned_text} Thank you for reporting it."
        assert event.internal_note == internal_note

    # The jobs process pushes the public note to the resident's Telegram chat, never the internal one.
    deadline = time.monotonic() + WAIT
    while not [m for m in fake_telegram.sent_messages(chat) if canned_text in (m.text or "")]:
        assert time.monotonic() < deadline, [m.text for m in fake_telegram.sent_messages(chat)][-3:]
        time.sleep(0.2)
    [push] = [m for m in fake_telegram.sent_messages(chat) if canned_text in (m.text or "")]
    assert reference in push.text and "in progress" in push.text.lower()
    assert "Thank you for reporting it." in push.text
    # Before saying what did not arrive: wait until nothing is left to arrive.
    deadline = time.monotonic() + WAIT
    while not nothing_due(database, chat):
        assert time.monotonic() < deadline, "pushes to the resident still due"
        time.sleep(0.2)
    assert not [m for m in fake_telegram.sent_messages(chat) if "Councillor" in (m.text or "")]
