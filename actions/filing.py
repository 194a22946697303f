"""Filing a report: start it, show the summary, file it, discard it, change an answer."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import (
    InvalidAnswer,
    address_in,
    clean_description,
    entity_value,
    is_typed,
    parse_pin,
    pin_slots,
    place_from_photo,
    safe_photo_path,
)
from actions.conversation import (
    button,
    earlier_user_messages,
    language,
    latest_intent,
    latest_text,
    message_entities,
    message_intent,
    reset_filing,
)
from actions.policy import PolicyAnswers
from actions.questions import answers_to_file, request_type_of, summary_lines
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologises, log_failure
from cases import lifecycle, outbox
from cases.catalog import load_catalog
from cases.guards.privacy import pseudonym
from cases.messages import format_date
from cases.residents import mark_filing, resident_for_sender

log = logging.getLogger(__name__)

FORM = "case_form"
# Earlier messages that may hold the description when a report starts from a button.
DESCRIBING_INTENTS = frozenset({"nlu_fallback", "inform", "out_of_scope"})
MAX_IDEMPOTENCY_KEY = 200
CHANGE_ANSWERS = {"zh": "修改补充信息"}
# What the summary says of publication on the public board, by language (English when missing).
PUBLICATION_NOTES = {
    "en": {True: "\nOnce staff check it, the description and photo may appear on the city's public board, "
                 "without your name.",
           False: "\nPublic board: only the type, place and progress; not your description or photo."},
    "zh": {True: "\n经工作人员审核后，问题描述和照片可能在城市公开栏展示，不会显示您的姓名。",
           False: "\n公开栏：只展示类别、地点和办理进度，不展示您的描述和照片。"},
}


@dataclass
class Context:
    """What the resident sent just before starting a report from a button or a typed message."""

    description: Optional[str] = None
    pin: Optional[tuple[float, float]] = None
    photo: Optional[str] = None
    photo_pin: Optional[tuple[float, float]] = None  # the position in that photo's EXIF


def context_before(tracker: Tracker) -> Context:
    """Photos and pins sent just before, and the typed message a menu button answers."""
    context = Context()
    for event in earlier_user_messages(tracker):
        intent, text = message_intent(event), event.get("text") or ""
        if intent == "share_photo":
            if context.photo is None:
                context.photo = safe_photo_path(entity_value(message_entities(event), "photo"))
                context.photo_pin = parse_pin(message_entities(event)) if context.photo else None
        elif intent == "share_location":
            context.pin = context.pin or parse_pin(message_entities(event))
        elif intent == "something_else":
            continue  # the button between a misunderstood message and the type the resident picked
        else:
            describing = intent in DESCRIBING_INTENTS or load_catalog().from_intent(intent) is not None
            if describing and is_typed(text):
                try:
                    context.description = clean_description(text)
                except InvalidAnswer:
                    pass
            break
    return context


def remember_filing(deps: Deps, sender_id: str, filing: bool) -> None:
    """Record durably whether this resident has a report in progress (Rasa keeps its answers in memory only)."""
    try:
        with deps.database().transaction() as session:
            mark_filing(session, resident=resident_for_sender(session, sender_id), filing=filing)
    except ValueError:  # not one of our channels' conversations (e.g. `rasa shell`)
        pass
    except Exception as error:  # noqa: BLE001 - the marker only improves an apology; the report itself goes on
        log_failure(f"recording the filing state of resident {pseudonym(sender_id)}", error)


class ActionStartReport(UsesCaseSystem, Action):
    """A report_<code> intent: start a fresh report of that type, its first message as the description.

    A report put as a question that may be a policy question ("the site next door pours concrete at 2am, are
    they allowed to?", actions.policy.may_ask_policy) gets the policy answer that fits, when one fits, and a
    button to report it after all (the report then starts from that message); no report is started.
    """

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.answers = PolicyAnswers(deps)

    def name(self) -> str:
        return "action_start_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if self.answers.answer_instead_of_report(dispatcher, tracker, domain):
            return [FollowupAction("action_listen")]  # no form: the resident reads the answer first
        remember_filing(self.deps, tracker.sender_id, True)
        events = reset_filing()
        kind = load_catalog().from_intent(latest_intent(tracker))
        if kind is not None:
            events.append(SlotSet("request_type", kind.code))
        context = context_before(tracker)
        description = context.description
        if is_typed(latest_text(tracker)):
            try:
                description = clean_description(latest_text(tracker))
            except InvalidAnswer:
                pass
            if kind is not None:
                # NLU chose the type: say which, so a wrong guess is fixed now, not at the summary.
                dispatcher.utter_message(response="utter_report_started", type_name=kind.name_in(language(tracker)))
        if description:
            events.append(SlotSet("description", description))
        if context.pin:
            events += [SlotSet(name, value) for name, value in pin_slots(context.pin).items()]
        elif description and (address := address_in(description)):
            # "pothole outside 42 Park Lane": the place is said, so the form does not ask for it (the
            # summary shows it, with "Change location").
            events.append(SlotSet("location", address))
        elif context.photo_pin:
            # No place given, but the photo sent just before has one.
            events += [SlotSet(name, value) for name, value in place_from_photo(dispatcher, context.photo_pin).items()]
        if context.photo:
            events.append(SlotSet("photo", context.photo))
        return events


def type_name(code: Optional[str], language: Optional[str] = "en") -> str:
    """The catalog name of a request type code, in the resident's language."""
    return load_catalog().type_name(code, language)


class ActionAskConfirmed(Action):
    """The filing form's last question: a summary of the report with Confirm / Change / Cancel buttons."""

    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        response = "utter_summary_with_photo" if tracker.get_slot("photo") else "utter_summary_without_photo"
        kind, lang = request_type_of(tracker), language(tracker)
        # The response's buttons, and one to answer the type's own questions again when it has some.
        buttons = [button(CHANGE_ANSWERS.get(lang, "Change details"), "change_answer", field="answers")
                   ] if kind and kind.questions else []
        dispatcher.utter_message(
            response=response,
            type_name=type_name(tracker.get_slot("request_type"), lang),
            description=tracker.get_slot("description") or "",
            location=tracker.get_slot("location") or "",
            details=summary_lines(tracker),
            publication=PUBLICATION_NOTES.get(lang, PUBLICATION_NOTES["en"])[slot_publish_ok(tracker)],
            buttons=buttons,
        )
        return []


def slot_publish_ok(tracker: Tracker) -> bool:
    """Whether the resident lets staff publish their description and photo (unless they said no)."""
    return tracker.get_slot("publish_ok") is not False


def back_to_summary() -> list[dict[str, Any]]:
    """Back to the summary with every answer kept, so pressing Confirm again retries."""
    return [SlotSet("confirmed", None), ActiveLoop(FORM)]


def idempotency_key(tracker: Tracker) -> str:
    """Confirming from the same point of the conversation files the case only once.

    The point is the conversation session (when it started), how far it had come and what the resident
    sent; not Rasa's message id, which is new each time: a confirmation sent again because its turn failed
    to be saved (the apology) arrives on the same conversation, at the same point, with a new id.
    """
    started = next((event.get("timestamp") for event in reversed(tracker.events)
                    if event.get("event") == "session_started"), None)
    point = hashlib.sha256(f"{started}|{len(tracker.events)}|{latest_text(tracker)}".encode()).hexdigest()[:32]
    key = f"{tracker.sender_id}:{point}"
    if len(key) > MAX_IDEMPOTENCY_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


class ActionOpenCase(UsesCaseSystem, Action):
    """The resident confirmed: file the case and give them its reference, department and due date."""

    def name(self) -> str:
        return "action_open_case"

    # Whatever failed, the resident must not lose the report.
    @apologises(on_failure=lambda tracker: back_to_summary())
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        slot, lang = tracker.get_slot, language(tracker)
        settings = self.deps.settings
        with self.deps.database().transaction() as session:
            case = lifecycle.open_case(
                session,
                resident=resident_for_sender(session, tracker.sender_id),
                request_type=slot("request_type"),
                description=slot("description"),
                latitude=slot("latitude"),
                longitude=slot("longitude"),
                address=None if slot("latitude") is not None else slot("location"),
                photos=[slot("photo")] if slot("photo") else [],
                answers=answers_to_file(tracker),
                publish_allowed=slot_publish_ok(tracker),
                idempotency_key=idempotency_key(tracker),
                reference_prefix=settings.reference_prefix,
            )
            # The reply below carries the reference; if the channel never delivers it (the bot dies
            # first), this held push does, once (cancelled when the channel confirms delivery).
            outbox.queue_receipt(session, case=case, delay_seconds=settings.receipt_delay_seconds,
                                 timezone=settings.timezone)
            mark_filing(session, resident=case.resident, filing=False)
            kind = load_catalog().get(case.request_type)
            link = f"\n{settings.board_public_url.rstrip('/')}/board/cases/{case.reference}?lang={lang}"
            filed = dict(reference=case.reference, type_name=kind.name_in(lang),
                         department=kind.department_in(lang), due_date=format_date(case.due_at, settings.timezone),
                         board_link=link if settings.board_public_url else "")
        dispatcher.utter_message(response="utter_case_opened", **filed)
        return reset_filing()


class ActionDiscardReport(UsesCaseSystem, Action):
    """Cancel while filing: forget the report; nothing was filed."""

    def name(self) -> str:
        return "action_discard_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        remember_filing(self.deps, tracker.sender_id, False)
        dispatcher.utter_message(response="utter_report_discarded")
        return [ActiveLoop(None), *reset_filing()]
