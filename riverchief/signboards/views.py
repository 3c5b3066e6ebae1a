"""Signboard pages for the office and the chiefs: the list with out-of-date boards first, one
reach's board as a PDF (A4 preview or full size), a township's boards in one PDF."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.signboards import content, pdf, queries, services
from riverchief.signboards.fonts import FontMissing

PUBLIC_REACH_PATH = "/p/reaches/{code}"


def _require_viewer(request) -> None:
    if not queries.may_view(request.user):
        raise PermissionDenied


def public_url(request, code: str) -> str:
    """The reach's public page, absolute: RIVERCHIEF_SITE_URL when set, else this request's host."""
    path = PUBLIC_REACH_PATH.format(code=code)
    site = getattr(settings, "RIVERCHIEF_SITE_URL", "")
    return f"{site}{path}" if site else request.build_absolute_uri(path)


def _size(request) -> str:
    size = request.GET.get("size", "a4")
    return size if size in pdf.SIZES else "a4"


def _pdf_answer(request, reaches, filename: str):
    today = timezone.localdate()
    boards = [content.board_for(r, public_url(request, r.code), today) for r in reaches]
    size = _size(request)
    try:
        document = pdf.render(boards, size)
    except FontMissing as error:
        return render(request, "signboards/font_missing.html", {"tried": str(error)}, status=503)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}-{size}.pdf"'
    return response


@login_required
def board_list(request):
    _require_viewer(request)
    township = request.GET.get("township", "").strip()
    states = queries.board_states(request.user, township)
    status = request.GET.get("status", "")
    if status in (queries.CURRENT, queries.OUTDATED, queries.UNRECORDED):
        states = [s for s in states if s.status == status]
    return render(
        request,
        "signboards/list.html",
        {
            "states": states,
            "townships": queries.townships_visible_to(request.user),
            "township": township,
            "status": status,
            "outdated": sum(1 for s in states if s.status == queries.OUTDATED),
            "may_record": scope_of(request.user).can("signboards.change"),
            "update_days": queries.update_days(),
            "today": timezone.localdate(),
        },
    )


@login_required
def reach_pdf(request, code: str):
    _require_viewer(request)
    reach = queries.find_reach(request.user, code)
    if reach is None:
        raise Http404
    return _pdf_answer(request, [reach], f"signboard-{reach.code}")


@login_required
def township_pdf(request, code: str):
    _require_viewer(request)
    reaches = queries.township_reaches(request.user, code)
    if not reaches:
        raise Http404
    return _pdf_answer(request, reaches, f"signboards-{code}")


@login_required
@require_POST
def reach_put_up(request, code: str):
    _require_viewer(request)
    if not scope_of(request.user).can("signboards.change"):
        raise PermissionDenied
    when = None
    text = request.POST.get("printed_on", "").strip()
    try:
        if text:
            try:
                when = date.fromisoformat(text)
            except ValueError:
                raise DomainError(_("Enter a date as YYYY-MM-DD."), field="printed_on") from None
        services.record_put_up(request.user, code, when)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Recorded: the boards of %(code)s are up to date.") % {"code": code}
        )
    return redirect("signboards:list")
