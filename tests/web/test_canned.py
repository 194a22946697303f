"""Canned replies: suggestions in the domain, and their management and use in the console."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from cases.models import CannedReply
from cases.staff import canned
from tests.web.conftest import add_staff, login, new_case


def test_suggestions_fit_type_status_and_language_most_specific_first(db):
    with db.transaction() as session:
        for title, request_type, status, language in (
            ("any", None, None, "en"),
            ("status only", None, "resolved", "en"),
            ("type only", "pothole", None, "en"),
            ("exact", "pothole", "resolved", "en"),
            ("other type", "noise", "resolved", "en"),
            ("other status", "pothole", "scheduled", "en"),
            ("chinese", "pothole", "resolved", "zh"),
        ):
            canned.create_canned(
                session, title=title, body=f"{title} text", request_type=request_type, status=status, language=language
            )
        titles = [r.title for r in canned.suggestions(session, "pothole", "resolved", "en")]
        assert titles == ["exact", "type only", "status only", "any"]
        every_status = [r.title for r in canned.suggestions(session, "pothole", None, "en")]
        assert every_status[:2] == ["exact", "other status"] and "other type" not in every_status
        assert [r.title for r in canned.suggestions(session, "pothole", "resolved", "zh")] == ["chinese"]


@pytest.mark.parametrize(
    "fields,error",
    [
        ({"request_type": "volcano"}, "request type"),
        ({"status": "done"}, "status"),
        ({"language": "fr"}, "language"),
        ({"title": " "}, "title"),
        ({"body": ""}, "text"),
    ],
)
def test_bad_canned_replies_are_refused(db, fields, error):
    values = {"title": "T", "body": "B", **fields}
    with db.transaction() as session, pytest.raises(canned.CannedError, match=error):
        canned.create_canned(session, **values)


async def test_supervisor_creates_edits_and_deletes_canned_replies(app, db):
    add_staff(db, "sue", "supervisor", "Roads and Highways")
    client = await login(app, "sue")
    created = await client.post(
        "/canned",
        data={
            "csrf_token": client.csrf,
            "title": "Filled",
            "body": "We filled the hole.",
            "request_type": "pothole",
            "status": "resolved",
            "language": "en",
        },
    )
    assert created.status_code == 303
    with db.transaction() as session:
        reply = session.scalar(select(CannedReply))
        assert (reply.title, reply.request_type, reply.status, reply.updated_by_id) == (
            "Filled",
            "pothole",
            "resolved",
            reply.updated_by_id,
        )
    page = await client.get(f"/canned?edit={reply.id}")
    assert 'id="canned-edit-form"' in page.text and "We filled the hole." in page.text
    await client.post(
        f"/canned/{reply.id}",
        data={
            "csrf_token": client.csrf,
            "title": "Filled today",
            "body": "Filled this morning.",
            "request_type": "",
            "status": "resolved",
            "language": "en",
        },
    )
    with db.transaction() as session:
        reply = session.get(CannedReply, reply.id)
        assert (reply.title, reply.request_type, reply.body) == ("Filled today", None, "Filled this morning.")
    bad = await client.post("/canned", data={"csrf_token": client.csrf, "title": "", "body": "x"})
    assert "Not done" in (await client.get(bad.headers["location"])).text
    await client.post(f"/canned/{reply.id}/delete", data={"csrf_token": client.csrf})
    with db.transaction() as session:
        assert session.scalar(select(CannedReply)) is None
    assert (await client.post("/canned/999/delete", data={"csrf_token": client.csrf})).status_code == 404


async def test_case_page_offers_fitting_canned_replies_as_buttons(app, db):
    add_staff(db, "ann", "agent")
    with db.transaction() as session:
        canned.create_canned(session, title="Done", body="Fixed & tidy.", request_type="pothole", status="resolved")
        canned.create_canned(session, title="Anything", body="Thanks for telling us.")
        canned.create_canned(session, title="Lamp", body="Bulb changed.", request_type="streetlight")
        canned.create_canned(session, title="中文", body="已处理。", language="zh")
    reference = new_case(db)
    client = await login(app, "ann")
    page = await client.get(f"/cases/{reference}")
    buttons = re.findall(
        r'<button type="button" class="canned-reply" data-status="(\w*)" data-body="([^"]*)"', page.text
    )
    assert buttons == [("resolved", "Fixed &amp; tidy."), ("", "Thanks for telling us.")]
    assert (await client.get("/canned")).status_code == 200  # agents may read the list
