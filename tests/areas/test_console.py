"""The console lists cases by grid and area, shows a case's grid, and shows an area's people only their area."""

from __future__ import annotations

import re

from sqlalchemy import select

from cases.models import Case, StaffUser
from tests.web.conftest import add_staff, login, new_case

SQUARE = {"latitude": 31.2304, "longitude": 121.4737}  # grid D01-S01-C02-G06
NEXT_DOOR = {"latitude": 31.2255, "longitude": 121.4655}  # D01-S01-C02-G05, same community
OTHER_DISTRICT = {"latitude": 31.2404, "longitude": 121.4937}  # D02-S02-C01-G02


def references(page) -> list[str]:
    assert page.status_code == 200, page.text
    return re.findall(r'<a class="case-link" href="/cases/[^"]+">([^<]+)</a>', page.text)


def place(db, username, area):
    with db.transaction() as s:
        s.scalar(select(StaffUser).where(StaffUser.username == username)).area_code = area


def file_three(db):
    return (new_case(db, request_type="garbage", external_id="1", address=None, **SQUARE),
            new_case(db, request_type="noise", external_id="2", address=None, **NEXT_DOOR),
            new_case(db, request_type="garbage", external_id="3", address=None, **OTHER_DISTRICT),
            new_case(db, request_type="garbage", external_id="4", address="1 Nowhere Street"))


async def test_the_list_filters_by_grid_and_by_area(app, db):
    add_staff(db, "ann", "agent", "Sanitation")
    square, next_door, other, nowhere = file_three(db)
    ann = await login(app, "ann")
    assert sorted(references(await ann.get("/cases"))) == sorted([square, next_door, other, nowhere])
    assert references(await ann.get("/cases", params={"area": "D01-S01-C02-G06"})) == [square]
    assert sorted(references(await ann.get("/cases", params={"area": "D01-S01-C02"}))) == sorted([square, next_door])
    assert references(await ann.get("/cases", params={"area": "D02"})) == [other]
    assert references(await ann.get("/cases", params={"area": "triage"})) == [nowhere]
    # an unknown area is ignored, not an error
    assert len(references(await ann.get("/cases", params={"area": "<script>"}))) == 4
    page = await ann.get(f"/cases/{square}")
    assert "Grid 6 (D01-S01-C02-G06), Jing&#39;an Temple Community 2, Jing&#39;an Temple, Jing&#39;an" in page.text
    assert "the supervisors of Jing&#39;an Temple (D01-S01)" in page.text  # its ladder
    assert "triage desk" in (await ann.get(f"/cases/{nowhere}")).text


async def test_an_areas_people_see_only_their_area(app, db):
    add_staff(db, "gridw", "agent")
    add_staff(db, "comm", "supervisor")
    add_staff(db, "dora", "supervisor", "Sanitation")
    place(db, "gridw", "D01-S01-C02-G06")
    place(db, "comm", "D01-S01-C02")
    square, next_door, other, nowhere = file_three(db)
    worker = await login(app, "gridw")
    assert references(await worker.get("/cases")) == [square]
    assert references(await worker.get("/cases", params={"area": "D02"})) == []  # filters narrow, never widen
    community = await login(app, "comm")
    page = await community.get("/cases")
    assert sorted(references(page)) == sorted([square, next_door]) and 'id="scope"' in page.text
    # department staff keep seeing every case
    department = await login(app, "dora")
    assert sorted(references(await department.get("/cases"))) == sorted([square, next_door, other, nowhere])


async def test_an_areas_people_open_and_act_on_only_their_areas_cases_and_those_given_to_them(app, db):
    add_staff(db, "gridw", "agent")
    add_staff(db, "ann", "agent", "Sanitation")
    place(db, "gridw", "D01-S01-C02-G06")
    square, next_door, other, nowhere = file_three(db)
    worker = await login(app, "gridw")
    assert (await worker.get(f"/cases/{square}")).status_code == 200
    for reference in (next_door, other, nowhere):
        assert (await worker.get(f"/cases/{reference}")).status_code == 404, reference
        refused = await worker.post(f"/cases/{reference}/status", data={
            "csrf_token": worker.csrf, "to_status": "acknowledged", "public_note": "on it"})
        assert refused.status_code == 404, reference
    with db.transaction() as s:
        statuses = {c.reference: c.status for c in s.scalars(select(Case))}
    assert statuses[other] == "submitted"  # nothing changed
    # A case outside the area that a colleague gives the worker by name is theirs to see.
    ann = await login(app, "ann")
    page = await ann.get(f"/cases/{other}")
    worker_id = db_id(db, "gridw")
    moved = await ann.post(f"/cases/{other}/assign", data={"csrf_token": ann.csrf, "department": "",
                                                           "assignee_id": str(worker_id)})
    assert moved.status_code in (200, 303) and page.status_code == 200
    assert (await worker.get(f"/cases/{other}")).status_code == 200


def db_id(db, username) -> int:
    with db.transaction() as s:
        return s.scalar(select(StaffUser.id).where(StaffUser.username == username))
