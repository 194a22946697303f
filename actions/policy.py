"""Answering residents' questions about rules, permits and services from the policy database (cases/policies/)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language, latest_text
from actions.language import response_in
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologises
from cases.clock import utcnow
from cases.policies.matching import IndexCache, Match, answer_question


def validity(match: Match, domain: dict, lang: str) -> str:
    """"Effective since …" and, when it expires, "valid until" its last day, in the resident's language."""
    entry = match.entry
    if entry.expires_on is None:
        return response_in(domain, "utter_policy_since", lang)["text"].format(effective=entry.effective_from)
    last_day = entry.expires_on - timedelta(days=1)  # expires_on is the first day it is no longer given
    return response_in(domain, "utter_policy_since_until", lang)["text"].format(
        effective=entry.effective_from, until=last_day)


class ActionAnswerPolicy(UsesCaseSystem, Action):
    """The best live answer to the resident's question, with its source and dates; or the offer of a person."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.cache = IndexCache()  # the index is built once and rebuilt only when staff change the answers

    def name(self) -> str:
        return "action_answer_policy"

    def today(self) -> date:
        """Today in the city (answers take effect and expire by the city's calendar)."""
        return utcnow().astimezone(ZoneInfo(self.deps.settings.timezone)).date()

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        lang, question = language(tracker), latest_text(tracker)
        match: Optional[Match] = None
        if question and not question.startswith("/"):
            with self.deps.database().transaction() as session:
                match = answer_question(session, cache=self.cache, question=question, today=self.today())
        if match is None:
            in_form = (tracker.active_loop or {}).get("name") is not None
            dispatcher.utter_message(response="utter_policy_no_answer_in_form" if in_form else "utter_policy_no_answer")
            return []
        entry = match.entry
        dispatcher.utter_message(response="utter_policy_answer", title=entry.title_in(lang),
                                 answer=entry.answer_in(lang), source=entry.source_url or "—",
                                 validity=validity(match, domain, lang))
        return []
