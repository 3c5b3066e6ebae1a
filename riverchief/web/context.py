"""Values every page needs: whether this is a demo database, the site name, the navigation,
the page's own address."""

from __future__ import annotations

from django.conf import settings

from riverchief.core.scoping import scope_of
from riverchief.core.settings_store import is_demo_database
from riverchief.web.navigation import navigation_for


def site(request):
    user = getattr(request, "user", None)
    return {
        "platform_name": settings.RIVERCHIEF_SITE_NAME,
        "demo_database": is_demo_database(),
        "nav_items": navigation_for(user, request.path) if user and user.is_authenticated else [],
        "scope": scope_of(user),
        # The page's own address (language links come back to it); a page rendered without
        # the request is given its own.
        "here": request.get_full_path(),
    }
