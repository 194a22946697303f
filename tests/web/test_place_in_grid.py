"""The case page's "Place in grid": shown on open cases, posted like the other actions, refusals said politely, an
area's people limited to their area's grids."""

from __future__ import annotations

import re

from sqlalchemy import select

from cases import lifecycle, queries
from cases.models import Case, CaseEvent, Notification, StaffAlert, StaffUser
from tests.city import CITY
from tests.web.conftest import add_staff, login, new_case

GRID = "D01-S01-C02-G06"
NEXT_DOOR = "D01-S01-C02-G05"
ELSEWHERE = "D02-S02-C01-G02"
SQUARE = {"latitude": 31.2304, "longitude": 121.4737, "address": None}  # in GRID


def set_area(db, username, area):
    with db.transaction() as s:
        s.scalar(select(StaffUser).where(StaffUser.username == username)).area_code = area


def grid_of(db, reference):
    with db.transaction() as s:
        return queries.find_case(s, reference=reference).grid_code


def grid_options(page) -> list[str]:
    """The grid codes the page's "Place in grid" form offers (none if it has no such form)."""
    assert page.status_code == 200, page.text
    form = page.text.split('id="grid-form"', 1)[1].split("</form>", 1)[0] if 'id="grid-form"' in page.text else ""
    return re.findall(r'<option value="([^"]+)">', form)


async def place(client, reference, grid_code, note=""):
    """Post the form, then read the page it sends the browser back to."""
    posted = await client.post(f"/cases/{reference}/grid", data={"csrf_token": client.csrf, "grid_code": grid_code,
                                                                 "internal_note": note})
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/cases/{reference}"
    return await client.get(posted.headers["location"])


async def test_a_triage_case_is_placed_in_a_grid_from_its_page(app, db):
    add_staff(db, "tri", "agent", "Triage Desk")
    add_staff(db, "gridw", "agent")
    set_area(db, "gridw", GRID)
    nowhere = new_case(db, request_type="garbage", address="1 Nowhere Street")
    desk = await login(app, "tri")
    page = await desk.get(f"/cases/{nowhere}")
    assert "triage desk (in no grid)" in page.text
    offered = grid_options(page)
    assert GRID in offered and ELSEWHERE in offered and "D01-S01-C02" not in offered
    assert (f'<option value="{GRID}">Jing&#39;an › Jing&#39;an Temple › Jing&#39;an Temple Community 2 › '
            f'Grid 6 ({GRID})</option>') in page.text
    after = await place(desk, nowhere, GRID, "the photo shows the square")
    assert f"Placed in grid Grid 6 ({GRID}); the resident is not told." in after.text
    assert f"Grid 6 ({GRID}), Jing&#39;an Temple Community 2" in after.text.split('id="case-grid"', 1)[1][:200]
    assert "the photo shows the square" in after.text
    assert GRID not in grid_options(after)  # it is there now
    with db.transaction() as s:
        case = queries.find_case(s, reference=nowhere)
        assert case.grid_code == GRID
        assert s.scalar(select(StaffAlert.area_code).where(StaffAlert.kind == "placed")) == GRID
        assert s.scalars(select(Notification).where(Notification.resident_id == case.resident_id)).all() == []
    worker = await login(app, "gridw")  # the grid worker now sees it, and the alert
    assert (await worker.get(f"/cases/{nowhere}")).status_code == 200
    assert f"was placed in grid Grid 6 ({GRID}) by tri" in (await worker.get("/alerts")).text


async def test_a_refused_grid_is_said_politely_and_changes_nothing(app, db):
    add_staff(db, "tri", "agent", "Triage Desk")
    nowhere = new_case(db, request_type="garbage", address="1 Nowhere Street")
    desk = await login(app, "tri")
    for code, said in [("D01-S01-C02", "Not done: There is no grid D01-S01-C02 (it is a community)."),
                       ("<b>x</b>", "Not done: There is no grid &lt;b&gt;x&lt;/b&gt;."),
                       ("", "Not done: There is no grid (none chosen).")]:
        page = await place(desk, nowhere, code)
        assert said in page.text and "Traceback" not in page.text
    assert grid_of(db, nowhere) is None
    with db.transaction() as s:
        assert s.scalars(select(CaseEvent).join(Case).where(Case.reference == nowhere)).all()[1:] == []
    # without the session's CSRF token nothing is even tried
    forged = await desk.post(f"/cases/{nowhere}/grid", data={"grid_code": GRID})
    assert forged.status_code == 403 and grid_of(db, nowhere) is None


async def test_a_closed_case_has_no_form_and_cannot_be_placed(app, db):
    add_staff(db, "tri", "agent", "Triage Desk")
    nowhere = new_case(db, request_type="garbage", address="1 Nowhere Street")
    with db.transaction() as s:
        lifecycle.change_status(s, case=queries.find_case(s, reference=nowhere), to_status="rejected",
                                actor="staff", actor_name="x", **CITY)
    desk = await login(app, "tri")
    page = await desk.get(f"/cases/{nowhere}")
    assert 'id="grid-form"' not in page.text
    assert "is closed: a closed case stays where it is" in (await place(desk, nowhere, GRID)).text
    assert grid_of(db, nowhere) is None


async def test_an_areas_person_places_only_in_their_areas_grids(app, db):
    add_staff(db, "comm", "supervisor")
    set_area(db, "comm", "D01-S01-C02")
    square = new_case(db, request_type="garbage", **SQUARE)
    community = await login(app, "comm")
    offered = grid_options(await community.get(f"/cases/{square}"))
    assert offered == [f"D01-S01-C02-G0{n}" for n in range(1, 6)]  # their community's other grids
    refused = await place(community, square, ELSEWHERE)
    assert "Not done: You may place cases only in the grids of Jing&#39;an Temple Community 2" in refused.text
    assert grid_of(db, square) == GRID
    assert "Placed in grid Grid 5" in (await place(community, square, NEXT_DOOR)).text
    assert grid_of(db, square) == NEXT_DOOR
