"""Live chat in the console: the queue, taking, replying, ending, and cases made from a conversation."""

from __future__ import annotations

from sqlalchemy import select

from cases import residents
from cases.handoff import handoff
from cases.models import Case, HandoffRequest, Notification
from tests.web.conftest import add_staff, login, new_case


def _waiting(db, external_id="500", text="my bin was not emptied for two weeks", language="en"):
    with db.transaction() as session:
        resident = residents.get_or_create_resident(session, channel="telegram", external_id=external_id,
                                                    display_name="Mei", language=language)
        return handoff.request_handoff(session, resident=resident, reason=text).id


async def test_inbox_lists_waiting_conversations_with_their_context(app, db):
    add_staff(db, "ann", "agent")
    new_case(db, external_id="500")
    first, second = _waiting(db), _waiting(db, external_id="501")
    client = await login(app, "ann")
    page = await client.get("/inbox")
    assert page.text.index(f'data-id="{first}"') < page.text.index(f'data-id="{second}"')  # oldest first
    assert 'class="handoff-item waiting"' in page.text and f'href="/inbox/{first}"' in page.text
    listing = (await client.get("/api/inbox")).json()
    assert [w["id"] for w in listing["waiting"]] == [first, second] and listing["active"] == []
    assert listing["waiting"][0]["cases"] == 1 and listing["waiting"][0]["channel"] == "telegram"


async def test_take_reply_end(app, db):
    add_staff(db, "ann", "agent", display_name="Ann")
    add_staff(db, "bob", "agent", display_name="Bob")
    handoff_id = _waiting(db)
    ann = await login(app, "ann")
    page = await ann.get(f"/inbox/{handoff_id}")
    assert 'id="take"' in page.text and 'class="msg resident"' in page.text and 'id="reply-form"' not in page.text
    assert (await ann.post(f"/inbox/{handoff_id}/take", data={"csrf_token": ann.csrf})).status_code == 303
    page = await ann.get(f"/inbox/{handoff_id}")
    assert 'id="reply-form"' in page.text and 'class="msg system"' in page.text

    bob = await login(app, "bob")
    refused = await bob.post(f"/inbox/{handoff_id}/take", data={"csrf_token": bob.csrf})
    assert "Not done: Another agent is answering" in (await bob.get(refused.headers["location"])).text
    by_bob = await bob.post(f"/inbox/{handoff_id}/reply", data={"text": "hi"},
                            headers={"x-csrf-token": bob.csrf, "accept": "application/json"})
    assert by_bob.status_code == 400 and "Take the conversation" in by_bob.json()["error"]

    sent = await ann.post(f"/inbox/{handoff_id}/reply", data={"text": "We will send a truck today."},
                          headers={"x-csrf-token": ann.csrf, "accept": "application/json"})
    assert sent.status_code == 200 and sent.json()["message"]["direction"] == "agent"
    plain = await ann.post(f"/inbox/{handoff_id}/reply", data={"csrf_token": ann.csrf, "text": "Anything else?"})
    assert plain.status_code == 303  # works without scripts too
    with db.transaction() as session:
        pushes = list(session.scalars(select(Notification).order_by(Notification.id)))
        replies = [p for p in pushes if "truck" in p.text or "Anything else" in p.text]
        assert len(replies) == 2 and all(p.urgent for p in replies)
        assert replies[0].text == "Ann (city staff): We will send a truck today."

    assert (await ann.post(f"/inbox/{handoff_id}/end", data={"csrf_token": ann.csrf})).status_code == 303
    with db.transaction() as session:
        item = session.get(HandoffRequest, handoff_id)
        assert item.status == "ended"
        assert "ended the chat" in session.scalar(select(Notification).order_by(Notification.id.desc())).text
    assert 'id="end-handoff"' not in (await ann.get(f"/inbox/{handoff_id}")).text


async def test_supervisor_may_take_over(app, db):
    add_staff(db, "ann", "agent")
    add_staff(db, "sue", "supervisor", display_name="Sue")
    handoff_id = _waiting(db)
    ann = await login(app, "ann")
    await ann.post(f"/inbox/{handoff_id}/take", data={"csrf_token": ann.csrf})
    sue = await login(app, "sue")
    assert 'id="take"' in (await sue.get(f"/inbox/{handoff_id}")).text
    await sue.post(f"/inbox/{handoff_id}/take", data={"csrf_token": sue.csrf})
    with db.transaction() as session:
        assert session.get(HandoffRequest, handoff_id).agent.display_name == "Sue"


async def test_new_resident_messages_are_fetched_after_the_last_id(app, db):
    add_staff(db, "ann", "agent")
    handoff_id = _waiting(db)
    client = await login(app, "ann")
    first = (await client.get(f"/api/inbox/{handoff_id}/messages?after=0")).json()
    assert [m["direction"] for m in first["messages"]] == ["resident"] and first["status"] == "waiting"
    last = first["messages"][-1]["id"]
    with db.transaction() as session:
        resident = residents.find_resident(session, channel="telegram", external_id="500")
        handoff.record_resident_message(session, resident=resident, text="hello? still there?")
    update = (await client.get(f"/api/inbox/{handoff_id}/messages?after={last}")).json()
    assert [(m["direction"], m["text"]) for m in update["messages"]] == [("resident", "hello? still there?")]
    assert (await client.get(f"/api/inbox/{handoff_id}/messages?after=abc")).status_code == 400
    assert (await client.get("/api/inbox/9999/messages?after=0")).status_code == 404


async def test_case_opened_from_a_conversation(app, db):
    add_staff(db, "ann", "agent")
    handoff_id = _waiting(db, language="zh", text="垃圾两周没人收")
    client = await login(app, "ann")
    page = await client.get(f"/inbox/{handoff_id}")
    assert "垃圾两周没人收</textarea>" in page.text  # the description starts from what the resident said
    missing = await client.post(f"/inbox/{handoff_id}/case", data={"csrf_token": client.csrf,
                                                                   "request_type": "garbage", "description": "x"})
    assert "Not done: A case needs a location" in (await client.get(missing.headers["location"])).text
    with db.transaction() as session:
        assert session.scalar(select(Case)) is None
    await client.post(f"/inbox/{handoff_id}/case", data={
        "csrf_token": client.csrf, "request_type": "garbage", "description": "垃圾两周没人收", "address": "Elm Road 4"})
    with db.transaction() as session:
        case = session.scalar(select(Case))
        assert (case.request_type, case.address, case.resident.external_id) == ("garbage", "Elm Road 4", "500")
        assert session.get(HandoffRequest, handoff_id).case_id == case.id
        told = session.scalar(select(Notification).where(Notification.case_id == case.id))
        assert case.reference in told.text and told.urgent and "已为您登记" in told.text
    assert f'href="/cases/{case.reference}"' in (await client.get(f"/inbox/{handoff_id}")).text


async def test_attach_to_an_existing_case_of_the_resident_only(app, db):
    add_staff(db, "ann", "agent")
    handoff_id = _waiting(db)
    theirs, someone_elses = new_case(db, external_id="500"), new_case(db, external_id="999")
    client = await login(app, "ann")
    assert 'id="handoff-attach-form"' in (await client.get(f"/inbox/{handoff_id}")).text
    refused = await client.post(f"/inbox/{handoff_id}/attach", data={"csrf_token": client.csrf,
                                                                     "reference": someone_elses})
    assert "Not done: That case belongs to another resident." in (await client.get(refused.headers["location"])).text
    await client.post(f"/inbox/{handoff_id}/attach", data={"csrf_token": client.csrf, "reference": theirs})
    with db.transaction() as session:
        item = session.get(HandoffRequest, handoff_id)
        assert session.get(Case, item.case_id).reference == theirs


async def test_photos_from_the_conversation_are_served_from_the_media_dir_only(app, db, console_settings):
    add_staff(db, "ann", "agent")
    handoff_id = _waiting(db)
    (console_settings.media_path() / "bin.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    with db.transaction() as session:
        resident = residents.find_resident(session, channel="telegram", external_id="500")
        good = handoff.record_resident_message(session, resident=resident, photo_path="bin.png").id
        bad = handoff.record_resident_message(session, resident=resident, photo_path="/etc/passwd").id
    client = await login(app, "ann")
    photo = await client.get(f"/inbox/{handoff_id}/photos/{good}")
    assert photo.status_code == 200 and photo.content.startswith(b"\x89PNG")
    assert f'src="/inbox/{handoff_id}/photos/{good}"' in (await client.get(f"/inbox/{handoff_id}")).text
    assert (await client.get(f"/inbox/{handoff_id}/photos/{bad}")).status_code == 404
    assert (await client.get(f"/inbox/{handoff_id + 1}/photos/{good}")).status_code == 404
