"""Other systems filing and reading requests through Open311 GeoReport v2: their keys and what they file."""
