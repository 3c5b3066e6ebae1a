"""The public map's GeoJSON: the county's reaches and its published reports (points only)."""

from __future__ import annotations

from riverchief.core import divcodes
from riverchief.portal import pages, queries


def county_geojson() -> dict:
    place = pages.county()
    low, high = divcodes.subtree_bounds(place.code)
    from riverchief.registry.models import Reach

    features = []
    reaches = Reach.objects.filter(
        division__code__gte=low, division__code__lte=high, geometry__isnull=False
    ).values_list("code", "name", "geometry")
    for code, name, geometry in reaches:
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {"kind": "reach", "code": code, "name": name},
            }
        )
    for report in queries.public_reports(division_code=place.code, limit=500):
        problem = report.problem
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [problem.lon, problem.lat]},
                "properties": {
                    "kind": "report",
                    "code": report.tracking_code,
                    "category": queries.category_name(report.public_category),
                    "status": queries.state_words(problem.state),
                    "reach": problem.reach.code if problem.reach_id else None,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
