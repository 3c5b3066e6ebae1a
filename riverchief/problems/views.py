"""Problem pages: my to-do (我的待办), the scoped list with its filters (one view serves the page
and its htmx fragment) and its Excel export, the office's dashboard. The report form is in
views_report.py, the detail page in views_detail.py, actions and batch assign in views_actions.py.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from riverchief.problems import export, pages

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _partial(request) -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


@login_required
@require_GET
def todo(request):
    groups = pages.todo_groups(request.user, expand=request.GET.get("group", ""))
    context = {
        "groups": groups,
        "total": pages.todo_count(request.user),  # the navigation badge's number
        "may_report": pages.may_report(request.user),
    }
    return render(request, "problems/todo.html", context)


@login_required
@require_GET
def problem_list(request):
    user = request.user
    f, rows = pages.filtered(user, request.GET)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for row in page:
        row.badge = pages.deadline_badge(row, now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "f": f,
        "query": query.urlencode(),
        "may_batch": pages.is_office(user),
        "may_report": pages.may_report(user),
        "may_see_dashboard": pages.may_see_dashboard(user),
    }
    if _partial(request):
        response = render(request, "problems/_rows.html", context)
    else:
        context.update(pages.filter_options(user))
        response = render(request, "problems/list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_GET
def problem_export(request):
    """The filtered list, in the same scope, as a workbook streamed while it is written."""
    _f, rows = pages.filtered(request.user, request.GET)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(export.problems_workbook(rows), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"问题清单-{stamp}.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def dashboard(request):
    if not pages.may_see_dashboard(request.user):
        raise PermissionDenied
    # The widgets as HTML, kept like their figures: a province's 700 department rows took
    # longer to render than to count.
    widgets = pages.kept(
        request.user,
        "dashboard-html",
        lambda: render_to_string("problems/_dashboard_widgets.html", pages.dashboard(request.user)),
    )
    return render(request, "problems/dashboard.html", {"widgets": mark_safe(widgets)})  # noqa: S308
