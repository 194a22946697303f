"""Validate action server answers with a JSON Schema validator built once, not once per answer.

Rasa checks every answer of the action server against a fixed schema with `jsonschema.validate(result,
schema)` (`RemoteAction._validate_action_result`). That function first checks the schema itself against the
JSON Schema meta-schema, on every call: measured under load, about 59 ms of a 61 ms check, and 63% of the
Rasa process's time. Here the schema is checked once and its validator reused, which reports exactly the
errors `jsonschema.validate` would (the best match of the same validator's errors).

Valid answers (all of ours, in practice) take a faster path still: the events' `oneOf` over 23 event
types made each event be checked against every type; `ActionResponseCheck` checks each event against its
own type's schema only, which accepts exactly what `oneOf` accepts (the types are told apart by a
constant `event` name, so at most one can match). Anything it does not accept is validated again in
full, so errors are unchanged.

Safe because the schema is Rasa's own constant (`RemoteAction.action_response_format_spec()`), so checking
it once is as good as checking it every time; and the answers come from our own action server, which is
still validated in full: an answer that does not fit still raises the same `ValidationError` with the same
message.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any, Optional

import jsonschema
from jsonschema.exceptions import best_match

_ORIGINAL = "_huiyin_original_validate_action_result"


@functools.lru_cache(maxsize=8)
def _validator(schema_json: str) -> Any:
    """The validator for a schema (given as canonical JSON), its schema checked against the meta-schema once."""
    schema = json.loads(schema_json)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validator_for(schema: dict) -> Any:
    """A reusable validator for `schema`: the same one for equal schemas."""
    return _validator(json.dumps(schema, sort_keys=True))


def validate(instance: Any, schema: dict) -> None:
    """`jsonschema.validate(instance, schema)` without checking the schema again: raises the same error."""
    error = best_match(validator_for(schema).iter_errors(instance))
    if error is not None:
        raise error


class ActionResponseCheck:
    """Accepts exactly the answers the action response schema accepts, checking each event against its type only.

    Built from the schema itself: `{"properties": {"events": {"items": {..., "oneOf": [one schema per event
    type, each with a constant "event"]}}}}`. If the schema is not of that shape, `accepts` is None and
    callers validate in full.
    """

    def __init__(self, schema: dict) -> None:
        self.accepts: Optional[Callable[[Any], bool]] = None
        try:
            items = schema["properties"]["events"]["items"]
            alternatives = items["oneOf"]
            names = [alternative["properties"]["event"]["const"] for alternative in alternatives]
        except (KeyError, TypeError):
            return
        if len(set(names)) != len(names):
            return
        base_items = {key: value for key, value in items.items() if key != "oneOf"}
        outer = {**schema, "properties": {**schema["properties"],
                                          "events": {**schema["properties"]["events"], "items": base_items}}}
        self._outer = validator_for(outer)
        self._per_event = {name: validator_for(alternative)
                           for name, alternative in zip(names, alternatives, strict=True)}
        self.accepts = self._accepts

    def _accepts(self, response: Any) -> bool:
        if not self._outer.is_valid(response):
            return False
        events = response.get("events") if isinstance(response, dict) else None
        for event in events if isinstance(events, list) else ():
            check = self._per_event.get(event["event"])  # the outer schema made it an object with a string "event"
            if check is None or not check.is_valid(event):
                return False
        return True


def install() -> None:
    """Make Rasa's action-answer check use the reusable validator (once; installing again changes nothing)."""
    from rasa.core.actions.action import RemoteAction

    if hasattr(RemoteAction, _ORIGINAL):
        return
    from rasa.shared.constants import DOCS_BASE_URL

    setattr(RemoteAction, _ORIGINAL, RemoteAction._validate_action_result)
    spec = RemoteAction.action_response_format_spec()
    validator_for(spec)  # built now, before the first resident waits
    fast = ActionResponseCheck(spec).accepts

    def _validate_action_result(self: RemoteAction, result: dict) -> bool:
        if fast is not None and fast(result):
            return True
        try:
            validate(result, self.action_response_format_spec())
        except jsonschema.ValidationError as e:  # the message Rasa adds, word for word
            e.message += (
                f". Failed to validate Action server response from API, "
                f"make sure your response from the Action endpoint is valid. "
                f"For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise
        return True

    RemoteAction._validate_action_result = _validate_action_result
