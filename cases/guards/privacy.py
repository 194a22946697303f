"""What logs may say about a resident: a short, stable pseudonym instead of any identifier."""

from __future__ import annotations

import hashlib
from typing import Optional

PSEUDONYM_LENGTH = 10


def pseudonym(identifier: Optional[object]) -> str:
    """A short hash of a sender id, chat id or session id, to tell residents apart in logs without naming them.

    The same identifier always gives the same pseudonym, so the lines of one conversation can be
    followed; the identifier itself (with which anyone could act as the resident) never appears.
    """
    if identifier is None or identifier == "":
        return "-"
    return hashlib.sha256(str(identifier).encode("utf-8", "surrogatepass")).hexdigest()[:PSEUDONYM_LENGTH]


def resident_tag(channel: str, external_id: object) -> str:
    """The pseudonym of a resident by channel identity: the same as `pseudonym` of their Rasa sender id."""
    return pseudonym(f"{channel}:{external_id}")
