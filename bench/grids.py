"""Routing cases to grids in a big city: 10,000 grids, point in polygon and gazetteer lookups.

    .venvs/app/bin/python -m bench.grids [--grids-per-side 5] [--lookups 20000]

A city of 10 districts x 10 sub-districts x 4 communities x 25 grids (5 x 5 squares of 0.002 degree, 200
grids wide and 50 high) is written as a GeoJSON file to a temporary directory, with a gazetteer of one street
per row (100 house numbers per grid) and a landmark per community. Printed: the time to read the files and
build the index (once per process; with the gazetteer as YAML, then as JSON), then the per-lookup median,
p95 and p99 of `Router.grid_for` for points
inside grids, on borders (edges and shared vertices) and outside every grid, and of typed addresses (streets
with numbers in and out of range, landmarks, unknown text). The target: <= 1 ms per case.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from cases.areas import routing
from cases.areas.areas import load_areas
from cases.areas.locate import GridIndex
from cases.areas.sample.make_sample import city_features

ORIGIN, CELL = (31.0, 121.0), 0.002
DISTRICTS, SUBDISTRICTS, COMMUNITIES = 10, 10, 4


def write_city(folder: Path, side: int, *, as_json: bool = False) -> tuple[Path, Path, int, int]:
    """The big city's files; (areas file, gazetteer file, columns, rows)."""
    features = city_features(districts=DISTRICTS, subdistricts=SUBDISTRICTS, communities=COMMUNITIES,
                             grid_cols=side, grid_rows=side, origin=ORIGIN, cell=CELL)
    cols, rows = DISTRICTS * COMMUNITIES * side, SUBDISTRICTS * side
    areas_file = folder / "city.geojson"
    areas_file.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    # The grid of a row and column, as city_features lays them out.
    index = GridIndex(load_areas(areas_file))
    centre = [[index.grid_at(ORIGIN[0] + (r + .5) * CELL, ORIGIN[1] + (c + .5) * CELL) for c in range(cols)]
              for r in range(rows)]
    streets = [{"names": {"en": f"Street {r + 1}", "zh": f"第{r + 1}大街"},
                "ranges": [{"from": c * 100 + 1, "to": c * 100 + 100, "grid": centre[r][c]} for c in range(cols)]}
               for r in range(rows)]
    communities = sorted({grid.rsplit("-", 1)[0]: grid for row in centre for grid in row}.items())
    landmarks = [{"names": {"en": f"Landmark {code}", "zh": f"地标{code}"}, "grid": grid}
                 for code, grid in communities]
    gazetteer_file = folder / f"gazetteer.{'json' if as_json else 'yml'}"
    data = {"streets": streets, "landmarks": landmarks}
    text = json.dumps(data, ensure_ascii=False) if as_json else yaml.safe_dump(data, allow_unicode=True)
    gazetteer_file.write_text(text, encoding="utf-8")
    return areas_file, gazetteer_file, cols, rows


def _time(router: routing.Router, cases: list[dict]) -> list[float]:
    """Milliseconds per lookup."""
    spent = []
    for case in cases:
        start = time.perf_counter()
        router.grid_for(**case)
        spent.append((time.perf_counter() - start) * 1000)
    return spent


def _line(name: str, spent: list[float]) -> str:
    cuts = statistics.quantiles(spent, n=100)
    return f"{name:<28} median {statistics.median(spent):.4f} ms  p95 {cuts[94]:.4f} ms  p99 {cuts[98]:.4f} ms"


def main() -> None:
    """Build the city, time the loading and the lookups, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids-per-side", type=int, default=5, help="a community is N x N grids")
    parser.add_argument("--lookups", type=int, default=20000)
    args = parser.parse_args()
    rng = random.Random(7)
    loaded = {}
    for as_json in (False, True):
        with tempfile.TemporaryDirectory() as folder:
            areas_file, gazetteer_file, cols, rows = write_city(Path(folder), args.grids_per_side, as_json=as_json)
            start = time.perf_counter()
            router = routing.load_router(areas_file, gazetteer_file)
            loaded[gazetteer_file.suffix] = time.perf_counter() - start
    n = args.lookups

    def point(lat: float, lon: float) -> dict:
        return {"latitude": lat, "longitude": lon, "address": None}

    inside = [point(ORIGIN[0] + rng.uniform(0, rows) * CELL, ORIGIN[1] + rng.uniform(0, cols) * CELL)
              for _ in range(n)]
    edges = [point(ORIGIN[0] + rng.uniform(0, rows) * CELL, round(ORIGIN[1] + rng.randint(1, cols - 1) * CELL, 6))
             for _ in range(n // 2)]
    vertices = [point(round(ORIGIN[0] + rng.randint(1, rows - 1) * CELL, 6),
                      round(ORIGIN[1] + rng.randint(1, cols - 1) * CELL, 6)) for _ in range(n - n // 2)]
    outside = [point(ORIGIN[0] - rng.uniform(0.001, 1), ORIGIN[1] + rng.uniform(-1, 2)) for _ in range(n)]
    addresses = [rng.choice([f"{rng.randint(1, cols * 100)} Street {rng.randint(1, rows)}",
                             f"第{rng.randint(1, rows)}大街{rng.randint(1, cols * 100)}号",
                             f"{cols * 100 + 5} Street {rng.randint(1, rows)}",
                             f"near Landmark D{rng.randint(1, DISTRICTS):02d}-S01-C01", "somewhere I cannot name"])
                 for _ in range(n)]
    typed = [{"latitude": None, "longitude": None, "address": text} for text in addresses]
    _time(router, inside[:1000])  # warm up
    assert sum(router.grid_for(**case) is None for case in outside) == n and router.grid_for(**edges[0])
    print(f"grids: {len(router.areas.polygons)}  areas: {len(router.areas.areas)}  "
          f"streets: {rows}  lookups per kind: {n}")
    for suffix, seconds in loaded.items():
        print(f"load once per process (read GeoJSON, build STRtree, read {suffix} gazetteer): {seconds * 1000:.0f} ms")
    print(_line("point inside a grid", _time(router, inside)))
    print(_line("point on a border/vertex", _time(router, edges + vertices)))
    print(_line("point outside every grid", _time(router, outside)))
    print(_line("typed address (gazetteer)", _time(router, typed)))


if __name__ == "__main__":
    main()
