"""The responsiveness record's page and CSV: the figures, the choice of rows, and no scope wider than one's own."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from cases.models import StaffUser
from tests.reporting.city_month import fill
from tests.web.conftest import add_staff, login

MARCH = {"period": "monthly", "start": "2026-03-01"}


def row_of(page: str, key: str) -> str:
    """The table row of one official, department or area."""
    return page.split(f'data-key="{key}">', 1)[1].split("</tr>", 1)[0]


async def test_the_citys_supervisor_reads_every_official_department_and_area(app, db):
    ids = fill(db)
    add_staff(db, "sup", "supervisor")
    client = await login(app, "sup")
    report = await client.get("/reports", params=MARCH)
    assert 'id="responsiveness-link" href="/reports/responsiveness?period=monthly&amp;start=2026-03-01"' in report.text
    page = await client.get("/reports/responsiveness", params=MARCH)  # per official unless asked otherwise
    assert page.status_code == 200, page.text
    assert "Responsiveness by official · monthly · the whole city" in page.text
    bob = row_of(page.text, str(ids["bob"]))  # figures worked out in tests/reporting/test_responsiveness.py
    assert bob.startswith("<td>Bob</td>")
    for cell in ('"handled">3<', '"received">2<', '"first-response">3.5 h<', '"resolved">3<', '"on-time">33%<',
                 '"reopened">0 (0%)<', '"chased">1<', '"satisfaction">5.0 / 5 (1)<'):
        assert cell in bob, cell
    assert page.text.index(f'data-key="{ids["bob"]}"') < page.text.index(f'data-key="{ids["ann"]}"')
    roads = row_of((await client.get("/reports/responsiveness", params={**MARCH, "by": "department"})).text,
                   "Roads and Highways")
    assert '"first-response">4.0 h<' in roads and '"reopened">1 (50%)<' in roads
    grids = (await client.get("/reports/responsiveness", params={**MARCH, "by": "grid"})).text
    assert '"handled">3<' in row_of(grids, "D01") and '"received">1<' in row_of(grids, "triage")
    download = await client.get("/reports/responsiveness.csv", params={**MARCH, "by": "department"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == \
        'attachment; filename="huiyin-responsiveness-department-monthly-2026-03-01-city.csv"'
    assert [row[1] for row in csv.reader(io.StringIO(download.text))] == ["key", "Roads and Highways", "Sanitation"]


async def test_an_areas_and_a_departments_supervisors_see_only_their_own(app, db):
    ids = fill(db)
    add_staff(db, "comm", "supervisor")
    add_staff(db, "sanit", "supervisor", "Sanitation")
    with db.transaction() as s:
        s.scalar(select(StaffUser).where(StaffUser.username == "comm")).area_code = "D01-S01-C02"
    comm = await login(app, "comm")
    grids = await comm.get("/reports/responsiveness", params={**MARCH, "by": "grid"})
    assert grids.status_code == 200
    assert grids.text.count("data-key=") == 3 and 'data-key="D01"' not in grids.text
    assert '"handled">2<' in row_of(grids.text, "D01-S01-C02-G06")
    for wider in ("D01-S01", "D02", "triage"):
        refused = await comm.get("/reports/responsiveness", params={**MARCH, "area": wider})
        assert refused.status_code == 403 and "You may see your own area&#39;s report only." in refused.text
    sanit = await login(app, "sanit")
    officials = await sanit.get("/reports/responsiveness", params=MARCH)
    assert "Responsiveness by official · monthly · Sanitation" in officials.text
    assert f'data-key="{ids["bob"]}"' in officials.text and f'data-key="{ids["ann"]}"' not in officials.text
    refused = await sanit.get("/reports/responsiveness.csv", params={**MARCH, "department": "Roads and Highways"})
    assert refused.status_code == 403 and "your own department" in refused.text
    assert (await sanit.get("/reports/responsiveness", params={**MARCH, "by": "everyone"})).status_code == 400
    add_staff(db, "agent", "agent", "Sanitation")
    assert (await (await login(app, "agent")).get("/reports/responsiveness", params=MARCH)).status_code == 403
