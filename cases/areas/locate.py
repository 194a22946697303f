"""Which grid holds a point: an STRtree over the grids' prepared polygons, built once per AreaMap.

A point on a border (or a vertex shared by several grids) lies in each of them; it goes to the one whose
code sorts first, so the answer never depends on the order of the file or of the tree.
"""

from __future__ import annotations

from typing import Optional

import shapely
from shapely import STRtree

from cases.areas.areas import AreaMap


class GridIndex:
    """Point-in-polygon lookups over the grids of one AreaMap."""

    def __init__(self, areas: AreaMap) -> None:
        self.codes = sorted(areas.polygons)
        polygons = [areas.polygons[code] for code in self.codes]
        shapely.prepare(polygons)
        self.tree = STRtree(polygons)

    def grid_at(self, latitude: float, longitude: float) -> Optional[str]:
        """The grid holding (latitude, longitude); on a border the smallest code; None outside every grid."""
        hits = self.tree.query(shapely.Point(longitude, latitude), predicate="intersects")
        # Codes are sorted, so the smallest index is the smallest code.
        return self.codes[int(hits.min())] if len(hits) else None
