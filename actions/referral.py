"""Matters that are not the city's public-space work: say where to go instead, and file nothing."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import language
from cases.referrals import referral_for


class ActionRefer(Action):
    """The referral for what the resident asked (cases/referrals.yml), or the general out-of-scope answer."""

    def name(self) -> str:
        return "action_refer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        topic = referral_for(tracker.latest_message.get("text") or "")
        if topic is None:
            dispatcher.utter_message(response="utter_out_of_scope")
        else:
            dispatcher.utter_message(response="utter_referral", referral=topic.answer_in(language(tracker)))
        return []
