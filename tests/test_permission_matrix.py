"""Walk every registered route as anonymous, as each role inside its scope and outside it."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from riverchief.accounts.models import User
from tests.permission_matrix import INSIDE, OUTSIDE, ROLES, ROUTES, Route

# Routes that are not application endpoints: static files are served by WhiteNoise.
NOT_APPLICATION_ROUTES: set[str] = set()


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern)


def _api_operations() -> set[tuple[str, str]]:
    from riverchief.api import api

    schema = api.get_openapi_schema()
    operations = set()
    for path, methods in schema["paths"].items():
        pattern = path.lstrip("/").replace("{", "<").replace("}", ">")
        for method in methods:
            operations.add((method.upper(), pattern))
    return operations


def test_every_route_is_declared():
    declared = {route.pattern for route in ROUTES}
    registered = set(_walk(get_resolver().url_patterns)) - NOT_APPLICATION_ROUTES
    assert registered - declared == set(), "declare these routes in tests/permission_matrix.py"
    assert declared - registered == set(), "these declared routes no longer exist"
    declared_operations = {(route.method, route.pattern) for route in ROUTES}
    missing = _api_operations() - declared_operations
    assert missing == set(), "declare these API operations in tests/permission_matrix.py"


def _request(client: Client, route: Route, context: dict):
    url = route.url(context) if callable(route.url) else route.url
    method = getattr(client, route.method.lower())
    if route.method == "GET":
        return method(url)
    if route.pattern.startswith("api/"):
        return method(url, data=json.dumps(route.body or {}), content_type="application/json")
    return method(url, data=route.body or {})


def _client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def _cases():
    for route in ROUTES:
        yield pytest.param(route, None, True, id=f"{route.method} /{route.pattern} anonymous")
        yield pytest.param(route, "sysadmin", True, id=f"{route.method} /{route.pattern} sysadmin")
        for role in ROLES:
            for inside in (True, False):
                where = "inside" if inside else "outside"
                yield pytest.param(
                    route, role, inside, id=f"{route.method} /{route.pattern} {role} {where}"
                )


@pytest.mark.parametrize(("route", "role", "inside"), list(_cases()))
def test_route_answers_each_actor_as_declared(db, route: Route, role, inside):
    context = route.setup() if route.setup else {}
    if role == "sysadmin":
        username = "sysadmin"
        expected = route.ok if route.sysadmin is None else route.sysadmin
    else:
        username = None if role is None else (INSIDE if inside else OUTSIDE)[role]
        expected = route.expected(role, inside)
    response = _request(_client_for(username), route, context)
    assert response.status_code == expected, (username, response.content[:300])
    if route.marker and role is not None and response.status_code == 200:
        body = response.content.decode()
        if role == "sysadmin":
            assert not route.sysadmin_sees_marker or route.marker in body
        elif inside:
            assert route.marker in body, f"{username} should see {route.marker}"
        else:
            assert route.marker not in body, f"{username} must not see {route.marker}"
    if route.pattern.startswith("api/") and response.status_code >= 400:
        payload = response.json()
        assert {"code", "message", "message_en"} <= payload.keys()
