"""Pieces the registry pages share: labels of facility kinds and their fields in the page's
language, chiefs split into current and past, documents in scope, map configuration."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.core.scoping import scope_of
from riverchief.registry import facility_kinds, mapdata, queries
from riverchief.registry.models import AssignmentRole, ChiefLevel, Document

# Columns a facility list shows for one kind, besides name, code and place.
SUMMARY_FIELDS: dict[str, tuple[str, ...]] = {
    "reservoir": ("scale", "total_capacity", "admin_person_name"),
    "check_dam": ("dam_class", "total_capacity", "one_dam_one_person"),
    "sluice": ("gate_count", "design_flow", "manager"),
    "outfall": ("outfall_type", "owner", "permit_number"),
    "intake": ("permit_holder", "annual_quota", "water_use"),
    "section": ("control_level", "target_class", "is_boundary"),
    "signboard": ("last_updated", "hotline"),
}
# Map colours per layer: facilities as circle markers, one colour per kind.
LAYER_COLOURS = {
    "divisions": "#6c757d",
    "waterbodies": "#6baed6",
    "reaches": "#2171b5",
    "reservoirs": "#1f77b4",
    "check_dams": "#8c564b",
    "sluices": "#9467bd",
    "outfalls": "#d62728",
    "intakes": "#2ca02c",
    "sections": "#17becf",
    "signboards": "#ff7f0e",
}
LEVEL_RANK = {level: rank for rank, level in enumerate(ChiefLevel.values)}
ROLE_RANK = {role: rank for rank, role in enumerate(AssignmentRole.values)}
PERSON_KINDS = ("reservoir", "check_dam")


def one(rows, code: str):
    """The row with this code among `rows` (a scoped query), else 404."""
    row = rows.filter(code=code).first()
    if row is None:
        raise Http404
    return row


def can_change(user, division_code: str | None = None) -> bool:
    """The user's role may change the registry, inside this division when one is given."""
    scope = scope_of(user)
    if not scope.can("registry.change"):
        return False
    return division_code is None or scope.covers_division(division_code)


def require_change(user, division_code: str | None = None) -> None:
    if not can_change(user, division_code):
        raise PermissionDenied


def english() -> bool:
    return (translation.get_language() or "").startswith("en")


def kind_label(kind: str) -> str:
    spec = facility_kinds.KINDS.get(kind)
    if spec is None:
        return kind
    return spec.en if english() else spec.zh


def _field(kind: str, name: str) -> facility_kinds.Field | None:
    spec = facility_kinds.KINDS.get(kind)
    return next((field for field in spec.fields if field.name == name), None) if spec else None


def field_label(kind: str, name: str) -> str:
    field = _field(kind, name)
    if field is None:
        return name
    return field.en if english() else field.zh


def display(field: facility_kinds.Field, value) -> str:
    """A detail value as a person reads it: choice labels, yes/no, numbers with their unit."""
    if value is None or value == "":
        return "—"
    if field.type == "bool":
        return str(_("yes") if value else _("no"))
    if field.type == "choice":
        return dict(field.choices).get(value, str(value))
    if field.type in ("number", "int"):
        number = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{number} {field.unit}".strip()
    return str(value)


def detail_value(kind: str, name: str, details: dict) -> str:
    field = _field(kind, name)
    return display(field, details.get(name)) if field else str(details.get(name) or "—")


def water_body_options(user) -> list[tuple[str, str]]:
    return list(
        queries.water_bodies_visible_to(user).order_by("code").values_list("code", "name")[:2000]
    )


def kind_tabs(counts: dict[str, int]) -> list[dict]:
    return [
        {"code": code, "label": kind_label(code), "count": counts.get(code, 0)}
        for code in facility_kinds.KINDS
    ]


def facility_details(row) -> dict:
    """The kind's fields with labels and units; reservoirs and check dams list their
    responsible persons (三个责任人, 一坝一人) apart."""
    spec = facility_kinds.KINDS[row.kind]
    names = {field.name: field for field in spec.fields}
    persons, used = [], set()
    if row.kind in PERSON_KINDS:
        for field in spec.fields:
            base = field.name[:-5] if field.name.endswith("_name") else field.name
            phone = names.get(f"{base}_phone")
            if phone is None or field.name == phone.name:
                continue
            persons.append(
                {
                    "role": field.en if english() else field.zh,
                    "name": row.details.get(field.name) or "—",
                    "phone": row.details.get(phone.name) or "",
                }
            )
            used |= {field.name, phone.name}
    details = [
        {
            "label": field.en if english() else field.zh,
            "value": display(field, row.details.get(field.name)),
            "name": field.name,
        }
        for field in spec.fields
        if field.name not in used
    ]
    return {"details": details, "persons": persons}


def sort_assignments(rows) -> list:
    return sorted(
        rows,
        key=lambda row: (LEVEL_RANK.get(row.level, 9), ROLE_RANK.get(row.role, 99), row.id),
    )


def split_assignments(rows) -> dict:
    """Chiefs holding office now, and those before (newest end first)."""
    rows = list(rows)
    current = sort_assignments(row for row in rows if row.end_date is None)
    history = sorted(
        (row for row in rows if row.end_date is not None),
        key=lambda row: (row.end_date, row.start_date),
        reverse=True,
    )
    return {"current": current, "history": history}


def documents_visible_to(user):
    """Documents whose reach (or, without one, water body) the user can see."""
    reaches = queries.reaches_visible_to(user).values("pk")
    water_bodies = queries.water_bodies_visible_to(user).values("pk")
    return Document.objects.filter(
        Q(reach__in=reaches) | Q(reach__isnull=True, water_body__in=water_bodies)
    ).select_related("reach", "water_body", "uploaded_by")


def documents_of(user, *, reach=None, water_body=None) -> list:
    rows = documents_visible_to(user)
    if reach is not None:
        # The reach's own files, and the files of its whole water body (一河一策 plans).
        rows = rows.filter(Q(reach=reach) | Q(reach__isnull=True, water_body=reach.water_body))
    else:
        rows = rows.filter(water_body=water_body)
    return list(rows.order_by("-uploaded_at", "-id"))


def message_of(error: DomainError) -> str:
    message = str(error.message)
    return message % error.params if error.params else message


# --- maps -------------------------------------------------------------------------------------


def _setting(name: str) -> str:
    return str(getattr(settings, name, "") or "")


def tile_config() -> dict:
    """Base map tiles from settings; without a URL the maps draw on a plain background."""
    return {
        "url": _setting("RIVERCHIEF_MAP_TILE_URL"),
        "labels": _setting("RIVERCHIEF_MAP_LABEL_URL"),
        "subdomains": _setting("RIVERCHIEF_MAP_TILE_SUBDOMAINS") or "abc",
        "attribution": _setting("RIVERCHIEF_MAP_TILE_ATTRIBUTION"),
    }


def map_layers() -> list[dict]:
    labels = {
        "divisions": _("Divisions"),
        "waterbodies": _("Water bodies"),
        "reaches": _("Reaches"),
    }
    layers = []
    for name in mapdata.LAYERS:
        kind = mapdata.FACILITY_LAYERS.get(name)
        layers.append(
            {
                "name": name,
                "label": kind_label(kind) if kind else str(labels[name]),
                "type": "facility" if kind else name,
                "colour": LAYER_COLOURS.get(name, "#333333"),
                "on": True,
            }
        )
    return layers


def map_labels() -> dict:
    """Words the map script shows, in the page's language."""
    kinds = {code: kind_label(code) for code in facility_kinds.KINDS}
    return {
        "open": str(_("Open the detail page")),
        "loading": str(_("Loading map layers…")),
        "failed": str(_("A map layer could not be loaded.")),
        "noTiles": str(_("No base map configured: vector layers only.")),
        "length": str(_("Length")),
        "km": str(_("km")),
        "kinds": {
            **kinds,
            "division": str(_("Division")),
            "waterbody": str(_("Water body")),
            "reach": str(_("Reach")),
        },
        "levels": {value: str(label) for value, label in ChiefLevel.choices},
    }


def _feature(row, role: str) -> dict | None:
    if not row.geometry:
        return None
    return {
        "type": "Feature",
        "geometry": row.geometry,
        "properties": {"name": row.name, "code": row.code, "role": role},
    }


def minimap(row, others) -> dict:
    """The object's geometry and those of related rows (its reaches or facilities)."""
    features = [_feature(row, "main")] + [_feature(other, "other") for other in others]
    return {
        "tiles": tile_config(),
        "features": [feature for feature in features if feature is not None],
        "empty": str(_("No geometry recorded yet.")),
    }


def form_map() -> dict:
    return {
        "tiles": tile_config(),
        "features": [],
        "empty": str(_("Enter GeoJSON to see it on the map.")),
        "invalid": str(_("Not valid GeoJSON yet.")),
    }
