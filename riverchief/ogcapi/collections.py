"""The open-data collections: which rows are public, and what each feature says.

Only public layers, never personal data: facility details lose every responsible person's name
and phone (the registry keeps them for the office), and problems appear only once the public
portal has published them, without reporter, tracking code or assignee.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from riverchief.ogcapi import published
from riverchief.registry import facility_kinds
from riverchief.registry.models import ChiefLevel, Facility, Reach, WaterBody, WaterBodyKind

# Detail fields that name or reach a person (responsible persons, the 一坝一人 patroller, an
# intake's permit holder or an outfall's owner may be private individuals). `hotline` stays:
# it is the supervision number printed on signboards.
PERSONAL_DETAILS = frozenset({"one_dam_one_person", "permit_holder", "owner"})


def _public_detail(name: str) -> bool:
    return not (name.endswith(("_name", "_phone")) or name in PERSONAL_DETAILS)


PUBLIC_DETAILS = {
    code: tuple(f.name for f in kind.fields if _public_detail(f.name))
    for code, kind in facility_kinds.KINDS.items()
}
SECTION_DETAILS = PUBLIC_DETAILS["section"]


@dataclass(frozen=True)
class Queryable:
    """An extra equality filter on /items (declared in the OpenAPI document so GDAL and QGIS
    forward attribute filters): the query parameter equals a feature property."""

    lookup: str
    choices: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Collection:
    id: str
    title: Any
    description: Any
    rows: Callable[[], QuerySet]  # the public rows, ordered by a unique key (stable paging)
    id_path: str  # the ORM path of the stable feature id (registry code, problem number)
    columns: tuple[tuple[str, str], ...]  # (property, ORM path)
    point: bool = False  # geometry from lon/lat columns instead of the stored GeoJSON
    time_path: str | None = None  # the instant `datetime` filters on; None: features have no time
    time_property: str | None = None
    queryables: dict[str, Queryable] = field(default_factory=dict)
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # last touch on properties
    # Rows ordered by the feature id alone: `next` links then carry `after=<last id>` (a range
    # on the id's index), so page 150 costs what page 1 does; OFFSET reads every row before.
    keyset: bool = True


def _facility_details(properties: dict[str, Any]) -> dict[str, Any]:
    details = properties.pop("details") or {}
    keep = PUBLIC_DETAILS.get(properties.get("kind", ""), ())
    properties["details"] = {name: details[name] for name in keep if name in details}
    return properties


def _section_details(properties: dict[str, Any]) -> dict[str, Any]:
    details = properties.pop("details") or {}
    for name in SECTION_DETAILS:
        properties[name] = details.get(name)
    return properties


DIVISION = (("division_code", "division__code"), ("division_name", "division__name"))
FACILITY_COLUMNS = (
    ("code", "code"),
    ("name", "name"),
    ("kind", "kind"),
    *DIVISION,
    ("water_body_code", "water_body__code"),
    ("reach_code", "reach__code"),
    ("address", "address"),
    ("details", "details"),
)


def _water_bodies() -> QuerySet:
    return WaterBody.objects.order_by("code")


def _reaches() -> QuerySet:
    return Reach.objects.order_by("code")


def _facilities() -> QuerySet:
    return Facility.objects.order_by("code")


def _sections() -> QuerySet:
    return Facility.objects.filter(kind="section").order_by("code")


WATER_BODY_CODE = Queryable("water_body__code", description="the water body's code")

COLLECTIONS: dict[str, Collection] = {
    collection.id: collection
    for collection in (
        Collection(
            "waterbodies",
            _("Water bodies"),
            _("Rivers, lakes, reservoirs, canals and ponds in the river chief system."),
            _water_bodies,
            "code",
            (
                ("code", "code"),
                ("name", "name"),
                ("kind", "kind"),
                ("parent_code", "parent__code"),
                ("basin", "basin"),
                ("management_level", "management_level"),
                *DIVISION,
                ("length_m", "length_m"),
                ("area_km2", "area_km2"),
                ("description", "description"),
            ),
            queryables={"kind": Queryable("kind", tuple(WaterBodyKind.values))},
        ),
        Collection(
            "reaches",
            _("Reaches"),
            _("Stretches of a water body inside one division, each with its chiefs (河段)."),
            _reaches,
            "code",
            (
                ("code", "code"),
                ("name", "name"),
                ("water_body_code", "water_body__code"),
                ("water_body_name", "water_body__name"),
                *DIVISION,
                ("level", "level"),
                ("start_description", "start_description"),
                ("end_description", "end_description"),
                ("length_m", "length_m"),
                ("start_chainage_m", "start_chainage_m"),
                ("is_dry", "is_dry"),
            ),
            queryables={
                "water_body_code": WATER_BODY_CODE,
                "level": Queryable("level", tuple(ChiefLevel.values)),
            },
        ),
        Collection(
            "facilities",
            _("Facilities"),
            _(
                "Reservoirs, check dams, sluices, outfalls, intakes, monitoring sections and "
                "signboards; filter with kind=."
            ),
            _facilities,
            "code",
            FACILITY_COLUMNS,
            queryables={
                "kind": Queryable("kind", tuple(facility_kinds.KINDS)),
                "water_body_code": WATER_BODY_CODE,
            },
            shape=_facility_details,
        ),
        Collection(
            "sections",
            _("Monitoring sections"),
            _("Water-quality monitoring sections (断面) with their level and target class."),
            _sections,
            "code",
            FACILITY_COLUMNS,
            queryables={"water_body_code": WATER_BODY_CODE},
            shape=_section_details,
        ),
        Collection(
            "problems",
            _("Public problems"),
            _(
                "Problems on rivers and lakes as published by the public portal: category, "
                "state and place, never who reported them."
            ),
            published.problems,
            "number",
            (
                ("number", "number"),
                ("category", "category__name"),
                ("category_group", "category__group"),
                ("state", "state"),
                ("reach_code", "reach__code"),
                ("reach_name", "reach__name"),
                *DIVISION,
                ("address", "address"),
                ("reported_at", "created_at"),
                ("closed_at", "closed_at"),
            ),
            point=True,
            keyset=False,  # newest first by time: pages by offset (a county has few)
            time_path="created_at",
            time_property="reported_at",
            queryables={"state": Queryable("state", published.PUBLIC_STATES)},
        ),
    )
}
