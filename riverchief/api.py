"""The JSON API root under /api/v1/: one NinjaAPI, one error format for every failure."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from riverchief import __version__
from riverchief.accounts.auth import API_AUTH
from riverchief.core.errors import DomainError, error_body


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, not \\u escapes: readable and smaller."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="riverchief API",
    version="1",
    description="河湖长制 platform API. Authenticate with `POST /api/v1/auth/token`, then send "
    "`Authorization: Bearer <token>`.",
    auth=API_AUTH,
    urls_namespace="api",
    openapi_extra={"info": {"x-riverchief-version": __version__}},
)


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    body = error_body("unauthorized", _("Sign in or send a valid, unexpired API token."))
    return api.create_response(request, body, status=401)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return api.create_response(request, error_body("not_found", _("Not found.")), status=404)


@api.exception_handler(ValidationError)
def on_invalid(request, exc: ValidationError):
    first = exc.errors[0] if exc.errors else {}
    location = [
        str(part)
        for part in first.get("loc", [])
        if part not in ("body", "query", "path", "payload")
    ]
    field = ".".join(location) or None
    reason = first.get("msg", "")
    body = error_body("invalid", _("Invalid value: %(reason)s"), field, {"reason": reason})
    body["errors"] = [
        {"field": ".".join(str(p) for p in e.get("loc", [])), "reason": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(request, body, status=422)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = {403: "forbidden", 404: "not_found", 405: "method_not_allowed"}.get(
        exc.status_code, "error"
    )
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


def _register_routers() -> None:
    from riverchief.accounts.api import router as accounts_router
    from riverchief.core.api import router as core_router
    from riverchief.monitoring.api import router as monitoring_router
    from riverchief.monitoring.api_sections import router as sections_router
    from riverchief.notify.api import router as notify_router
    from riverchief.patrols.api import router as patrols_router
    from riverchief.problems.api import router as problems_router
    from riverchief.problems.api_stats import router as problem_stats_router
    from riverchief.registry.api import router as registry_router
    from riverchief.registry.api_facilities import router as facilities_router
    from riverchief.registry.api_map import router as map_router

    api.add_router("", accounts_router)
    api.add_router("", registry_router)
    api.add_router("", facilities_router)
    api.add_router("", map_router)
    api.add_router("", monitoring_router)
    api.add_router("", sections_router)
    api.add_router("", problem_stats_router)  # before problems: /problems/stats is no {id}
    api.add_router("", problems_router)
    api.add_router("", notify_router)
    api.add_router("", patrols_router)
    api.add_router("", core_router)


_register_routers()
