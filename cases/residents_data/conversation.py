"""One resident's conversation in Rasa's tracker store (cases/store/conversations.py): read for their export,
deleted when they are forgotten."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from cases.store.conversations import EVENTS_TABLE
from cases.store.db import make_engine


def _events_table(url: str, schema: str) -> tuple[Optional[Engine], str]:
    """An engine on the tracker store and its events table's name; no engine when Rasa has not created it yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).exists()):
        return None, ""
    postgres = parsed.get_backend_name() == "postgresql"
    engine = make_engine(url)
    if not inspect(engine).has_table(EVENTS_TABLE, schema=schema if postgres else None):
        engine.dispose()
        return None, ""
    return engine, f'"{schema}".{EVENTS_TABLE}' if postgres else EVENTS_TABLE


def conversation_texts(url: str, schema: str, *, sender: str) -> list[dict[str, Any]]:
    """What the resident typed and what the bot answered, oldest first, as Rasa keeps it."""
    engine, table = _events_table(url, schema)
    if engine is None:
        return []
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(f"SELECT type_name, timestamp, data FROM {table} "
                                           "WHERE sender_id = :sender AND type_name IN ('user', 'bot') ORDER BY id"),
                                      {"sender": sender}).all()
    finally:
        engine.dispose()
    said = []
    for type_name, timestamp, data in rows:
        event = json.loads(data or "{}")
        if event.get("text"):
            said.append({"at": datetime.fromtimestamp(timestamp, timezone.utc).isoformat(),
                         "from": "you" if type_name == "user" else "assistant", "text": event["text"]})
    return said


def delete_conversation(url: str, schema: str, *, sender: str) -> int:
    """Delete every event of the resident's conversation; how many."""
    engine, table = _events_table(url, schema)
    if engine is None:
        return 0
    try:
        with engine.begin() as connection:
            return connection.execute(text(f"DELETE FROM {table} WHERE sender_id = :sender"),
                                      {"sender": sender}).rowcount or 0
    finally:
        engine.dispose()
