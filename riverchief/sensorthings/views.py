"""HTTP for /sta/v1.1/: the service root, CreateObservations and every resource path.

Reads: any signed-in user (session) or API token. Raw automatic readings are not open data: they
are published after validation, as evaluated classes on the public pages, so anonymous reads get
401. Writes: an API token only (`Authorization: Bearer <token>`, or HTTP Basic with the token as
password, which is what frost-sta-client's AuthHandler sends), from a role with the
`monitoring.change` capability. Tokens need no CSRF; a session cannot write.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from riverchief.accounts.services import user_for_token
from riverchief.core.errors import DomainError, Forbidden, NotFound, Unauthorized, error_body
from riverchief.core.scoping import scope_of
from riverchief.sensorthings import ingest, patching, queries, services
from riverchief.sensorthings.entities import SETS, EntitySet, prop_value, render
from riverchief.sensorthings.filtering import FilterError
from riverchief.sensorthings.options import parse_path

BASE = "http://www.opengis.net/spec/iot_sensing/1.1/req/"
CONFORMANCE = [
    *(
        f"{BASE}datamodel/{name}"
        for name in (
            "entity-control-information",
            "thing",
            "location",
            "historical-location",
            "datastream",
            "sensor",
            "observed-property",
            "observation",
            "feature-of-interest",
        )
    ),
    f"{BASE}resource-path",
    f"{BASE}request-data",
    f"{BASE}create-update-delete",
    f"{BASE}data-array",
]


def _json(data: Any, status: int = 200, **headers: str) -> JsonResponse:
    response = JsonResponse(
        data, status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error: Exception) -> JsonResponse:
    if isinstance(error, DomainError):
        status, body = error.status, error.as_dict()
    elif isinstance(error, FilterError):
        status = error.status
        code = "not_implemented" if status == 501 else "bad_query"
        body = error_body(code, gettext_lazy(error.message), None, error.params or None)
    else:
        status, body = 413, error_body("too_large", _("The request body is too large."))
    response = _json(body, status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="riverchief"'
    return response


def _token_user(request: HttpRequest):
    """The user behind a Bearer token or a Basic password that is a token; None without one."""
    header = request.headers.get("Authorization", "")
    scheme, _space, credentials = header.partition(" ")
    token = ""
    if scheme.lower() == "bearer":
        token = credentials.strip()
    elif scheme.lower() == "basic":
        try:
            token = base64.b64decode(credentials.strip()).decode().partition(":")[2]
        except (ValueError, UnicodeDecodeError):
            token = ""
    else:
        return None
    user = user_for_token(token)
    if user is None:
        raise Unauthorized(_("The API token is unknown, revoked or expired."))
    request.user = user  # for the request log and anything downstream
    return user


def _reader(request: HttpRequest):
    user = _token_user(request)
    if user is None and not request.user.is_authenticated:
        raise Unauthorized(_("Sign in or send an API token to read SensorThings data."))
    user = user or request.user
    if scope_of(user).role == "volunteer":  # 民间河长 see the public pages, not staff data
        raise Forbidden(_("Volunteers see water quality on the public pages."))
    return user


def _writer(request: HttpRequest):
    user = _token_user(request)
    if user is None:
        raise Unauthorized(
            _("Writing to SensorThings needs an API token: Authorization: Bearer <token>.")
        )
    return user


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("sta-root"))


def _params(request: HttpRequest) -> dict[str, str]:
    return {key: request.GET[key] for key in request.GET}


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise DomainError(_("The request body is not valid JSON."), code="bad_json") from None


def _guarded(view):
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (DomainError, FilterError, RequestDataTooBig) as error:
            return _error(error)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


@_guarded
def root(request: HttpRequest) -> HttpResponse:
    """The service root: every entity set and the conformance classes."""
    if request.method != "GET":
        return _json(error_body("method", _("Only GET is allowed here.")), 405, Allow="GET")
    _reader(request)
    base = _base(request)
    return _json(
        {
            "value": [{"name": name, "url": f"{base}{name}"} for name in SETS],
            "serverSettings": {"conformance": CONFORMANCE},
        }
    )


@_guarded
def create_observations(request: HttpRequest) -> HttpResponse:
    """The dataArray extension: an array of selfLinks, "error" for a failed row."""
    if request.method != "POST":
        return _json(error_body("method", _("Only POST is allowed here.")), 405, Allow="POST")
    user = _writer(request)
    return _json(ingest.create_observations(user, _body(request), _base(request)), 201)


@_guarded
def resource(request: HttpRequest, path: str) -> HttpResponse:
    """Every resource path: entity sets, entities, navigation, properties, $value and $ref."""
    target = _resolve(path)
    if request.method == "GET":
        return _read(request, target)
    if request.method not in ("POST", "PATCH", "PUT", "DELETE"):
        return _json(error_body("method", _("This method is not allowed.")), 405)
    user = _writer(request)
    base = _base(request)
    entity_set = target["set"]
    if target.get("ref") or target.get("property"):
        return _json(
            error_body(
                "not_implemented",
                _("Writing to $ref or to a single property is not supported; PATCH the entity."),
            ),
            501,
        )
    if request.method == "POST":
        if target.get("obj") is not None:
            raise DomainError(_("POST to an entity set, not to one entity."), code="post_entity")
        obj = services.create(user, entity_set, _body(request), target.get("parent"))
        link = f"{base}{entity_set.name}({obj.pk})"
        return _json(render(obj, entity_set, base), 201, Location=link)
    obj = target.get("obj")
    if obj is None:
        raise DomainError(_("Name one entity, such as Things(1)."), code="entity_needed")
    if request.method == "DELETE":
        services.delete(user, entity_set, obj)
        return HttpResponse(status=200)
    body = _body(request)
    if request.method == "PATCH" and request.content_type == "application/json-patch+json":
        current = {p.name: prop_value(obj, p) for p in entity_set.props}
        patched = patching.apply_json_patch(current, body)
        body = {
            k: patched.get(k)
            for k in current.keys() | patched.keys()
            if patched.get(k) != current.get(k)
        }
    obj = services.update(user, entity_set, obj, body, replace=request.method == "PUT")
    return _json(render(obj, entity_set, base))


def _resolve(path: str) -> dict[str, Any]:
    """Walk a resource path to a collection, an entity, a property, $value or $ref."""
    segments = parse_path(path)
    first = segments[0]
    entity_set = SETS.get(first.name)
    if entity_set is None:
        raise NotFound(_("No entity set “%(name)s”."), params={"name": first.name[:60]})
    target: dict[str, Any] = {"set": entity_set, "queryset": entity_set.model.objects.all()}
    if first.key is not None:
        target["obj"] = services.get_entity(entity_set, first.key)
    for segment in segments[1:]:
        obj = target.get("obj")
        if target.get("property") is not None:
            if segment.name != "$value" or target.get("value"):
                raise NotFound(_("Nothing lies below this property."))
            target["value"] = True
            continue
        if segment.name == "$ref":
            target["ref"] = True
            continue
        if obj is None or target.get("ref"):
            raise NotFound(_("Name one entity before a navigation property."))
        current: EntitySet = target["set"]
        relation = current.relation(segment.name)
        if relation is None:
            prop = current.prop(segment.name) if segment.key is None else None
            if prop is None and segment.name != "id":
                raise NotFound(
                    _("%(entity)s has no property or relation “%(name)s”."),
                    params={"entity": current.singular, "name": segment.name[:60]},
                )
            target["property"] = prop or segment.name
            continue
        related_set = SETS[relation.target]
        if relation.many:
            queryset = getattr(obj, relation.field).all()
            target = {"set": related_set, "queryset": queryset, "parent": (obj, current, relation)}
            if segment.key is not None:
                found = (
                    queryset.filter(pk=segment.key).first()
                    if isinstance(segment.key, int)
                    else None
                )
                if found is None:
                    raise NotFound(_("No such entity here."))
                target["obj"] = found
        else:
            if segment.key is not None:
                raise NotFound(_("A single related entity takes no id."))
            related = getattr(obj, relation.field)
            if related is None:
                raise NotFound(_("No such entity here."))
            target = {"set": related_set, "obj": related}
    return target


def _read(request: HttpRequest, target: dict[str, Any]) -> HttpResponse:
    _reader(request)
    base = _base(request)
    entity_set: EntitySet = target["set"]
    params = _params(request)
    obj = target.get("obj")
    prop = target.get("property")
    if prop is not None:
        value = obj.pk if prop == "id" else prop_value(obj, prop)
        name = "@iot.id" if prop == "id" else prop.name
        if value is None:
            return HttpResponse(status=204)
        if target.get("value"):
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            return HttpResponse(text, content_type="text/plain; charset=utf-8")
        return _json({name: value})
    if target.get("ref"):
        if obj is not None:
            return _json({"@iot.selfLink": f"{base}{entity_set.name}({obj.pk})"})
        page = queries.collection(
            target["queryset"],
            entity_set,
            {**params, "$select": "@iot.selfLink"},
            base,
            request.build_absolute_uri(request.path),
        )
        return _json(page)
    if obj is not None:
        return _json(queries.entity(obj, entity_set, params, base))
    next_url = request.build_absolute_uri(request.path)
    return _json(queries.collection(target["queryset"], entity_set, params, base, next_url))
