"""Every public URL (Open311 and the board), read with realistic data behind it, shows nothing of who filed a
case, no internal note, no unapproved description or photo."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from cases import lifecycle
from cases.residents import get_or_create_resident
from cases.workflow import Actor
from tests.city import CITY
from tests.open311.conftest import BASE

SECRETS = ("Wen Li", "8613800000000", "wen.li@example.org", "private words", "crew 7 only", "telegram", "web:",
           "9f3c-device", "acct-5521", "Ann Lee", "media/secret.jpg")


async def test_no_public_url_shows_personal_data_or_internal_notes(client, db, api_key):
    now = datetime.now(timezone.utc)
    with db.transaction() as session:
        chat = get_or_create_resident(session, channel="telegram", external_id="8613800000000", display_name="Wen Li")
        web = get_or_create_resident(session, channel="web", external_id="5f2a-session", display_name="Wen Li")
        references = []
        for resident, kind in ((chat, "animal"), (web, "noise")):
            case = lifecycle.open_case(session, resident=resident, request_type=kind, address="3 Elm Road",
                                       description="private words: I live at flat 4, call me on 138",
                                       photos=["media/secret.jpg"], now=now - timedelta(days=1),
                                       answers={"condition": "dead"} if kind == "animal" else {},
                                       reference_prefix="HY")
            lifecycle.change_status(session, case=case, to_status="in_progress", actor=Actor.STAFF,
                                    public_note="A team is on its way.", internal_note="crew 7 only", **CITY)
            references.append(case.reference)
    posted = await client.post(f"{BASE}/requests.json", data={
        "api_key": api_key, "service_code": "pothole", "address_string": "1 Elm St", "first_name": "Ann",
        "last_name": "Lee", "email": "wen.li@example.org", "device_id": "9f3c-device", "account_id": "acct-5521",
        "description": "private words from the app"})
    references.append(posted.json()[0]["service_request_id"])

    urls = [f"{BASE}/discovery.{f}" for f in ("json", "xml")]
    urls += [f"{BASE}/services.{f}" for f in ("json", "xml")]
    urls += [f"{BASE}/services/{code}.{f}" for code in ("animal", "noise", "pothole") for f in ("json", "xml")]
    urls += [f"{BASE}/requests.{f}{q}" for f in ("json", "xml") for q in ("", "?status=open", "?service_code=noise")]
    urls += [f"{BASE}/requests/{r}.{f}" for r in references for f in ("json", "xml")]
    urls += [f"/board?lang={lang}{q}" for lang in ("en", "zh") for q in ("", "&status=open", "&page=2")]
    urls += [f"/board/cases/{r}?lang={lang}" for r in references for lang in ("en", "zh")]
    urls += [f"/board/figures?period={p}&lang={lang}" for p in ("weekly", "monthly") for lang in ("en", "zh")]
    for url in urls:
        response = await client.get(url)
        assert response.status_code == 200, url
        for secret in SECRETS:
            assert secret.lower() not in response.text.lower(), (url, secret)
    for photo in range(1, 4):  # photos nobody approved are served to nobody
        assert (await client.get(f"/board/photos/{photo}")).status_code == 404
    # What is public is there.
    assert "A team is on its way." in (await client.get(f"{BASE}/requests/{references[0]}.json")).text
