"""POST service request and GET token: a report from a client application, handed to the
portal's `submit_report` (the same checks, routing, rate limits and moderation as the site)."""

from __future__ import annotations

import math
from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.open311 import keys, source
from riverchief.open311.errors import Open311Error
from riverchief.portal import services as portal
from riverchief.portal.models import PublicReport
from riverchief.portal.views import client_ip

SERVICE_NOTICE = "河长制办公室受理后公开并按期答复（一般 10 个工作日，重大 20 个工作日）。"
MAX_FIELD = 200


def _field(request, name: str) -> str:
    value = request.POST.get(name) or request.GET.get(name) or ""
    return value.strip()


def _number(request, name: str) -> float | None:
    text = _field(request, name)
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise Open311Error(400, _("Must be a number."), field=name) from None
    if not math.isfinite(value):
        raise Open311Error(400, _("Must be a number."), field=name)
    return value


def _location(request) -> tuple[float, float]:
    lat, lon = _number(request, "lat"), _number(request, "long")
    if lat is None or lon is None:
        if lat is not None or lon is not None:
            raise Open311Error(400, _("Give both lat and long."), field="lat")
        # address_string / address_id alone cannot place a report on a reach.
        raise Open311Error(
            400, _("A location is required: lat and long (WGS84 or GCJ-02)."), field="lat"
        )
    return lat, lon


def post_request(request) -> list[dict[str, Any]]:
    """Create a public report; answers the token to poll (the service type is batch)."""
    key = keys.key_for(_field(request, "api_key"))
    if key is None:
        raise Open311Error(403, _("A valid api_key is required."), field="api_key")
    code = _field(request, "service_code")
    if not code:
        raise Open311Error(400, _("This field is required."), field="service_code")
    if source.service(code) is None:
        raise Open311Error(404, _("Unknown service code."), field="service_code")
    lat, lon = _location(request)
    system = _field(request, "attribute[coordinate_system]") or "wgs84"
    if system not in ("wgs84", "gcj02"):
        raise Open311Error(400, _("Must be wgs84 or gcj02."), field="attribute[coordinate_system]")
    name = " ".join(
        part for part in (_field(request, "last_name"), _field(request, "first_name")) if part
    )
    report = portal.submit_report(
        category_code=code,
        description=_field(request, "description"),
        lon=lon,
        lat=lat,
        coordinate_system=system,
        accuracy_m=_number(request, "attribute[accuracy_m]"),
        photos=request.FILES.getlist("media"),
        name=name[:MAX_FIELD],
        phone=_field(request, "phone")[:MAX_FIELD],
        email=_field(request, "email")[:MAX_FIELD],
        device_id=(_field(request, "device_id") or _field(request, "deviceid"))[:MAX_FIELD],
        ip=client_ip(request),  # the portal's rule, trusted proxies included
        channel="open311",
        address=_field(request, "address_string")[:MAX_FIELD],
    )
    return [{"token": report.tracking_code, "service_notice": SERVICE_NOTICE}]


def token_answer(token: str) -> dict[str, Any]:
    """The request id behind a token once the report is public; until then the token alone."""
    report = (
        PublicReport.objects.filter(tracking_code=portal.normalise_code(token))
        .select_related("problem")
        .first()
    )
    if report is None:
        raise Open311Error(404, _("Unknown token."), field="token")
    if source.published().filter(pk=report.pk).exists():
        return {"service_request_id": report.problem.number, "token": report.tracking_code}
    return {"token": report.tracking_code}
