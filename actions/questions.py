"""A request type's extra questions in the filing form (cases/catalog.yml `questions`): ask, read, summarise."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import button, language
from cases.catalog import RequestType, load_catalog
from cases.questions import Question

QUESTION_SLOT = "question_answer"
ANSWERS_SLOT = "answers"
# A choice button sends `/inform{"choice":"<key>"}`; Skip sends /deny, like the photo's.
CHOICE_INTENT, CHOICE_ENTITY = "inform", "choice"
SKIP_TITLES = {"zh": "跳过"}
# How each problem of cases.questions.InvalidAnswer is told to the resident.
PROBLEM_RESPONSES = {
    "required": "utter_question_required",
    "choice": "utter_question_pick_choice",
    "number": "utter_question_number",
    "datetime": "utter_question_datetime",
    "too_long": "utter_question_too_long",
}


def request_type_of(tracker: Tracker) -> Optional[RequestType]:
    """The request type being filed, if the form has one from the catalog."""
    code = tracker.get_slot("request_type")
    catalog = load_catalog()
    return catalog.get(code) if code in catalog else None


def answers_so_far(tracker: Tracker) -> dict[str, Any]:
    """{question code: answer, or None if skipped} for the questions answered in this report."""
    value = tracker.get_slot(ANSWERS_SLOT)
    return dict(value) if isinstance(value, dict) else {}


def pending_questions(tracker: Tracker) -> list[Question]:
    """The request type's questions not yet answered or skipped, in order."""
    kind = request_type_of(tracker)
    answered = answers_so_far(tracker)
    return [q for q in kind.questions if q.code not in answered] if kind else []


def answers_to_file(tracker: Tracker) -> dict[str, Any]:
    """The answers to store on the case: those of the current type's questions, skips left out."""
    kind = request_type_of(tracker)
    codes = {q.code for q in kind.questions} if kind else set()
    return {code: value for code, value in answers_so_far(tracker).items() if code in codes and value is not None}


def summary_lines(tracker: Tracker) -> str:
    """The answers as lines for the summary ("" when there are none), each after a newline."""
    kind, lang = request_type_of(tracker), language(tracker)
    answers = answers_to_file(tracker)
    if kind is None:
        return ""
    return "".join(f"\n{q.text_in(lang)} {q.show(answers[q.code], lang)}" for q in kind.questions if q.code in answers)


class ActionAskQuestionAnswer(Action):
    """Ask the next of the request type's questions: choices as buttons, Skip when it is optional."""

    def name(self) -> str:
        return "action_ask_question_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        pending = pending_questions(tracker)
        if not pending:
            return []  # nothing to ask: the form moves on at the next validation
        question, lang = pending[0], language(tracker)
        buttons = [button(choice.name_in(lang), CHOICE_INTENT, **{CHOICE_ENTITY: choice.key})
                   for choice in question.choices]
        if not question.required:
            buttons.append({"title": SKIP_TITLES.get(lang, "Skip"), "payload": "/deny"})
        dispatcher.utter_message(text=question.text_in(lang), buttons=buttons)
        return []
