"""Admins make Open311 API keys in the console (shown once, only a hash kept), see them used, revoke them."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from cases.models import ApiKey
from cases.open311 import keys
from tests.web.conftest import add_staff, login


async def test_an_admin_makes_a_key_sees_it_once_and_revokes_it(app, db):
    add_staff(db, "root", "admin")
    client = await login(app, "root")
    page = await client.post("/api-keys", data={"name": "12345 hotline CRM", "csrf_token": client.csrf})
    assert page.status_code == 200
    key = re.search(r'<code id="new-key-value">(hy311_[\w-]+)</code>', page.text).group(1)
    with db.transaction() as session:
        [row] = session.scalars(select(ApiKey)).all()
        assert row.key_hash == hashlib.sha256(key.encode()).hexdigest() and row.name == "12345 hotline CRM"
        assert key not in (row.prefix, row.key_hash) and key.startswith(row.prefix)
        assert keys.use_key(session, key=key, per_minute=10).id == row.id
    listing = await client.get("/api-keys")
    assert key not in listing.text and f"{row.prefix}…" in listing.text and "active" in listing.text
    response = await client.post(f"/api-keys/{row.id}/revoke", data={"csrf_token": client.csrf})
    assert response.status_code == 303
    assert "revoked" in (await client.get("/api-keys")).text
    with db.transaction() as session:
        try:
            keys.use_key(session, key=key, per_minute=10)
            raise AssertionError("a revoked key still works")
        except keys.KeyRefused as refused:
            assert "revoked" in str(refused)


async def test_only_admins_manage_keys_and_a_key_needs_a_name(app, db):
    add_staff(db, "ann", "agent")
    add_staff(db, "root", "admin")
    agent = await login(app, "ann")
    assert (await agent.get("/api-keys")).status_code == 403
    assert (await agent.post("/api-keys", data={"name": "x", "csrf_token": agent.csrf})).status_code == 403
    admin = await login(app, "root")
    refused = await admin.post("/api-keys", data={"name": "  ", "csrf_token": admin.csrf})
    assert refused.status_code == 303
    without_token = await admin.post("/api-keys", data={"name": "CRM"})
    assert without_token.status_code in (400, 403)
    with db.transaction() as session:
        assert session.scalars(select(ApiKey)).all() == []
    assert (await admin.post("/api-keys/999/revoke", data={"csrf_token": admin.csrf})).status_code == 404
