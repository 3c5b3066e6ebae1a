"""Every page and API route, and who may use it: the declarations the matrix test walks.

A new route fails `test_every_route_is_declared` until it is declared here with the status each
actor should get. Actors come in pairs: a role inside the scope of the object the route touches
(demo county 绛县, object in 横水镇 东刘家村) and the same role in 垣曲县 (see conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ROLES = ["office", "leader", "chief_county", "chief_township", "chief_village", "patroller", "dept"]

INSIDE = {
    "office": "admin",
    "leader": "leader",
    "chief_county": "chief_sushui",
    "chief_township": "chief_hengshui",
    "chief_village": "chief_dongliujia",
    "patroller": "patroller_dongliujia",
    "dept": "dept_water",
}
OUTSIDE = {
    "office": "out_office",
    "leader": "out_leader",
    "chief_county": "out_chief_county",
    "chief_township": "out_chief_township",
    "chief_village": "out_chief_village",
    "patroller": "out_patroller",
    "dept": "out_dept",
}
ALL = frozenset(ROLES)


@dataclass
class Route:
    """One route and the statuses expected.

    `roles` may use it; others get `denied`. Inside the scope a permitted role gets `ok`; outside
    it gets `outside` (404 for an object they cannot see, `ok` for a list). `marker` is text that
    a permitted inside actor sees and an outside one must not.
    """

    method: str
    pattern: str  # as Django's resolver prints it
    url: str | Callable[[str], str]
    roles: frozenset[str] = ALL
    ok: int = 200
    outside: int | None = None  # None: same as ok
    denied: int = 403
    anonymous: int = 302
    sysadmin: int | None = None  # None: same as ok
    marker: str | None = None
    sysadmin_sees_marker: bool = True
    body: dict | None = None
    setup: Callable[[], dict] | None = None  # returns extra context for url callables
    denied_outside: int | None = None  # None: same as denied (404 where the object is invisible)

    def expected(self, role: str | None, inside: bool) -> int:
        if role is None:
            return self.anonymous
        if role not in self.roles:
            if not inside and self.denied_outside is not None:
                return self.denied_outside
            return self.denied
        if inside:
            return self.ok
        return self.ok if self.outside is None else self.outside


VILLAGE = "140826101201"  # 东刘家村, inside every 绛县 actor's scope

PAGES = [
    Route("GET", "healthz", "/healthz", anonymous=200),
    Route("GET", "", "/", marker="横水镇", sysadmin_sees_marker=False),
    Route("GET", "accounts/login/", "/accounts/login/", ok=302, anonymous=200),
    Route("POST", "accounts/logout/", "/accounts/logout/", ok=302, anonymous=302),
    Route("GET", "accounts/password/", "/accounts/password/"),
    Route("GET", "accounts/tokens/", "/accounts/tokens/"),
    Route(
        "POST",
        "accounts/tokens/<int:token_id>/revoke/",
        lambda ctx: f"/accounts/tokens/{ctx['token_id']}/revoke/",
        roles=frozenset({"office", "chief_village"}),
        ok=302,
        outside=404,
        denied=404,
        setup=lambda: {"token_id": _token_of("chief_dongliujia")},
    ),
    Route("GET", "divisions/", "/divisions/?q=东刘家", marker="东刘家村"),
    Route("GET", "divisions/<str:code>/", f"/divisions/{VILLAGE}/", outside=404),
    Route(
        "GET",
        "users/",
        "/users/?q=dongliujia",
        roles=frozenset({"office", "leader"}),
        marker="chief_dongliujia",
    ),
    Route("GET", "audit/", "/audit/", roles=frozenset({"office"})),
    Route(
        "POST", "i18n/setlang/", "/i18n/setlang/", ok=302, anonymous=302, body={"language": "en"}
    ),
]

API = [
    Route("GET", "api/v1/", "/api/v1/", ok=404, anonymous=404),
    Route("GET", "api/v1/openapi.json", "/api/v1/openapi.json", anonymous=200),
    Route("GET", "api/v1/docs", "/api/v1/docs", anonymous=200),
    Route(
        "POST",
        "api/v1/auth/token",
        "/api/v1/auth/token",
        ok=401,
        anonymous=401,
        body={"username": "chief_dongliujia", "password": "wrong-password"},
    ),
    Route("GET", "api/v1/auth/tokens", "/api/v1/auth/tokens", anonymous=401),
    Route(
        "DELETE",
        "api/v1/auth/tokens/<token_id>",
        lambda ctx: f"/api/v1/auth/tokens/{ctx['token_id']}",
        roles=frozenset({"office", "chief_village"}),
        outside=404,
        denied=404,
        anonymous=401,
        setup=lambda: {"token_id": _token_of("chief_dongliujia")},
    ),
    Route("GET", "api/v1/me", "/api/v1/me", anonymous=401),
    Route(
        "GET",
        "api/v1/users",
        "/api/v1/users?q=dongliujia",
        roles=frozenset({"office", "leader"}),
        anonymous=401,
        marker="chief_dongliujia",
    ),
    Route(
        "GET",
        "api/v1/users/<username>",
        "/api/v1/users/chief_dongliujia",
        roles=frozenset({"office", "leader"}),
        outside=404,
        anonymous=401,
    ),
    Route("GET", "api/v1/divisions", "/api/v1/divisions?q=东刘家", anonymous=401, marker=VILLAGE),
    Route(
        "GET", "api/v1/divisions/<code>", f"/api/v1/divisions/{VILLAGE}", outside=404, anonymous=401
    ),
    Route("GET", "api/v1/departments", "/api/v1/departments", anonymous=401, marker="140826-SLJ"),
    Route(
        "GET",
        "api/v1/departments/<code>",
        "/api/v1/departments/140826-SLJ",
        outside=404,
        anonymous=401,
    ),
    Route("GET", "api/v1/audit", "/api/v1/audit", roles=frozenset({"office"}), anonymous=401),
]

OFFICE = frozenset({"office"})


def _api_write(method, pattern, url, body, *, ok=200, object_route=False):
    """A registry write: office admins inside their scope; 403 for other roles; outside the
    scope 404 for an existing object (it cannot be seen) and 403 for a new one."""
    return Route(
        method,
        pattern,
        url,
        roles=OFFICE,
        ok=ok,
        outside=404 if object_route else 403,
        denied_outside=404 if object_route else None,
        anonymous=401,
        body=body,
    )


NEW_REACH = {
    "code": "M-NEW-REACH",
    "name": "新段",
    "water_body_code": "M-WB",
    "division_code": "140826101201",
    "geometry": {"type": "LineString", "coordinates": [[111.411, 35.52], [111.413, 35.5205]]},
}
OUTSIDE_DIVISION_NOTE = "outside actors create inside 绛县's divisions: refused with 403"

REGISTRY_API = [
    Route("GET", "api/v1/waterbodies", "/api/v1/waterbodies?q=M-WB", anonymous=401, marker="M-WB"),
    Route(
        "GET", "api/v1/waterbodies/<code>", "/api/v1/waterbodies/M-WB", outside=404, anonymous=401
    ),
    _api_write(
        "POST",
        "api/v1/waterbodies",
        "/api/v1/waterbodies",
        {"code": "M-NEW-WB", "name": "新河", "kind": "river", "division_code": "140826101"},
        ok=201,
    ),
    _api_write(
        "PATCH",
        "api/v1/waterbodies/<code>",
        "/api/v1/waterbodies/M-WB",
        {"basin": "黄河流域"},
        object_route=True,
    ),
    Route("GET", "api/v1/reaches", "/api/v1/reaches?q=M-REACH", anonymous=401, marker="M-REACH"),
    Route(
        "GET",
        "api/v1/reaches/nearest",
        "/api/v1/reaches/nearest?lon=111.4125&lat=35.5205",
        anonymous=401,
        marker="M-REACH",
    ),
    Route("GET", "api/v1/reaches/<code>", "/api/v1/reaches/M-REACH", outside=404, anonymous=401),
    _api_write("POST", "api/v1/reaches", "/api/v1/reaches", NEW_REACH, ok=201),
    _api_write(
        "PATCH",
        "api/v1/reaches/<code>",
        "/api/v1/reaches/M-REACH",
        {"end_description": "村口"},
        object_route=True,
    ),
    Route("GET", "api/v1/facility-kinds", "/api/v1/facility-kinds", anonymous=401),
    Route(
        "GET",
        "api/v1/facilities",
        "/api/v1/facilities?kind=reservoir&q=M-RES",
        anonymous=401,
        marker="M-RES",
    ),
    Route(
        "GET", "api/v1/facilities/<code>", "/api/v1/facilities/M-RES", outside=404, anonymous=401
    ),
    _api_write(
        "POST",
        "api/v1/facilities",
        "/api/v1/facilities",
        {
            "kind": "sluice",
            "code": "M-NEW-SLUICE",
            "name": "新闸",
            "reach_code": "M-REACH",
            "lon": 111.412,
            "lat": 35.5204,
        },
        ok=201,
    ),
    _api_write(
        "PATCH",
        "api/v1/facilities/<code>",
        "/api/v1/facilities/M-RES",
        {"details": {"dam_type": "土坝"}},
        object_route=True,
    ),
    Route(
        "GET",
        "api/v1/assignments",
        "/api/v1/assignments?reach=M-REACH",
        anonymous=401,
        marker="矩阵河长",
    ),
    _api_write(
        "POST",
        "api/v1/assignments",
        "/api/v1/assignments",
        {
            "person_name": "新河长",
            "role": "河长",
            "level": "village",
            "reach_code": "M-REACH",
            "start_date": "2026-11-01",
        },
        ok=201,
    ),
    _api_write(
        "POST",
        "api/v1/assignments/bulk",
        "/api/v1/assignments/bulk",
        {
            "person_name": "新河长",
            "role": "河长",
            "level": "village",
            "reach_codes": ["M-REACH"],
            "start_date": "2026-11-01",
        },
        ok=201,
    ),
    Route(
        "POST",
        "api/v1/assignments/<assignment_id>/end",
        lambda ctx: f"/api/v1/assignments/{ctx['assignment_id']}/end",
        roles=OFFICE,
        outside=404,
        denied_outside=404,
        anonymous=401,
        body={},
        setup=lambda: {"assignment_id": _matrix_assignment()},
    ),
    Route("GET", "api/v1/signboards/outdated", "/api/v1/signboards/outdated", anonymous=401),
    Route(
        "GET",
        "api/v1/map/<layer>.geojson",
        "/api/v1/map/reaches.geojson",
        anonymous=401,
        marker="M-REACH",
    ),
    _api_write(
        "POST",
        "api/v1/departments",
        "/api/v1/departments",
        {"code": "M-DEPT", "name": "新部门", "division_code": "140826"},
        ok=201,
    ),
]


def _matrix_assignment() -> int:
    from riverchief.registry.models import ChiefAssignment

    return ChiefAssignment.objects.get(reach__code="M-REACH", end_date__isnull=True).pk


def _optional(module: str, name: str) -> list[Route]:
    """Route lists declared beside the features that own them."""
    import importlib

    try:
        return list(getattr(importlib.import_module(module), name))
    except ModuleNotFoundError:
        return []


ROUTES = (
    PAGES
    + API
    + REGISTRY_API
    + _optional("tests.permission_matrix_registry_pages", "REGISTRY_PAGES")
    + _optional("tests.permission_matrix_registry_transfer", "REGISTRY_TRANSFER")
    + _optional("tests.permission_matrix_calendar", "CALENDAR")
    + _optional("tests.permission_matrix_monitoring", "MONITORING")
    + _optional("tests.permission_matrix_problems", "PROBLEMS")
    + _optional("tests.permission_matrix_problem_pages", "PROBLEM_PAGES")
    + _optional("tests.permission_matrix_escalation", "ESCALATION")
    + _optional("tests.permission_matrix_notify", "NOTIFY")
    + _optional("tests.permission_matrix_patrols", "PATROLS")
    + _optional("tests.permission_matrix_portal", "PORTAL")
    + _optional("tests.permission_matrix_open311", "OPEN311")
    + _optional("tests.permission_matrix_ogcapi", "OGCAPI")
    + _optional("tests.permission_matrix_signboards", "SIGNBOARDS")
    + _optional("tests.permission_matrix_sections", "SECTIONS")
    + _optional("tests.permission_matrix_sta", "STA")
)


def _token_of(username: str) -> int:
    from riverchief.accounts import services
    from riverchief.accounts.models import User

    token, _raw = services.issue_token(User.objects.get(username=username), "matrix")
    return token.pk
