"""Send a user whose password was generated for them to the change-password page first."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse

ALLOWED_PREFIXES = ("/static/", "/healthz", "/api/", "/i18n/", "/open311/", "/p/")


class ForcePasswordChangeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            allowed = {reverse("accounts:password_change"), reverse("accounts:logout")}
            if request.path not in allowed:
                return redirect("accounts:password_change")
        return self.get_response(request)
