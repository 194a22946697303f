"""Someone already reported this: while filing, offer an open case of the same type nearby to follow instead."""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import button, language, latest_entities, reset_filing
from actions.filing import FORM, type_name
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologises, log_failure
from cases import following, queries
from cases.clock import utcnow
from cases.guards.privacy import pseudonym
from cases.messages import format_date, status_label
from cases.models import Case
from cases.nearby import distance_m, nearby_open_cases
from cases.residents import mark_filing, resident_for_sender

log = logging.getLogger(__name__)

NEARBY_SLOT = "nearby_choice"  # the form's slot: "report" (report mine anyway) or "none" (nothing nearby)
OFFER_SLOT = "nearby_offer"  # the references offered to follow
MAX_OFFERED = 2
# "Report mine anyway" answers the offer like a "no" typed to it.
REPORT_ANYWAY = "/deny"
TEXTS = {
    "en": {"follow": "Follow this one", "follow_ref": "Follow {reference}", "anyway": "Report mine anyway",
           "own": "That's the one", "followers": "{count} already follow it", "away": "about {metres} m away",
           "reported": "reported {date}"},
    "zh": {"follow": "关注这条", "follow_ref": "关注 {reference}", "anyway": "仍然提交我的",
           "own": "就是这条", "followers": "已有 {count} 人关注", "away": "距离约 {metres} 米",
           "reported": "{date} 反映"},
}


def _texts(lang: str) -> dict[str, str]:
    return TEXTS.get(lang, TEXTS["en"])


def offer_slots(deps: Deps, tracker: Tracker) -> dict[str, Any]:
    """After looking for open cases like the one being filed: the references to offer, or "none" found.

    A failed look-up offers nothing: the offer only saves a duplicate, the report itself must go on."""
    slot = tracker.get_slot
    pinned = slot("latitude") is not None and slot("longitude") is not None
    try:
        with deps.database().transaction() as session:
            found = nearby_open_cases(session, request_type=slot("request_type"), latitude=slot("latitude"),
                                      longitude=slot("longitude"), address=None if pinned else slot("location"),
                                      now=utcnow(), limit=MAX_OFFERED)
            references = [queries.reference_of(n.case) for n in found]
    except Exception as error:  # noqa: BLE001 - see the docstring
        log_failure(f"looking for cases near the report of {pseudonym(tracker.sender_id)}", error)
        references = []
    return {OFFER_SLOT: references} if references else {NEARBY_SLOT: "none"}


def offer_answer(tracker: Tracker, intent: Optional[str]) -> Optional[str]:
    """The answer to the offer: "report" for "Report mine anyway" (or a typed no), else None (asked again)."""
    return "report" if intent == "deny" else None


def case_line(case: Case, tracker: Tracker, lang: str, timezone: str, followers: int) -> str:
    """One offered case: reference, type, where, when reported, status, how many follow it."""
    texts = _texts(lang)
    lat, lon = tracker.get_slot("latitude"), tracker.get_slot("longitude")
    if case.latitude is not None and case.longitude is not None and lat is not None and lon is not None:
        where = texts["away"].format(metres=round(distance_m(lat, lon, case.latitude, case.longitude)))
    else:
        where = case.address or ""
    parts = [queries.reference_of(case), type_name(case.request_type, lang), where,
             texts["reported"].format(date=format_date(case.created_at, timezone)), status_label(case.status, lang)]
    if followers:
        parts.append(texts["followers"].format(count=followers))
    return " · ".join(part for part in parts if part)


class ActionAskNearbyChoice(UsesCaseSystem, Action):
    """Show the open cases of the same type nearby with Follow / Report mine anyway (their own: already reported)."""

    def name(self) -> str:
        return "action_ask_nearby_choice"

    @apologises(on_failure=lambda tracker: [SlotSet(NEARBY_SLOT, "none")])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        lang, timezone = language(tracker), self.deps.settings.timezone
        texts = _texts(lang)
        with self.deps.database().transaction() as session:
            resident = resident_for_sender(session, tracker.sender_id)
            cases = [queries.find_case(session, reference=ref) for ref in tracker.get_slot(OFFER_SLOT) or []]
            counts = following.follower_counts(session, case_ids=[c.id for c in cases])
            own = [c for c in cases if c.resident_id == resident.id]
            shown = own[:1] or cases
            lines = "\n".join(case_line(c, tracker, lang, timezone, counts.get(c.id, 0)) for c in shown)
            references = [queries.reference_of(c) for c in shown]
        if own:
            buttons = [button(texts["own"], "follow_case", reference=references[0])]
        elif len(references) == 1:
            buttons = [button(texts["follow"], "follow_case", reference=references[0])]
        else:
            buttons = [button(texts["follow_ref"].format(reference=ref), "follow_case", reference=ref)
                       for ref in references]
        buttons.append({"title": texts["anyway"], "payload": REPORT_ANYWAY})
        dispatcher.utter_message(response="utter_nearby_own_case" if own else "utter_nearby_offer", cases=lines,
                                 buttons=buttons)
        return []


def _back_to_form(tracker: Tracker, *events: dict[str, Any]) -> list[dict[str, Any]]:
    """Go on with the report being filed (if one is), where it was."""
    return [*events, FollowupAction(FORM)] if tracker.active_loop_name == FORM else list(events)


class ActionFollowCase(UsesCaseSystem, Action):
    """"Follow this one": follow the offered case and drop the report in progress (their own case: just drop it)."""

    def name(self) -> str:
        return "action_follow_case"

    @apologises(on_failure=lambda tracker: _back_to_form(tracker))
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        offered = tracker.get_slot(OFFER_SLOT) or []
        chosen = next((e.get("value") for e in latest_entities(tracker) if e.get("entity") == "reference"), None)
        # Only a case offered in this report: a made-up `/follow_case{...}` must not subscribe anyone to any case.
        reference = chosen if chosen in offered else (offered[0] if offered and chosen is None else None)
        if reference is None:
            dispatcher.utter_message(response="utter_nearby_nothing_to_follow")
            return _back_to_form(tracker)
        lang = language(tracker)
        with self.deps.database().transaction() as session:
            resident = resident_for_sender(session, tracker.sender_id)
            case = queries.find_case(session, reference=reference)
            try:
                follower = following.follow_case(session, case=case, resident=resident, now=utcnow())
            except following.NotFollowable:
                reply = ("utter_nearby_closed", {"reference": reference})
            else:
                mark_filing(session, resident=resident, filing=False)
                reply = ("utter_nearby_followed" if follower is not None else "utter_nearby_own_kept",
                         {"reference": reference, "type_name": type_name(case.request_type, lang)})
        response, values = reply
        dispatcher.utter_message(response=response, **values)
        if response == "utter_nearby_closed":
            return _back_to_form(tracker, SlotSet(NEARBY_SLOT, "none"), SlotSet(OFFER_SLOT, None))
        return [ActiveLoop(None), *reset_filing()]
