"""Patrol pages: the scoped list with its filters (one view serves the page and its htmx
fragment), a patrol's page with the track over the reach and its verdict explained, the office's
decision on a 视同巡河, and the compliance table by township and level with its drill-down.
The phone app is views_go.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from riverchief.core.errors import DomainError
from riverchief.patrols import pages, pages_compliance, pages_detail, queries, services

PAGE_SIZE = 50


def _partial(request) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


@login_required
@require_GET
def patrol_list(request):
    user = request.user
    f, rows = pages.filtered(user, request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        pages.decorate(row)
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "f": f, "query": query.urlencode()}
    if _partial(request):
        response = render(request, "patrols/_rows.html", context)
    else:
        context.update(pages.filter_options(user))
        context["may_patrol"] = pages.may_patrol(user)
        response = render(request, "patrols/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def detail(request, pk: int):
    patrol = queries.detail(request.user, pk)
    if patrol is None:
        raise Http404
    context = pages_detail.detail(patrol)
    context["may_decide"] = patrol.approval == "pending" and pages.is_office(request.user)
    return render(request, "patrols/detail.html", context)


@login_required
@require_POST
def approval(request, pk: int):
    """The office approves or refuses a 视同巡河; the page shows the new verdict."""
    if queries.detail(request.user, pk) is None:
        raise Http404
    if not pages.is_office(request.user):
        raise PermissionDenied
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect("patrols:detail", pk=pk)
    try:
        services.decide_equivalence(
            request.user, pk, decision == "approve", request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("patrols:detail", pk=pk)


@login_required
@require_GET
def compliance(request):
    """The month's table by township and level; a row's link opens its people (htmx)."""
    period = request.GET.get("period", "") or timezone.localdate().strftime("%Y-%m")
    try:
        context = pages_compliance.table(request.user, period, request.GET)
    except DomainError as error:
        context = pages_compliance.table(
            request.user, timezone.localdate().strftime("%Y-%m"), request.GET
        )
        context["error"] = str(error.message)
    if _partial(request):
        response = render(request, "patrols/_compliance_people.html", context)
    else:
        response = render(request, "patrols/compliance.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response
