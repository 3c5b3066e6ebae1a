"""Open311 API keys: the office issues one per client application and revokes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.open311 import keys
from riverchief.open311.models import ApiKey


def _require_office(request) -> None:
    if not scope_of(request.user).can("open311.keys"):
        raise PermissionDenied


@login_required
def key_list(request):
    _require_office(request)
    new_key = error = None
    values = {"name": "", "contact": ""}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        try:
            _key, new_key = keys.issue_key(request.user, values["name"], values["contact"])
            values = {"name": "", "contact": ""}
        except DomainError as problem:
            error = problem
    rows = ApiKey.objects.visible_to(request.user).select_related("created_by")
    return render(
        request,
        "open311/keys.html",
        {
            "keys": rows,
            "new_key": new_key,
            "error": error,
            "values": values,
            "endpoint": request.build_absolute_uri("/open311/v2/"),
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def key_revoke(request, key_id: int):
    _require_office(request)
    try:
        key = keys.revoke_key(request.user, key_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The key of %(name)s is revoked.") % {"name": key.name})
    return redirect("open311_keys:keys")
