"""The public board: recent cases, a case's public page, moderation, figures from the reports' code."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select

from cases import lifecycle, publication, queries
from cases.models import StaffUser
from cases.reporting.figures import build_report, previous_period
from cases.residents import get_or_create_resident
from cases.staff import accounts
from cases.workflow import Actor
from tests.city import CITY, make_settings
from web.open311.app import create_app

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def media(tmp_path):
    (tmp_path / "media" / "telegram").mkdir(parents=True)
    (tmp_path / "media" / "telegram" / "a.png").write_bytes(PNG)
    return tmp_path / "media"


@pytest.fixture
def client(db, media):
    app = create_app(settings=make_settings(database_url=db.url, media_dir=media, timezone="Asia/Shanghai"), db=db)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def file_case(db, *, kind="pothole", days_ago=1, lat=None, lon=None, allowed=True, note=None) -> str:
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="telegram", external_id="8613800000000",
                                          display_name="Wen Li")
        case = lifecycle.open_case(session, resident=resident, request_type=kind, address="3 Elm Road",
                                   latitude=lat, longitude=lon if lat is not None else None,
                                   description="Hole outside flat 4, call Wen on 13800000000",
                                   photos=["telegram/a.png"], now=datetime.now(timezone.utc) - timedelta(days=days_ago),
                                   answers={"condition": "dead"} if kind == "animal" else None, reference_prefix="HY")
        case.publish_allowed = allowed
        if note:
            lifecycle.change_status(session, case=case, to_status="in_progress", actor=Actor.STAFF, public_note=note,
                                    internal_note="crew 7 only", **CITY)
        return case.reference


def staff(session):
    return accounts.create_staff(session, username="amy", password="correct horse battery", role="agent",
                                 display_name="Amy", department="Roads and Highways")


async def test_the_board_lists_recent_cases_in_both_languages_without_personal_data(client, db):
    older = file_case(db, days_ago=3, lat=31.23, lon=121.47, note="A crew is booked.")
    newer = file_case(db, kind="graffiti", days_ago=0)
    page = await client.get("/board?lang=en")
    assert page.status_code == 200 and "tile.openstreetmap.org" in page.headers["content-security-policy"]
    assert re.findall(r'data-reference="(HY-[\d-]+)"', page.text.split('id="cases"')[1]) == [newer, older]
    assert "in progress" in page.text and "3 days ago" in page.text and "today" in page.text
    assert '&#34;lat&#34;: 31.23' in page.text  # the map's points, escaped into the attribute
    zh = await client.get("/board", headers={"accept-language": "zh-CN,zh;q=0.9"})
    assert "事事有回音" in zh.text and "涂鸦与破坏公物" in zh.text
    for text in (page.text, zh.text):
        for secret in ("Wen", "13800000000", "8613800000000", "flat 4", "crew 7"):
            assert secret not in text
    closed_only = await client.get("/board?status=closed")
    assert newer not in closed_only.text


async def test_a_cases_page_shows_the_public_history_and_only_approved_words_and_photos(client, db):
    reference = file_case(db, note="A crew is booked.")
    page = await client.get(f"/board/cases/{reference}")
    assert page.status_code == 200
    assert "A crew is booked." in page.text and "crew 7" not in page.text
    assert 'id="description"' not in page.text and "/board/photos/" not in page.text
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        photo_id = case.photos[0].id
    assert (await client.get(f"/board/photos/{photo_id}")).status_code == 404  # not approved
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        publication.approve(session, case=case, staff=staff(session), description="Deep hole outside 3 Elm Road",
                            photo_ids=[photo_id])
    page = await client.get(f"/board/cases/{reference}?lang=zh")
    assert "Deep hole outside 3 Elm Road" in page.text and "flat 4" not in page.text
    assert f"/board/photos/{photo_id}" in page.text and "办理进度" in page.text
    served = await client.get(f"/board/photos/{photo_id}")
    assert served.status_code == 200 and served.content == PNG
    with db.transaction() as session:
        publication.keep_private(session, case=queries.find_case(session, reference=reference), staff=staff_of(session))
    page = await client.get(f"/board/cases/{reference}")
    assert "Deep hole" not in page.text and (await client.get(f"/board/photos/{photo_id}")).status_code == 404
    assert (await client.get("/board/cases/HY-1999-00001")).status_code == 404


def staff_of(session):
    return session.scalar(select(StaffUser).where(StaffUser.username == "amy"))


def test_a_resident_who_said_no_is_never_published(db):
    reference = file_case(db, allowed=False)
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        with pytest.raises(publication.NotPublishable):
            publication.approve(session, case=case, staff=staff(session))
        assert publication.public_description(case) is None


async def test_figures_are_the_supervisors_report_figures(client, db):
    now = datetime.now(timezone.utc)
    start, _ = previous_period("monthly", now.date())
    for days in range(2):
        file_case(db, days_ago=(now.date() - start).days - days)
    page = await client.get("/board/figures?period=monthly")
    assert page.status_code == 200
    with db.transaction() as session:
        start, end = previous_period("monthly", now.astimezone(timezone(timedelta(hours=8))).date())
        city = build_report(session, period="monthly", start=start, end=end, timezone="Asia/Shanghai")
        roads = build_report(session, period="monthly", start=start, end=end, department="Roads and Highways",
                             timezone="Asia/Shanghai")
    row = page.text.split('class="city"')[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", row)[:2] == [str(city.received), str(city.resolved)]
    roads_row = page.text.split('data-department="Roads and Highways"')[1].split("</tr>")[0]
    assert re.findall(r"<td>([^<]*)</td>", roads_row)[0] == str(roads.received)
    assert "市政道路管理处" in (await client.get("/board/figures?lang=zh&period=weekly")).text
