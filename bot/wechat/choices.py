"""Buttons on a channel without buttons: a reply's buttons become numbered choices, and a reply that is just a
number picks one.

WeChat's text messages carry no buttons, so "1. Report it / 2. Talk to a person / 回复数字选择" is shown instead, the
choices of the latest answer are kept on the resident's row (`residents.offered_choices`), and "2" (or "２", "2.")
goes to Rasa as the second button's payload. Links in the text stay links.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Optional

from bot import texts
from bot.rasa_client import Reply

Choice = tuple[str, str]  # (title, payload)
_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、)）]?\s*$")


def choices_in(replies: Sequence[Reply]) -> list[Choice]:
    """Every button of an answer, numbered in order across its replies (the first is 1)."""
    return [(button.title, button.payload) for reply in replies for button in reply.buttons]


def render(replies: Sequence[Reply], language: str) -> list[str]:
    """The answer as texts: each reply's text and image link, its buttons numbered on, the hint after the last."""
    rendered, number = [], 0
    last_with_buttons = max((i for i, reply in enumerate(replies) if reply.buttons), default=-1)
    for i, reply in enumerate(replies):
        lines = [reply.text] if reply.text else []
        if reply.image:
            lines.append(reply.image)
        if reply.buttons:
            options = []
            for button in reply.buttons:
                number += 1
                options.append(f"{number}. {button.title}")
            lines.append("\n".join(options))
        if i == last_with_buttons:
            lines.append(texts.text("choose_number", language))
        if lines:
            rendered.append("\n\n".join(lines))
    return rendered


def stored(choices: Sequence[Choice]) -> Optional[str]:
    """Choices as kept on the resident's row (None: nothing offered)."""
    return json.dumps([list(choice) for choice in choices], ensure_ascii=False) if choices else None


def loaded(value: Optional[str]) -> list[Choice]:
    """Choices as kept on the resident's row; none if the row holds nothing readable."""
    try:
        items = json.loads(value) if value else []
    except ValueError:
        return []
    return [(str(item[0]), str(item[1])) for item in items if isinstance(item, list) and len(item) == 2]


def chosen(text: str, choices: Sequence[Choice]) -> Optional[str]:
    """The payload of the choice a reply that is just its number picks, else None (then it is read as text)."""
    match = _NUMBER.match(unicodedata.normalize("NFKC", text or ""))
    if not match or not choices:
        return None
    number = int(match[1])
    return choices[number - 1][1] if 1 <= number <= len(choices) else None

