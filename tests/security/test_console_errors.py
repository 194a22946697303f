"""Issue 8, finding 8 (console): requests that used to end in a 500 get a 4xx or are handled, on both databases."""

from __future__ import annotations

import base64

from sqlalchemy import select
from starlette.routing import Route

from cases import residents
from cases.handoff import handoff
from cases.models import HandoffMessage
from tests.web.conftest import add_staff, app, console_settings, login, new_case  # noqa: F401 (fixtures)
from tests.web.test_auth import console_routes

HUGE = "99999999999999999999"  # more than SQLite's 64-bit integers
BEYOND_INTEGER = "9999999999"  # more than PostgreSQL's INTEGER columns
DEEP_JSON = "[" * 15_000 + "]" * 15_000


def _active_handoff(db, staff_username: str) -> int:
    """A live chat the given agent is answering."""
    from cases.models import StaffUser

    with db.transaction() as session:
        resident = residents.get_or_create_resident(session, channel="telegram", external_id="700",
                                                    display_name="Mei", language="en")
        item = handoff.request_handoff(session, resident=resident, reason="please help")
        agent = session.scalar(select(StaffUser).where(StaffUser.username == staff_username))
        handoff.take(session, handoff=item, staff=agent)
        return item.id


async def test_report_dates_out_of_range_are_a_clear_400(app, db):
    add_staff(db, "cici", "supervisor")
    client = await login(app, "cici")
    for query in ("start=0001-01-01", "period=monthly&start=9999-12-31", "period=weekly&start=0001-01-03"):
        for path in ("/reports.csv", "/reports"):
            response = await client.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            assert "The start date must be between 1970-01-01 and 2999-12-31." in response.text


async def test_ids_no_column_can_hold_are_not_found(app, db):
    add_staff(db, "root", "admin")
    reference = new_case(db)
    client = await login(app, "root")
    for number in (HUGE, BEYOND_INTEGER):
        for path in (f"/inbox/{number}", f"/cases/{reference}/photos/{number}", f"/inbox/1/photos/{number}"):
            assert (await client.get(path)).status_code == 404, path
        api = await client.get(f"/api/inbox/{number}/messages")
        assert api.status_code == 404 and api.json() == {"error": "Not Found"}
        for path in (f"/inbox/{number}/take", f"/canned/{number}", f"/staff/{number}/disable"):
            assert (await client.post(path, data={"csrf_token": client.csrf})).status_code == 404, path
        assert (await client.get(f"/api/inbox/1/messages?after={number}")).status_code == 400
        assert (await client.get(f"/canned?edit={number}")).status_code == 200
        marked = await client.post(f"/alerts/{number}/read", data={"csrf_token": client.csrf})
        assert marked.status_code == 303
    for odd in ("²", "١٢", "-1", "1e3"):  # digits Python's isdigit accepts but int() or SQL does not
        assert (await client.get("/canned", params={"edit": odd})).status_code == 200
        assert (await client.get("/cases", params={"page": odd})).status_code == 200
        assert (await client.post(f"/alerts/{odd}/read", data={"csrf_token": client.csrf})).status_code == 303


async def test_lone_surrogates_and_control_characters_are_cleaned_before_the_database(app, db):
    add_staff(db, "ann", "agent")
    handoff_id = _active_handoff(db, "ann")
    client = await login(app, "ann")
    # A browser never sends a lone surrogate, but a form decoded as UTF-7 makes one: "+2AA-" is "\ud800".
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n+2AA- hi\x00 there\r\n"
            f"--{boundary}--\r\n").encode()
    sent = await client.post(f"/inbox/{handoff_id}/reply", content=body, headers={
        "content-type": f"multipart/form-data; boundary={boundary}; charset=utf-7",
        "x-csrf-token": client.csrf, "accept": "application/json"})
    assert sent.status_code == 200, sent.text
    plain = await client.post(f"/inbox/{handoff_id}/reply", content=f"csrf_token={client.csrf}&text=%00ok%07%0D%0Abye",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert plain.status_code == 303
    with db.transaction() as session:
        said = [m.text for m in session.scalars(select(HandoffMessage).where(
            HandoffMessage.handoff_id == handoff_id, HandoffMessage.direction == handoff.AGENT)
            .order_by(HandoffMessage.id))]
    assert said == ["hi there", "ok\nbye"]  # stripped as every reply is
    search = await client.get("/cases", params={"q": "\x00pothole\x1b"})  # PostgreSQL refuses NUL in text
    assert search.status_code == 200


async def test_deeply_nested_json_is_refused_by_every_console_route(app, db):
    add_staff(db, "root", "admin")
    client = await login(app, "root")
    for method, path in console_routes(app):
        if path == "/logout":
            continue  # reads no body; it would only end this session
        response = await client.request(method, path, content=DEEP_JSON, headers={
            "content-type": "application/json", "x-csrf-token": client.csrf, "accept": "application/json"})
        assert response.status_code < 500, (method, path)
        if method == "POST":
            assert response.status_code in (400, 404), (method, path)
    # A forged flash cookie holding the same nesting is ignored.
    client.cookies.set("console_flash", base64.urlsafe_b64encode(DEEP_JSON[:3000].encode()).decode())
    assert (await client.get("/cases")).status_code == 200


async def test_the_500_page_does_not_claim_nothing_was_lost(app, db):
    async def broken(request):
        raise RuntimeError("a bug")

    app.router.routes.append(Route("/broken", broken))
    response = await app_client(app).get("/broken")
    assert response.status_code == 500
    assert "what you just did may not have been saved" in response.text
    assert "lost" not in response.text and "Nothing was saved" not in response.text
    assert response.headers["x-frame-options"] == "DENY"  # the security headers still come


def app_client(app):
    """A browser without cookies."""
    from tests.web.conftest import browser

    return browser(app)
