"""The navigation bar: each entry names the capability it needs, so menus follow roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import scope_of


@dataclass(frozen=True)
class NavEntry:
    label: object
    url_name: str
    capability: str | None = None  # None: every signed-in user


NAVIGATION = [
    NavEntry(_("Home"), "web:home"),
    NavEntry(_("Divisions"), "web:division_list"),
    NavEntry(_("Water bodies"), "registry:waterbody_list"),
    NavEntry(_("Reaches"), "registry:reach_list"),
    NavEntry(_("Facilities"), "registry:facility_list"),
    NavEntry(_("Chiefs"), "registry:assignment_list"),
    NavEntry(_("Map"), "registry:map"),
    NavEntry(_("Users"), "web:user_list", "users.view"),
    NavEntry(_("Audit log"), "web:audit_list", "audit.view"),
    NavEntry(_("Calendar"), "calendar:year", "calendar.view"),
]


def navigation_for(user, current_path: str) -> list[dict]:
    scope = scope_of(user)
    items = []
    for entry in NAVIGATION:
        if entry.capability and not scope.can(entry.capability):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": entry.label, "url": url, "active": active})
    return items
