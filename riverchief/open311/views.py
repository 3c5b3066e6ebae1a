"""Open311 GeoReport v2 endpoints (standards.md §1): thin views over `source` and the portal.

Every answer is XML or JSON as the path's suffix says, errors included (`<errors><error>` or a
JSON array, with the HTTP status the spec names). GETs need no key; POST needs an `api_key`
from the form body or the query string (the PyPI `open311` client sends it in the query).
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt

from riverchief.core.errors import DomainError
from riverchief.open311 import filters, source, wire
from riverchief.open311.definitions import definition, service_record
from riverchief.open311.errors import Open311Error

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-29T00:00:00+08:00"  # bump when the services or their definitions change

FILTER_MESSAGES = {
    "not_datetime": _("'%(value)s' is not a W3C datetime such as 2026-01-01T00:00:00Z."),
    "invalid_date": _("'%(value)s' is not a valid date or time."),
    "too_many": _("At most %(value)s values."),
    "unknown_code": _("Unknown service code: %(value)s."),
    "bad_status": _("'%(value)s' is not one of open, closed."),
    "end_before_start": _("end_date is before start_date."),
    "window": _("The date range may not span more than %(value)s days."),
}


def _answer(fmt: str, root: str, value, status: int = 200) -> HttpResponse:
    body, content_type = wire.render(fmt, root, value)
    return HttpResponse(body, status=status, content_type=content_type)


def _error(fmt: str, error: Open311Error) -> HttpResponse:
    items = wire.errors([(error.status, error.description())])
    return _answer(fmt, "errors", items, status=error.status)


def _param(request, name: str) -> str:
    """A parameter from the form body or the query string; empty counts as absent."""
    value = request.POST.get(name) if request.method == "POST" else None
    return (value or request.GET.get(name) or "").strip()


def _check_jurisdiction(request) -> None:
    expected = getattr(settings, "RIVERCHIEF_OPEN311_JURISDICTION", "")
    given = _param(request, "jurisdiction_id")
    if given and expected and given != expected:
        raise Open311Error(404, _("Unknown jurisdiction."), field="jurisdiction_id")


def endpoint(*methods: str):
    """An Open311 view: allowed methods, the jurisdiction check, errors in the spec's format."""

    def decorate(view):
        @csrf_exempt  # a key-authenticated machine interface, not a browser form
        @wraps(view)
        def wrapper(request, *args, fmt: str, **kwargs):
            try:
                if request.method not in methods:
                    raise Open311Error(405, _("Method not allowed."))
                _check_jurisdiction(request)
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as error:
                response = _error(fmt, error)
                if error.status == 405:
                    response["Allow"] = ", ".join(methods)
                return response
            except filters.FilterError as error:
                message = FILTER_MESSAGES[error.reason]
                problem = Open311Error(400, message, {"value": error.value}, error.parameter)
                return _error(fmt, problem)
            except DomainError as error:
                status = error.status if error.status in (403, 404, 429) else 400
                return _error(fmt, Open311Error(status, error.message, error.params, error.field))

        return wrapper

    return decorate


def _base_url(request) -> str:
    site = getattr(settings, "RIVERCHIEF_SITE_URL", "")
    path = reverse("open311:discovery", kwargs={"fmt": "xml"}).rsplit("/", 1)[0]
    return f"{site}{path}" if site else request.build_absolute_uri(path)


@endpoint("GET")
def discovery(request, fmt: str):
    try:
        keys_page = request.build_absolute_uri(reverse("open311_keys:keys"))
    except NoReverseMatch:  # pragma: no cover - the page is always installed with the app
        keys_page = ""
    contact = getattr(settings, "RIVERCHIEF_OPEN311_CONTACT", "") or "河长制办公室"
    value = {
        "changeset": CHANGESET,
        "contact": contact,
        "key_service": f"向河长制办公室申请 API key（{keys_page}）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": _base_url(request),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _answer(fmt, "discovery", value)


@endpoint("GET")
def services(request, fmt: str):
    return _answer(fmt, "services", [service_record(item) for item in source.services()])


@endpoint("GET")
def service_definition(request, code: str, fmt: str):
    category = source.service(code)
    if category is None:
        raise Open311Error(404, _("Unknown service code."), field="service_code")
    return _answer(fmt, "service_definition", definition(category))


def _photo_url(request):
    """token -> the public photo's absolute address (one reverse() per request, not per row)."""
    try:
        path = reverse("portal:photo", args=["TOKEN"])
    except NoReverseMatch:  # pragma: no cover - the portal is always installed with Open311
        return lambda token: None
    site = getattr(settings, "RIVERCHIEF_SITE_URL", "")
    template = f"{site}{path}" if site else request.build_absolute_uri(path)
    prefix, _placeholder, suffix = template.rpartition("TOKEN")
    return lambda token: f"{prefix}{token}{suffix}"


@endpoint("GET", "POST")
def requests(request, fmt: str):
    if request.method == "POST":
        from riverchief.open311.posting import post_request

        return _answer(fmt, "service_requests", post_request(request), status=201)
    selection = filters.parse_request_filter(
        request.GET,
        now=timezone.now(),
        local=timezone.get_current_timezone(),
        known_codes=source.SERVICE_CODES,
    )
    photo_url, zone = _photo_url(request), timezone.get_current_timezone()
    items = [source.as_request(row, photo_url, zone) for row in source.requests(selection)]
    return _answer(fmt, "service_requests", items)


@endpoint("GET")
def request_detail(request, request_id: str, fmt: str):
    row = source.request_row(request_id)
    if row is None:
        raise Open311Error(404, _("No published service request has this id."))
    return _answer(fmt, "service_requests", [source.as_request(row, _photo_url(request))])


@endpoint("GET")
def token(request, token: str, fmt: str):
    from riverchief.open311.posting import token_answer

    return _answer(fmt, "service_requests", [token_answer(token)])
