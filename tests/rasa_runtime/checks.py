"""Checks of rasa_runtime that need Rasa itself: run with the Rasa environment's Python by test_rasa_runtime.py.

Exits non-zero with the failed assertion on stderr.
"""

from __future__ import annotations

import copy
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT

from rasa_runtime import adjust, http, validation

SPEC = RemoteAction.action_response_format_spec()
GOOD = {
    "events": [
        {"event": "slot", "name": "request_type", "value": "pothole", "timestamp": None},
        {"event": "active_loop", "name": "case_form"},
        {"event": "bot", "text": "Thank you", "data": {"buttons": []}, "metadata": {}},
        {"event": "followup", "name": "utter_ask_location"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen", "policy": None, "confidence": None},
        {"event": "user", "text": "hello", "parse_data": {}, "input_channel": None},
    ],
    "responses": [{"text": "Thank you", "buttons": [{"title": "OK", "payload": "/affirm"}]}],
}
ODD_VALUES = [None, 1, -2.5, "x", "", [], {}, [1], {"a": 1}, True, "slot", "nope"]


def mutations(seed: int, count: int):
    """Answers near GOOD: a key dropped, a value replaced by an odd one, an event renamed (deterministic)."""
    rng = random.Random(seed)
    for _ in range(count):
        answer = copy.deepcopy(GOOD)
        for _ in range(rng.randint(1, 3)):
            inner = [x for key in ("events", "responses") if isinstance(answer.get(key), list) for x in answer[key]]
            target = answer if rng.random() < 0.2 or not inner else rng.choice(inner)
            if not isinstance(target, dict) or not target:
                continue
            key = rng.choice(sorted(target))
            if rng.random() < 0.3:
                del target[key]
            else:
                target[key] = rng.choice(ODD_VALUES)
        yield answer


def full(answer) -> bool:
    try:
        jsonschema.validate(answer, SPEC)
    except jsonschema.ValidationError:
        return False
    return True


def check_fast_path_accepts_what_the_schema_accepts() -> None:
    accepts = validation.ActionResponseCheck(SPEC).accepts
    assert accepts is not None, "the action response schema is no longer of the expected shape"
    answers = [GOOD, {}, {"events": []}, {"responses": []}, [], "x", None, *mutations(seed=20261130, count=600)]
    verdicts = [full(a) for a in answers]
    assert any(verdicts) and not all(verdicts)
    for answer, verdict in zip(answers, verdicts, strict=True):
        assert accepts(answer) == verdict, answer


def check_other_shapes_fall_back_to_full_validation() -> None:
    assert validation.ActionResponseCheck({"type": "object"}).accepts is None
    duplicated = copy.deepcopy(SPEC)
    alternatives = duplicated["properties"]["events"]["items"]["oneOf"]
    alternatives.append(copy.deepcopy(alternatives[0]))
    assert validation.ActionResponseCheck(duplicated).accepts is None


def check_the_patched_check_raises_rasas_error() -> None:
    adjust()
    adjust()  # twice changes nothing
    original = getattr(RemoteAction, validation._ORIGINAL)
    action = RemoteAction("action_x", None)
    assert action._validate_action_result(copy.deepcopy(GOOD)) is True
    bad = {"events": [{"event": "slot", "name": 3}]}
    errors = []
    for check in (original, RemoteAction._validate_action_result):
        try:
            check(action, copy.deepcopy(bad))
        except jsonschema.ValidationError as e:
            errors.append((e.message, list(e.path)))
    assert len(errors) == 2 and errors[0] == errors[1], errors
    assert "Failed to validate Action server response" in errors[1][0]


def check_endpoint_sessions_are_kept_per_loop() -> None:
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    adjust()
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook", headers={"Authorization": "Bearer x"})

    async def borrow_twice():
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            assert not first.closed and first.headers["Authorization"] == "Bearer x"
        return first, second

    loop = asyncio.new_event_loop()
    first, second = loop.run_until_complete(borrow_twice())
    assert first is second
    # Idle connections are dropped before the action server would close them (75 s there).
    assert first.connector._keepalive_timeout == http.KEEP_ALIVE_SECONDS < 75
    assert first.timeout.total == DEFAULT_REQUEST_TIMEOUT and first.auth is None
    loop.run_until_complete(first.close())
    third, _ = loop.run_until_complete(borrow_twice())
    assert third is not first  # a closed one is replaced
    other, _ = asyncio.new_event_loop().run_until_complete(borrow_twice())
    assert other is not third  # one per event loop


def check_the_sqlite_tracker_store_pools_wal_connections_and_keeps_conversations() -> None:
    import asyncio
    import tempfile

    from rasa.shared.core.events import SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from rasa_runtime.trackers import TrackerStore

    path = Path(tempfile.mkdtemp()) / "trackers.db"
    store = TrackerStore(host=f"sqlite:///{path}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert type(store.engine.pool).__name__ == "QueuePool"
    tracker = DialogueStateTracker.from_events("web:1", [UserUttered("hello"), SlotSet("request_type", "pothole")])
    asyncio.new_event_loop().run_until_complete(store.save(tracker))
    again = TrackerStore(host=f"sqlite:///{path}")  # a restarted Rasa
    kept = asyncio.new_event_loop().run_until_complete(again.retrieve("web:1"))
    assert kept is not None and [e.as_dict().get("value") for e in kept.events if isinstance(e, SlotSet)] == ["pothole"]


def check_a_failing_conversation_store_raises_instead_of_forgetting_the_conversation() -> None:
    import asyncio

    from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    adjust()

    class Down(InMemoryTrackerStore):
        async def retrieve(self, sender_id):
            raise ConnectionError("database away")

        async def save(self, tracker):
            raise ConnectionError("database away")

    store = FailSafeTrackerStore(Down(Domain.empty()))
    loop = asyncio.new_event_loop()
    for attempt in (store.retrieve("web:1"), store.save(DialogueStateTracker("web:1", []))):
        try:
            loop.run_until_complete(attempt)
        except ConnectionError:
            continue
        raise AssertionError("the failure was swallowed")
    assert store._fallback_tracker_store is None  # nothing was kept in memory instead


def check_replicas_starting_together_on_postgresql_create_the_tables_without_waiting() -> None:
    import os
    import secrets
    import threading
    import time

    import sqlalchemy as sa

    from rasa_runtime.trackers import TrackerStore

    url = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"rasa_start_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    os.environ["POSTGRESQL_SCHEMA"] = schema  # as huiyin.rasa_env sets it
    barrier, took = threading.Barrier(4), []

    def replica() -> None:
        barrier.wait()
        started = time.monotonic()
        TrackerStore(host=url).engine.dispose()
        took.append(time.monotonic() - started)

    try:
        threads = [threading.Thread(target=replica) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        # Rasa waits 5 s after losing the race to create a table; taking turns, nobody loses it.
        assert len(took) == 4 and max(took) < 4.0, took
    finally:
        del os.environ["POSTGRESQL_SCHEMA"]
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    for name, check in sorted(globals().items()):
        if name.startswith("check_") and callable(check):
            check()
            print(f"ok {name}")
