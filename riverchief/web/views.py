"""Pages of the web shell: home per role, divisions, users, audit log, health and errors."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from riverchief import __version__
from riverchief.accounts import queries as account_queries
from riverchief.core import divcodes
from riverchief.core import queries as core_queries
from riverchief.core.errors import NotFound, error_body
from riverchief.core.scoping import scope_of
from riverchief.registry import queries as registry_queries

PAGE_SIZE = 50


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 otherwise; for load balancers and monitoring."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "unavailable", "database": "error", "reason": str(error)[:200]}, status=503
        )
    return JsonResponse({"status": "ok", "database": connection.vendor, "version": __version__})


@login_required
def home(request):
    user = request.user
    who = account_queries.describe_user(user)
    division = user.department.division if user.department_id else user.division
    context = {"who": who, "division": division}
    if division is not None:
        context["ancestors"] = division.ancestors()
        context["children"] = registry_queries.children_with_counts(division, user)
        context["subtree_size"] = registry_queries.divisions_visible_to(user).count()
    if scope_of(user).can("users.view"):
        context["users_in_scope"] = account_queries.count_users_visible_to(user)
    return render(request, "web/home.html", context)


@login_required
def division_list(request):
    rows = registry_queries.divisions_visible_to(request.user)
    text = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    rows = registry_queries.search_divisions(rows, text, int(level) if level.isdigit() else None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "web/_division_rows.html" if request.htmx else "web/division_list.html"
    return render(request, template, {"page": page, "q": text, "level": level})


@login_required
def division_detail(request, code: str):
    division = registry_queries.find_division(request.user, code)
    if division is None:
        raise Http404
    return render(
        request,
        "web/division_detail.html",
        {
            "division": division,
            "short_code": divcodes.short(division.code),
            "ancestors": division.ancestors(),
            "children": registry_queries.children_with_counts(division, request.user),
        },
    )


@login_required
def user_list(request):
    if not scope_of(request.user).can("users.view"):
        raise PermissionDenied
    rows = account_queries.users_visible_to(request.user)
    text = request.GET.get("q", "").strip()
    if text:
        rows = account_queries.search_users(rows, text)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/user_list.html", {"page": page, "q": text})


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_list(request):
    if not scope_of(request.user).can("audit.view"):
        raise PermissionDenied
    filters = {
        "text": request.GET.get("q", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "action": request.GET.get("action", "").strip(),
        "object_type": request.GET.get("object_type", "").strip(),
        "since": _parse_date(request.GET.get("since", "")),
        "until": _parse_date(request.GET.get("until", "")),
    }
    rows = core_queries.search_audit(request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/audit_list.html", {"page": page, "filters": filters})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body(NotFound.code, _("Not found.")), status=404)
    return render(request, "404.html", status=404)


def forbidden(request, exception=None):
    return render(request, "403.html", status=403)


def server_error(request):
    return render(request, "500.html", status=500)
