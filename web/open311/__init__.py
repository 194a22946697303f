"""Open311 GeoReport v2 (the frozen open311.org specification) over our cases: its own app and process."""
