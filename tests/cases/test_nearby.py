"""Someone already reported this: open cases of the same type near a pin or at the same street and number."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cases import lifecycle
from cases.catalog import DEFAULT_DUPLICATE_RADIUS_M, load_catalog, parse_catalog
from cases.nearby import address_key, distance_m, nearby_open_cases
from tests.cases.builders import T0, resident, staff
from tests.city import CITY

LAT, LON = 31.2304, 121.4737  # the first report's pin
NORTH_PER_METRE = 1 / 111_320  # degrees of latitude per metre


def filed(session, *, request_type="pothole", lat=LAT, lon=LON, address=None, who="1"):
    """A case filed by resident `who` at a pin (or, with `address`, at a typed address only)."""
    pin = {} if address else {"latitude": lat, "longitude": lon}
    return lifecycle.open_case(session, resident=resident(session, who), request_type=request_type,
                               description="a problem", address=address, answers_required=False,
                               reference_prefix="HY", now=T0, **pin)


def near(session, *, request_type="pothole", lat=LAT, lon=LON, address=None, limit=2):
    """References of the open cases nearby, nearest first."""
    found = nearby_open_cases(session, request_type=request_type, latitude=None if address else lat,
                              longitude=None if address else lon, address=address, now=T0 + timedelta(hours=1),
                              limit=limit)
    return [n.case.reference for n in found]


def test_same_type_nearby_is_found_nearest_first_with_its_distance(db):
    with db.transaction() as s:
        far_one = filed(s, lat=LAT + 20 * NORTH_PER_METRE, who="1").reference
        close_one = filed(s, lat=LAT + 5 * NORTH_PER_METRE, who="2").reference
        [first, second] = nearby_open_cases(s, request_type="pothole", latitude=LAT, longitude=LON, address=None,
                                            now=T0 + timedelta(hours=1), limit=2)
        assert [first.case.reference, second.case.reference] == [close_one, far_one]
        assert first.distance_m == pytest.approx(5, abs=0.1) and second.distance_m == pytest.approx(20, abs=0.1)
        assert near(s, limit=1) == [close_one]


def test_another_type_at_the_same_place_does_not_count(db):
    with db.transaction() as s:
        filed(s, request_type="streetlight")
        assert near(s, request_type="pothole") == []


def test_far_away_does_not_count_even_inside_the_box(db):
    with db.transaction() as s:
        # 24 m north and 24 m east: inside the 25 m box, 34 m away.
        east = 24 / (111_320 * 0.8553)
        filed(s, lat=LAT + 24 * NORTH_PER_METRE, lon=LON + east)
        filed(s, lat=LAT + 500 * NORTH_PER_METRE)
        assert near(s) == []


@pytest.mark.parametrize("to_status", ["resolved", "closed_not_fixed", "cancelled", "rejected"])
def test_a_case_no_longer_worked_on_does_not_count(db, to_status):
    with db.transaction() as s:
        case = filed(s)
        sue = staff(s, "sue", role="supervisor", department="Roads and Highways")
        actor = "resident" if to_status == "cancelled" else "staff"
        lifecycle.change_status(s, case=case, to_status=to_status, actor=actor, staff=sue if actor == "staff" else None,
                                now=T0 + timedelta(minutes=5), **CITY)
        assert near(s) == []


def test_acknowledged_and_in_progress_cases_count(db):
    with db.transaction() as s:
        case = filed(s)
        sue = staff(s, "sue", role="supervisor", department="Roads and Highways")
        lifecycle.change_status(s, case=case, to_status="in_progress", actor="staff", staff=sue,
                                now=T0 + timedelta(minutes=5), **CITY)
        assert near(s) == [case.reference]


def test_the_radius_is_the_types_own(db):
    with db.transaction() as s:
        pothole = filed(s, request_type="pothole", lat=LAT + 100 * NORTH_PER_METRE).reference
        noise = filed(s, request_type="noise", lat=LAT + 100 * NORTH_PER_METRE).reference
        assert near(s, request_type="pothole") == []  # 25 m for a pothole
        assert near(s, request_type="noise") == [noise]  # 150 m for noise
        assert pothole != noise


def test_catalog_radii_and_default():
    catalog = load_catalog()
    assert (catalog.get("pothole").duplicate_radius_m, catalog.get("noise").duplicate_radius_m,
            catalog.get("water_supply").duplicate_radius_m) == (25, 150, 200)
    assert catalog.get("other").duplicate_radius_m == DEFAULT_DUPLICATE_RADIUS_M == 50
    entry = "request_types: [{code: x, name: X, description: d, department: D, target_days: 1, duplicate_radius_m: %s}]"
    assert parse_catalog(entry % 10).get("x").duplicate_radius_m == 10
    with pytest.raises(ValueError):
        parse_catalog(entry % 0)


@pytest.mark.parametrize("first, second", [
    ("42 Park Road", "outside 42, park rd."),
    ("12 Hill Street", "12 HILL ST"),
    ("建设路128号对面", "在建设路１２８号"),
    ("在建设路１２８号", "建设路128号对面"),  # the one filed first has full-width digits
    ("４２ Park Road", "42 park rd"),
    ("建設路128號", "建设路 128 号"),
])
def test_same_street_and_number_without_coordinates_is_found(db, first, second):
    with db.transaction() as s:
        case = filed(s, address=first)
        assert near(s, address=second) == [case.reference]


@pytest.mark.parametrize("first, second", [
    ("42 Park Road", "43 Park Road"),
    ("42 Park Road", "42 Park Lane"),
    ("建设路128号", "建设路18号"),
    ("建设路128号", "解放路128号"),
])
def test_another_number_or_street_is_not_found(db, first, second):
    with db.transaction() as s:
        filed(s, address=first)
        assert near(s, address=second) == []


def test_an_address_of_another_type_or_closed_does_not_count(db):
    with db.transaction() as s:
        filed(s, request_type="streetlight", address="42 Park Road")
        closed = filed(s, address="42 Park Road")
        lifecycle.change_status(s, case=closed, to_status="cancelled", actor="resident", now=T0, **CITY)
        assert near(s, address="42 Park Road") == []


def test_address_key_and_distance():
    assert address_key("Park Road") is None and address_key("near my house") is None and address_key("") is None
    assert address_key("42 Park Road") == address_key("42 PARK RD") != address_key("42 Park Lane")
    assert distance_m(LAT, LON, LAT + 0.001, LON) == pytest.approx(111.2, abs=0.2)


def test_the_load_benchmark_gives_every_resident_an_address_of_their_own():
    # bench.load's residents must never meet "someone already reported this": a benchmark run after the warm-up
    # (or after another run) once counted those as errors.
    from bench.load import first_message

    messages = [first_message(n, tag) for tag in ("warm-up", "w20-1", "w100-2") for n in range(1, 101)]
    keys = [address_key(message.split("outside ")[1].split(",")[0]) for message in messages]
    assert len(set(keys)) == len(keys) and None not in keys
    assert first_message(7, "w20-1") == messages[106]  # the same resident keeps their address across turns
