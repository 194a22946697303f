"""Loading policy answers from a YAML file (`python -m huiyin load-policies FILE`, and the sample list)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import yaml
from sqlalchemy.orm import Session

from cases.models import StaffUser
from cases.policies.service import (
    LANGUAGES,
    TEXT_FIELDS,
    PolicyError,
    count_policies,
    create_policy,
    find_policy,
    update_policy,
)

SAMPLE_FILE = Path(__file__).with_name("sample_policies.yml")


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {key: item.get(key) for key in ("source_url", "effective_from", "expires_on")}
    for lang in LANGUAGES:
        texts = item.get(lang) or {}
        if not isinstance(texts, dict):
            raise PolicyError(f"{lang} must hold title, answer, keywords and examples")
        for name in TEXT_FIELDS:
            value = texts.get(name) or ""
            # Keywords are a comma-separated text; example questions one a line.
            joiner = "\n" if name == "examples" else ", "
            fields[f"{name}_{lang}"] = joiner.join(map(str, value)) if isinstance(value, list) else str(value)
    return fields


def parse_policies(text: str) -> list[dict[str, Any]]:
    """The answers of a YAML text (`policies: [{code, en: {...}, zh: {...}, ...}]`); PolicyError if malformed."""
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}") from None
    items = data.get("policies") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise PolicyError("the file must hold `policies:`, a list of answers")
    return items


def load_policies(session: Session, *, text: str, now: datetime, staff: Optional[StaffUser] = None) -> tuple[int, int]:
    """Add the file's answers and update those whose code exists; (added, updated). PolicyError names the bad one.

    Run it in one transaction: a bad answer anywhere in the file changes nothing.
    """
    added = updated = 0
    for number, item in enumerate(parse_policies(text), start=1):
        code = str(item.get("code") or "")
        try:
            existing = find_policy(session, code=code) if code else None
            if existing is None:
                create_policy(session, code=code, fields=_fields(item), now=now, staff=staff)
                added += 1
            else:
                update_policy(session, policy=existing, fields=_fields(item), now=now, staff=staff)
                existing.retired_at = None  # listed again in the file: given again
                updated += 1
        except PolicyError as exc:
            raise PolicyError(f"answer {number} ({code or 'no code'}): {exc}") from None
    return added, updated


def seed_sample(session: Session, *, now: datetime) -> int:
    """Load the sample list when there is no answer at all (a fresh install); how many were added."""
    if count_policies(session):
        return 0
    added, _ = load_policies(session, text=SAMPLE_FILE.read_text(encoding="utf-8"), now=now)
    return added
