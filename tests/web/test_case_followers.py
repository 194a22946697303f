"""Staff see how many residents follow a case (cases/following.py) on its page and in the case list."""

from __future__ import annotations

import re

from cases import following, queries
from cases.clock import utcnow
from cases.residents import get_or_create_resident
from tests.web.conftest import add_staff, login, new_case


def follow(db, reference: str, *external_ids: str) -> None:
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        for external_id in external_ids:
            resident = get_or_create_resident(session, channel="telegram", external_id=external_id)
            following.follow_case(session, case=case, resident=resident, now=utcnow())


async def test_case_page_and_list_show_the_followers(app, db):
    add_staff(db, "ann", "agent", "Roads and Highways")
    followed, alone = new_case(db, external_id="1"), new_case(db, external_id="2", address="9 Elm Road")
    follow(db, followed, "7", "8")
    client = await login(app, "ann")
    page = await client.get(f"/cases/{followed}")
    assert re.search(r'id="followers">2 other residents', page.text)
    page = await client.get(f"/cases/{alone}")
    assert re.search(r'id="followers">0 other residents', page.text)
    listing = (await client.get("/cases")).text
    row = listing.split(f'href="/cases/{followed}"', 1)[1].split("</tr>", 1)[0]
    assert "2 following" in row
    row = listing.split(f'href="/cases/{alone}"', 1)[1].split("</tr>", 1)[0]
    assert "following" not in row
