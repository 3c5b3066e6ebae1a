"""Open311 GeoReport v2: public reads for anyone; POST needs an Open311 key (a signed-in session
is not one); the office's key page."""

from __future__ import annotations

from tests.permission_matrix import Route

BASE = "open311/v2/"
OFFICE = frozenset({"office"})


def _published_request() -> dict:
    """A public report on M-REACH (东刘家村), accepted by the office, so it is public."""
    from riverchief.accounts.models import User
    from riverchief.portal import services as portal
    from riverchief.problems import transitions

    report = portal.submit_report(
        category_code="rubbish",
        description="矩阵测试举报",
        lon=111.412,
        lat=35.5205,
        name="矩阵举报人",
        phone="13000000000",
        ip="10.99.0.1",
    )
    transitions.move(User.objects.get(username="admin"), report.problem.pk, "accept")
    return {"number": report.problem.number, "token": report.tracking_code}


def _key() -> dict:
    from riverchief.accounts.models import User
    from riverchief.open311 import keys

    key, _raw = keys.issue_key(User.objects.get(username="admin"), "矩阵应用")
    return {"key_id": key.pk}


def _public(pattern: str, url, **options) -> Route:
    return Route("GET", BASE + pattern, url, anonymous=200, **options)


OPEN311 = [
    _public("discovery.<fmt:fmt>", "/open311/v2/discovery.json"),
    _public("services.<fmt:fmt>", "/open311/v2/services.xml"),
    _public("services/<code:code>.<fmt:fmt>", "/open311/v2/services/sewage.json"),
    _public("service/<code:code>.<fmt:fmt>", "/open311/v2/service/sewage.xml"),
    _public(
        "requests.<fmt:fmt>",
        "/open311/v2/requests.json",
        setup=_published_request,
    ),
    # POST without an api_key: 403 in the spec's error format for everyone, signed in or not.
    Route("POST", BASE + "requests.<fmt:fmt>", "/open311/v2/requests.xml", ok=403, anonymous=403),
    _public(
        "requests/<code:request_id>.<fmt:fmt>",
        lambda ctx: f"/open311/v2/requests/{ctx['number']}.xml",
        setup=_published_request,
    ),
    _public(
        "tokens/<code:token>.<fmt:fmt>",
        lambda ctx: f"/open311/v2/tokens/{ctx['token']}.json",
        setup=_published_request,
    ),
    Route("GET", "open311/keys/", "/open311/keys/", roles=OFFICE),
    Route(
        "POST",
        "open311/keys/<int:key_id>/revoke/",
        lambda ctx: f"/open311/keys/{ctx['key_id']}/revoke/",
        roles=OFFICE,
        ok=302,
        outside=404,
        setup=_key,
    ),
]
