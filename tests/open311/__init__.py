"""Open311 GeoReport v2 contract tests."""
