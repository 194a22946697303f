"""The public board in real Chromium, English and Chinese, with the map's offline fallback (there is no
internet here, so OpenStreetMap's tiles never load), and the moderation step in the console."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cases.clock import utcnow
from cases.lifecycle import change_status, open_case
from cases.queries import find_case
from cases.residents import get_or_create_resident
from cases.workflow import Actor
from tests.browser.conftest import AGENT, login
from tests.city import CITY
from tests.e2e.loop_harness import JPEG

pytestmark = pytest.mark.browser


def filed(database, media_dir, *, lat: float, lon: float, description: str, note: str | None = None) -> str:
    (media_dir / "board").mkdir(parents=True, exist_ok=True)
    (media_dir / "board" / "hole.jpg").write_bytes(JPEG)
    with database.transaction() as session:
        resident = get_or_create_resident(session, channel="telegram", external_id="777001", display_name="Lin Wei")
        case = open_case(session, resident=resident, request_type="pothole", description=description,
                         latitude=lat, longitude=lon, photos=["board/hole.jpg"], now=utcnow(), reference_prefix="HY")
        if note:
            change_status(session, case=case, to_status="in_progress", actor=Actor.STAFF, public_note=note, **CITY)
        return case.reference


def test_the_board_map_falls_back_offline_and_a_case_page_opens_in_both_languages(public_site, stack, database,
                                                                                   new_page):
    # Places of their own: the other browser tests' cases share this database and the map.
    first = filed(database, stack.media_dir, lat=31.3171, lon=121.3923, description="Deep hole, ring Lin 139",
                  note="Crew booked for Monday.")
    second = filed(database, stack.media_dir, lat=31.3371, lon=121.4123, description="Another hole")
    page = new_page(public_site)
    page.goto("/board?lang=en")
    expect(page.locator("h1")).to_have_text("Every matter gets a reply")
    expect(page.locator(f'tr[data-reference="{first}"]')).to_be_visible()
    expect(page.locator(".map .offline")).to_be_visible()  # no tiles here: the plain grid and a word about it
    expect(page.locator(f'.map .marker[data-reference="{second}"]')).to_be_visible()
    assert page.locator(".map .marker").count() >= 2
    # A click event on the point itself: another case's point may lie on top of it, as on any map.
    with page.expect_navigation():
        page.locator(f'.map .marker[data-reference="{first}"]').dispatch_event("click")
    expect(page.locator("#reference")).to_contain_text(first)
    expect(page.locator("#history")).to_contain_text("Crew booked for Monday.")
    assert "Lin" not in page.inner_text("body") and page.locator("#description").count() == 0
    page.locator("#language").click()
    expect(page.locator("#history")).to_contain_text("处理中")
    expect(page.locator("#type")).to_have_text("道路坑洼或破损")


def test_staff_approve_a_redacted_description_and_a_photo_and_the_board_shows_them(public_site, console, stack,
                                                                                    database, new_page):
    reference = filed(database, stack.media_dir, lat=31.2961, lon=121.5517,
                      description="Hole by flat 9, call 13911112222")
    staff_page = new_page(console)
    login(staff_page, console, AGENT)
    # The console's case list shows the same map, its points leading to the staff's case page.
    staff_page.goto(f"{console}/cases?status=submitted")
    expect(staff_page.locator("#case-map .offline")).to_be_visible()
    with staff_page.expect_navigation():
        staff_page.locator(f'#case-map .marker[data-reference="{reference}"]').dispatch_event("click")
    assert staff_page.url.endswith(f"/cases/{reference}")
    expect(staff_page.locator("#publication-state")).to_contain_text("Not reviewed")
    staff_page.fill("#publication-form textarea[name=public_description]", "Hole by the school gate")
    staff_page.check("#publication-form input[name=photo]")
    with staff_page.expect_navigation():
        staff_page.click("#publication-approve")
    expect(staff_page.locator("#publication-state")).to_contain_text("Approved")
    board = new_page(public_site)
    board.goto(f"/board/cases/{reference}?lang=zh")
    expect(board.locator("#description")).to_have_text("Hole by the school gate")
    photo = board.locator(".photos img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") > 0  # the approved photo is served
    assert "13911112222" not in board.content()
    with database.transaction() as session:
        assert find_case(session, reference=reference).photos[0].public
