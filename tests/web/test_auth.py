"""Logging in and out, sessions, CSRF and roles, through the console's real routes."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from starlette.routing import Route

from cases.clock import utcnow
from cases.models import CannedReply, StaffSession, StaffUser
from cases.staff import accounts as staff
from tests.web.conftest import PASSWORD, add_staff, browser, csrf_of, login, new_case
from web.app import PUBLIC_PATHS
from web.auth import SESSION_COOKIE

SAMPLE_PARAMS = {
    "reference": "HY-2026-00001",
    "handoff_id": "1",
    "photo_id": "1",
    "message_id": "1",
    "reply_id": "1",
    "staff_id": "1",
    "alert_id": "1",
    "key_id": "1",
    "policy_id": "1",
}


def concrete(path: str) -> str:
    """A route path with sample values for its parameters."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def console_routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route except the public ones and static files."""
    found = []
    for route in app.routes:
        if isinstance(route, Route) and route.path not in PUBLIC_PATHS:
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, concrete(route.path)))
    return found


async def test_login_then_logout(app, db):
    add_staff(db, "ann", "agent", "Roads and Highways")
    client = await login(app, "ann")
    assert "Ann" in (await client.get("/cases")).text
    response = await client.post("/logout", data={"csrf_token": client.csrf})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    with db.transaction() as session:
        assert session.scalar(select(func.count(StaffSession.id))) == 0
    again = await client.get("/cases")
    assert again.status_code == 303 and again.headers["location"].startswith("/login?next=")


async def test_session_cookie_is_httponly_and_lax(app, db):
    add_staff(db, "ann", "agent")
    client = browser(app)
    form = await client.get("/login")
    response = await client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_of(form)})
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie  # plain http here
    with db.transaction() as session:
        row = session.scalar(select(StaffSession))
        token = client.cookies[SESSION_COOKIE]
        assert row.token_hash == staff.token_hash(token) and token not in row.token_hash


async def test_wrong_password_and_unknown_user_are_refused_alike(app, db):
    add_staff(db, "ann", "agent")
    client = browser(app)
    for username, password in (("ann", "wrong password!"), ("nobody", PASSWORD)):
        form = await client.get("/login")
        response = await client.post(
            "/login", data={"username": username, "password": password, "csrf_token": csrf_of(form)}
        )
        assert response.status_code == 400
        assert "Wrong username or password" in response.text
        assert SESSION_COOKIE not in client.cookies


async def test_login_without_its_csrf_token_is_refused(app, db):
    add_staff(db, "ann", "agent")
    client = browser(app)
    await client.get("/login")
    response = await client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": "forged"})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


async def test_login_goes_back_only_to_a_page_of_this_site(app, db):
    add_staff(db, "ann", "agent")
    for target, expected in (("/inbox", "/inbox"), ("//evil.example/x", "/cases"), ("https://evil.example", "/cases")):
        client = browser(app)
        form = await client.get("/login")
        response = await client.post(
            "/login", data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_of(form), "next": target}
        )
        assert response.headers["location"] == expected


async def test_expired_session_is_refused(app, db):
    user_id = add_staff(db, "ann", "agent")
    with db.transaction() as session:
        token, _ = staff.start_session(
            session, session.get(StaffUser, user_id), hours=12, now=utcnow() - timedelta(hours=13)
        )
    client = browser(app)
    client.cookies.set(SESSION_COOKIE, token)
    assert (await client.get("/cases")).status_code == 303
    assert (await client.get("/api/inbox")).status_code == 401


async def test_disabled_account_cannot_log_in_and_its_sessions_end(app, db):
    user_id = add_staff(db, "ann", "agent")
    client = await login(app, "ann")
    with db.transaction() as session:
        staff.disable_staff(session, staff=session.get(StaffUser, user_id))
    assert (await client.get("/cases")).status_code == 303
    other = browser(app)
    form = await other.get("/login")
    response = await other.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_of(form)})
    assert response.status_code == 400


async def test_every_route_refuses_anonymous_users(app, db):
    routes = console_routes(app)
    assert len(routes) > 30  # the whole console, not a handful
    client = browser(app)
    for method, path in routes:
        response = await client.request(method, path)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        else:
            assert response.status_code == 303, (method, path)
            assert response.headers["location"].startswith("/login?next="), (method, path)


async def test_public_routes_answer_without_login(app):
    client = browser(app)
    assert (await client.get("/healthz")).json() == {"ok": True}
    assert (await client.get("/login")).status_code == 200
    assert (await client.get("/static/console.css")).status_code == 200


async def test_every_post_without_a_valid_csrf_token_is_forbidden(app, db):
    add_staff(db, "root", "admin")
    client = await login(app, "root")
    for method, path in console_routes(app):
        if method != "POST":
            continue
        for headers, data in (({}, {}), ({"x-csrf-token": "wrong"}, {}), ({}, {"csrf_token": "wrong"})):
            response = await client.post(path, headers=headers, data=data)
            assert response.status_code == 403, (path, headers, data)
    assert (await client.get("/cases")).status_code == 200  # still logged in: logout needed the token too


async def test_csrf_failure_changes_nothing(app, db):
    add_staff(db, "boss", "supervisor")
    client = await login(app, "boss")
    response = await client.post("/canned", data={"csrf_token": "nope", "title": "T", "body": "B"})
    assert response.status_code == 403
    with db.transaction() as session:
        assert session.scalar(select(func.count(CannedReply.id))) == 0


async def test_agent_is_forbidden_supervisor_and_admin_actions(app, db):
    add_staff(db, "ann", "agent", "Roads and Highways")
    client = await login(app, "ann")
    assert (
        await client.post("/canned", data={"csrf_token": client.csrf, "title": "T", "body": "B"})
    ).status_code == 403
    assert (await client.get("/staff")).status_code == 403
    assert (
        await client.post(
            "/staff", data={"csrf_token": client.csrf, "username": "eve", "password": "x" * 12, "role": "admin"}
        )
    ).status_code == 403
    assert (await client.get("/reports?period=weekly")).status_code == 403
    assert (await client.get("/reports.csv?period=weekly")).status_code == 403
    with db.transaction() as session:
        assert session.scalar(select(func.count(StaffUser.id))) == 1
    page = await client.get("/cases")
    assert 'href="/staff"' not in page.text and 'href="/reports"' not in page.text


async def test_department_supervisor_sees_only_their_department_report(app, db):
    add_staff(db, "dora", "supervisor", "Roads and Highways")
    add_staff(db, "cici", "supervisor")
    new_case(db)
    dora = await login(app, "dora")
    own = await dora.get("/reports?period=weekly&start=2026-03-02")
    assert own.status_code == 200 and "Roads and Highways" in own.text
    assert (await dora.get("/reports?period=weekly&department=Sanitation")).status_code == 403
    assert (await dora.get("/reports.csv?period=weekly&department=Sanitation")).status_code == 403
    city = await login(app, "cici")
    page = await city.get("/reports?period=weekly&department=")
    assert page.status_code == 200 and "the whole city" in page.text
    assert (await city.get("/reports?period=weekly&department=Sanitation")).status_code == 200


@pytest.mark.parametrize("role", ["agent", "supervisor"])
async def test_only_admins_manage_staff(app, db, role):
    add_staff(db, "someone", role)
    client = await login(app, "someone")
    assert (await client.get("/staff")).status_code == 403


async def test_oversized_bodies_are_refused(app, db):
    add_staff(db, "ann", "agent")
    client = await login(app, "ann")
    response = await client.post("/login", data={"username": "x" * 300_000})
    assert response.status_code == 413
    reference = new_case(db)
    response = await client.post(
        f"/cases/{reference}/status",
        data={"csrf_token": client.csrf, "to_status": "resolved", "public_note": "x" * 300_000},
    )
    assert response.status_code == 413
    page = await client.get(f"/cases/{reference}")
    assert page.status_code == 200 and 'id="case-status">submitted<' in page.text


def from_address(app, host: str) -> httpx.AsyncClient:
    """A fresh browser connecting from `host`."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 50000)), base_url="http://testserver")


async def attempt(client, username, password):
    """One login through the form."""
    form = await client.get("/login")
    return await client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_of(form)})


async def test_password_guessing_is_slowed_down_per_account_and_address(app, db):
    add_staff(db, "ann", "agent")
    add_staff(db, "bob", "agent")
    guesser = from_address(app, "203.0.113.5")
    for _ in range(5):
        assert (await attempt(guesser, "ann", "wrong password!")).status_code == 400
    refused = await attempt(guesser, "ann", PASSWORD)  # the right password, but from the guesser's address
    assert refused.status_code == 429 and "Please wait 15 minutes and try again" in refused.text
    assert int(refused.headers["retry-after"]) > 800
    assert SESSION_COOKIE not in guesser.cookies
    assert (await attempt(guesser, "bob", PASSWORD)).status_code == 303  # other accounts are not locked out
    owner = from_address(app, "198.51.100.7")
    assert (await attempt(owner, "ann", PASSWORD)).status_code == 303  # nor is the owner, from elsewhere


async def test_a_success_clears_the_account_count_but_not_the_address_count(app, db, console_settings):
    add_staff(db, "ann", "agent")
    client = from_address(app, "198.51.100.7")
    for _ in range(4):
        assert (await attempt(client, "ann", "typo")).status_code == 400
    assert (await attempt(client, "ann", PASSWORD)).status_code == 303
    for _ in range(5):
        assert (await attempt(from_address(app, "198.51.100.7"), "ann", "typo")).status_code == 400
    busy = from_address(app, "192.0.2.1")
    for n in range(console_settings.login_attempts_per_address):
        assert (await attempt(busy, f"user{n}", "guess")).status_code == 400
    assert (await attempt(busy, "ann", PASSWORD)).status_code == 429  # the address has used its share
