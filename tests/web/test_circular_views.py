"""The circular's PDF download: the report page's scopes and permissions, the staff member's language, and polite
refusals of periods and places that do not exist."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from cases.models import StaffUser
from tests.reporting.city_month import fill
from tests.web.conftest import add_staff, login

MARCH = {"period": "monthly", "start": "2026-03-01"}


def text_of(response) -> str:
    """The downloaded PDF's text, words joined by single spaces."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf" and response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def set_staff(db, username: str, **values) -> None:
    with db.transaction() as s:
        member = s.scalar(select(StaffUser).where(StaffUser.username == username))
        for name, value in values.items():
            setattr(member, name, value)


async def test_a_supervisor_downloads_the_months_circular_from_the_report_page(app, db):
    fill(db)
    add_staff(db, "sup", "supervisor")
    client = await login(app, "sup")
    page = await client.get("/reports", params=MARCH)
    assert 'id="circular-link" href="/reports/circular.pdf?period=monthly&amp;start=2026-03-01"' in page.text
    response = await client.get("/reports/circular.pdf", params=MARCH)
    assert response.headers["content-disposition"] == \
        'attachment; filename="huiyin-circular-monthly-2026-03-01-city-en.pdf"'
    assert response.headers["cache-control"] == "no-store"
    text = text_of(response)
    assert "Circular on the handling of city cases, March 2026" in text
    assert "Received in the period: 4; resolved: 4, of which on time: 50.0%" in text  # tests/reporting
    assert "Bob 3 2 3.5 h 3 33.3% 0.0% 1 5.0 / 5" in text and "to improve: Bob." in text
    # Without a period the circular is the month's (the report page's default is the week).
    moved = await client.get("/reports/circular.pdf", params={"start": "2026-03-01"})
    assert moved.status_code == 303 and moved.headers["location"] == \
        "/reports/circular.pdf?start=2026-03-01&period=monthly"
    moved = await client.get("/reports/circular.pdf", params={"period": "", "start": "2026-03-01"})
    assert moved.headers["location"] == "/reports/circular.pdf?period=monthly&start=2026-03-01"


async def test_the_circular_is_in_the_staff_members_language_unless_asked_otherwise(app, db):
    fill(db)
    add_staff(db, "zhang", "supervisor")
    set_staff(db, "zhang", language="zh")
    client = await login(app, "zhang")
    response = await client.get("/reports/circular.pdf", params=MARCH)
    assert response.headers["content-disposition"].endswith('-city-zh.pdf"')
    text = "".join(text_of(response).split())
    assert "关于2026年3月城市事件办理情况的通报" in text and "按期办结率50.0%" in text
    english = await client.get("/reports/circular.pdf", params={**MARCH, "language": "en"})  # to forward
    assert "Circular on the handling of city cases, March 2026" in text_of(english)


async def test_a_department_or_area_supervisor_gets_their_own_scope_only(app, db):
    fill(db)
    add_staff(db, "sanit", "supervisor", "Sanitation")
    sanit = await login(app, "sanit")
    response = await sanit.get("/reports/circular.pdf", params=MARCH)  # no department asked: their own
    assert response.headers["content-disposition"].endswith('-2026-03-01-sanitation-en.pdf"')
    text = text_of(response)
    assert "Scope: Sanitation" in text and "Bob 2 1 1.0 h 2 50.0% 0.0% 0 5.0 / 5" in text
    assert "Ann" not in text and "Roads and Highways" not in text
    refused = await sanit.get("/reports/circular.pdf", params={**MARCH, "department": "Roads and Highways"})
    assert refused.status_code == 403 and "your own department" in refused.text
    add_staff(db, "comm", "supervisor")
    set_staff(db, "comm", area_code="D01-S01-C02")
    comm = await login(app, "comm")
    text = text_of(await comm.get("/reports/circular.pdf", params=MARCH))
    assert "(D01-S01-C02)" in text and "Huangpu" not in text  # A, B, D's community; C is in the other district
    refused = await comm.get("/reports/circular.pdf", params={**MARCH, "area": "D02"})
    assert refused.status_code == 403 and "your own area" in refused.text


async def test_agents_are_refused_and_bad_requests_answered_politely(app, db):
    add_staff(db, "agent", "agent", "Sanitation")
    agent = await login(app, "agent")
    assert (await agent.get("/reports", params=MARCH)).status_code == 403  # as the report page
    assert (await agent.get("/reports/circular.pdf", params=MARCH)).status_code == 403
    add_staff(db, "sup", "supervisor")
    client = await login(app, "sup")
    bad_month = await client.get("/reports/circular.pdf", params={**MARCH, "start": "2026-13-01"})
    assert bad_month.status_code == 400 and bad_month.headers["content-type"].startswith("text/html")
    assert "The start date is not a date (use YYYY-MM-DD)." in bad_month.text
    for params in ({"period": "yearly"}, {**MARCH, "start": "0001-01-01"}, {**MARCH, "area": "nowhere"},
                   {**MARCH, "department": "Atlantis"}):
        assert (await client.get("/reports/circular.pdf", params=params)).status_code == 400, params
    assert (await client.get("/reports/circular.pdf/2026-03")).status_code == 404
