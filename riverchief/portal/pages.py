"""What the county and reach pages show, gathered in a few queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from riverchief.core import divcodes
from riverchief.core.kept import kept
from riverchief.portal import queries
from riverchief.registry.models import ChiefAssignment, Division, Facility, Reach, WaterBody

ROLE_ORDER = [
    "总河长",
    "副总河长",
    "河长",
    "湖长",
    "河段长",
    "民间河长",
    "河长助理",
    "巡河员",
    "保洁员",
]


@dataclass
class ChiefRow:
    role: str
    level: str
    name: str
    position: str
    phone: str


def county() -> Division:
    from riverchief.portal.services import portal_division_code

    code = portal_division_code().ljust(12, "0")
    found = Division.objects.filter(code=code).first()
    if found is None:
        raise Http404
    return found


def county_context() -> dict:
    """What the county page shows (uncached: the view keeps the rendered page)."""
    place = county()
    low, high = divcodes.subtree_bounds(place.code)
    rivers = (
        WaterBody.objects.filter(
            division__code__gte=low, division__code__lte=high, parent__isnull=True
        )
        .select_related("division")
        .order_by("kind", "name")
    )
    reaches = (
        Reach.objects.filter(division__code__gte=low, division__code__lte=high)
        .select_related("water_body", "division")
        .order_by("water_body__name", "code")
    )
    by_river: dict[int, list[Reach]] = {}
    for reach in reaches:
        by_river.setdefault(reach.water_body_id, []).append(reach)
    year = timezone.localdate().year
    return {
        "county": place,
        "rivers": [(river, by_river.get(river.pk, [])) for river in rivers],
        "year": year,
        "counts": queries.year_counts(place.code, year),
        "notices": queries.notices(place.code, limit=5),
        "recent": queries.public_reports(division_code=place.code, limit=10),
        "hotline": queries.hotline(),
    }


def chiefs_of(reach: Reach) -> list[ChiefRow]:
    """Current chiefs of the reach and of its whole river, with the public phone: the contact
    department's, else the office hotline (a chief's own mobile number stays private)."""
    fields = ("role", "level", "person_name", "position", "contact_department__liaison_phone")
    # The reach's own chiefs and those of its whole river, in one query.
    rows = (
        ChiefAssignment.objects.filter(end_date__isnull=True)
        .filter(Q(reach=reach) | Q(reach__isnull=True, water_body_id=reach.water_body_id))
        .select_related("contact_department")
        .only(*fields)
    )
    found = []
    for row in rows:
        department = row.contact_department
        phone = department.liaison_phone if department and department.liaison_phone else ""
        found.append(
            ChiefRow(
                role=row.role,
                level=row.get_level_display(),
                name=row.person_name,
                position=row.position,
                phone=phone or queries.hotline(),
            )
        )
    rank = {role: index for index, role in enumerate(ROLE_ORDER)}
    return sorted(found, key=lambda r: (rank.get(r.role, 99), r.name))


def section_classes(reach: Reach) -> list[dict]:
    """The latest water-quality class of the reach's sections, where the monitoring app knows it."""
    try:
        from riverchief.monitoring.automatic import latest_class
    except ImportError:  # the monitoring app offers no such function: show nothing
        return []
    found = []
    sections = Facility.objects.filter(kind="section", reach=reach).only("code", "name")
    for section in sections.order_by("code"):
        try:
            label = latest_class(section.code)
        except Exception:  # a monitoring failure must not take the public page down
            label = None
        if label:
            found.append({"name": section.name, "class": label})
    return found


def cache_seconds() -> int:
    return int(getattr(settings, "RIVERCHIEF_PORTAL_CACHE_SECONDS", 60))


# Tables whose newest row id moves when something a public page shows changes: a problem's step
# (publication, state, closing), a public photo copy (made after the accepting commit), a chief
# assignment, a lab sample or automatic value (the water-quality class). The audit log catches
# edits that add no row (an ended assignment, a renamed reach, a department's phone, a notice).
WATCHED = (
    "problems.ProblemEvent",
    "portal.PublicPhoto",
    "registry.ChiefAssignment",
    "monitoring.Sample",
    "monitoring.AutoValue",
    "core.AuditEntry",
)


def kept_page(name: str, build):
    """`build()` (a public page's data or its rendered, viewer-independent part) kept: a page a
    crowd opens from a signboard's QR code is built once per change and minute per process.
    RIVERCHIEF_PORTAL_CACHE_SECONDS 0 turns it off."""
    return kept(f"portal:{name}", build, WATCHED, cache_seconds())


def reach_context(code: str) -> dict | None:
    """What a reach's page shows, None for an unknown code (uncached: the view keeps the
    rendered page)."""
    # Outlines stay in the database: the map fetches them as GeoJSON (cached by the browser).
    reach = (
        Reach.objects.select_related("water_body", "division")
        .defer("geometry", "water_body__geometry", "division__geometry")
        .filter(code=code)
        .first()
    )
    if reach is None:
        return None
    reports = list(queries.public_reports(reach=reach, limit=40))
    return {
        "reach": reach,
        "chiefs": chiefs_of(reach),
        "sections": section_classes(reach),
        "open_reports": [r for r in reports if r.problem.state != "closed"],
        "closed_reports": [r for r in reports if r.problem.state == "closed"],
        "hotline": queries.hotline(),
    }
