"""Someone already reported this: open cases of the same type near a place (a pin, or a typed street and number)."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from cases import workflow
from cases.catalog import Catalog, load_catalog
from cases.extract import find_address
from cases.guards.cleaning import simplified
from cases.models import Case

EARTH_RADIUS_M = 6_371_000.0
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude, times cos(latitude)
# Street words as residents write them, and the short form they all compare as ("Park Road" == "park rd").
STREET_ABBREVIATIONS = {
    "road": "rd", "street": "st", "lane": "ln", "avenue": "ave", "drive": "dr", "boulevard": "blvd",
    "place": "pl", "square": "sq", "court": "ct", "crescent": "cres", "terrace": "terr", "highway": "hwy",
    "parkway": "pkwy",
}
_EN_STREET_END = frozenset(STREET_ABBREVIATIONS.values()) | {"close", "way", "grove", "gardens", "hill", "row",
                                                             "walk", "green", "mews", "bridge"}
# A Chinese street and its number: 建设路128号, 人民大道 12 号, 东四十条胡同5号.
_ZH_STREET_NUMBER = re.compile(r"([\u4e00-\u9fff]{1,12}?(?:大道|大街|路|街|巷|弄|胡同|道))\s*([0-9]+)\s*号")
_NUMBER = re.compile(r"^[0-9]+[a-z]?$")


@dataclass(frozen=True)
class NearbyCase:
    """An open case found near a place, with how far it is (None when matched by its street and number)."""

    case: Case
    distance_m: Optional[float]


FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def _plain(text: str) -> str:
    """Full-width forms folded (NFKC: "１２８" -> "128"), simplified characters, lower case, punctuation as spaces."""
    text = simplified(unicodedata.normalize("NFKC", text)).lower()
    text = "".join(" " if unicodedata.category(c)[0] in "PSZ" else c for c in text)
    return " ".join(text.split())


def address_key(address: Optional[str]) -> Optional[str]:
    """A typed address as "<street>#<number>", the same however it is written ("42 Park Road" == "42, park rd.";
    "建设路１２８号对面" == "建设路 128 号"); None without a street and a house number."""
    plain = _plain(address or "")
    if not plain:
        return None
    if re.search(r"[\u4e00-\u9fff]", plain):
        # find_address drops the words before the name ("在", "我家楼下的"), which the pattern would keep.
        compact = plain.replace(" ", "")
        zh = _ZH_STREET_NUMBER.search(find_address(compact) or compact)
        if zh:
            return f"{zh.group(1)}#{zh.group(2)}"
    words = [STREET_ABBREVIATIONS.get(word, word) for word in plain.split()]
    for i, word in enumerate(words):
        if not _NUMBER.match(word):
            continue
        for j in range(i + 2, min(i + 7, len(words) + 1)):  # a name of one to five words, ending in a street word
            if words[j - 1] in _EN_STREET_END:
                while j < len(words) and words[j] in _EN_STREET_END:  # "Hill Street", "Church Green Road"
                    j += 1
                return f"{''.join(words[i + 1:j])}#{word}"
    return None


def _open_of_type(request_type: str, now: datetime) -> Select[tuple[Case]]:
    """Cases of this type the city still works on, filed by `now`."""
    working = [s.value for s in workflow.WORKING_STATUSES]
    return select(Case).where(Case.request_type == request_type, Case.status.in_(working), Case.created_at <= now)


def _near_point(session: Session, *, request_type: str, latitude: float, longitude: float, radius_m: float,
                now: datetime) -> list[NearbyCase]:
    """Open cases within `radius_m` of a point: a box on the indexed columns, then the exact distance."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    rows = session.scalars(_open_of_type(request_type, now).where(
        Case.latitude.between(latitude - dlat, latitude + dlat),
        Case.longitude.between(longitude - dlon, longitude + dlon)))
    found = []
    for case in rows:
        assert case.latitude is not None and case.longitude is not None
        distance = distance_m(latitude, longitude, case.latitude, case.longitude)
        if distance <= radius_m:
            found.append(NearbyCase(case=case, distance_m=distance))
    return sorted(found, key=lambda n: (n.distance_m, n.case.id))


def _at_address(session: Session, *, request_type: str, key: str, now: datetime) -> list[NearbyCase]:
    """Open cases with a typed address of the same street and number and no pin (the filing form keeps one or the
    other); the index narrows them to those without a pin, the number to a few."""
    number = key.rsplit("#", 1)[1]
    # Addresses are stored as typed: the number may be in full-width digits (a Chinese keyboard's "１２８").
    wide = number.translate(FULL_WIDTH_DIGITS)
    rows = session.scalars(_open_of_type(request_type, now).where(
        Case.latitude.is_(None), or_(Case.address.contains(number, autoescape=True),
                                     Case.address.contains(wide, autoescape=True))).order_by(Case.id))
    return [NearbyCase(case=case, distance_m=None) for case in rows if address_key(case.address) == key]


def nearby_open_cases(session: Session, *, request_type: str, latitude: Optional[float], longitude: Optional[float],
                      address: Optional[str], now: datetime, limit: int = 2,
                      catalog: Optional[Catalog] = None) -> list[NearbyCase]:
    """Open cases of `request_type` within its catalog radius of the pin, nearest first, then those at the same
    typed street and number, oldest first; at most `limit`."""
    catalog = catalog or load_catalog()
    if request_type not in catalog:
        return []
    found: list[NearbyCase] = []
    if latitude is not None and longitude is not None:
        found += _near_point(session, request_type=request_type, latitude=latitude, longitude=longitude,
                             radius_m=catalog.get(request_type).duplicate_radius_m, now=now)
    key = address_key(address)
    if key is not None and len(found) < limit:
        seen = {n.case.id for n in found}
        found += [n for n in _at_address(session, request_type=request_type, key=key, now=now)
                  if n.case.id not in seen]
    return found[:limit]
