"""Grids and levels: the city's areas (grid, community, sub-district, district), routing a case to its grid,
the people of each area and the ladder an overdue case climbs."""
