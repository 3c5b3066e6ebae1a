"""Reads of divisions and departments through the caller's scope."""

from __future__ import annotations

from django.db.models import Count, Q

from riverchief.core import divcodes
from riverchief.registry.models import Department, Division


def divisions_visible_to(viewer):
    return Division.objects.visible_to(viewer).select_related("parent")


def find_division(viewer, code: str) -> Division | None:
    """A visible division by full or short code; None when unknown, invalid or out of scope."""
    try:
        full = divcodes.normalize(code)
    except divcodes.InvalidCode:
        return None
    return divisions_visible_to(viewer).filter(code=full).first()


def search_divisions(rows, text: str = "", level: int | None = None, parent: str = ""):
    if text:
        rows = rows.filter(Q(name__icontains=text) | Q(code__startswith=text.strip()))
    if level:
        rows = rows.filter(level=level)
    if parent:
        try:
            rows = rows.filter(parent__code=divcodes.normalize(parent))
        except divcodes.InvalidCode:
            rows = rows.none()
    return rows


def children_with_counts(division: Division, viewer):
    """The visible children of a division, each with its own number of children (one query)."""
    return list(
        divisions_visible_to(viewer)
        .filter(parent=division)
        .annotate(children_count=Count("children"))
    )


def departments_visible_to(viewer):
    return Department.objects.visible_to(viewer).select_related("division")
