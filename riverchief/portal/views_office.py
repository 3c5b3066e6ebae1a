"""Staff pages of the public site: notices (公告, 河长令) and the public reports with their
answer deadlines. Office only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from riverchief.core.errors import DomainError, NotFound
from riverchief.portal import notices as notice_services
from riverchief.portal.models import Notice, PublicReport


def _office(request) -> None:
    if not notice_services.may_edit(request.user):
        raise PermissionDenied


@login_required
@require_GET
def notice_list(request):
    _office(request)
    rows = Notice.objects.editable_by(request.user).select_related("division")[:200]
    return render(request, "portal/office_notices.html", {"notices": rows})


@login_required
@require_http_methods(["GET", "POST"])
def notice_edit(request, notice_id=None):
    _office(request)
    notice = None
    if notice_id is not None:
        notice = Notice.objects.editable_by(request.user).filter(pk=notice_id).first()
        if notice is None:
            raise NotFound_404()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        data = {
            "kind": request.POST.get("kind", ""),
            "title": request.POST.get("title", ""),
            "number": request.POST.get("number", ""),
            "body": request.POST.get("body", ""),
            "publish": request.POST.get("publish") == "on",
        }
        try:
            notice_services.save_notice(request.user, data, notice_id)
        except NotFound:
            raise NotFound_404() from None
        except DomainError as error:
            text = str(error.message)
            errors[error.field if error.field in ("kind", "title", "body") else "form"] = (
                text % error.params if error.params else text
            )
            status = error.status
        else:
            return redirect("portal:office_notices")
        values = data
    else:
        values = {
            "kind": notice.kind if notice else "announcement",
            "title": notice.title if notice else "",
            "number": notice.number if notice else "",
            "body": notice.body if notice else "",
            "publish": bool(notice and notice.published_at),
        }
    context = {"notice": notice, "values": values, "errors": errors, "kinds": Notice.Kind.choices}
    return render(request, "portal/office_notice_edit.html", context, status=status)


@login_required
@require_GET
def report_list(request):
    _office(request)
    rows = (
        PublicReport.objects.visible_to(request.user)
        .select_related("problem", "problem__division", "problem__reach", "routed_department")
        .order_by("answer_due")[:300]
    )
    return render(request, "portal/office_reports.html", {"reports": rows})


def NotFound_404():  # noqa: N802 - reads as the exception it returns
    from django.http import Http404

    return Http404()
