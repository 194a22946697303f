"""Answering residents' questions about rules, permits and services from the policy database (cases/policies/)."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.conversation import language, latest_text
from actions.language import response_in
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologises, log_failure
from cases.clock import utcnow
from cases.policies import words
from cases.policies.asking import worth_asking
from cases.policies.matching import IndexCache, Match, answer_question

log = logging.getLogger(__name__)


def validity(match: Match, domain: dict, lang: str) -> str:
    """"Effective since …" and, when it expires, "valid until" its last day, in the resident's language."""
    entry = match.entry
    if entry.expires_on is None:
        return response_in(domain, "utter_policy_since", lang)["text"].format(effective=entry.effective_from)
    last_day = entry.expires_on - timedelta(days=1)  # expires_on is the first day it is no longer given
    return response_in(domain, "utter_policy_since_until", lang)["text"].format(
        effective=entry.effective_from, until=last_day)


POLICY_INTENT = "ask_policy"


def policy_confidence(message: dict) -> float:
    """NLU's confidence that a parsed message is a policy question, whatever intent it chose."""
    ranking = message.get("intent_ranking") or []
    return next((ranked.get("confidence") or 0.0 for ranked in ranking if ranked.get("name") == POLICY_INTENT), 0.0)


def may_ask_policy(tracker: Tracker) -> bool:
    """Whether the latest message may be a policy question although NLU chose another intent (see
    cases.policies.asking.worth_asking)."""
    message = tracker.latest_message or {}
    return worth_asking(message.get("text") or "", policy_confidence(message))


# One index per process (per database), shared by every action that asks the list; rebuilt only when staff
# change the answers.
_INDEX = IndexCache()


def warm(deps: Deps) -> None:
    """Load jieba's dictionary and build the index now (about a second together), before the server takes calls:
    otherwise the first resident to ask would wait for both. A database not yet set up is left to the first call."""
    words.warm()
    try:
        with deps.database().transaction() as session:
            _INDEX.index(session)
    except SQLAlchemyError as exc:
        log.warning("policy answers not indexed at start (%s); the first question will do it", type(exc).__name__)


class PolicyAnswers:
    """The policy database as the actions ask it: one index per process, rebuilt only when staff change it."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.cache = _INDEX

    def today(self) -> date:
        """Today in the city (answers take effect and expire by the city's calendar)."""
        return utcnow().astimezone(ZoneInfo(self.deps.settings.timezone)).date()

    def find(self, question: str) -> Optional[Match]:
        """The best live answer to the question, or None (also for a button payload)."""
        if not question or question.startswith("/"):
            return None
        with self.deps.database().transaction() as session:
            return answer_question(session, cache=self.cache, question=question, today=self.today())

    def find_or_none(self, question: str, doing: str) -> Optional[Match]:
        """`find`, for a caller with something else to offer: a failure is logged and counts as no answer."""
        try:
            return self.find(question)
        except Exception as error:  # noqa: BLE001 - the caller's own answer still helps; nothing is lost
            log_failure(f"looking up a policy answer ({doing})", error)
            return None

    def answer_instead_of_report(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> bool:
        """For a report put as a policy question (may_ask_policy): the answer that fits and a "Report it" button
        (the report intent again, so the report starts from this message); whether it was given."""
        intent = (tracker.latest_message or {}).get("intent", {}).get("name")
        if not intent or not may_ask_policy(tracker):
            return False
        match = self.find_or_none(latest_text(tracker), "before starting a report")
        if match is None:
            return False
        self.say(match, dispatcher, domain, language(tracker))
        dispatcher.utter_message(response="utter_policy_or_report", report_intent=intent)
        return True

    @staticmethod
    def say(match: Match, dispatcher: CollectingDispatcher, domain: dict, lang: str) -> None:
        """The answer with its title, source and dates, in the resident's language."""
        entry = match.entry
        dispatcher.utter_message(response="utter_policy_answer", title=entry.title_in(lang),
                                 answer=entry.answer_in(lang), source=entry.source_url or "—",
                                 validity=validity(match, domain, lang))


class ActionAnswerPolicy(UsesCaseSystem, Action):
    """The best live answer to the resident's question, with its source and dates; or the offer of a person."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.answers = PolicyAnswers(deps)

    def name(self) -> str:
        return "action_answer_policy"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        match = self.answers.find(latest_text(tracker))
        if match is None:
            in_form = (tracker.active_loop or {}).get("name") is not None
            dispatcher.utter_message(response="utter_policy_no_answer_in_form" if in_form else "utter_policy_no_answer")
            return []
        self.answers.say(match, dispatcher, domain, language(tracker))
        return []
