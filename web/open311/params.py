"""Reading GeoReport v2 arguments: the query of GET requests and the form of POST requests."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone, tzinfo
from typing import Any, Optional

from starlette.datastructures import FormData, QueryParams

from cases.guards.cleaning import clean_text
from cases.open311.filing import Submission
from cases.public import CLOSED, OPEN

_ATTRIBUTE = re.compile(r"^attribute\[(?P<code>[^\[\]]{1,40})\](\[\])?$")
MAX_IDS = 1000


class Refused(Exception):
    """An argument we cannot take: answered in the specification's error form with this HTTP status."""

    def __init__(self, status_code: int, description: str):
        super().__init__(description)
        self.status_code, self.description = status_code, description


def one(values: FormData | QueryParams, name: str) -> Optional[str]:
    """An argument's value, None when absent or empty ("optional" in the specification's sense)."""
    value = values.get(name)
    if not isinstance(value, str):
        return None
    value = clean_text(value).strip()
    return value or None


def _listed(values: QueryParams, name: str) -> list[str]:
    return [part.strip() for part in (one(values, name) or "").split(",") if part.strip()]


def _moment(values: QueryParams, name: str, zone: tzinfo) -> Optional[datetime]:
    given = one(values, name)
    if given is None:
        return None
    # A "+" of an offset that the client did not encode arrives as a space: "2026-11-30T08:00:00 08:00".
    given = re.sub(r" (\d\d:?\d\d)$", r"+\1", given)
    try:
        moment = datetime.fromisoformat(given.replace("Z", "+00:00"))
    except ValueError:
        raise Refused(400, f"{name} must be a date and time in ISO 8601 (W3C) format") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(timezone.utc)


def search(query: QueryParams, zone: tzinfo) -> dict[str, Any]:
    """The arguments of cases.public.search_requests from GET requests' query."""
    references = _listed(query, "service_request_id")
    if len(references) > MAX_IDS:
        raise Refused(400, f"at most {MAX_IDS} service_request_id at once")
    statuses = [s.lower() for s in _listed(query, "status")]
    if any(s not in (OPEN, CLOSED) for s in statuses):
        raise Refused(400, "status must be open, closed, or both (comma-separated)")
    return {"references": references, "service_codes": _listed(query, "service_code"),
            "start": _moment(query, "start_date", zone), "end": _moment(query, "end_date", zone),
            "statuses": statuses}


def _coordinate(form: FormData, name: str) -> Optional[float]:
    given = one(form, name)
    if given is None:
        return None
    try:
        value = float(given)
    except ValueError:
        raise Refused(400, f"{name} must be a number") from None
    if not math.isfinite(value):
        raise Refused(400, f"{name} must be a number")
    return value


def attributes(form: FormData) -> dict[str, object]:
    """`attribute[code]=value` (and `attribute[code][]=` repeated for a multiple choice) as {code: value(s)}."""
    found: dict[str, object] = {}
    for name in set(form.keys()):
        match = _ATTRIBUTE.match(name)
        if not match:
            continue
        values = [clean_text(v).strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]
        if values:
            found[match["code"]] = values if len(values) > 1 or name.endswith("[]") else values[0]
    return found


def submission(form: FormData) -> Submission:
    """The POST requests form as a Submission; Refused when a required argument is missing or malformed."""
    service_code = one(form, "service_code")
    if service_code is None:
        raise Refused(400, "service_code is required")
    return Submission(
        service_code=service_code, description=one(form, "description") or "",
        latitude=_coordinate(form, "lat"), longitude=_coordinate(form, "long"),
        address=one(form, "address_string"), media_url=one(form, "media_url"), attributes=attributes(form),
        email=one(form, "email"), device_id=one(form, "device_id"), account_id=one(form, "account_id"),
        first_name=one(form, "first_name"), last_name=one(form, "last_name"))
