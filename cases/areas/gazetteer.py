"""Typed addresses to grids: streets with house-number ranges, and landmarks, in English and Chinese.

The file (YAML, or JSON when it ends in .json) has `streets`: each with `names` ({language: name}) and
`ranges` (`from`, `to` inclusive, `grid`), and `landmarks`: each with `names` and `grid`. An address naming
a street and a number in one of its ranges goes to that range's grid ("88 Fuzhou Road", "Fuzhou Rd No. 88",
"福州路88号", "福州路八十八号"); otherwise one naming a landmark goes to its grid; anything else (an unknown
street, a number out of range, no number) is None: the triage desk decides.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

_NUMBER_BEFORE = re.compile(r"(\d+)\s*[a-z]?\s*$")
_NUMBER_AFTER = re.compile(r"^\s*(?:no\s*|number\s*|#\s*)?(\d+)")
_ABBREVIATIONS = {r"\brd\b": "road", r"\bst\b": "street", r"\bave\b": "avenue"}
# A house number in Chinese numerals ("福州路八十八号", "一二三号"): only before 号/號/弄, so that street names
# with numerals in them (九江路, 三元里) are left alone.
_ZH_NUMBER = re.compile(r"([零〇一二两三四五六七八九十百千]+)(?=[号號弄])")
_ZH_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(numerals: str) -> Optional[int]:
    """The value of Chinese numerals, read as a number ("八十八" 88, "一百零五" 105, "十二" 12) or digit by digit
    ("一二三" 123); None when they make no number ("十十")."""
    if not any(c in _ZH_UNITS for c in numerals):
        return int("".join(str(_ZH_DIGITS[c]) for c in numerals))
    total, digit, last_unit = 0, None, 10_000
    for char in numerals:
        if char in _ZH_DIGITS:
            digit = _ZH_DIGITS[char]
        else:
            unit = _ZH_UNITS[char]
            if unit >= last_unit:
                return None
            total, digit, last_unit = total + (1 if digit is None else digit) * unit, None, unit
    return total + (digit or 0)


def _arabic(match: re.Match[str]) -> str:
    value = chinese_number(match.group(1))
    return match.group(0) if value is None else str(value)


def normalize(text: str) -> str:
    """Lower case, full-width digits and letters made ASCII, house numbers in Chinese numerals made digits,
    punctuation and repeated spaces dropped."""
    text = _ZH_NUMBER.sub(_arabic, unicodedata.normalize("NFKC", text).lower())
    text = re.sub(r"[,.;:()\[\]\"'’、，。：；（）]", " ", text)
    for pattern, word in _ABBREVIATIONS.items():
        text = re.sub(pattern, word, text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Street:
    """A street's names and its numbers' grids: (from, to, grid) inclusive."""

    names: tuple[str, ...]
    ranges: tuple[tuple[int, int, str], ...]

    def grid_for(self, number: int) -> Optional[str]:
        """The grid of this house number, or None out of every range."""
        return next((grid for low, high, grid in self.ranges if low <= number <= high), None)


class Gazetteer:
    """Street and landmark names, longest first so "Nanjing West Road" wins over "Nanjing Road"."""

    def __init__(self, streets: list[Street], landmarks: dict[str, str]) -> None:
        self.street_names = sorted(((n, s) for s in streets for n in s.names), key=lambda p: -len(p[0]))
        self.landmarks = sorted(landmarks.items(), key=lambda p: -len(p[0]))

    def grid_for(self, address: Optional[str]) -> Optional[str]:
        """The grid a typed address names, or None (triage)."""
        text = normalize(address or "")
        if not text:
            return None
        for name, street in self.street_names:
            at = text.find(name)
            if at < 0:
                continue
            number = _NUMBER_BEFORE.search(text[:at]) or _NUMBER_AFTER.search(text[at + len(name):])
            if number is not None:
                return street.grid_for(int(number.group(1)))
            break  # a known street without a number: a landmark may still say where
        return next((grid for name, grid in self.landmarks if name in text), None)


def parse_gazetteer(data: dict[str, Any], *, grids: Optional[set[str]] = None) -> Gazetteer:
    """A Gazetteer from the file's data; with `grids`, every grid named must be one of them (else ValueError)."""
    streets: list[Street] = []
    landmarks: dict[str, str] = {}
    named: set[str] = set()
    for entry in data.get("streets") or []:
        ranges = tuple((int(r["from"]), int(r["to"]), str(r["grid"])) for r in entry.get("ranges") or [])
        streets.append(Street(names=tuple(normalize(n) for n in (entry.get("names") or {}).values()), ranges=ranges))
        named.update(grid for _, _, grid in ranges)
    for entry in data.get("landmarks") or []:
        for name in (entry.get("names") or {}).values():
            landmarks[normalize(name)] = str(entry["grid"])
        named.add(str(entry["grid"]))
    if grids is not None and named - grids:
        raise ValueError(f"the gazetteer names unknown grids: {', '.join(sorted(named - grids))}")
    return Gazetteer(streets, landmarks)


def load_gazetteer(path: Path, *, grids: Optional[set[str]] = None) -> Gazetteer:
    """The gazetteer of a YAML file."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix == ".json":  # the same data as JSON: a big city's many ranges load 5x faster
        return parse_gazetteer(json.loads(text), grids=grids)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when built in
    return parse_gazetteer(yaml.load(text, Loader=loader) or {}, grids=grids)
