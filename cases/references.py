"""Case references: how they are made (HY-2026-00042), normalised, and found in what residents type."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional


def make_reference(prefix: str, created_at: datetime, case_id: int) -> str:
    """A resident-friendly reference such as HY-2026-00042."""
    return f"{prefix}-{created_at.year}-{case_id:05d}"


def normalise_reference(text: str) -> str:
    """A reference as typed (`hy-2026-00042 `) in its stored form (`HY-2026-00042`)."""
    return (text or "").strip().strip("#.,;:!?()[]").upper()


# How residents point at a case without its full reference: "#42", "No. 42", "第42号", "42号工单".
SHORT_REFERENCES = re.compile(
    r"#\s?(\d{1,7})(?!\d)|\bno\.\s?(\d{1,7})(?!\d)|第\s?(\d{1,7})\s?[号件]|(\d{1,7})\s?号(?:工单|诉求|单|件|案件|投诉)",
    re.IGNORECASE)


def find_reference_in_text(text: Optional[str], prefix: str) -> Optional[str]:
    """The first case reference in free text, normalised: "HY-2026-00042" as such (also glued to Chinese,
    "查一下HY-2026-00042的进度"), a case number ("#42", "第42号") as "#42"."""
    text = text or ""
    match = re.search(rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{4}}-\d{{5}}(?![0-9])", text, re.IGNORECASE)
    if match:
        return normalise_reference(match.group(0))
    short = SHORT_REFERENCES.search(text)
    if short:
        return f"#{int(next(group for group in short.groups() if group))}"
    return None


def case_number(reference: str) -> Optional[int]:
    """42 for a short reference ("#42"), else None."""
    match = re.fullmatch(r"\s*#\s?(\d{1,7})\s*", reference or "")
    return int(match.group(1)) if match else None
