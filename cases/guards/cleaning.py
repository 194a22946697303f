"""Residents' text made safe to store and pass on: no lone surrogates, no invisible control characters."""

from __future__ import annotations

import unicodedata
from typing import Any, Optional

# Cc: control characters, Cf: format characters (zero-width, direction overrides), Cs: lone surrogates
# (they cannot be encoded as UTF-8, so a database write of one fails), Co/Cn: private use, unassigned.
DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
KEPT_CONTROLS = frozenset("\n\t")


def clean_text(text: Optional[str], *, keep_newlines: bool = True) -> str:
    """`text` without lone surrogates and control or format characters (newlines and tabs kept unless told).

    Every channel calls this where a resident's words enter (messages, captions, names, relayed live-chat
    text, survey comments), so nothing further in can fail on them or be fooled by invisible characters.
    """
    if not text:
        return ""
    if not isinstance(text, str):
        text = str(text)
    kept = KEPT_CONTROLS if keep_newlines else frozenset()
    return "".join(ch for ch in text if ch in kept or unicodedata.category(ch) not in DROPPED_CATEGORIES)


_SIMPLIFIED: list[Any] = []  # OpenCC's traditional-to-simplified converter, built on first use


def simplified(text: str) -> str:
    """`text` in simplified Chinese characters, character for character (same length, so offsets still hold).

    Residents from Hong Kong and Taiwan write traditional characters (信義路二段45號); places and referral
    keywords are matched in simplified ones. A text whose conversion would change its length, or that OpenCC
    cannot take (a lone surrogate cannot be encoded for it), is kept as written.
    """
    if not text or text.isascii():
        return text
    if not _SIMPLIFIED:
        import opencc

        _SIMPLIFIED.append(opencc.OpenCC("t2s"))
    try:
        converted = _SIMPLIFIED[0].convert(text)
    except UnicodeError:
        return text
    return converted if len(converted) == len(text) else text


def clean_line(text: Optional[str]) -> str:
    """`text` cleaned for a one-line field (a name, a title): whitespace runs, newlines too, become one space."""
    return " ".join(clean_text(text, keep_newlines=False).split())
