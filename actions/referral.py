"""Matters that are not the city's public-space work: say where to go instead, and file nothing.

A message taken as out of scope that no referral covers may still be a question staff have answered in the
policy database ("is the library open on Sunday"): that answer is given before the general out-of-scope one.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language
from actions.policy import PolicyAnswers
from actions.runtime.deps import Deps, UsesCaseSystem
from actions.runtime.errors import apologises
from cases.referrals import referral_for


class ActionRefer(UsesCaseSystem, Action):
    """The referral for what the resident asked (cases/referrals.yml), else a policy answer that fits, else the
    general out-of-scope answer."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.answers = PolicyAnswers(deps)

    def name(self) -> str:
        return "action_refer"

    @apologises()
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        topic = referral_for(text)
        if topic is not None:
            dispatcher.utter_message(response="utter_referral", referral=topic.answer_in(language(tracker)))
            return []
        match = self.answers.find(text)
        if match is not None:
            self.answers.say(match, dispatcher, domain, language(tracker))
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []
