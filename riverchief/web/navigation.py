"""The navigation bar: each entry names the capability it needs, so menus follow roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from riverchief.core.scoping import scope_of


@dataclass(frozen=True)
class NavEntry:
    label: object
    url_name: str
    capability: str | None = None  # None: every signed-in user
    # A number shown beside the label (e.g. the to-do count); None or 0 shows nothing.
    badge: Callable[[Any], int | None] | None = None
    # Entries of one group share a drop-down menu, so the bar fits a 1280 px screen.
    group: object = None


REGISTRY = _("Registry")
PATROLS = _("Patrols")
WATER_QUALITY = _("Water quality")
ADMINISTRATION = _("Administration")


def _todo_count(user) -> int:
    from riverchief.problems.pages import todo_count

    return todo_count(user)


def _unread_notifications(user) -> int:
    from riverchief.notify.queries import unread_count

    return unread_count(user)


NAVIGATION = [
    NavEntry(_("Home"), "web:home"),
    NavEntry(_("My to-do"), "problems:todo", badge=_todo_count),
    NavEntry(_("Notifications"), "notify:inbox", badge=_unread_notifications),
    NavEntry(_("Problems"), "problems:list"),
    NavEntry(_("Patrol"), "patrols:go", group=PATROLS),
    NavEntry(_("Patrol records"), "patrols:list", group=PATROLS),
    NavEntry(_("Patrol compliance"), "patrols:compliance", group=PATROLS),
    NavEntry(_("Sections"), "monitoring:overview", group=WATER_QUALITY),
    NavEntry(_("Monthly evaluation"), "monitoring:monthly", group=WATER_QUALITY),
    NavEntry(_("River status"), "monitoring:rivers", group=WATER_QUALITY),
    NavEntry(_("Lakes and reservoirs"), "monitoring:lakes", group=WATER_QUALITY),
    NavEntry(_("Alarms"), "monitoring:alarms", group=WATER_QUALITY),
    NavEntry(
        _("Import lab results"), "monitoring:import", "monitoring.change", group=WATER_QUALITY
    ),
    NavEntry(_("Map"), "registry:map"),
    NavEntry(_("Water bodies"), "registry:waterbody_list", group=REGISTRY),
    NavEntry(_("Reaches"), "registry:reach_list", group=REGISTRY),
    NavEntry(_("Facilities"), "registry:facility_list", group=REGISTRY),
    NavEntry(_("Chiefs"), "registry:assignment_list", group=REGISTRY),
    NavEntry(_("Divisions"), "web:division_list", group=REGISTRY),
    NavEntry(_("Signboards"), "signboards:list", "signboards.view", group=REGISTRY),
    NavEntry(_("Users"), "web:user_list", "users.view", group=ADMINISTRATION),
    NavEntry(_("Audit log"), "web:audit_list", "audit.view", group=ADMINISTRATION),
    NavEntry(_("Calendar"), "calendar:year", "calendar.view", group=ADMINISTRATION),
    NavEntry(_("Public site"), "portal:office_notices", "portal.change", group=ADMINISTRATION),
    NavEntry(_("Open311 keys"), "open311_keys:keys", "open311.keys", group=ADMINISTRATION),
]


def navigation_for(user, current_path: str) -> list[dict]:
    scope = scope_of(user)
    items = []
    for entry in NAVIGATION:
        if entry.capability and not scope.can(entry.capability):
            continue
        url = reverse(entry.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        badge = entry.badge(user) if entry.badge else None
        items.append(
            {
                "label": entry.label,
                "url": url,
                "active": active,
                "badge": badge,
                "group": entry.group,
            }
        )
    # Where one entry's address starts another's (/problems/, /problems/todo/), the longer wins.
    active = [item for item in items if item["active"]]
    for item in active:
        item["active"] = len(item["url"]) == max(len(other["url"]) for other in active)
    return _grouped(items)


def _grouped(items: list[dict]) -> list[dict]:
    """Top-level entries in order; a group appears once, where its first entry stands."""
    bar: list[dict] = []
    groups: dict[str, dict] = {}
    for item in items:
        group = item.pop("group")
        if group is None:
            bar.append(item)
            continue
        key = str(group)
        if key not in groups:
            groups[key] = {"label": group, "children": [], "active": False, "badge": None}
            bar.append(groups[key])
        groups[key]["children"].append(item)
        groups[key]["active"] |= item["active"]
    return bar
