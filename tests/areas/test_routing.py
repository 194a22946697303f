"""Cases find their grid: by point in the sample city's polygons, or by a typed address in its gazetteer."""

from __future__ import annotations

import json

import pytest

from cases.areas import routing
from cases.areas.areas import AreasError, parse_areas
from cases.areas.sample import make_sample

PEOPLES_SQUARE = (31.2304, 121.4737)


@pytest.fixture(scope="module")
def router():
    return routing.load_router(routing.SAMPLE_AREAS, routing.SAMPLE_GAZETTEER)


def at(router, lat, lon):
    return router.grid_for(latitude=lat, longitude=lon, address=None)


def typed(router, address):
    return router.grid_for(latitude=None, longitude=None, address=address)


def test_the_sample_city_is_a_tree_of_48_grids_around_the_tests_coordinates(router):
    areas = router.areas
    assert [len(areas.at_level(level)) for level in ("district", "subdistrict", "community", "grid")] == [2, 4, 8, 48]
    grid = at(router, *PEOPLES_SQUARE)
    assert grid == "D01-S01-C02-G06"
    assert areas.lineage(grid) == [grid, "D01-S01-C02", "D01-S01", "D01"]
    assert areas.ancestor(grid, "district") == "D01" and areas.get("D01").name_in("zh") == "静安区"
    assert len(areas.grids_under("D01-S01")) == 12 and areas.grids_under(grid) == [grid]


def test_the_committed_sample_is_what_the_script_makes():
    committed = json.loads(routing.SAMPLE_AREAS.read_text(encoding="utf-8"))
    assert committed["features"] == make_sample.city_features()


def test_a_point_inside_a_grid_goes_to_it(router):
    assert at(router, 31.2055, 121.4415) == "D01-S01-C01-G01"  # south-west corner cell
    assert at(router, 31.2585, 121.5155) == "D02-S02-C02-G06"  # north-east corner cell


def test_a_point_on_a_border_goes_to_the_smaller_code(router):
    # 31.212 is the line between the first and second rows of the first column: G01 below, G03 above.
    assert at(router, 31.212, 121.4425) == "D01-S01-C01-G01"
    # the line between the two districts (longitude 121.477), both sides hold it: D01 wins
    assert at(router, 31.2055, 121.477) == "D01-S01-C02-G02"


def test_a_vertex_shared_by_four_grids_goes_to_the_smallest_code(router):
    # 31.232 N, 121.457 E: corner of two communities in two sub-districts
    four = {router.areas.ancestor(g, "grid") for g in router.areas.polygons
            if router.areas.polygons[g].bounds[0] in (121.447, 121.457) and
            router.areas.polygons[g].bounds[1] in (31.222, 31.232)}
    assert len(four) == 4
    assert at(router, 31.232, 121.457) == min(four) == "D01-S01-C01-G06"


def test_a_point_outside_every_grid_goes_to_triage(router):
    assert at(router, 31.30, 121.4737) is None
    assert at(router, 39.9042, 116.4074) is None  # Beijing
    assert at(router, 31.2620, 121.50) == "D02-S02-C02-G05"  # the northern edge still counts
    assert at(router, 31.26201, 121.50) is None


def test_coordinates_decide_over_the_address(router):
    assert router.grid_for(latitude=31.30, longitude=121.47, address="88 Fuzhou Road") is None


def test_street_and_number_in_range(router):
    # Fuzhou Road runs along the third row, 100 numbers per grid from the west.
    assert typed(router, "88 Fuzhou Road") == "D01-S01-C01-G05"
    assert typed(router, "Flat 2, 388 Fuzhou Rd.") == "D01-S01-C02-G06"
    assert typed(router, "Fuzhou Road No. 401") == "D02-S01-C01-G05"
    assert typed(router, "800 FUZHOU ROAD") == "D02-S01-C02-G06"


def test_street_number_out_of_range_or_missing_goes_to_triage(router):
    assert typed(router, "950 Fuzhou Road") is None
    assert typed(router, "Fuzhou Road") is None


def test_landmarks_in_both_languages(router):
    assert typed(router, "by the fountain in People's Square") == at(router, *PEOPLES_SQUARE)
    assert typed(router, "人民广场东侧") == at(router, *PEOPLES_SQUARE)
    assert typed(router, "the bund") == at(router, 31.2400, 121.4900)


def test_chinese_addresses(router):
    assert typed(router, "上海市福州路388号") == "D01-S01-C02-G06"
    assert typed(router, "福州路３８８号") == "D01-S01-C02-G06"  # full-width digits
    assert typed(router, "北京路120号") == "D01-S02-C01-G06"
    # house numbers in Chinese numerals, read as a number or digit by digit, traditional 號 too
    assert typed(router, "福州路三百八十八号门口") == "D01-S01-C02-G06"
    assert typed(router, "福州路三八八號") == "D01-S01-C02-G06"
    assert typed(router, "北京路一百二十号") == "D01-S02-C01-G06"


def test_chinese_numerals():
    from cases.areas.gazetteer import chinese_number, normalize

    assert [chinese_number(n) for n in ("八十八", "十二", "一百零五", "两千零一十", "一二三", "〇五")] == [
        88, 12, 105, 2010, 123, 5]
    assert chinese_number("十十") is None and chinese_number("百千") is None
    assert normalize("九江路十号") == "九江路10号"  # the street's own numeral stays


def test_unknown_addresses_go_to_triage(router):
    assert typed(router, "1 Park Lane") is None
    assert typed(router, "我家楼下") is None
    assert typed(router, "") is None and typed(router, None) is None


def test_a_broken_areas_file_is_refused():
    grid = make_sample.city_features()[3]
    with pytest.raises(AreasError):
        parse_areas({"type": "FeatureCollection", "features": [grid]})  # its community is missing
    with pytest.raises(AreasError):
        parse_areas({"type": "FeatureCollection", "features": [{**grid, "geometry": None}]})


def test_a_json_gazetteer_says_the_same(tmp_path):
    import yaml

    as_json = tmp_path / "gazetteer.json"
    as_json.write_text(json.dumps(yaml.safe_load(routing.SAMPLE_GAZETTEER.read_text(encoding="utf-8"))),
                       encoding="utf-8")
    router = routing.load_router(routing.SAMPLE_AREAS, as_json)
    assert typed(router, "福州路388号") == "D01-S01-C02-G06" and typed(router, "950 Fuzhou Road") is None


def test_a_process_refuses_a_broken_areas_file_at_start(tmp_path):
    broken = tmp_path / "city.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"properties": {"code": "G1", "level": "grid"}}]}',
                      encoding="utf-8")
    with pytest.raises(AreasError):
        routing.use_files(areas_file=broken, gazetteer_file=routing.SAMPLE_GAZETTEER)
    assert routing.router().areas.get("D01") is not None  # still the city it had
