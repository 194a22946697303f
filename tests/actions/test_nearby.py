"""Someone already reported this: the filing form offers an open case nearby; follow it, or report anyway."""

from __future__ import annotations

from sqlalchemy import select

from actions.case_form import ValidateCaseForm
from actions.nearby import OFFER_SLOT, ActionAskNearbyChoice, ActionFollowCase
from actions.status import ActionCheckStatus
from cases import following, lifecycle, queries
from cases.models import CaseFollower, Resident
from cases.residents import mark_filing, resident_for_sender
from tests.actions.trackers import RESIDENT, responses, run, slots_set, tracker

FORM = "case_form"
LAT, LON = 31.2304, 121.4737
FIRST = "telegram:200"  # the resident who reported the pothole first
FILLED = {"request_type": "pothole", "description": "deep pothole"}


def first_report(db, *, sender=FIRST, request_type="pothole", lat=LAT, lon=LON, address=None) -> str:
    """A case already filed nearby (a pin, or a typed address); its reference."""
    with db.transaction() as session:
        pin = {} if address else {"latitude": lat, "longitude": lon}
        case = lifecycle.open_case(session, resident=resident_for_sender(session, sender), request_type=request_type,
                                   description="a hole", address=address, answers_required=False,
                                   reference_prefix="HY", **pin)
        return queries.reference_of(case)


def ended(events) -> bool:
    """Whether the events end the filing form."""
    return any(e["event"] == "active_loop" and e["name"] is None for e in events)


async def share_pin(deps, domain, lat=LAT + 0.0001, lon=LON, **slots):
    """The second resident shares a pin at the location question."""
    t = tracker("/share_location{...}", "share_location", ("latitude", lat), ("longitude", lon),
                slots={**FILLED, "requested_slot": "location", **slots}, form=FORM, domain=domain)
    return await run(ValidateCaseForm(deps), t, domain)


async def test_a_pin_near_an_open_case_of_the_same_type_asks_whether_to_follow_it(deps, backend_db, domain):
    reference = first_report(backend_db)
    events, _ = await share_pin(deps, domain)
    assert slots_set(events)[OFFER_SLOT] == [reference]
    assert slots_set(events)["requested_slot"] == "nearby_choice"


async def test_nothing_nearby_goes_straight_on_to_the_next_question(deps, backend_db, domain):
    first_report(backend_db, request_type="streetlight")  # another type at the same place
    first_report(backend_db, lat=LAT + 0.01)  # a pothole about 1 km away
    events, _ = await share_pin(deps, domain)
    assert slots_set(events) == {"location": "31.23050, 121.47370", "latitude": LAT + 0.0001, "longitude": LON,
                                 "nearby_choice": "none", "requested_slot": "photo"}
    # Rasa asks the first `requested_slot` it is given: only the photo is named.
    assert [e["value"] for e in events if e["name"] == "requested_slot"] == ["photo"]


async def test_a_typed_address_matches_the_same_street_and_number(deps, backend_db, domain):
    reference = first_report(backend_db, address="建设路128号对面")
    t = tracker("在建设路１２８号", "inform", slots={**FILLED, "requested_slot": "location"}, form=FORM, domain=domain)
    events, _ = await run(ValidateCaseForm(deps), t, domain)
    assert slots_set(events)[OFFER_SLOT] == [reference]


async def test_the_offer_shows_the_case_with_follow_and_report_anyway_buttons(deps, backend_db, domain):
    reference = first_report(backend_db)
    with backend_db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        neighbour = resident_for_sender(session, "telegram:300")
        following.follow_case(session, case=case, resident=neighbour, now=case.created_at)
    for lang, follow, anyway, count in (("en", "Follow this one", "Report mine anyway", "1 already follow it"),
                                        ("zh", "关注这条", "仍然提交我的", "已有 1 人关注")):
        t = tracker("/share_location{...}", "share_location", form=FORM, domain=domain,
                    slots={**FILLED, "latitude": LAT + 0.0001, "longitude": LON, OFFER_SLOT: [reference],
                           "requested_slot": "nearby_choice", "language": lang})
        _, dispatcher = await run(ActionAskNearbyChoice(deps), t, domain)
        [message] = dispatcher.messages
        assert message["response"] == "utter_nearby_offer"
        assert reference in message["cases"] and count in message["cases"]
        assert ("11 m" in message["cases"]) or ("11 米" in message["cases"])
        assert message["buttons"] == [{"title": follow, "payload": f'/follow_case{{"reference":"{reference}"}}'},
                                      {"title": anyway, "payload": "/deny"}]


async def test_their_own_case_nearby_is_told_as_already_reported(deps, backend_db, domain):
    reference = first_report(backend_db, sender=RESIDENT)
    events, _ = await share_pin(deps, domain)
    t = tracker("/share_location{...}", "share_location", form=FORM, domain=domain,
                slots={**FILLED, **slots_set(events)})
    _, dispatcher = await run(ActionAskNearbyChoice(deps), t, domain)
    [message] = dispatcher.messages
    assert message["response"] == "utter_nearby_own_case" and reference in message["cases"]
    assert message["buttons"][0]["payload"] == f'/follow_case{{"reference":"{reference}"}}'
    # "That's the one": nothing is followed (it is theirs) and the new report is dropped.
    t = tracker(message["buttons"][0]["payload"], "follow_case", ("reference", reference), form=FORM, domain=domain,
                slots={**FILLED, OFFER_SLOT: [reference], "requested_slot": "nearby_choice"})
    events, dispatcher = await run(ActionFollowCase(deps), t, domain)
    assert responses(dispatcher) == ["utter_nearby_own_kept"]
    assert ended(events)
    with backend_db.transaction() as session:
        assert session.scalars(select(CaseFollower)).all() == []


async def test_follow_records_the_follower_confirms_and_drops_the_report(deps, backend_db, domain):
    reference = first_report(backend_db)
    with backend_db.transaction() as session:
        mark_filing(session, resident=resident_for_sender(session, RESIDENT), filing=True)
    t = tracker(f'/follow_case{{"reference":"{reference}"}}', "follow_case", ("reference", reference), form=FORM,
                domain=domain, slots={**FILLED, "location": "31.23050, 121.47370", "latitude": LAT, "longitude": LON,
                                      OFFER_SLOT: [reference], "requested_slot": "nearby_choice"})
    events, dispatcher = await run(ActionFollowCase(deps), t, domain)
    [message] = dispatcher.messages
    assert (message["response"], message["reference"]) == ("utter_nearby_followed", reference)
    assert ended(events)
    cleared = slots_set(events)
    assert all(cleared[name] is None for name in ("request_type", "description", "location", OFFER_SLOT,
                                                  "nearby_choice", "requested_slot"))
    with backend_db.transaction() as session:
        follower = session.scalars(select(Resident).where(Resident.external_id == "100")).one()
        assert follower.filing_started_at is None  # as when a report is discarded
        case = queries.find_case(session, reference=reference)
        assert [r.id for r in queries.followers(session, case)] == [follower.id]
    await run(ActionFollowCase(deps), t, domain)  # pressed twice
    with backend_db.transaction() as session:
        assert len(session.scalars(select(CaseFollower)).all()) == 1


async def test_report_anyway_goes_on_with_the_form(deps, backend_db, domain):
    reference = first_report(backend_db)
    t = tracker("/deny", "deny", form=FORM, domain=domain,
                slots={**FILLED, "location": "31.23050, 121.47370", "latitude": LAT, "longitude": LON,
                       OFFER_SLOT: [reference], "requested_slot": "nearby_choice"})
    events, dispatcher = await run(ValidateCaseForm(deps), t, domain)
    assert slots_set(events) == {"nearby_choice": "report", "requested_slot": "photo"}
    assert dispatcher.messages == []
    with backend_db.transaction() as session:
        assert session.scalars(select(CaseFollower)).all() == []


async def test_something_else_at_the_offer_asks_for_a_button(deps, backend_db, domain):
    reference = first_report(backend_db)
    t = tracker("hmm what", "inform", form=FORM, domain=domain,
                slots={**FILLED, "location": "x", "latitude": LAT, "longitude": LON, OFFER_SLOT: [reference],
                       "requested_slot": "nearby_choice"})
    events, dispatcher = await run(ValidateCaseForm(deps), t, domain)
    assert responses(dispatcher) == ["utter_nearby_use_buttons"]
    assert slots_set(events) == {"nearby_choice": None, "requested_slot": "nearby_choice"}


async def test_a_case_not_offered_cannot_be_followed(deps, backend_db, domain):
    reference = first_report(backend_db)
    t = tracker(f'/follow_case{{"reference":"{reference}"}}', "follow_case", ("reference", reference), domain=domain)
    events, dispatcher = await run(ActionFollowCase(deps), t, domain)
    assert responses(dispatcher) == ["utter_nearby_nothing_to_follow"] and events == []
    with backend_db.transaction() as session:
        assert session.scalars(select(CaseFollower)).all() == []


async def test_a_case_closed_meanwhile_is_not_followed_and_the_report_goes_on(deps, backend_db, domain, settings):
    reference = first_report(backend_db)
    with backend_db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        lifecycle.change_status(session, case=case, to_status="cancelled", actor="resident",
                                timezone=settings.timezone, quiet_hours=deps.quiet_hours())
    t = tracker("/follow_case", "follow_case", ("reference", reference), form=FORM, domain=domain,
                slots={**FILLED, OFFER_SLOT: [reference], "requested_slot": "nearby_choice"})
    events, dispatcher = await run(ActionFollowCase(deps), t, domain)
    assert responses(dispatcher) == ["utter_nearby_closed"]
    assert slots_set(events) == {"nearby_choice": "none", OFFER_SLOT: None}
    assert any(e["event"] == "followup" and e["name"] == FORM for e in events) and not ended(events)


async def test_my_requests_lists_the_cases_followed(deps, backend_db, domain):
    reference = first_report(backend_db)
    with backend_db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        following.follow_case(session, case=case, resident=resident_for_sender(session, RESIDENT), now=case.created_at)
    for lang, mark in (("en", "(following)"), ("zh", "（关注中）")):
        _, dispatcher = await run(ActionCheckStatus(deps), tracker("my requests", "check_status", domain=domain,
                                                                   slots={"language": lang}), domain)
        [message] = dispatcher.messages
        assert message["response"] == "utter_active_cases"
        assert reference in message["cases"] and mark in message["cases"]


async def test_the_status_of_a_case_followed_is_told_and_of_one_not_followed_is_not(deps, backend_db, domain):
    reference = first_report(backend_db)
    ask = tracker(f"status of {reference}", "check_status", ("reference", reference), domain=domain)
    _, dispatcher = await run(ActionCheckStatus(deps), ask, domain)
    assert responses(dispatcher) == ["utter_case_not_found"]  # someone else's case: as if it did not exist
    with backend_db.transaction() as session:
        case = queries.find_case(session, reference=reference)
        following.follow_case(session, case=case, resident=resident_for_sender(session, RESIDENT), now=case.created_at)
    _, dispatcher = await run(ActionCheckStatus(deps), ask, domain)
    assert responses(dispatcher) == ["utter_case_status_open"] and dispatcher.messages[0]["reference"] == reference
