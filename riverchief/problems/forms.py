"""Forms of the problem pages: the report, one small form per workflow action, batch assign.

Field names are the keys `services.report_problem` and `services.move` take, so a DomainError's
`field` lands beside its input. Forms only type and shape the input (a select offers choices
but accepts any value): every rule is the services'.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.core.scoping import scope_of
from riverchief.problems import pages
from riverchief.problems.models import Problem, Severity, Source
from riverchief.registry.forms import RegistryForm

BLANK = ("", "—")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the services check each one by its content."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def photo_input(label) -> MultipleFileField:
    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})
    return MultipleFileField(label=label, widget=widget)


class ProblemForm(RegistryForm):
    """Bootstrap classes, DomainErrors beside their field, and the fields as service input."""

    # Names the services use for errors that the form shows beside another input.
    ERROR_FIELDS: dict[str, str] = {}

    def add_domain_error(self, error: DomainError) -> None:
        field = self.ERROR_FIELDS.get(error.field or "", error.field)
        if field != error.field:
            error = DomainError(error.message, field=field, params=error.params, code=error.code)
        super().add_domain_error(error)

    def uploads(self) -> list:
        return list(self.cleaned_data.get("files") or [])

    def values(self) -> dict[str, Any]:
        """The non-empty typed values, as the services take them (dates as ISO text)."""
        out = {}
        for name in self.fields:
            if name == "files":
                continue
            value = self.value(name)
            if value not in ("", None):
                out[name] = value
        return out


def _grouped_categories(user) -> list:
    return [BLANK] + [
        (group, [(row.code, row.name) for row in rows])
        for group, rows in pages.category_groups(user)
    ]


class ReportForm(ProblemForm):
    """上报: what, how serious, where (a point on the map and its reach), photos."""

    ERROR_FIELDS = {"geometry": "lon", "Idempotency-Key": "idempotency_key"}

    category = forms.CharField(label=_("Category"), widget=forms.Select())
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.ORDINARY
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, how large, since when."),
    )
    lon = forms.FloatField(
        label=_("Longitude"), widget=forms.NumberInput(attrs={"step": "0.000001"})
    )
    lat = forms.FloatField(
        label=_("Latitude"), widget=forms.NumberInput(attrs={"step": "0.000001"})
    )
    reach_code = forms.CharField(
        label=_("Reach"),
        required=False,
        max_length=40,
        help_text=_("Suggested from the location; change it if it is wrong."),
        widget=forms.TextInput(attrs={"list": "reach-codes", "autocomplete": "off"}),
    )
    address = forms.CharField(label=_("Place"), required=False, max_length=200)
    files = photo_input(_("Photos"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput(), max_length=100)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", str(uuid.uuid4()))
        super().__init__(*args, **kwargs)
        self.fields["category"].widget.choices = _grouped_categories(user)
        self.fields["lon"].error_messages["required"] = _("Pick the location on the map.")
        self.fields["lat"].error_messages["required"] = _("Pick the location on the map.")
        scope = scope_of(user)
        if scope.everything or scope.role == "office":
            self.fields["source"] = forms.ChoiceField(
                label=_("Source"), required=False, choices=[BLANK, *Source.choices]
            )
            self.fields["source"].widget.attrs["class"] = "form-select"
        if scope.everything:
            self.fields["division_code"] = forms.CharField(
                label=_("Division code"),
                max_length=12,
                help_text=_("The county the problem is reported to."),
            )
            self.fields["division_code"].widget.attrs["class"] = "form-control"

    def report_data(self) -> dict[str, Any]:
        data = self.values()
        data.pop("idempotency_key", None)
        return data


# --- one small form per action ------------------------------------------------------------------


def _text(label, rows: int = 2, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


FIELDS: dict[str, tuple[str, ...]] = {
    "accept": ("note",),
    "reject": ("reason",),
    "mark_duplicate": ("duplicate_of", "note"),
    "assign": ("department_code", "assignee_username", "deadline", "deadline_days", "note"),
    "start": ("note",),
    "submit": ("description", "files"),
    "close": ("note",),
    "return": ("reason",),
    "request_extension": ("until", "reason"),
    "approve_extension": ("note",),
    "refuse_extension": ("reason",),
    "transfer": ("department_code", "assignee_username", "deadline", "deadline_days", "note"),
    "reopen": ("reason", "deadline", "deadline_days"),
    "rate": ("satisfied", "note"),
    "edit": ("category", "severity", "description", "address", "reach_code", "note"),
}
# Actions the pages offer (escalation is the platform's own).
PAGE_ACTIONS = tuple(action for action in FIELDS)
EDITABLE = ("category", "severity", "description", "address", "reach_code")


def _field(name: str, action: str, problem: Problem, user) -> forms.Field:
    if name == "note":
        return _text(_("Note"))
    if name == "reason":
        return _text(_("Reason"))
    if name == "description":
        if action == "submit":
            return _text(_("What was done"), rows=3)
        return _text(_("Description"), rows=3)
    if name == "deadline":
        return _date(_("Deadline"))
    if name == "until":
        return _date(_("New deadline asked for"))
    if name == "deadline_days":
        days = problem.category.default_deadline_days
        return forms.IntegerField(
            label=_("or working days"),
            required=False,
            min_value=1,
            max_value=365,
            widget=forms.NumberInput(attrs={"placeholder": days}),
            help_text=_("Empty: the category's default, %(days)d working days.") % {"days": days}
            if action == "assign"
            else "",
        )
    if name == "department_code":
        options = pages.department_options(user, problem.division.code)
        return forms.CharField(
            label=_("Department"), required=False, widget=forms.Select(choices=[BLANK, *options])
        )
    if name == "assignee_username":
        options = pages.chief_options(user, problem)
        return forms.CharField(
            label=_("or a chief"), required=False, widget=forms.Select(choices=[BLANK, *options])
        )
    if name == "duplicate_of":
        return forms.CharField(
            label=_("Original problem"),
            max_length=20,
            required=False,
            widget=forms.TextInput(attrs={"placeholder": "WT-2026-000001"}),
        )
    if name == "files":
        return photo_input(_("Photos after rectification"))
    if name == "satisfied":
        return forms.ChoiceField(
            label=_("Are you satisfied with the handling?"),
            choices=[("true", _("Satisfied")), ("false", _("Not satisfied"))],
            widget=forms.RadioSelect,
        )
    if name == "category":
        return forms.CharField(
            label=_("Category"), widget=forms.Select(choices=_grouped_categories(user))
        )
    if name == "severity":
        return forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    if name == "address":
        return forms.CharField(label=_("Place"), required=False, max_length=200)
    if name == "reach_code":
        return forms.CharField(
            label=_("Reach"),
            required=False,
            max_length=40,
            widget=forms.TextInput(attrs={"list": "reach-codes", "autocomplete": "off"}),
        )
    raise KeyError(name)


class ActionForm(ProblemForm):
    """The inputs one action needs; ids carry the action so several forms share a page."""

    def __init__(self, action: str, problem: Problem, user, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{action}-%s")
        if action == "edit" and not args:
            kwargs.setdefault("initial", self.current(problem))
        super().__init__(*args, **kwargs)
        self.action, self.problem = action, problem
        for name in FIELDS[action]:
            self.fields[name] = _field(name, action, problem, user)
        # RegistryForm set the classes before the fields existed.
        for form_field in self.fields.values():
            widget = form_field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
        if action in ("reject", "return", "refuse_extension", "reopen", "request_extension"):
            self.fields["reason"].widget.attrs["required"] = True

    @staticmethod
    def current(problem: Problem) -> dict[str, Any]:
        return {
            "category": problem.category.code,
            "severity": problem.severity,
            "description": problem.description,
            "address": problem.address,
            "reach_code": problem.reach.code if problem.reach_id else "",
        }

    def move_fields(self) -> dict[str, Any]:
        """What `services.move` takes; an edit sends only what changed."""
        values = self.values()
        if self.action == "edit":
            was = self.current(self.problem)
            values = {
                name: self.value(name)
                for name in EDITABLE
                if str(self.value(name)) != str(was[name])
            }
            if self.value("note"):
                values["note"] = self.value("note")
        return values


class BatchAssignForm(ProblemForm):
    """交办 several accepted problems at once: one department, one deadline."""

    department_code = forms.CharField(label=_("Department"), widget=forms.Select())
    deadline = _date(_("Deadline"))
    deadline_days = forms.IntegerField(
        label=_("or working days"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("Empty: each category's default."),
    )
    note = _text(_("Note"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        options = pages.department_options(user)
        self.fields["department_code"].widget.choices = [BLANK, *options]
