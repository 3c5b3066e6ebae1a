"""Sections as the evaluation sees them: registry facilities of kind `section`, with their target
class and water-body type read from `details`, found through the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import NotFound
from riverchief.monitoring.gb3838 import Grade, InputError, WaterbodyType, parse_grade
from riverchief.registry.models import Facility

KIND = "section"


@dataclass(frozen=True)
class SectionInfo:
    facility: Facility
    target: Grade | None
    waterbody: WaterbodyType

    @property
    def code(self) -> str:
        return self.facility.code


def info(facility: Facility) -> SectionInfo:
    details = facility.details or {}
    target = None
    try:
        if details.get("target_class"):
            target = parse_grade(str(details["target_class"]), allow_worse_than_v=False)
    except InputError:
        target = None
    waterbody: WaterbodyType = "lake" if details.get("waterbody_type") == "lake" else "river"
    return SectionInfo(facility, target, waterbody)


def visible(user):
    """The sections the user may see (everything for None, the platform itself)."""
    rows = Facility.objects.filter(kind=KIND)
    if user is not None:
        rows = Facility.objects.visible_to(user).filter(kind=KIND)
    return rows.select_related("division", "reach", "water_body")


def get(user, code: str) -> SectionInfo:
    """The section with this code if the user may see it; 404 otherwise (outsiders too)."""
    facility = visible(user).filter(code=code).first()
    if facility is None:
        raise NotFound(_("No such section, or it lies outside your scope."), field="code")
    return info(facility)
