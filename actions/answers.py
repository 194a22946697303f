"""Residents' answers made safe to store: descriptions, addresses, map pins, photo paths, references."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any, Optional

from cases.extract import find_address
from cases.guards.cleaning import clean_text
from cases.references import find_reference_in_text, normalise_reference

MIN_DESCRIPTION, MAX_DESCRIPTION = 3, 2000
MIN_ADDRESS, MAX_ADDRESS = 4, 300
MIN_CHINESE_ADDRESS = 2
MAX_PHOTO_PATH = 500
_PHOTO_PATH = re.compile(r"^[A-Za-z0-9_.\-/]+$")


class InvalidAnswer(ValueError):
    """An answer the form cannot use; `response` names what to tell the resident."""

    def __init__(self, response: str):
        super().__init__(response)
        self.response = response


def is_typed(text: Optional[str]) -> bool:
    """Whether a message was typed by the resident (channels strip a leading `/`; buttons keep it)."""
    return not (text or "").startswith("/")


def clean_description(text: Optional[str]) -> str:
    """The description as stored (cleaned by cases.guards.cleaning, trimmed, cut at MAX_DESCRIPTION); raises
    InvalidAnswer."""
    text = clean_text(text).strip()
    if len(text) < MIN_DESCRIPTION or not is_typed(text) or not any(c.isalnum() for c in text):
        raise InvalidAnswer("utter_invalid_description")
    return text[:MAX_DESCRIPTION].rstrip()


def clean_address(text: Optional[str]) -> str:
    """The address as stored: cleaned, whitespace collapsed, a few characters to MAX_ADDRESS; raises InvalidAnswer."""
    text = " ".join(clean_text(text).split())
    # A Chinese place name is short ("人民路", "中山公园"): its characters carry more than letters do.
    minimum = MIN_CHINESE_ADDRESS if any("\u4e00" <= c <= "\u9fff" for c in text) else MIN_ADDRESS
    if len(text) < minimum or not is_typed(text) or not any(c.isalnum() for c in text):
        raise InvalidAnswer("utter_invalid_address")
    if len(text) > MAX_ADDRESS:
        raise InvalidAnswer("utter_address_too_long")
    return text


def address_in(text: Optional[str]) -> Optional[str]:
    """A usable address named in the resident's words ("outside 42 Park Lane", "人民路上"), if any."""
    try:
        return clean_address(find_address(text) or "")
    except InvalidAnswer:
        return None


def entity_value(entities: Iterable[dict], name: str) -> Any:
    """The value of the first entity called `name`, or None."""
    return next((e.get("value") for e in entities or () if e.get("entity") == name), None)


def parse_pin(entities: Iterable[dict]) -> Optional[tuple[float, float]]:
    """(latitude, longitude) from a shared location's entities, or None if missing or out of range."""
    try:
        latitude = float(entity_value(entities, "latitude"))
        longitude = float(entity_value(entities, "longitude"))
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


def format_pin(latitude: float, longitude: float) -> str:
    """A shared location as residents see it in the summary."""
    return f"{latitude:.5f}, {longitude:.5f}"


def pin_slots(pin: tuple[float, float]) -> dict[str, Any]:
    """The report's place slots for a pin (shared, or read from a photo)."""
    return {"location": format_pin(*pin), "latitude": pin[0], "longitude": pin[1]}


def place_from_photo(dispatcher: Any, pin: tuple[float, float]) -> dict[str, Any]:
    """The place slots for a photo's EXIF position, the report having none yet; the resident is told (the summary
    shows it, with "Change location")."""
    dispatcher.utter_message(response="utter_location_from_photo", location=format_pin(*pin))
    return pin_slots(pin)


def safe_photo_path(value: Any) -> Optional[str]:
    """A photo path relative to the media directory, or None if it could point anywhere else."""
    if not isinstance(value, str):
        return None
    path = value.strip()
    if not path or len(path) > MAX_PHOTO_PATH or not _PHOTO_PATH.match(path):
        return None
    parts = PurePosixPath(path).parts
    if path.startswith("/") or any(part in ("..", ".") for part in parts):
        return None
    return path


def find_reference(text: Optional[str], entities: Iterable[dict], prefix: str) -> Optional[str]:
    """The case reference in a message: the NLU entity, else anything shaped like one in the text."""
    value = entity_value(entities, "reference")
    if value:
        return normalise_reference(str(value))
    return find_reference_in_text(text, prefix)
