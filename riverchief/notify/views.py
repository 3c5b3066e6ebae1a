"""Pages: my inbox (mark read, mark all read, with htmx), and the office's channels."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.notify import queries, senders, services
from riverchief.notify.forms import ChannelForm
from riverchief.notify.models import DeliveryStatus

PAGE_SIZE = 30


# --- the inbox ---------------------------------------------------------------------------------


def _inbox_context(request) -> dict:
    rows = queries.inbox(request.user)
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "only_unread": only_unread,
        "unread_count": queries.unread_count(request.user),
    }


@login_required
def inbox(request):
    """The list; an htmx request gets only the list, for filtering and paging in place."""
    template = "notify/_inbox.html" if request.htmx else "notify/inbox.html"
    return render(request, template, _inbox_context(request))


def _next(request) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
@require_POST
def mark_read(request, notification_id: int):
    try:
        row = services.mark_read(request.user, notification_id)
    except NotFound as error:
        raise Http404 from error
    target = _next(request)
    if request.htmx and target is None:
        context = {"n": row, "unread_count": queries.unread_count(request.user), "oob": True}
        return render(request, "notify/_notification.html", context)
    return redirect(target or reverse("notify:inbox"))


@login_required
@require_POST
def mark_all_read(request):
    marked = services.mark_all_read(request.user)
    if request.htmx:
        return render(request, "notify/_inbox.html", {**_inbox_context(request), "oob": True})
    if marked:
        messages.success(request, _("All notifications are marked read."))
    return redirect(reverse("notify:inbox"))


# --- channels (office admins) ------------------------------------------------------------------


def _require_admin(user) -> None:
    try:
        services.require_channel_admin(user)
    except Forbidden as error:
        raise PermissionDenied from error


def _channel(user, channel_id: int):
    try:
        return services.channel_for(user, channel_id)
    except NotFound as error:
        raise Http404 from error


@login_required
def channel_list(request):
    _require_admin(request.user)
    rows = queries.channels_visible_to(request.user)
    return render(
        request,
        "notify/channel_list.html",
        {"channels": rows, "email_enabled": senders.email_enabled()},
    )


@login_required
def channel_edit(request, channel_id: int | None = None):
    user = request.user
    _require_admin(user)
    row = _channel(user, channel_id) if channel_id is not None else None
    form = ChannelForm(request.POST if request.method == "POST" else None, user=user, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_channel(user, form.to_data(), channel_id)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("notify:channel_edit", args=[saved.pk]))
    context = {
        "form": form,
        "row": row,
        "deliveries": queries.recent_deliveries(row) if row else [],
        "email_enabled": senders.email_enabled(),
    }
    return render(request, "notify/channel_form.html", context)


@login_required
@require_POST
def channel_test(request, channel_id: int):
    user = request.user
    _require_admin(user)
    _channel(user, channel_id)
    try:
        delivery = services.test_channel(user, channel_id)
    except DomainError as error:
        text = str(error.message)
        messages.error(request, text % error.params if error.params else text)
    else:
        delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.SENT:
            messages.success(request, _("The test message was sent."))
        elif delivery.status == DeliveryStatus.PENDING:
            messages.info(request, _("The test message is queued."))
        else:
            messages.error(
                request,
                _("The test message failed: %(error)s") % {"error": delivery.last_error},
            )
    return redirect(reverse("notify:channel_edit", args=[channel_id]))
