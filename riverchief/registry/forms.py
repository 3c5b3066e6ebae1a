"""Edit forms of the registry pages.

Field names are the keys of the services' records (`records.py`), so a DomainError's `field`
lands beside its input. Forms only type and shape the input; every rule is the services'.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError
from riverchief.registry import facility_kinds, queries, records
from riverchief.registry.models import (
    AssignmentRole,
    ChiefLevel,
    Division,
    DocumentKind,
    ManagementLevel,
    WaterBodyKind,
)

BLANK = ("", "—")
MAX_OPTIONS = 2000  # a county has a few hundred; a province office types codes instead


class RegistryForm(forms.Form):
    """Bootstrap classes on every widget, and DomainErrors shown beside their field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)

    def add_domain_error(self, error: DomainError) -> None:
        message = str(error.message)
        if error.params:
            message = message % error.params
        field = error.field if error.field in self.fields else None
        if field is not None and field in self.errors:
            return  # Django's own check already says what is wrong there
        self.add_error(field, message)

    def value(self, name: str) -> Any:
        value = self.cleaned_data.get(name)
        if isinstance(value, date):
            return value.isoformat()
        return "" if value is None else value


def _division_choices(user) -> list[tuple[str, str]]:
    """Divisions the user may change registry rows in, indented by level."""
    rows = Division.objects.editable_by(user).order_by("code")[:MAX_OPTIONS]
    indent = {
        divcodes.Level.PROVINCE: "",
        divcodes.Level.CITY: "",
        divcodes.Level.COUNTY: "",
        divcodes.Level.TOWNSHIP: "\u3000",
        divcodes.Level.VILLAGE: "\u3000\u3000",
    }
    return [
        (
            divcodes.short(row.code),
            f"{indent.get(row.level, '')}{row.name} {divcodes.short(row.code)}",
        )
        for row in rows
    ]


def _water_body_choices(user, exclude: str = "") -> list[tuple[str, str]]:
    rows = queries.water_bodies_visible_to(user).exclude(code=exclude).order_by("code")
    return [BLANK] + [(row.code, f"{row.name} ({row.code})") for row in rows[:MAX_OPTIONS]]


def _geometry_text(geometry) -> str:
    return json.dumps(geometry, ensure_ascii=False) if geometry else ""


def _geometry_field() -> forms.CharField:
    return forms.CharField(
        label=_("Geometry (GeoJSON, WGS84 longitude/latitude)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 6, "spellcheck": "false", "class": "form-control font-monospace"}
        ),
        help_text=_("Leave empty to keep the current geometry. The map shows what you enter."),
    )


class WaterBodyForm(RegistryForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    kind = forms.ChoiceField(label=_("Kind"), choices=WaterBodyKind.choices)
    parent_code = forms.ChoiceField(label=_("Tributary of"), required=False)
    division_code = forms.ChoiceField(label=_("Division"))
    basin = forms.CharField(label=_("Basin"), max_length=120, required=False)
    management_level = forms.ChoiceField(
        label=_("Management level"), choices=[BLANK, *ManagementLevel.choices], required=False
    )
    length_m = forms.FloatField(label=_("Length (m)"), required=False, min_value=0)
    area_km2 = forms.FloatField(label=_("Area (km²)"), required=False, min_value=0)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    geometry = _geometry_field()

    def __init__(self, *args, user, row=None, **kwargs):
        self.row = row
        if row is not None:
            record = records.water_body(row)
            record["geometry"] = _geometry_text(row.geometry)
            kwargs["initial"] = {**(kwargs.get("initial") or {}), **record}
        super().__init__(*args, **kwargs)
        if row is not None:
            self.fields["code"].disabled = True
        self.fields["parent_code"].choices = _water_body_choices(user, row.code if row else "")
        self.fields["division_code"].choices = _division_choices(user)

    def to_data(self) -> dict[str, Any]:
        data = records.water_body(self.row) if self.row is not None else {}
        for name in self.fields:
            data[name] = self.value(name)
        return data


class ReachForm(RegistryForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    water_body_code = forms.ChoiceField(label=_("Water body"))
    division_code = forms.ChoiceField(label=_("Division"))
    level = forms.ChoiceField(
        label=_("Chief level"),
        choices=[BLANK, *ChiefLevel.choices],
        required=False,
        help_text=_("Empty: the level of the division."),
    )
    start_description = forms.CharField(label=_("Starts at"), max_length=120, required=False)
    end_description = forms.CharField(label=_("Ends at"), max_length=120, required=False)
    start_chainage_m = forms.FloatField(
        label=_("Chainage at start (m)"),
        required=False,
        min_value=0,
        help_text=_("Distance from the water body's source; orders the reaches upstream to down."),
    )
    length_m = forms.FloatField(
        label=_("Length (m)"),
        required=False,
        min_value=0,
        help_text=_("Computed from the geometry when one is given."),
    )
    is_dry = forms.BooleanField(label=_("Dry channel"), required=False)
    geometry = _geometry_field()

    def __init__(self, *args, user, row=None, **kwargs):
        self.row = row
        if row is not None:
            record = records.reach(row)
            record["geometry"] = _geometry_text(row.geometry)
            kwargs["initial"] = {**(kwargs.get("initial") or {}), **record}
        super().__init__(*args, **kwargs)
        if row is not None:
            self.fields["code"].disabled = True
        self.fields["water_body_code"].choices = _water_body_choices(user)
        self.fields["division_code"].choices = _division_choices(user)

    def to_data(self) -> dict[str, Any]:
        data = records.reach(self.row) if self.row is not None else {}
        for name in self.fields:
            data[name] = self.value(name)
        data["is_dry"] = bool(self.cleaned_data.get("is_dry"))
        return data


def _label(field: facility_kinds.Field) -> str:
    english = (translation.get_language() or "").startswith("en")
    label = field.en if english else field.zh
    if field.unit:
        label = f"{label} ({field.unit})" if english else f"{label}（{field.unit}）"
    return label


def _detail_field(field: facility_kinds.Field) -> forms.Field:
    options: dict[str, Any] = {"label": _label(field), "required": field.required}
    if field.type == "number":
        return forms.FloatField(
            min_value=field.minimum, widget=forms.NumberInput(attrs={"step": "any"}), **options
        )
    if field.type == "int":
        minimum = None if field.minimum is None else int(field.minimum)
        return forms.IntegerField(min_value=minimum, **options)
    if field.type == "bool":
        return forms.ChoiceField(choices=[BLANK, ("true", _("yes")), ("false", _("no"))], **options)
    if field.type == "date":
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **options)
    if field.type == "choice":
        return forms.ChoiceField(choices=[BLANK, *field.choices], **options)
    return forms.CharField(max_length=200, **options)


def _detail_initial(field: facility_kinds.Field, value: Any) -> Any:
    if field.type == "bool" and value is not None:
        return "true" if value else "false"
    return value


class FacilityForm(RegistryForm):
    """The common fields of every facility, then the fields of its kind (facility_kinds)."""

    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=80)
    reach_code = forms.CharField(
        label=_("Reach code"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"list": "reach-codes", "autocomplete": "off"}),
    )
    water_body_code = forms.ChoiceField(
        label=_("Water body"), required=False, help_text=_("Empty: the reach's water body.")
    )
    division_code = forms.ChoiceField(
        label=_("Division"), required=False, help_text=_("Empty: the reach's division.")
    )
    lon = forms.FloatField(
        label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    lat = forms.FloatField(
        label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"})
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)

    COMMON = (
        "code",
        "name",
        "reach_code",
        "water_body_code",
        "division_code",
        "lon",
        "lat",
        "address",
    )

    def __init__(self, *args, user, kind: str, row=None, **kwargs):
        self.row, self.kind = row, facility_kinds.KINDS[kind]
        if row is not None:
            record = records.facility(row)
            details = record.pop("details")
            for field in self.kind.fields:
                record[field.name] = _detail_initial(field, details.get(field.name))
            kwargs["initial"] = {**(kwargs.get("initial") or {}), **record}
        super().__init__(*args, **kwargs)
        if row is not None:
            self.fields["code"].disabled = True
        self.fields["water_body_code"].choices = _water_body_choices(user)
        self.fields["division_code"].choices = [BLANK, *_division_choices(user)]
        for field in self.kind.fields:
            self.fields[field.name] = _detail_field(field)
            self.fields[field.name].widget.attrs.setdefault(
                "class", "form-select" if field.type in ("bool", "choice") else "form-control"
            )
        self.reach_options = list(
            queries.reaches_visible_to(user)
            .order_by("code")
            .values_list("code", "name")[:MAX_OPTIONS]
        )

    @property
    def common_fields(self):
        return [self[name] for name in self.COMMON]

    @property
    def detail_fields(self):
        return [self[field.name] for field in self.kind.fields]

    def to_data(self) -> dict[str, Any]:
        data = records.facility(self.row) if self.row is not None else {}
        data["kind"] = self.kind.code
        for name in self.COMMON:
            value = self.cleaned_data.get(name)
            data[name] = value if name in ("lon", "lat") else self.value(name)
        details: dict[str, Any] = {}
        for field in self.kind.fields:
            value = self.cleaned_data.get(field.name)
            if field.type == "bool":
                value = {"true": True, "false": False}.get(value)
            elif isinstance(value, date):
                value = value.isoformat()
            details[field.name] = None if value == "" else value
        data["details"] = details
        return data


class AssignmentForm(RegistryForm):
    """A person takes a role on a reach; a new 河长/湖长 ends the previous one's term."""

    role = forms.ChoiceField(label=_("Role"), choices=AssignmentRole.choices)
    level = forms.ChoiceField(label=_("Level"), choices=ChiefLevel.choices)
    person_name = forms.CharField(label=_("Name"), max_length=60, required=False)
    person_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    position = forms.CharField(
        label=_("Position"),
        max_length=80,
        required=False,
        help_text=_("e.g. township party secretary"),
    )
    username = forms.CharField(
        label=_("Account (username, optional)"),
        max_length=150,
        required=False,
        help_text=_("Links the assignment to a user, whose name and phone fill empty fields."),
    )
    contact_department_code = forms.ChoiceField(label=_("Contact department"), required=False)
    start_date = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, user, reach, **kwargs):
        self.reach = reach
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("role", AssignmentRole.CHIEF)
        initial.setdefault("level", reach.level)
        initial.setdefault("start_date", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["contact_department_code"].choices = [BLANK] + [
            (row.code, row.name) for row in queries.departments_visible_to(user)[:MAX_OPTIONS]
        ]

    def to_data(self) -> dict[str, Any]:
        data = {name: self.value(name) for name in self.fields}
        data["reach_code"] = self.reach.code
        return data


class EndAssignmentForm(RegistryForm):
    end_date = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: today."),
    )


class DocumentForm(RegistryForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(
        label=_("Title"), max_length=200, required=False, help_text=_("Empty: the file name.")
    )
    file = forms.FileField(label=_("File"))
