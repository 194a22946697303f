"""Make the sample city: `python -m cases.areas.sample.make_sample` rewrites city.geojson and gazetteer.yml.

2 districts x 2 sub-districts x 2 communities x 6 grids (2 columns by 3 rows) of 0.01 degree, 8 grids wide
and 6 high, from (31.2020 N, 121.4370 E): a box of about 7.6 x 6.7 km around People's Square (31.2304 N,
121.4737 E). `city_features` also makes the 10,000-grid city of bench/grids.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
ORIGIN = (31.2020, 121.4370)  # south-west corner: latitude, longitude
CELL = 0.01
DISTRICTS = [("Jing'an", "静安区"), ("Huangpu", "黄浦区")]  # west to east
SUBDISTRICTS = [("Jing'an Temple", "静安寺街道"), ("Nanjing West Road", "南京西路街道"),
                ("Bund", "外滩街道"), ("Nanjing East Road", "南京东路街道")]
STREETS = [("Yan'an Road", "延安路"), ("Guangdong Road", "广东路"), ("Fuzhou Road", "福州路"),
           ("Hankou Road", "汉口路"), ("Jiujiang Road", "九江路"), ("Beijing Road", "北京路")]  # one per row, south up
LANDMARKS = [("People's Square", "人民广场", (31.2304, 121.4737)), ("The Bund", "外滩", (31.2400, 121.4900)),
             ("Jing'an Temple", "静安寺", (31.2230, 121.4450)), ("City Library", "市图书馆", (31.2550, 121.5100))]


def _feature(code: str, level: str, parent: str | None, name: str, zh: str, geometry: Any = None) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"code": code, "level": level, "parent": parent, "name": name, "names": {"zh": zh}}}


def _square(row: int, col: int, origin: tuple[float, float], cell: float) -> dict[str, Any]:
    # Rounded so that neighbours share exactly the same border coordinates.
    south, west = round(origin[0] + row * cell, 6), round(origin[1] + col * cell, 6)
    north, east = round(origin[0] + (row + 1) * cell, 6), round(origin[1] + (col + 1) * cell, 6)
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north],
                                                [west, south]]]}


def city_features(*, districts: int = 2, subdistricts: int = 2, communities: int = 2, grid_cols: int = 2,
                  grid_rows: int = 3, origin: tuple[float, float] = ORIGIN, cell: float = CELL
                  ) -> list[dict[str, Any]]:
    """The features of a city of squares: communities side by side in a sub-district, sub-districts stacked
    in a district, districts side by side."""
    features = []
    for d in range(districts):
        dn = DISTRICTS[d] if d < len(DISTRICTS) else (f"District {d + 1}", f"第{d + 1}区")
        dcode = f"D{d + 1:02d}"
        features.append(_feature(dcode, "district", None, *dn))
        for s in range(subdistricts):
            k = d * subdistricts + s
            sn = SUBDISTRICTS[k] if k < len(SUBDISTRICTS) and subdistricts == 2 else (f"Sub-district {k + 1}",
                                                                                      f"第{k + 1}街道")
            scode = f"{dcode}-S{s + 1:02d}"
            features.append(_feature(scode, "subdistrict", dcode, *sn))
            for c in range(communities):
                ccode = f"{scode}-C{c + 1:02d}"
                features.append(_feature(ccode, "community", scode, f"{sn[0]} Community {c + 1}",
                                         f"{sn[1]}第{c + 1}社区"))
                for g in range(grid_cols * grid_rows):
                    row = s * grid_rows + g // grid_cols
                    col = (d * communities + c) * grid_cols + g % grid_cols
                    features.append(_feature(f"{ccode}-G{g + 1:02d}", "grid", ccode, f"Grid {g + 1}",
                                             f"第{g + 1}网格", _square(row, col, origin, cell)))
    return features


def gazetteer(features: list[dict[str, Any]]) -> dict[str, Any]:
    """Each row's street numbered west to east, 100 numbers a grid; landmarks in the grid holding them."""
    from shapely.geometry import Point, shape

    grids = {f["properties"]["code"]: shape(f["geometry"]) for f in features if f["properties"]["level"] == "grid"}

    def grid_at(lat: float, lon: float) -> str:
        return str(min(code for code, polygon in grids.items() if polygon.intersects(Point(lon, lat))))

    cols = round(max(p.bounds[2] for p in grids.values()) - ORIGIN[1], 6) / CELL
    streets = []
    for row, (en, zh) in enumerate(STREETS):
        lat = ORIGIN[0] + (row + 0.5) * CELL
        ranges = [{"from": col * 100 + 1, "to": col * 100 + 100, "grid": grid_at(lat, ORIGIN[1] + (col + 0.5) * CELL)}
                  for col in range(round(cols))]
        streets.append({"names": {"en": en, "zh": zh}, "ranges": ranges})
    landmarks = [{"names": {"en": en, "zh": zh}, "grid": grid_at(*at)} for en, zh, at in LANDMARKS]
    return {"streets": streets, "landmarks": landmarks}


def main() -> None:
    """Write the sample city and its gazetteer beside this script."""
    features = city_features()
    (HERE / "city.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                                  ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    header = "# Made by `python -m cases.areas.sample.make_sample`: edit the script, not this file.\n"
    (HERE / "gazetteer.yml").write_text(header + yaml.safe_dump(gazetteer(features), allow_unicode=True,
                                                                sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    main()
