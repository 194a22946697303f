"""For tests of other features: a resident's first answer carries the privacy notice (bot/resident_data.py) as a
message of its own; these helpers leave it out so those tests look at the answer they are about."""

from __future__ import annotations

from typing import Any, TypeVar

T = TypeVar("T")
NOTICE_STARTS = ("Privacy: we keep your messages", "隐私说明：")


def is_notice(item: Any) -> bool:
    """Whether a sent message, a web chat reply or a text is the privacy notice."""
    text = item if isinstance(item, str) else item.get("text") if isinstance(item, dict) else item.text
    return (text or "").startswith(NOTICE_STARTS)


def without_notice(items: list[T]) -> list[T]:
    """`items` without the privacy notice."""
    return [item for item in items if not is_notice(item)]
