"""Open311 GeoReport v2, endpoint by endpoint, in JSON and XML, checked against the specification's field lists."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

import httpx
import pytest
from sqlalchemy import func, select
from starlette.datastructures import FormData

from cases import lifecycle, publication, queries
from cases.catalog import load_catalog
from cases.models import Case, CasePhoto, Notification, Resident
from cases.open311 import keys
from cases.questions import parse_questions
from cases.residents import get_or_create_resident
from cases.staff import accounts
from cases.workflow import Actor
from tests.city import CITY, make_settings
from tests.open311.conftest import BASE
from web.open311 import params
from web.open311.app import create_app

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code",
                  "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime",
                  "address", "lat", "long", "description", "media_url"}
REQUIRED_REQUEST_FIELDS = {"service_request_id", "status", "service_name", "service_code", "requested_datetime"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "order", "description"}
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def xml(response) -> ElementTree.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ElementTree.fromstring(response.content)


def json_of(response, status=200):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def error_of(response, status: int) -> str:
    """The description of a specification-form error, checking its form."""
    [error] = json_of(response, status)
    assert error["code"] == status and isinstance(error["description"], str)
    return error["description"]


async def post(client, key, fmt="json", **fields):
    data = {"api_key": key, **fields} if key is not None else fields
    return await client.post(f"{BASE}/requests.{fmt}", data=data)


async def test_discovery_says_where_and_in_which_formats(client):
    found = json_of(await client.get(f"{BASE}/discovery.json"))
    [endpoint] = found["endpoints"]
    assert endpoint["url"] == "http://testserver/open311/v2/" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"] and "GeoReport_v2" in endpoint["specification"]
    root = xml(await client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and [f.text for f in root.iter("format")] == ["text/xml", "application/json"]


async def test_services_list_every_request_type(client):
    services = json_of(await client.get(f"{BASE}/services.json"))
    assert len(services) == 12
    for service in services:
        assert set(service) == SERVICE_FIELDS and isinstance(service["service_code"], str)
        assert service["type"] == "realtime" and isinstance(service["metadata"], bool)
    by_code = {s["service_code"]: s for s in services}
    assert by_code["noise"]["metadata"] is True and by_code["pothole"]["metadata"] is False
    assert by_code["other"]["group"] == "Triage Desk" and "bench" in by_code["other"]["keywords"]
    root = xml(await client.get(f"{BASE}/services.xml?jurisdiction_id=anything"))
    assert root.tag == "services" and len(root.findall("service")) == 12
    noise = next(s for s in root.findall("service") if s.findtext("service_code") == "noise")
    assert noise.findtext("metadata") == "true" and noise.findtext("group") == "Environmental Health"


async def test_service_definitions_are_the_types_questions(client):
    definition = json_of(await client.get(f"{BASE}/services/illegal_parking.json"))
    assert definition["service_code"] == "illegal_parking"
    plate, blocking = definition["attributes"]
    assert set(plate) >= ATTRIBUTE_FIELDS and "values" not in plate
    assert (plate["code"], plate["datatype"], plate["required"], plate["order"]) == ("plate", "string", False, 1)
    assert blocking["values"] == [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}]
    root = xml(await client.get(f"{BASE}/services/animal.xml"))
    [attribute] = root.find("attributes").findall("attribute")
    assert attribute.findtext("variable") == "true" and attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.find("values").findall("value")] == [
        "dead", "injured", "dangerous", "pests", "other"]
    assert json_of(await client.get(f"{BASE}/services/pothole.json"))["attributes"] == []
    assert "nothing" in error_of(await client.get(f"{BASE}/services/nothing.json"), 404)
    root = xml(await client.get(f"{BASE}/services/nothing.xml"))
    assert root.tag == "errors" and root.find("error").findtext("code") == "404"


async def test_unknown_formats_and_methods_are_errors_in_the_spec_form(client):
    assert error_of(await client.get(f"{BASE}/services.html"), 404)
    assert error_of(await client.delete(f"{BASE}/requests.json"), 405)


@pytest.mark.parametrize("fields, status, says", [
    ({}, 403, "not provided"),
    ({"api_key": "hy311_wrong"}, 403, "not valid"),
])
async def test_posting_needs_a_valid_key(client, fields, status, says):
    response = await client.post(f"{BASE}/requests.json",
                                 data={"service_code": "pothole", "address_string": "1 Elm St", **fields})
    assert says in error_of(response, status)


async def test_a_revoked_key_posts_no_more(client, db, api_key):
    assert (await post(client, api_key, service_code="pothole", address_string="1 Elm St")).status_code == 200
    with db.transaction() as session:
        keys.revoke_key(session, key_id=keys.list_keys(session)[0].id)
    assert "revoked" in error_of(await post(client, api_key, service_code="pothole", address_string="1 Elm St"), 403)


@pytest.mark.parametrize("fields, says", [
    ({"address_string": "1 Elm St"}, "service_code is required"),
    ({"service_code": "parking_meter", "address_string": "1 Elm St"}, "not found"),
    ({"service_code": "pothole"}, "location is required"),
    ({"service_code": "pothole", "lat": "31.2"}, "latitude and longitude"),
    ({"service_code": "pothole", "lat": "north", "long": "1"}, "lat must be a number"),
    ({"service_code": "pothole", "lat": "95", "long": "1"}, "out of range"),
    ({"service_code": "pothole", "address_string": "1 Elm St", "description": "x" * 4001}, "4000"),
    ({"service_code": "pothole", "address_string": "1 Elm St", "media_url": "file:///etc/passwd"}, "media_url"),
    ({"service_code": "animal", "address_string": "Hill Park"}, "condition: this question must be answered"),
    ({"service_code": "animal", "address_string": "Hill Park", "attribute[condition]": "asleep"}, "condition"),
    ({"service_code": "pothole", "address_string": "1 Elm St", "attribute[depth]": "10"}, "depth"),
])
async def test_posts_that_cannot_be_filed_are_refused_and_file_nothing(client, db, api_key, fields, says):
    assert says in error_of(await post(client, api_key, **fields), 400)
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


async def test_a_post_files_a_case_like_any_other(client, db, api_key):
    response = await post(client, api_key, service_code="illegal_parking", lat="31.2304", long="121.4737",
                          description="Van parked across the dropped kerb", email="Ann@Example.org",
                          first_name="Ann", last_name="Lee", phone="+86 138 0000 0000",
                          **{"attribute[plate]": "AB12 CDE", "attribute[blocking]": "yes"})
    [answer] = json_of(response)
    reference = answer["service_request_id"]
    assert isinstance(reference, str) and re.fullmatch(r"HY-\d{4}-\d{5}", reference)
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        assert (case.request_type, case.department) == ("illegal_parking", "Parking Enforcement")
        assert case.answers == {"plate": "AB12 CDE", "blocking": "yes"}
        assert (case.latitude, case.longitude, case.address) == (31.2304, 121.4737, None)
        assert case.resident.channel == "open311" and case.resident.display_name == "Ann Lee"
        # Neither the e-mail nor the phone is kept; the same e-mail is the same reporter.
        assert "example" not in case.resident.external_id.lower() and "138" not in case.resident.external_id
        assert "Filed through Open311 by Hotline CRM." in case.events[-1].internal_note
    again = await post(client, api_key, "xml", service_code="pothole", address_string="1 Elm St",
                       email="ann@example.org", media_url="https://example.org/p.jpg")
    root = xml(again)
    assert root.tag == "service_requests"
    second = root.find("request").findtext("service_request_id")
    with db.transaction() as session:
        case = queries.find_case(session, reference=second)
        assert case.description == "Pothole or damaged road"  # no description: the service's name
        assert case.resident.external_id == queries.find_case(session, reference=reference).resident.external_id
        assert "Photo link: https://example.org/p.jpg" in case.events[-1].internal_note
        assert [key.last_used_at is not None for key in keys.list_keys(session)] == [True]


def test_multiple_choice_attributes_come_as_repeated_fields():
    question = parse_questions([{"code": "parts", "datatype": "multivaluelist", "text": "Which parts?",
                                 "values": [{"key": "slats", "name": "Slats"}, {"key": "legs", "name": "Legs"}]}],
                               where="other")
    form = [("attribute[parts][]", "slats"), ("attribute[parts][]", "legs")]
    found = params.attributes(FormData(form))
    assert found == {"parts": ["slats", "legs"]}
    assert question[0].check(found["parts"]) == ["slats", "legs"]
    assert params.attributes(FormData([("attribute[plate]", "AB1")])) == {"plate": "AB1"}
    assert load_catalog().get("other").questions == ()  # the shipped catalog has no such question


async def test_posts_over_the_keys_limit_wait(db, tmp_path, api_key):
    settings = make_settings(database_url=db.url, media_dir=tmp_path / "m", open311_posts_per_minute=2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings=settings, db=db)),
                                 base_url="http://testserver") as limited:
        for _ in range(2):
            assert (await post(limited, api_key, service_code="pothole", address_string="1 Elm St")).status_code == 200
        assert "too many" in error_of(await post(limited, api_key, service_code="pothole",
                                                 address_string="1 Elm St"), 429)


def _file(db, *, request_type="pothole", created: datetime, address="1 Elm St", status=None) -> str:
    with db.transaction() as session:
        resident = get_or_create_resident(session, channel="telegram", external_id="77", display_name="Wen Li")
        case = lifecycle.open_case(session, resident=resident, request_type=request_type, address=address,
                                   description="private words of the resident", now=created,
                                   answers={"condition": "dead"} if request_type == "animal" else None,
                                   reference_prefix="HY")
        if status:
            lifecycle.change_status(session, case=case, to_status=status, actor=Actor.STAFF, now=created,
                                    public_note=f"now {status}", internal_note="crew 7 only", **CITY)
        return case.reference


async def test_reading_requests_by_every_filter(client, db):
    now = datetime.now(timezone.utc)
    old = _file(db, created=now - timedelta(days=100))
    pothole = _file(db, created=now - timedelta(days=10))
    animal = _file(db, request_type="animal", created=now - timedelta(days=5), status="in_progress")
    closed = _file(db, created=now - timedelta(days=2), status="rejected")

    def ids(rows):
        return [row["service_request_id"] for row in rows]

    every = json_of(await client.get(f"{BASE}/requests.json"))
    assert ids(every) == [closed, animal, pothole]  # newest first; the last 90 days by default
    for row in every:
        assert REQUIRED_REQUEST_FIELDS <= set(row) <= REQUEST_FIELDS
        assert all(ISO_WITH_OFFSET.match(row[f]) for f in ("requested_datetime", "updated_datetime",
                                                            "expected_datetime"))
    by_id = {row["service_request_id"]: row for row in every}
    assert by_id[animal]["status"] == "open" and by_id[animal]["status_notes"] == "now in_progress"
    assert by_id[closed]["status"] == "closed" and by_id[pothole]["status"] == "open"
    assert "status_notes" not in by_id[pothole] and by_id[pothole]["agency_responsible"] == "Roads and Highways"

    async def get(query):
        return ids(json_of(await client.get(f"{BASE}/requests.json?{query}")))

    assert await get(f"service_request_id={old},{pothole.lower()}&status=closed") == [pothole, old]  # overrides
    assert await get("service_code=animal") == [animal]
    assert await get("service_code=animal,pothole") == [closed, animal, pothole]
    assert await get("status=open") == [animal, pothole]
    assert await get("status=closed") == [closed]
    assert await get("status=open,closed") == [closed, animal, pothole]
    start = (now - timedelta(days=120)).isoformat()
    end = (now - timedelta(days=40)).isoformat()
    assert await get(f"start_date={start.replace('+00:00', 'Z')}&end_date={end.replace('+', '%2B')}") == [old]
    assert await get(f"start_date={start}&end_date={end}") == [old]  # a "+" left unencoded reads as a space
    day = (now - timedelta(days=5)).astimezone(timezone(timedelta(hours=8)))
    assert await get(f"start_date={day.strftime('%Y-%m-%dT00:00:00')}") == [closed, animal]  # city time
    assert "90 days" in error_of(await client.get(f"{BASE}/requests.json?start_date=2026-01-01&end_date=2026-06-01"),
                                 400)
    assert "status" in error_of(await client.get(f"{BASE}/requests.json?status=pending"), 400)
    assert "start_date" in error_of(await client.get(f"{BASE}/requests.json?start_date=yesterday"), 400)
    root = xml(await client.get(f"{BASE}/requests.xml?service_code=animal"))
    [request] = root.findall("request")
    assert request.findtext("service_request_id") == animal and request.findtext("status") == "open"


async def test_reading_one_request(client, db):
    reference = _file(db, created=datetime.now(timezone.utc) - timedelta(days=200))  # older than 90 days
    [row] = json_of(await client.get(f"{BASE}/requests/{reference}.json"))
    assert row["service_request_id"] == reference and row["address"] == "1 Elm St"
    root = xml(await client.get(f"{BASE}/requests/{reference}.xml"))
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [reference]
    assert "HY-2020-00001" in error_of(await client.get(f"{BASE}/requests/HY-2020-00001.json"), 404)


async def test_at_most_a_thousand_requests_are_returned(client, db):
    now = datetime.now(timezone.utc)
    with db.transaction() as session:
        resident = Resident(channel="web", external_id="many", language="en", created_at=now)
        session.add_all(Case(reference=f"HY-2026-{n:05d}", resident=resident, request_type="pothole",
                             department="Roads and Highways", description="x", address="1 Elm St",
                             status="submitted", answers={}, created_at=now - timedelta(minutes=n),
                             due_at=now, updated_at=now) for n in range(1, 1006))
    rows = json_of(await client.get(f"{BASE}/requests.json"))
    assert len(rows) == 1000 and rows[0]["service_request_id"] == "HY-2026-00001"


async def test_tokens_are_never_issued(client):
    assert "realtime" in error_of(await client.get(f"{BASE}/tokens/abc.json"), 404)


async def test_a_request_posted_through_open311_is_worked_until_closed_and_read_back(client, db, api_key):
    [answer] = json_of(await post(client, api_key, service_code="streetlight", address_string="8 Mill Lane",
                                  description="Lamp 14 is out", first_name="Ann"))
    reference = answer["service_request_id"]
    for status, note in (("in_progress", "A crew is booked."), ("resolved", "New lamp fitted."),
                         ("closed_fixed", None)):
        with db.transaction() as session:
            lifecycle.change_status(session, case=queries.find_case(session, reference=reference), to_status=status,
                                    actor=Actor.STAFF, public_note=note, internal_note="ladder truck 3", **CITY)
        [row] = json_of(await client.get(f"{BASE}/requests/{reference}.json"))
        assert row["status"] == ("open" if status == "in_progress" else "closed")
    assert row["status_notes"] == "New lamp fitted."  # the latest public note
    with db.transaction() as session:  # the reporter is not ours to message: nothing queued for them
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


async def test_jurisdiction_is_checked_when_configured(db, tmp_path):
    settings = make_settings(database_url=db.url, media_dir=tmp_path / "m", open311_jurisdiction_id="city.gov")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings=settings, db=db)),
                                 base_url="http://testserver") as client:
        assert (await client.get(f"{BASE}/services.json?jurisdiction_id=city.gov")).status_code == 200
        assert (await client.get(f"{BASE}/services.json")).status_code == 200  # one jurisdiction: optional
        assert "other.gov" in error_of(await client.get(f"{BASE}/services.json?jurisdiction_id=other.gov"), 404)


async def test_a_description_and_a_photo_are_read_only_once_staff_publish_them(client, db, open311_settings):
    (open311_settings.media_dir / "web").mkdir(parents=True)
    (open311_settings.media_dir / "web" / "hole.png").write_bytes(b"\x89PNG-not-really")
    reference = _file(db, created=datetime.now(timezone.utc) - timedelta(days=1))
    with db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        case.photos.append(CasePhoto(path="web/hole.png", created_at=case.created_at))
    [row] = json_of(await client.get(f"{BASE}/requests/{reference}.json"))
    assert "description" not in row and "media_url" not in row
    with db.transaction() as session:
        amy = accounts.create_staff(session, username="amy", password="correct horse battery", role="agent",
                                    display_name="Amy")
        case = queries.find_case(session, reference=reference)
        publication.approve(session, case=case, staff=amy, description="A hole by the bus stop",
                            photo_ids=[case.photos[0].id])
    [row] = json_of(await client.get(f"{BASE}/requests/{reference}.json"))
    assert row["description"] == "A hole by the bus stop"
    assert re.fullmatch(r"http://testserver/board/photos/\d+", row["media_url"])
    assert (await client.get(row["media_url"])).content == b"\x89PNG-not-really"
    root = xml(await client.get(f"{BASE}/requests.xml"))
    assert root.find("request").findtext("description") == "A hole by the bus stop"
    assert root.find("request").findtext("media_url") == row["media_url"]
