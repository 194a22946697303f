"""The case list and the case page, with the actions staff take, against the real database."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from cases import lifecycle, queries
from cases.clock import utcnow
from cases.models import Case, CasePhoto, Notification, StaffUser
from cases.workflow import Actor, Status, next_statuses
from tests.city import CITY
from tests.web.conftest import add_staff, login, new_case


def references(page) -> list[str]:
    assert page.status_code == 200, page.text
    return re.findall(r'<a class="case-link" href="/cases/[^"]+">([^<]+)</a>', page.text)


def counts(page) -> dict[str, int]:
    block = page.text.split('id="status-counts"', 1)[1].split("</ul>", 1)[0]
    return {s: int(n) for s, n in re.findall(r'data-status="(\w+)">.*?<b class="count">(\d+)</b>', block, re.S)}


def _case(db, reference) -> Case:
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        _ = case.events, case.assignee, case.duplicate_of, case.photos
        return case


async def test_list_filters_search_sort_pages_and_counts(app, db):
    add_staff(db, "ann", "agent", "Roads and Highways")
    now = utcnow()
    potholes = [
        new_case(db, external_id=str(i), address=f"{i} Park Lane", now=now - timedelta(hours=30 - i)) for i in range(27)
    ]
    old_lamp = new_case(
        db,
        request_type="streetlight",
        description="Lamp FLICKERS at night",
        address="Acacia Avenue",
        now=now - timedelta(days=10),
    )
    with db.transaction() as session:
        lifecycle.change_status(
            session,
            case=queries.find_case(session, reference=potholes[0]),
            to_status="in_progress",
            actor=Actor.STAFF,
            actor_name="x",
            **CITY,
        )
    client = await login(app, "ann")

    first = await client.get("/cases")
    assert len(references(first)) == 25
    assert references(first)[0] == old_lamp  # due date first: the lamp was due days ago
    assert "page 1 of 2" in first.text
    second = await client.get("/cases?page=2")
    assert len(references(second)) == 3
    assert counts(first)["submitted"] == 27 and counts(first)["in_progress"] == 1 and counts(first)["resolved"] == 0

    newest = references(await client.get("/cases?sort=newest"))
    assert newest[0] == potholes[-1] and old_lamp not in newest

    typed = await client.get("/cases?request_type=streetlight")
    assert references(typed) == [old_lamp]
    assert counts(typed)["submitted"] == 1  # counts follow the other filters
    assert references(await client.get("/cases?department=Street+Lighting")) == [old_lamp]
    assert references(await client.get("/cases?overdue=1")) == [old_lamp]
    assert references(await client.get("/cases?q=flickers")) == [old_lamp]  # any case, description
    assert references(await client.get("/cases?q=acacia")) == [old_lamp]  # address
    assert references(await client.get(f"/cases?q={potholes[3].lower()}")) == [potholes[3]]  # reference
    assert references(await client.get("/cases?q=100%25")) == []  # a literal %, not a wildcard
    assert references(await client.get("/cases?status=in_progress")) == [potholes[0]]
    assert references(await client.get("/cases?status=bogus&page=x")) != []  # nonsense ignored, not an error

    filtered = await client.get("/cases?request_type=pothole&sort=newest")
    assert 'href="/cases?request_type=pothole&amp;sort=newest&amp;page=2"' in filtered.text  # page links keep filters
    assert len(references(await client.get("/cases?request_type=pothole&sort=newest&page=2"))) == 2


async def test_assigned_to_me_filter(app, db):
    ann = add_staff(db, "ann", "agent", "Roads and Highways")
    mine, other = new_case(db), new_case(db, external_id="2")
    client = await login(app, "ann")
    response = await client.post(
        f"/cases/{mine}/assign",
        data={
            "csrf_token": client.csrf,
            "department": "Roads and Highways",
            "assignee_id": str(ann),
            "internal_note": "yours",
        },
    )
    assert response.status_code == 303
    assert references(await client.get("/cases?mine=1")) == [mine]
    case = _case(db, mine)
    assert case.assignee_id == ann and case.events[-1].kind == "assignment"
    assert "yours" in case.events[-1].internal_note
    assert other in references(await client.get("/cases"))


async def test_case_page_shows_everything_staff_need(app, db, console_settings):
    add_staff(db, "ann", "agent")
    reference = new_case(
        db, latitude=31.2304, longitude=121.4737, address=None, description="Crater, there since Tuesday"
    )
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        lifecycle.change_status(
            session,
            case=case,
            to_status="acknowledged",
            actor=Actor.STAFF,
            actor_name="Bo",
            public_note="Seen it",
            internal_note="crew 7 only",
            **CITY,
        )
    client = await login(app, "ann")
    page = await client.get(f"/cases/{reference.lower()}")
    assert page.status_code == 200
    assert "Crater" in page.text and "telegram" in page.text and "language en" in page.text
    assert '<dd id="case-lasting">since Tuesday</dd>' in page.text
    assert "https://www.openstreetmap.org/?mlat=31.230400&amp;mlon=121.473700#map=18/31.230400/121.473700" in page.text
    history = page.text.split('id="history"', 1)[1].split("</ol>", 1)[0]
    assert "Seen it" in history and '<span class="tag">internal</span> crew 7 only' in history
    offered = re.findall(r'<option value="(\w+)">', page.text.split('id="status-form"', 1)[1].split("</select>")[0])
    expected = [s.value for s in next_statuses(Status.ACKNOWLEDGED, Actor.STAFF) if s is not Status.DUPLICATE]
    assert offered == expected
    assert (await client.get("/cases/HY-1999-99999")).status_code == 404


async def test_case_page_shows_the_answers_to_the_types_questions(app, db):
    ann = add_staff(db, "ann", "agent")
    reference = new_case(db, request_type="illegal_parking", answers={"blocking": "yes"})
    client = await login(app, "ann")
    answers = (await client.get(f"/cases/{reference}")).text.split('id="case-answers"', 1)[1].split("</dl>", 1)[0]
    assert re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", answers) == [
        ("What is the vehicle&#39;s number plate?", "(not answered)"),
        ("Is it blocking a driveway or an entrance?", "Yes"),
    ]
    # Re-typed since: the answers given for the earlier type are still shown.
    with db.transaction() as session:
        lifecycle.change_request_type(session, case=queries.find_case(session, reference=reference),
                                      request_type="pothole", staff=session.get(StaffUser, ann), **CITY)
    answers = (await client.get(f"/cases/{reference}")).text.split('id="case-answers"', 1)[1].split("</dl>", 1)[0]
    assert re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", answers) == [
        ("Is it blocking a driveway or an entrance?", "Yes")]
    pothole = new_case(db, external_id="101")
    assert 'id="case-answers"' not in (await client.get(f"/cases/{pothole}")).text


async def test_status_change_pushes_the_public_note_only(app, db):
    add_staff(db, "ann", "agent", display_name="Ann Lee")
    reference = new_case(db)
    client = await login(app, "ann")
    response = await client.post(
        f"/cases/{reference}/status",
        data={
            "csrf_token": client.csrf,
            "to_status": "in_progress",
            "public_note": "Crew booked for Tuesday",
            "internal_note": "van 3, ask Li",
        },
    )
    assert response.status_code == 303
    assert "Status changed" in (await client.get(response.headers["location"])).text
    case = _case(db, reference)
    assert case.status == "in_progress"
    event = case.events[-1]
    assert (event.actor, event.actor_name, event.public_note, event.internal_note) == (
        "staff",
        "Ann Lee",
        "Crew booked for Tuesday",
        "van 3, ask Li",
    )
    with db.transaction() as session:
        push = session.scalar(select(Notification).where(Notification.event_id == event.id))
        assert "Crew booked for Tuesday" in push.text and "van 3" not in push.text


async def test_scheduled_needs_a_date_and_is_refused_politely(app, db):
    add_staff(db, "ann", "agent")
    reference = new_case(db)
    client = await login(app, "ann")
    response = await client.post(
        f"/cases/{reference}/status", data={"csrf_token": client.csrf, "to_status": "scheduled", "public_note": "soon"}
    )
    assert response.status_code == 303
    page = await client.get(response.headers["location"])
    assert "Not done: A scheduled case needs the date the work is booked for." in page.text
    case = _case(db, reference)
    assert case.status == "submitted" and len(case.events) == 1
    with db.transaction() as session:
        assert session.scalar(select(Notification)) is None
    day = date.today() + timedelta(days=3)
    await client.post(
        f"/cases/{reference}/status",
        data={"csrf_token": client.csrf, "to_status": "scheduled", "scheduled_for": day.isoformat()},
    )
    case = _case(db, reference)
    assert case.status == "scheduled" and case.scheduled_for == day
    refused = await client.post(
        f"/cases/{reference}/status", data={"csrf_token": client.csrf, "to_status": "submitted"}
    )
    assert (
        "Not done: Staff may not move a case from scheduled to submitted."
        in (await client.get(refused.headers["location"])).text
    )


async def test_wrong_csrf_on_a_status_change_changes_nothing(app, db):
    add_staff(db, "ann", "agent")
    reference = new_case(db)
    client = await login(app, "ann")
    response = await client.post(f"/cases/{reference}/status", data={"csrf_token": "x", "to_status": "resolved"})
    assert response.status_code == 403
    assert _case(db, reference).status == "submitted"


async def test_type_change_recomputes_due_date_and_tells_the_resident(app, db):
    add_staff(db, "ann", "agent")
    reference = new_case(db)  # pothole: 7 days
    before = _case(db, reference)
    client = await login(app, "ann")
    await client.post(f"/cases/{reference}/type", data={"csrf_token": client.csrf, "request_type": "noise"})
    case = _case(db, reference)
    assert (case.request_type, case.department) == ("noise", "Environmental Health")
    assert case.due_at == before.created_at + timedelta(days=2)
    with db.transaction() as session:
        push = session.scalar(select(Notification).where(Notification.case_id == case.id))
        assert "Noise complaint" in push.text and "Environmental Health" in push.text
    same = await client.post(f"/cases/{reference}/type", data={"csrf_token": client.csrf, "request_type": "noise"})
    assert "already has that request type" in (await client.get(same.headers["location"])).text


async def test_mark_duplicate_links_both_ways(app, db):
    add_staff(db, "ann", "agent")
    original, copy = new_case(db), new_case(db, external_id="2")
    client = await login(app, "ann")
    bad = await client.post(
        f"/cases/{copy}/duplicate", data={"csrf_token": client.csrf, "original_reference": "HY-1999-00001"}
    )
    assert "Not done: No case HY-1999-00001." in (await client.get(bad.headers["location"])).text
    assert _case(db, copy).status == "submitted"
    itself = await client.post(f"/cases/{copy}/duplicate", data={"csrf_token": client.csrf, "original_reference": copy})
    assert "Not done" in (await client.get(itself.headers["location"])).text
    await client.post(
        f"/cases/{copy}/duplicate",
        data={"csrf_token": client.csrf, "original_reference": original.lower(), "public_note": "same hole"},
    )
    case = _case(db, copy)
    assert case.status == "duplicate" and case.duplicate_of.reference == original
    page = await client.get(f"/cases/{original}")
    assert f'href="/cases/{copy}"' in page.text.split('id="merged"', 1)[1]
    assert f'id="duplicate-of" href="/cases/{original}"' in (await client.get(f"/cases/{copy}")).text


async def test_photos_are_served_only_when_the_database_lists_them(app, db, console_settings, tmp_path):
    add_staff(db, "ann", "agent")
    media = console_settings.media_path()
    (media / "telegram").mkdir()
    (media / "telegram" / "hole.jpg").write_bytes(b"\xff\xd8\xffjpeg bytes")
    (tmp_path / "secret.txt").write_text("not for you")
    reference = new_case(db, photos=["telegram/hole.jpg"])
    other = new_case(db, external_id="2", photos=["../secret.txt"])
    with db.transaction() as session:
        good = session.scalar(select(CasePhoto.id).join(Case).where(Case.reference == reference))
        sneaky = session.scalar(select(CasePhoto.id).join(Case).where(Case.reference == other))
    client = await login(app, "ann")
    photo = await client.get(f"/cases/{reference}/photos/{good}")
    assert photo.status_code == 200 and photo.content == b"\xff\xd8\xffjpeg bytes"
    assert f'src="/cases/{reference}/photos/{good}"' in (await client.get(f"/cases/{reference}")).text
    assert (await client.get(f"/cases/{other}/photos/{good}")).status_code == 404  # another case's photo
    assert (await client.get(f"/cases/{reference}/photos/{good + 100}")).status_code == 404
    assert (await client.get(f"/cases/{other}/photos/{sneaky}")).status_code == 404  # path outside the media dir
    assert (await client.get(f"/cases/{reference}/photos/..%2F..%2Fsecret.txt")).status_code == 404


async def test_staff_approve_redact_or_keep_private_for_the_public_board(app, db):
    add_staff(db, "ann", "agent")
    reference = new_case(db, description="Hole by flat 4, ring 13800000000", photos=["telegram/a.jpg"])
    client = await login(app, "ann")
    page = await client.get(f"/cases/{reference}")
    assert "Not reviewed" in page.text and 'id="publication-form"' in page.text
    photo_id = _case(db, reference).photos[0].id
    done = await client.post(f"/cases/{reference}/publication", data={
        "csrf_token": client.csrf, "decision": "approve", "public_description": "Hole by the school gate",
        "photo": str(photo_id)})
    assert done.status_code == 303
    case = _case(db, reference)
    assert (case.publication, case.public_description, case.photos[0].public) == (
        "approved", "Hole by the school gate", True)
    assert "(redacted), 1 photo(s)" in case.events[-1].internal_note
    await client.post(f"/cases/{reference}/publication", data={"csrf_token": client.csrf, "decision": "private"})
    case = _case(db, reference)
    assert (case.publication, case.public_description, case.photos[0].public) == ("private", None, False)
    with db.transaction() as session:
        queries.find_case(session, reference=reference).publish_allowed = False
    page = await client.get(f"/cases/{reference}")
    assert "asked not to publish" in page.text and 'id="publication-form"' not in page.text
    refused = await client.post(f"/cases/{reference}/publication", data={"csrf_token": client.csrf,
                                                                         "decision": "approve"})
    assert refused.status_code == 303 and _case(db, reference).publication == "private"


async def test_the_case_list_maps_the_cases_with_coordinates(app, db):
    add_staff(db, "ann", "agent")
    pinned = new_case(db, latitude=31.2304, longitude=121.4737, address=None)
    new_case(db, external_id="101")  # an address only: not on the map
    page = (await (await login(app, "ann")).get("/cases")).text
    points = page.split('id="case-map" data-points="', 1)[1].split('"', 1)[0]
    assert points.count("&#34;ref&#34;") == 1 and pinned in points and 'data-link="/cases/"' in page
