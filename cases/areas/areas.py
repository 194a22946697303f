"""The city's areas from a GeoJSON file: grids inside communities inside sub-districts inside districts.

Only grids carry polygons; the upper levels are features with `geometry: null`, their extent being the union
of their grids (so a community can never disagree with its grids). Every feature has `code`, `level`,
`parent` (None for a district), `name` and `names` ({language: name}).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import shapely
from shapely.geometry.base import BaseGeometry

LEVELS = ("grid", "community", "subdistrict", "district")  # bottom up; above the districts is the city
PARENT_LEVEL = {"grid": "community", "community": "subdistrict", "subdistrict": "district"}
LEVEL_NAMES = {"grid": {"en": "grid", "zh": "网格"}, "community": {"en": "community", "zh": "社区"},
               "subdistrict": {"en": "sub-district", "zh": "街道"}, "district": {"en": "district", "zh": "区"},
               "city": {"en": "city", "zh": "市"}}


class AreasError(ValueError):
    """An areas file that does not describe a tree of areas with polygons for its grids."""


@dataclass(frozen=True)
class Area:
    """One area of the city at one level."""

    code: str
    level: str
    parent: Optional[str]
    name: str
    names: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def name_in(self, language: Optional[str]) -> str:
        """The area's name in `language` (English `name` when missing)."""
        return self.names.get(language or "en", self.name)


@dataclass
class AreaMap:
    """All areas by code, the grids' polygons, and who is under whom."""

    areas: dict[str, Area]
    polygons: dict[str, BaseGeometry]  # grid code -> polygon

    def get(self, code: Optional[str]) -> Optional[Area]:
        """The area with this code, or None."""
        return self.areas.get(code) if code else None

    def ancestor(self, grid_code: str, level: str) -> Optional[str]:
        """The code of the area at `level` that holds this grid (the grid itself for "grid")."""
        area = self.areas.get(grid_code)
        while area is not None and area.level != level:
            area = self.areas.get(area.parent) if area.parent else None
        return area.code if area is not None else None

    def grids_under(self, code: str) -> list[str]:
        """The grid codes inside the area `code` (itself if a grid; [] if unknown)."""
        return [g for g in self.polygons if code in self.lineage(g)]

    def lineage(self, code: str) -> list[str]:
        """The area and its ancestors' codes, bottom up."""
        codes: list[str] = []
        area = self.areas.get(code)
        while area is not None and area.code not in codes:
            codes.append(area.code)
            area = self.areas.get(area.parent) if area.parent else None
        return codes

    def at_level(self, level: str) -> list[Area]:
        """The areas of one level, by code."""
        return sorted((a for a in self.areas.values() if a.level == level), key=lambda a: a.code)


def parse_areas(data: dict[str, Any]) -> AreaMap:
    """An AreaMap from a GeoJSON FeatureCollection (see the module docstring); raises AreasError."""
    if data.get("type") != "FeatureCollection":
        raise AreasError("the areas file must be a GeoJSON FeatureCollection")
    areas: dict[str, Area] = {}
    geometries: dict[str, str] = {}  # grid code -> its GeoJSON geometry, read by GEOS all at once below
    for feature in data.get("features") or []:
        props = feature.get("properties") or {}
        code, level = str(props.get("code") or ""), props.get("level")
        if not code or level not in LEVELS or code in areas:
            raise AreasError(f"feature {code or '?'}: needs a unique code and a level among {', '.join(LEVELS)}")
        parent = props.get("parent")
        areas[code] = Area(code=code, level=level, parent=str(parent) if parent else None,
                           name=str(props.get("name") or code), names=dict(props.get("names") or {}))
        if level == "grid":
            geometry = feature.get("geometry") or {}
            if geometry.get("type") not in ("Polygon", "MultiPolygon"):
                raise AreasError(f"grid {code}: needs a polygon")
            geometries[code] = json.dumps(geometry)
    try:
        polygons = dict(zip(geometries, shapely.from_geojson(list(geometries.values())), strict=True))
    except shapely.errors.GEOSException as exc:
        raise AreasError(f"a grid's polygon cannot be read: {exc}") from None
    valid = shapely.is_valid(list(polygons.values()))
    invalid = [code for code, ok in zip(polygons, valid, strict=True) if not ok]
    if invalid:  # checked all at once: a city has thousands of grids
        raise AreasError(f"grid {invalid[0]}: its polygon is not valid (crosses itself?)")
    for area in areas.values():
        expected = PARENT_LEVEL.get(area.level)
        parent = areas.get(area.parent) if area.parent else None
        if (expected is None) != (area.parent is None) or (expected and (parent is None or parent.level != expected)):
            raise AreasError(f"{area.code}: a {area.level}'s parent must be a {expected or 'nothing'}")
    return AreaMap(areas=areas, polygons=polygons)


def load_areas(path: Path) -> AreaMap:
    """The areas of a GeoJSON file."""
    return parse_areas(json.loads(Path(path).read_text(encoding="utf-8")))
