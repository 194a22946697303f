"""Hostile inputs for the fuzz tests: what attackers, broken clients and odd keyboards send a channel."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# A case that belongs to someone else: its words must never reach the fuzzing resident.
VICTIM_SECRET = "VICTIM-7731"
VICTIM_ADDRESS = "13 Hidden Row"

# Rasa reads a leading slash as an intent with entities; these name our intents, Rasa's own and made-up ones.
_INTENTS = ["restart", "back", "session_start", "nlu_fallback", "share_photo", "share_location", "open_case",
            "cancel_request", "check_status", "chase_case", "rate_case", "set_language", "inform", "affirm",
            "talk_to_human", "report_pothole", "change_answer", "something_else", "action_open_case"]
_ENTITIES = [
    '{"photo":"../../../../etc/passwd"}', '{"photo":"web/../../huiyin.db"}', '{"latitude":91,"longitude":0}',
    '{"reference":"%(victim)s"}', '{"reference":"HY-2026-00001","rating":"1"}', '{"language":"xx"}',
    '{"request_type":"pothole","description":"<script>alert(1)</script>","address":"x"}',
    '{"case_id":"1"}', '{"field":"location"}', '{"rating":"0"}', '{"requested_slot":"confirm"}', "{", '{"a":',
]
_SLASHES = ["/", "／", "∕", "⁄", "\u2044", "\\", "/ ", "\u200b/", "\ufeff/", "\u202e/", "//"]
_TRICKS = [
    "'; DROP TABLE cases; --", "' OR '1'='1", "1; SELECT * FROM residents", "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}", "{reference}", "%s%s%n",
    "../../../../etc/passwd", "\x00", "\x1b[31m", "\r\n\r\nHTTP/1.1 200 OK", "\ud800", "\udfff", "\ud83d",
    "\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u0000\u0007\u007f", "\U0001f6a7", "人民路", "🙂",
    "status of %(victim_ref)s", "cancel %(victim_ref)s", "chase %(victim_ref)s", "#1", "No. 2", "第1号",
    "show my requests", "talk to a person", "there is a pothole outside 42 Park Lane", "yes", "confirm",
    "A" * 5000, "\n" * 50, " " * 10,
]


def _fill(template: str, victim_ref: str) -> str:
    return template.replace("%(victim_ref)s", victim_ref).replace("%(victim)s", victim_ref)


def slash_commands(victim_ref: str) -> st.SearchStrategy[str]:
    """`/intent{entities}` with look-alike slashes, invisible characters and broken JSON."""
    return st.builds(
        lambda slash, intent, entities: f"{slash}{intent}{_fill(entities, victim_ref)}",
        st.sampled_from(_SLASHES), st.sampled_from(_INTENTS), st.sampled_from(["", *_ENTITIES]))


def any_unicode() -> st.SearchStrategy[str]:
    """Any code points, lone surrogates and control characters included."""
    return st.text(st.characters(codec=None, exclude_categories=()), max_size=60)


def hostile_text(victim_ref: str) -> st.SearchStrategy[str]:
    """A message a resident could type, or an attacker could forge: pieces of tricks glued together."""
    piece = st.one_of(slash_commands(victim_ref), st.sampled_from(_TRICKS).map(lambda t: _fill(t, victim_ref)),
                      any_unicode())
    return st.lists(piece, min_size=1, max_size=4).map("".join)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def hostile_json_bodies(victim_ref: str) -> st.SearchStrategy[tuple[str, bytes]]:
    """(content type, body) pairs for JSON routes: wrong types, broken JSON, deep nesting, huge numbers."""
    values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                       hostile_text(victim_ref), st.lists(st.integers(), max_size=3),
                       st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))
    objects = st.dictionaries(st.sampled_from(["text", "payload", "latitude", "longitude", "photo", "x"]), values,
                              max_size=3).map(lambda d: json.dumps(d).encode())
    raw = st.one_of(
        st.sampled_from([b"", b"{", b"null", b"[]", b'"text"', b"1e999999", b'{"text": "\\ud800"}',
                         b'{"latitude": 1e400, "longitude": 0}', b'{"latitude": 99999999999999999999999, '
                         b'"longitude": 1}', _nested(15000).encode(), ('{"a":' * 5000 + "1" + "}" * 5000).encode(),
                         b"\xff\xfe\x00\x00", b'{"text": "a", "text": {"$gt": ""}}']),
        st.binary(max_size=64))
    content_types = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                     "application/x-www-form-urlencoded", "", "application/json\u0000"])
    return st.tuples(content_types, st.one_of(objects, raw))


def hostile_images() -> st.SearchStrategy[bytes]:
    """Bytes uploaded as a photo: polyglots, truncated headers, junk."""
    jpeg, png = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n"
    return st.one_of(
        st.sampled_from([jpeg + b"<html><script>alert(1)</script></html>", png + b"<svg onload=alert(1)>",
                         b"RIFF\x00\x00\x00\x00WEBPVP8 ", jpeg, png, b"", b"GIF89a", b"%PDF-1.4",
                         b"<?xml version='1.0'?><svg/>"]),
        st.builds(lambda head, tail: head + tail, st.sampled_from([jpeg, png, b""]), st.binary(max_size=256)))
