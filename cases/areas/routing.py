"""A new case's grid: the grid holding its coordinates, else the one its typed address names, else None.

None means the triage desk: coordinates outside every grid, or an address the gazetteer does not place.
The areas, their index and the gazetteer are read once per process per pair of files and kept (`router`);
the process's files are chosen once at start-up (`use_files`, called by huiyin.bootstrap), the sample
city's by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from cases.areas.areas import AreaMap, load_areas
from cases.areas.gazetteer import Gazetteer, load_gazetteer
from cases.areas.locate import GridIndex

SAMPLE_AREAS = Path(__file__).with_name("sample") / "city.geojson"
SAMPLE_GAZETTEER = Path(__file__).with_name("sample") / "gazetteer.yml"
_files: dict[str, Path] = {"areas": SAMPLE_AREAS, "gazetteer": SAMPLE_GAZETTEER}


@dataclass
class Router:
    """The areas, the point index and the gazetteer of one city."""

    areas: AreaMap
    index: GridIndex
    gazetteer: Gazetteer

    def grid_for(self, *, latitude: Optional[float], longitude: Optional[float],
                 address: Optional[str]) -> Optional[str]:
        """The grid a case belongs to; coordinates decide when given, else the address; None: triage."""
        if latitude is not None and longitude is not None:
            return self.index.grid_at(latitude, longitude)
        return self.gazetteer.grid_for(address)


@lru_cache(maxsize=4)
def load_router(areas_file: Path, gazetteer_file: Path) -> Router:
    """The router of these files, read and indexed once per process."""
    areas = load_areas(areas_file)
    return Router(areas=areas, index=GridIndex(areas),
                  gazetteer=load_gazetteer(gazetteer_file, grids=set(areas.polygons)))


def use_files(*, areas_file: Path, gazetteer_file: Path) -> None:
    """Choose the city this process routes cases in (AREAS_FILE, GAZETTEER_FILE), read now: a broken file stops
    the process at start (AreasError, ValueError, OSError) rather than the first resident's case."""
    load_router(Path(areas_file), Path(gazetteer_file))
    _files.update(areas=Path(areas_file), gazetteer=Path(gazetteer_file))


def router() -> Router:
    """The process's router (loaded on first use)."""
    return load_router(_files["areas"], _files["gazetteer"])
