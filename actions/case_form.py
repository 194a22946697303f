"""The filing form's extraction and validation: which message answers which question, and is it usable."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.answers import (
    InvalidAnswer,
    address_in,
    clean_address,
    clean_description,
    entity_value,
    is_typed,
    parse_pin,
    pin_slots,
    place_from_photo,
    safe_photo_path,
)
from actions.conversation import REQUESTED_SLOT, latest_entities, latest_intent, latest_text
from actions.nearby import NEARBY_SLOT, OFFER_SLOT, offer_answer, offer_slots
from actions.questions import (
    ANSWERS_SLOT,
    CHOICE_ENTITY,
    CHOICE_INTENT,
    PROBLEM_RESPONSES,
    QUESTION_SLOT,
    answers_so_far,
    pending_questions,
)
from actions.runtime.deps import Deps, UsesCaseSystem
from cases.catalog import load_catalog
from cases.extract import vague_place
from cases.questions import LISTS
from cases.questions import InvalidAnswer as InvalidQuestionAnswer

# These interrupt the form (rules in nlu/en/rules.yml answer them); everything else the
# resident sends while the form is active is taken as an answer to the current question.
CONTROL_INTENTS = frozenset(
    {"cancel_request", "talk_to_human", "not_helping", "change_answer", "help", "check_status", "bot_challenge",
     "chase_case", "rate_case", "set_language", "follow_case", "ask_policy", "my_data", "forget_me"}
)
# Small talk answers no question; the question is asked again.
NOT_AN_ANSWER = frozenset({"greet", "goodbye", "thank", "affirm", "deny"})
SKIP_WORDS = frozenset({"skip", "skip it", "no photo", "no picture", "none", "no",
                        "跳过", "不用", "不用了", "没有", "没有照片", "不拍了"})
ATTACHMENTS = frozenset({"share_location", "share_photo"})
DomainDict = dict[str, Any]


def _answer(tracker: Tracker, slot: str) -> Optional[str]:
    """The latest message as the answer to the question about `slot`, or None if it is not one."""
    if tracker.get_slot(REQUESTED_SLOT) != slot:
        return None
    intent, text = latest_intent(tracker), latest_text(tracker)
    if intent in CONTROL_INTENTS or intent in ATTACHMENTS:
        return None  # attachments have their own extractors; control intents reject the form
    if not is_typed(text) and load_catalog().from_intent(intent) is not None:
        return None  # a request-type button switches the type (extract_request_type)
    return text


def _invalid(dispatcher: CollectingDispatcher, response: str, slot: str, **others: Any) -> dict[str, Any]:
    """Tell the resident why the answer was refused; the form asks again."""
    dispatcher.utter_message(response=response)
    return {slot: None, **others}


class ValidateCaseForm(UsesCaseSystem, FormValidationAction):
    """Fill and check `case_form`: request type, description, location, a case nearby to follow instead (when
    there is one), the type's questions, photo (or skip), confirmation."""

    def __init__(self, deps: Optional[Deps] = None) -> None:
        # None: no database to look for cases nearby (tests of the answers alone); the action server gives one.
        self.deps = deps  # type: ignore[assignment]

    def name(self) -> str:
        return "validate_case_form"

    async def run(self, dispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """A form step; when the next question is whether to follow a case nearby, first look for one."""
        events = await super().run(dispatcher, tracker, domain)
        asked = next((e.get("value") for e in reversed(events) if e.get("name") == REQUESTED_SLOT), None)
        if self.deps is None or asked != NEARBY_SLOT or tracker.get_slot(OFFER_SLOT):
            return events
        found = [SlotSet(name, value) for name, value in offer_slots(self.deps, tracker).items()]
        tracker.add_slots(found)
        if tracker.get_slot(NEARBY_SLOT) is None:  # a case to offer: the question stays the next one
            return events + found
        # Nothing nearby: straight on to the next question. Rasa takes the first `requested_slot` it is given,
        # so the one naming this question goes.
        others = [e for e in events if e.get("name") != REQUESTED_SLOT]
        return [*others, *found, await self.next_requested_slot(dispatcher, tracker, domain)]

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        """The form's questions; the type's own only while some are unanswered, the photo not again once skipped."""
        left_out = {"photo"} if tracker.get_slot("photo_skipped") else set()
        if self.deps is None:
            left_out.add(NEARBY_SLOT)
        if not pending_questions(tracker):
            left_out.add(QUESTION_SLOT)
        return [slot for slot in domain_slots if slot not in left_out]

    async def next_requested_slot(self, dispatcher, tracker: Tracker, domain: DomainDict) -> Optional[dict[str, Any]]:
        """The first unanswered question, always named here: the list changes while filing (the type's own
        questions), so Rasa's default (the domain's list) would not know it."""
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet(REQUESTED_SLOT, next((slot for slot in required if tracker.slots.get(slot) is None), None))

    # --- request type: set when filing starts; asked only after "change the type" ---

    async def extract_request_type(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A request-type button at any question, or the answer to the type question."""
        kind = load_catalog().from_intent(latest_intent(tracker))
        asked = tracker.get_slot(REQUESTED_SLOT) == "request_type"
        if kind is not None and (asked or not is_typed(latest_text(tracker))):
            return {"request_type": kind.code}
        answer = _answer(tracker, "request_type")
        return {} if answer is None else {"request_type": answer}

    def validate_request_type(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Only a type from the catalog."""
        if value in load_catalog():
            return {"request_type": value}
        return _invalid(dispatcher, "utter_pick_request_type", "request_type")

    # --- description: usually the message that started the report ---

    async def extract_description(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The answer to the description question."""
        answer = _answer(tracker, "description")
        return {} if answer is None else {"description": answer}

    def validate_description(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Trimmed, cut at the maximum length, and not small talk."""
        if tracker.get_slot(REQUESTED_SLOT) != "description":
            return {"description": value}  # taken from the first message, checked by action_start_report
        if latest_intent(tracker) in NOT_AN_ANSWER:
            return _invalid(dispatcher, "utter_invalid_description", "description")
        try:
            description = clean_description(value)
        except InvalidAnswer as refused:
            return _invalid(dispatcher, refused.response, "description")
        address = None if tracker.get_slot("location") else address_in(description)
        # A place named in the description answers the location question too.
        return {"description": description, **({"location": address} if address else {})}

    # --- location: a shared pin (at any step) or a typed address ---

    async def extract_location(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A shared pin at any question, or the answer to the location question."""
        if latest_intent(tracker) == "share_location":
            asked = tracker.get_slot(REQUESTED_SLOT) == "location"
            if asked or parse_pin(latest_entities(tracker)) is not None:
                return {"location": latest_text(tracker)}
            return {}
        answer = _answer(tracker, "location")
        return {} if answer is None else {"location": answer}

    def validate_location(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Coordinates in range, or an address of sensible length."""
        if latest_intent(tracker) == "share_location":
            pin = parse_pin(latest_entities(tracker))
            if pin is None:
                return _invalid(dispatcher, "utter_invalid_coordinates", "location", latitude=None, longitude=None)
            return pin_slots(pin)
        if tracker.get_slot(REQUESTED_SLOT) != "location":
            return {"location": value}  # a pin shared just before the report started
        if latest_intent(tracker) in NOT_AN_ANSWER:
            return _invalid(dispatcher, "utter_invalid_address", "location")
        try:
            address = clean_address(value)
        except InvalidAnswer as refused:
            return _invalid(dispatcher, refused.response, "location")
        if vague_place(address):  # "小区门口", "near my house": a crew could not find it
            return _invalid(dispatcher, "utter_location_vague", "location")
        return {"location": address, "latitude": None, "longitude": None}

    # --- a case of the same type nearby (actions/nearby.py): follow it (an intent of its own), or report anyway ---

    async def extract_nearby_choice(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The answer to the offer of a case nearby."""
        answer = _answer(tracker, NEARBY_SLOT)
        return {} if answer is None else {NEARBY_SLOT: offer_answer(tracker, latest_intent(tracker)) or answer}

    def validate_nearby_choice(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Only "Report mine anyway" (or a no) goes on; anything else shows the offer again."""
        if tracker.get_slot(REQUESTED_SLOT) != NEARBY_SLOT or value == "report":
            return {NEARBY_SLOT: value}
        return _invalid(dispatcher, "utter_nearby_use_buttons", NEARBY_SLOT)

    # --- the request type's questions (catalog), one at a time: a choice button, typed text, or skip ---

    async def extract_question_answer(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The answer to the question asked now (validated against the question below)."""
        answer = _answer(tracker, QUESTION_SLOT)
        return {} if answer is None else {QUESTION_SLOT: answer}

    def validate_question_answer(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Checked against the question's datatype and choices, kept in `answers`; skipped if optional."""
        pending = pending_questions(tracker)
        if tracker.get_slot(REQUESTED_SLOT) != QUESTION_SLOT or not pending:
            return {QUESTION_SLOT: None}
        question, intent, text = pending[0], latest_intent(tracker), latest_text(tracker)
        choice = entity_value(latest_entities(tracker), CHOICE_ENTITY) if intent == CHOICE_INTENT else None
        skipping = choice is None and (intent == "deny" or text.strip().lower() in SKIP_WORDS)
        try:
            if choice is not None:
                answer = question.check(choice)
            elif skipping and question.datatype not in LISTS:
                answer = None  # "no" to "which number plate?" skips; to a yes/no question it is the answer
            elif intent in NOT_AN_ANSWER and question.datatype not in LISTS:
                return {QUESTION_SLOT: None}  # "thanks" is not a number plate: the question is asked again
            else:
                answer = question.parse(text)
        except InvalidQuestionAnswer as refused:
            if not skipping:
                return _invalid(dispatcher, PROBLEM_RESPONSES.get(refused.problem, "utter_question_pick_choice"),
                                QUESTION_SLOT)
            answer = None
        if answer is None and question.required:
            return _invalid(dispatcher, "utter_question_required", QUESTION_SLOT)
        return {ANSWERS_SLOT: {**answers_so_far(tracker), question.code: answer}, QUESTION_SLOT: None}

    # --- photo: a shared photo (at any step), or skip ---

    async def extract_photo(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A shared photo at any question, or the answer to the photo question."""
        if latest_intent(tracker) == "share_photo":
            asked = tracker.get_slot(REQUESTED_SLOT) == "photo"
            if asked or safe_photo_path(entity_value(latest_entities(tracker), "photo")) is not None:
                return {"photo": latest_text(tracker)}
            return {}
        answer = _answer(tracker, "photo")
        return {} if answer is None else {"photo": answer}

    def validate_photo(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """A safe path under the media directory, or a skip."""
        if latest_intent(tracker) == "share_photo":
            path = safe_photo_path(entity_value(latest_entities(tracker), "photo"))
            if path is None:
                return _invalid(dispatcher, "utter_photo_expected", "photo")
            pin = parse_pin(latest_entities(tracker))  # the position in the photo's EXIF (bot/photos.py)
            if pin is None or tracker.get_slot("location"):
                return {"photo": path, "photo_skipped": False}
            return {"photo": path, "photo_skipped": False, **place_from_photo(dispatcher, pin)}
        if tracker.get_slot(REQUESTED_SLOT) != "photo":
            return {"photo": value}  # a photo shared just before the report started
        if latest_intent(tracker) == "deny" or latest_text(tracker).strip().lower() in SKIP_WORDS:
            return {"photo": None, "photo_skipped": True}
        address = address_in(latest_text(tracker)) if is_typed(latest_text(tracker)) else None
        if address:  # the place, typed where the photo was asked: it is the location; the photo is asked again
            dispatcher.utter_message(response="utter_location_noted", location=address)
            return {"photo": None, "location": address, "latitude": None, "longitude": None}
        return _invalid(dispatcher, "utter_photo_expected", "photo")

    # --- confirmation: the summary's answer ---

    async def extract_confirmed(self, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """The answer to the summary."""
        answer = _answer(tracker, "confirmed")
        return {} if answer is None else {"confirmed": answer}

    def validate_confirmed(self, value: Any, dispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        """Only an explicit yes files the report."""
        intent = latest_intent(tracker)
        if intent == "affirm":
            return {"confirmed": True}
        if intent == "deny":
            return _invalid(dispatcher, "utter_not_sent_yet", "confirmed")
        return _invalid(dispatcher, "utter_use_summary_buttons", "confirmed")
