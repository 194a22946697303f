"""The satisfaction answer: a rating from the survey's buttons, then an optional comment."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions.answers import entity_value, is_typed
from actions.conversation import REQUESTED_SLOT, latest_entities, latest_intent, latest_text
from actions.runtime.deps import UsesCaseSystem
from actions.runtime.errors import apologises
from cases.followup import survey
from cases.guards.cleaning import clean_text
from cases.queries import CaseNotFound
from cases.references import normalise_reference
from cases.residents import resident_for_sender

# Typed answers to "Please type your comment" that mean "no comment after all".
NO_COMMENT_INTENTS = frozenset({"deny", "cancel_request"})
MAX_WORDS_OF_A_NO = 4


def rating_in_message(tracker: Tracker) -> tuple[Optional[str], Optional[int]]:
    """The case reference and the 1-5 rating a survey button sent, or None for what is missing or wrong."""
    entities = latest_entities(tracker)
    reference = entity_value(entities, "reference")
    rating = entity_value(entities, "rating")
    try:
        rating = int(str(rating).strip())
    except ValueError:
        rating = None
    return (normalise_reference(str(reference)) if reference else None,
            rating if rating is not None and 1 <= rating <= 5 else None)


class ActionRateCase(UsesCaseSystem, Action):
    """Record a rating: 3-5 closes the case as fixed, 1-2 reopens it; then offer to add a comment."""

    def name(self) -> str:
        return "action_rate_case"

    @apologises(on_failure=lambda tracker: [SlotSet("survey_reference", None)])
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        reference, rating = rating_in_message(tracker)
        if reference is None or rating is None:  # typed ("5 stars"): the buttons say which case
            dispatcher.utter_message(response="utter_rate_with_buttons")
            return [SlotSet("survey_reference", None)]
        try:
            with self.deps.database().transaction() as session:
                resident = resident_for_sender(session, tracker.sender_id)
                survey.record_rating(session, resident=resident, reference=reference, rating=rating,
                                     timezone=self.deps.settings.timezone, quiet_hours=self.deps.quiet_hours())
        # Someone else's reference gets the very same answer as a wrong one.
        except CaseNotFound:
            dispatcher.utter_message(response="utter_case_not_found", reference=reference)
            return [SlotSet("survey_reference", None)]
        except survey.SurveyNotOpen:
            dispatcher.utter_message(response="utter_survey_not_open", reference=reference)
            return [SlotSet("survey_reference", None)]
        dispatcher.utter_message(response="utter_rating_thanks" if rating >= 3 else "utter_rating_sorry",
                                 reference=reference)
        if tracker.active_loop_name is None:  # in the middle of a report, its question comes back instead
            dispatcher.utter_message(response="utter_offer_survey_comment")
        return [SlotSet("survey_reference", reference)]


def comment_done() -> list[dict[str, Any]]:
    """The survey comment's slots cleared: whatever happened to the comment, the form is over."""
    return [SlotSet("survey_comment", None), SlotSet("survey_reference", None), SlotSet(REQUESTED_SLOT, None)]


class ValidateSurveyCommentForm(FormValidationAction):
    """The comment after a rating: any typed words; "no" or a pressed button means no comment."""

    def name(self) -> str:
        return "validate_survey_comment_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> list[str]:
        """Nothing to ask when no rating was taken just before (the form then ends at once)."""
        return domain_slots if tracker.get_slot("survey_reference") else []

    def validate_survey_comment(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: dict) -> dict[str, Any]:
        """Typed words are the comment (cut at the maximum length); "" stands for "no comment"."""
        text = clean_text(latest_text(tracker)).strip()
        said_no = latest_intent(tracker) in NO_COMMENT_INTENTS and len(text.split()) <= MAX_WORDS_OF_A_NO
        if not is_typed(text) or said_no:
            return {"survey_comment": ""}
        if not any(character.isalnum() for character in text):
            dispatcher.utter_message(response="utter_invalid_survey_comment")
            return {"survey_comment": None}
        return {"survey_comment": text[:survey.MAX_COMMENT]}


class ActionSaveSurveyComment(UsesCaseSystem, Action):
    """Add the resident's comment to the survey they just answered."""

    def name(self) -> str:
        return "action_save_survey_comment"

    @apologises(on_failure=lambda tracker: comment_done())
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        reference, comment = tracker.get_slot("survey_reference"), tracker.get_slot("survey_comment")
        done = comment_done()
        if not reference:
            dispatcher.utter_message(response="utter_rate_with_buttons")
            return done
        if not comment:
            dispatcher.utter_message(response="utter_survey_no_comment")
            return done
        try:
            with self.deps.database().transaction() as session:
                resident = resident_for_sender(session, tracker.sender_id)
                survey.add_comment(session, resident=resident, reference=reference, comment=comment)
        except CaseNotFound:
            dispatcher.utter_message(response="utter_case_not_found", reference=reference)
            return done
        except survey.SurveyNotOpen:
            dispatcher.utter_message(response="utter_survey_not_open", reference=reference)
            return done
        dispatcher.utter_message(response="utter_survey_comment_saved")
        return done
