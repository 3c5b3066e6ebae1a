"""Small helpers of the problem templates: state colours, distances in words."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from riverchief.problems.pages import STATE_COLOURS

register = template.Library()


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(state, "secondary")


@register.filter
def distance(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)d m") % {"n": round(metres)}
    return _("%(n).1f km") % {"n": metres / 1000}
