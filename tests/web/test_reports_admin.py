"""Reports, alerts and staff administration in the console."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from cases import lifecycle, queries
from cases.models import StaffAlert, StaffSession, StaffUser
from cases.staff import alerts
from cases.workflow import Actor
from tests.city import CITY
from tests.web.conftest import add_staff, login, new_case

# Wednesday 4 March 2026, 10:00 in Shanghai: in the week starting Monday 2 March.
MONDAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)


async def test_report_page_renders_figures_and_charts(app, db):
    add_staff(db, "cici", "supervisor")
    for day, request_type in ((0, "pothole"), (2, "pothole"), (2, "noise")):
        new_case(db, request_type=request_type, external_id=str(day), now=MONDAY + timedelta(days=day))
    with db.transaction() as session:
        case = queries.find_case(session, reference="HY-2026-00001")
        lifecycle.change_status(session, case=case, to_status="resolved", actor=Actor.STAFF, actor_name="x",
                              now=MONDAY + timedelta(days=1), **CITY)
    client = await login(app, "cici")
    page = await client.get("/reports?period=weekly&start=2026-03-04&department=")
    assert page.status_code == 200
    assert "From 2026-03-02 to 2026-03-09" in page.text  # the week containing the 4th
    metrics = page.text.split('id="metrics"', 1)[1].split("</table>", 1)[0]
    assert "<th>Received</th><td>3</td>" in metrics and "<th>Resolved</th><td>1</td>" in metrics
    daily = page.text.split('id="chart-daily"', 1)[1].split("</figure>", 1)[0]
    assert daily.count('<rect class="bar"') == 7 and "<svg" in daily
    assert re.search(r"<title>04: 2</title>", daily)  # two cases on Wednesday the 4th
    by_type = page.text.split('id="by-type"', 1)[1].split("</table>", 1)[0]
    assert "<td>Pothole or damaged road</td><td>2</td><td>1</td>" in by_type
    assert 'href="/reports.csv?period=weekly&amp;start=2026-03-02"' in page.text
    roads = await client.get("/reports?period=monthly&start=2026-03-01&department=Roads+and+Highways")
    assert "Monthly report · Roads and Highways" in roads.text
    assert "<th>Received</th><td>2</td>" in roads.text
    assert (await client.get("/reports?period=yearly")).status_code == 400
    assert (await client.get("/reports?period=weekly&start=yesterday")).status_code == 400
    assert (await client.get("/reports?period=weekly&department=Atlantis")).status_code == 400
    assert (await client.get("/reports")).status_code == 200  # defaults: last complete week, whole city


async def test_report_csv_download(app, db):
    add_staff(db, "root", "admin")
    new_case(db, now=MONDAY)
    client = await login(app, "root")
    response = await client.get("/reports.csv?period=weekly&start=2026-03-02&department=Roads+and+Highways")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == \
        'attachment; filename="huiyin-weekly-2026-03-02-roads-and-highways.csv"'
    rows = list(csv.reader(io.StringIO(response.text)))
    assert ["summary", "received", "1"] in rows and ["summary", "department", "Roads and Highways"] in rows


async def test_alerts_page_shows_mine_and_marks_read(app, db):
    ann = add_staff(db, "ann", "agent", "Roads and Highways")
    add_staff(db, "bob", "agent", "Sanitation")
    reference = new_case(db)
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        me = session.get(StaffUser, ann)
        alerts.alert(session, key="a1", kind="chase", text="Chased by the resident", case=case, staff=me)
        alerts.alert(session, key="a2", kind="escalation", text="Roads agents: late case", role="agent",
                      department="Roads and Highways")
        alerts.alert(session, key="a3", kind="escalation", text="Sanitation only", role="agent",
                      department="Sanitation")
        alerts.alert(session, key="a4", kind="long_wait", text="For supervisors", role="supervisor")
    client = await login(app, "ann")
    page = await client.get("/alerts")
    assert "Chased by the resident" in page.text and "Roads agents: late case" in page.text
    assert "Sanitation only" not in page.text and "For supervisors" not in page.text
    assert f'href="/cases/{reference}"' in page.text
    assert '<span class="badge" id="unread-alerts">2</span>' in page.text
    with db.transaction() as session:
        first = session.scalar(select(StaffAlert.id).where(StaffAlert.key == "a1"))
        theirs = session.scalar(select(StaffAlert.id).where(StaffAlert.key == "a3"))
    await client.post(f"/alerts/{first}/read", data={"csrf_token": client.csrf})
    assert '<span class="badge" id="unread-alerts">1</span>' in (await client.get("/alerts")).text
    refused = await client.post(f"/alerts/{theirs}/read", data={"csrf_token": client.csrf})
    assert "no such alert" in (await client.get(refused.headers["location"])).text
    await client.post("/alerts/all/read", data={"csrf_token": client.csrf})
    assert 'id="unread-alerts"' not in (await client.get("/alerts")).text
    with db.transaction() as session:
        assert session.scalar(select(StaffAlert).where(StaffAlert.key == "a3")).read_at is None


async def test_admin_creates_resets_and_disables_accounts(app, db):
    add_staff(db, "root", "admin")
    client = await login(app, "root")
    created = await client.post("/staff", data={"csrf_token": client.csrf, "username": "dora",
                                                "display_name": "Dora Wu", "password": "first password",
                                                "role": "supervisor", "department": "Sanitation",
                                                "telegram_chat_id": "777"})
    assert "Account created." in (await client.get(created.headers["location"])).text
    bad = await client.post("/staff", data={"csrf_token": client.csrf, "username": "x", "password": "short",
                                            "role": "agent"})
    assert "Not done" in (await client.get(bad.headers["location"])).text
    dora = await login(app, "dora", "first password")
    with db.transaction() as session:
        dora_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "dora"))
        root_id = session.scalar(select(StaffUser.id).where(StaffUser.username == "root"))
    await client.post(f"/staff/{dora_id}/password", data={"csrf_token": client.csrf, "password": "second password"})
    assert (await dora.get("/cases")).status_code == 303  # logged out by the reset
    dora = await login(app, "dora", "second password")
    own = await client.post(f"/staff/{root_id}/disable", data={"csrf_token": client.csrf})
    assert "cannot disable your own account" in (await client.get(own.headers["location"])).text
    await client.post(f"/staff/{dora_id}/disable", data={"csrf_token": client.csrf})
    assert (await dora.get("/cases")).status_code == 303
    with db.transaction() as session:
        assert session.get(StaffUser, dora_id).active is False
        assert session.scalar(select(StaffSession).where(StaffSession.staff_id == dora_id)) is None
