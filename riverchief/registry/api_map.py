"""GeoJSON map layers: /api/v1/map/{layer}.geojson?bbox=minlon,minlat,maxlon,maxlat."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router

from riverchief.core.errors import NotFound
from riverchief.registry import mapdata

router = Router(tags=["map"])


@router.get(
    "/map/{layer}.geojson",
    summary="A map layer as a GeoJSON FeatureCollection (WGS84 lon/lat)",
    response={200: dict},
)
def map_layer(request, layer: str, bbox: str = ""):
    if layer not in mapdata.LAYERS:
        raise NotFound(
            _("Unknown layer; available: %(layers)s"),
            field="layer",
            params={"layers": ", ".join(mapdata.LAYERS)},
        )
    box = mapdata.bbox_parameter(bbox)
    body = mapdata.feature_collection(layer, request.user, box)
    return HttpResponse(body, content_type="application/geo+json; charset=utf-8")
