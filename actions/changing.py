"""Changing an answer while filing a report ("change the location", "我要改一下地址"): which answer, and clearing
it so that the filing form asks it again."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import entity_value
from actions.conversation import latest_entities, latest_text
from actions.filing import FORM

# Which slots each answer lives in (change_answer's `field` entity; a few everyday aliases too).
FIELD_SLOTS = {
    "request_type": ("request_type", "nearby_choice", "nearby_offer"),  # another type: look for cases nearby again
    "description": ("description",),
    "location": ("location", "latitude", "longitude", "nearby_choice", "nearby_offer"),
    "photo": ("photo", "photo_skipped"),
    "answers": ("answers", "question_answer"),  # the request type's own questions, asked again
    "publication": ("publish_ok",),  # "Don't publish my words": set to false, not cleared
}
FIELD_ALIASES = {
    "type": "request_type", "category": "request_type", "address": "location", "place": "location",
    "picture": "photo", "image": "photo", "pic": "photo", "details": "description", "text": "description",
}
# Words for each answer in languages written without spaces, where the `field` lookup (which needs word
# boundaries) finds nothing: "我要改一下地址".
FIELD_WORDS_IN_TEXT = {
    "地址": "location", "位置": "location", "地点": "location", "照片": "photo", "图片": "photo", "相片": "photo",
    "描述": "description", "内容": "description", "说明": "description", "类型": "request_type",
    "类别": "request_type", "分类": "request_type", "补充": "answers",
}


def field_to_change(tracker: Tracker) -> Optional[str]:
    """The answer the resident wants to change (`field` entity), or None if they did not say."""
    value = str(entity_value(latest_entities(tracker), "field") or "").strip().lower()
    value = FIELD_ALIASES.get(value, value)
    if value in FIELD_SLOTS:
        return value
    text = latest_text(tracker) or ""
    return next((field for word, field in FIELD_WORDS_IN_TEXT.items() if word in text), None)


class ActionChangeAnswer(Action):
    """Change an answer while filing: clear it so the form asks again, or ask which one."""

    def name(self) -> str:
        return "action_change_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        if tracker.active_loop_name != FORM:
            dispatcher.utter_message(response="utter_nothing_to_change")
            return []
        field = field_to_change(tracker)
        if field is None:
            dispatcher.utter_message(response="utter_ask_which_change")
            return []
        if field == "publication":  # the summary comes back saying only the public facts will be shown
            return [SlotSet("publish_ok", False), SlotSet("confirmed", None)]
        # Clearing `confirmed` too brings the summary back once the new answer is in.
        return [SlotSet(name, None) for name in FIELD_SLOTS[field]] + [SlotSet("confirmed", None)]
