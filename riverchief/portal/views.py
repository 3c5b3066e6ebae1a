"""The public site under /p/: no sign-in, light pages on their own base template."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riverchief.core.errors import DomainError, NotFound
from riverchief.core.settings_store import is_demo_database
from riverchief.portal import categories, coords, pages, queries, services
from riverchief.portal.models import PublicPhoto, Rating
from riverchief.portal.photos import MAX_PHOTOS

# Fields the form shows an error beside; any other error is shown above the form.
FORM_FIELDS = {"category", "description", "photos", "location", "name", "phone", "consent"}
REPORT_FIELDS = (
    "category",
    "description",
    "lon",
    "lat",
    "coordinate_system",
    "accuracy",
    "name",
    "phone",
    "address",
)


def client_ip(request) -> str:
    """The client's address for the rate limit (only hashed, never shown). Behind N trusted
    proxies (RIVERCHIEF_PROXY_COUNT) the N-th X-Forwarded-For entry from the right is the
    client; without proxies the header is ignored, since anyone can send one."""
    proxies = int(getattr(settings, "RIVERCHIEF_PROXY_COUNT", 0))
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if proxies > 0 and len(hops) >= proxies:
        return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def message_of(error: DomainError) -> str:
    text = str(error.message)
    return text % error.params if error.params else text


def _language() -> str:
    return translation.get_language() or "zh-hans"


def _map_config() -> dict:
    from riverchief.registry import pageparts

    return {"tiles": pageparts.tile_config(), "geojson": reverse("portal:map_data")}


def _whole_page(html: str) -> HttpResponse:
    """A kept public page: the same for every viewer of a language (chosen by the cookie or
    the browser's Accept-Language), so a proxy may share it per language, never across them."""
    if not html:
        raise Http404
    response = HttpResponse(html)
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return response


def _render_kept(template: str, context: dict, here: str) -> str:
    """A public page rendered whole without the request (nothing of a viewer can get into
    it); `here` is the page's own address, where the language links come back to."""
    context.update(here=here, demo_database=is_demo_database())
    return render_to_string(template, context)


@require_GET
def county(request):
    return _whole_page(pages.kept_page("county", _county_page))


def _county_page() -> str:
    context = pages.county_context()
    context["map"] = _map_config()
    return _render_kept("portal/county.html", context, reverse("portal:county"))


@require_GET
def reach(request, code):
    # A crowd scans one signboard's QR code: the page, the same for every viewer of a
    # language, is rendered once per change and minute (pages.kept_page) and served as it is.
    return _whole_page(pages.kept_page(f"reach:{code}", lambda: _reach_page(code)))


def _reach_page(code: str) -> str:
    """The reach's page, or "" for an unknown reach (kept too: a wrong code costs one query)."""
    context = pages.reach_context(code)
    if context is None:
        return ""
    context["map"] = {**_map_config(), "reach": code}
    return _render_kept("portal/reach.html", context, reverse("portal:reach", args=[code]))


@require_GET
def language(request):
    """The public site's language links. A language is a preference, not a protected state
    (a link from elsewhere that switches it does no harm), so it needs no form and no token,
    and the pages that carry the links stay the same for everyone."""
    code = request.GET.get("language", "")
    if code not in dict(settings.LANGUAGES):
        choices = ", ".join(dict(settings.LANGUAGES))
        return HttpResponseBadRequest(
            f"language: 不支持的语言，可选 {choices} / unsupported language, one of {choices}",
            content_type="text/plain; charset=utf-8",
        )
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("portal:county")
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


@require_GET
def map_data(request):
    """Reaches (lines) and published reports (points) of the county, as GeoJSON."""
    from riverchief.portal.mapdata import county_geojson

    response = JsonResponse(county_geojson())
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
def report(request):
    errors: dict[str, str] = {}
    values = {name: request.POST.get(name, "") for name in REPORT_FIELDS}
    status = 200
    if request.method == "POST":
        try:
            created = services.submit_report(
                category_code=values["category"],
                description=values["description"],
                lon=values["lon"] or None,
                lat=values["lat"] or None,
                coordinate_system=values["coordinate_system"] or coords.WGS84,
                accuracy_m=values["accuracy"] or None,
                photos=request.FILES.getlist("photos"),
                name=values["name"],
                phone=values["phone"],
                device_id=request.POST.get("device_id", "")[:100],
                ip=client_ip(request),
                channel="web",
                reporter=request.user if request.user.is_authenticated else None,
                address=values["address"],
                consent=request.POST.get("consent") == "on",
                honeypot=request.POST.get("website", ""),
                idempotency_key=(request.POST.get("idempotency_key") or "")[:100] or None,
            )
        except DomainError as error:
            status = error.status
            field = error.field if error.field in FORM_FIELDS else "form"
            errors[field] = message_of(error)
        else:
            url = reverse("portal:track", kwargs={"tracking_code": created.tracking_code})
            return redirect(f"{url}?new=1")
    else:
        values["category"] = request.GET.get("category", "")
    context = {
        "values": values,
        "errors": errors,
        "categories": [
            (c.code, c.name(_language()), c.description(_language()))
            for c in categories.PUBLIC_CATEGORIES
        ],
        "idempotency_key": request.POST.get("idempotency_key") or secrets.token_urlsafe(16),
        "max_photos": MAX_PHOTOS,
        # Opened from a reach's page: the map starts on that reach.
        "map": {**_map_config(), "reach": request.GET.get("reach", "")[:40]},
        "volunteer": services.volunteer_of(request.user),
    }
    return render(request, "portal/report.html", context, status=status)


@require_GET
def similar(request):
    """ "是否是同一问题?": open reports within 50 m in the last 30 days (htmx fragment or JSON)."""
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
        system = request.GET.get("coordinate_system", coords.WGS84)
        if system == coords.GCJ02 and coords.gcj_applies(lon, lat):
            lon, lat = coords.to_wgs84(lon, lat, system)
    except ValueError:
        found = []
    else:
        found = queries.similar_reports(lon, lat)
    if request.headers.get("HX-Request") or request.GET.get("format") == "html":
        return render(request, "portal/_similar.html", {"similar": found})
    return JsonResponse(
        {
            "items": [{**row, "created_at": row["created_at"].isoformat()} for row in found],
            "count": len(found),
        }
    )


@require_GET
def track_lookup(request):
    code = services.normalise_code(request.GET.get("code", ""))
    if not code:
        return render(request, "portal/track_lookup.html", {})
    return redirect("portal:track", tracking_code=code)


@require_GET
def track(request, tracking_code):
    try:
        view = queries.public_report(tracking_code, _language())
    except NotFound:
        return render(
            request, "portal/track_unknown.html", {"code": tracking_code[:40]}, status=404
        )
    report = view.report
    context = {
        "view": view,
        "new": request.GET.get("new") == "1",
        "track_url": request.build_absolute_uri(
            reverse("portal:track", kwargs={"tracking_code": view.tracking_code})
        ),
        "rating_choices": Rating.Value.choices,
        "is_volunteer_owner": bool(
            request.user.is_authenticated and report and report.reporter_id == request.user.pk
        ),
    }
    return render(request, "portal/track.html", context)


@require_POST
def rate(request, tracking_code):
    try:
        services.rate(
            tracking_code, request.POST.get("rating", ""), request.POST.get("comment", "")
        )
    except NotFound:
        return render(
            request, "portal/track_unknown.html", {"code": tracking_code[:40]}, status=404
        )
    except DomainError as error:
        view = queries.public_report(tracking_code, _language())
        context = {
            "view": view,
            "rating_error": message_of(error),
            "rating_choices": Rating.Value.choices,
        }
        return render(request, "portal/track.html", context, status=error.status)
    return redirect("portal:track", tracking_code=services.normalise_code(tracking_code))


@require_POST
def confirm(request, tracking_code):
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    try:
        services.confirm_fix(request.user, tracking_code, request.POST.get("comment", ""))
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        context = {"message": message_of(error)}
        return render(request, "portal/error.html", context, status=error.status)
    return redirect("portal:track", tracking_code=services.normalise_code(tracking_code))


@require_GET
def photo(request, token):
    """A public photo copy (no EXIF), only once its report is published."""
    found = PublicPhoto.objects.select_related("report__problem").filter(token=token).first()
    if found is None or not found.report.is_public:
        raise Http404
    response = FileResponse(found.file.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
def notices(request):
    place = pages.county()
    kind = request.GET.get("kind") or None
    rows = queries.notices(
        place.code, kind=kind if kind in ("announcement", "order") else None, limit=100
    )
    return render(request, "portal/notices.html", {"notices": rows, "county": place, "kind": kind})


@require_GET
def notice(request, notice_id):
    from riverchief.portal.models import Notice

    found = Notice.objects.filter(pk=notice_id, published_at__isnull=False).first()
    if found is None:
        raise Http404
    return render(request, "portal/notice.html", {"notice": found})
