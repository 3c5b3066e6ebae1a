"""The office's channel form; saving goes through `services.save_channel`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.core.errors import DomainError
from riverchief.core.scoping import scope_of
from riverchief.notify.models import Channel, ChannelKind
from riverchief.notify.services import event_kinds
from riverchief.problems import states

TEXT = {"class": "form-control"}
CHECK = {"class": "form-check-input"}


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80, widget=forms.TextInput(TEXT))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=ChannelKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    target = forms.CharField(
        label=_("URL or addresses"),
        max_length=500,
        help_text=_(
            "A webhook or robot URL (http or https), or e-mail addresses separated by commas."
        ),
        widget=forms.TextInput(TEXT),
    )
    secret = forms.CharField(
        label=_("Signing secret (钉钉 加签)"),
        max_length=200,
        required=False,
        help_text=_("Only for DingTalk robots. Leave blank to keep the saved secret."),
        widget=forms.PasswordInput(attrs={**TEXT, "autocomplete": "new-password"}),
    )
    clear_secret = forms.BooleanField(
        label=_("Remove the saved secret"), required=False, widget=forms.CheckboxInput(CHECK)
    )
    division_code = forms.ChoiceField(
        label=_("Division (and everything below it)"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    department_code = forms.ChoiceField(
        label=_("Department (problems it holds or held)"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    event_kinds = forms.MultipleChoiceField(
        label=_("Events"),
        required=False,
        help_text=_("None ticked: every event."),
        widget=forms.CheckboxSelectMultiple(CHECK),
    )
    active = forms.BooleanField(
        label=_("Active"), required=False, initial=True, widget=forms.CheckboxInput(CHECK)
    )

    def __init__(self, data=None, *, user, row: Channel | None = None):
        initial = _initial(row, user)
        super().__init__(data, initial=initial)
        self.row = row
        divisions = _division_choices(user)
        if row is not None and row.division_id and row.division.short_code not in dict(divisions):
            divisions.append((row.division.short_code, str(row.division)))
        self.fields["division_code"].choices = [("", "—"), *divisions]
        self.fields["department_code"].choices = [("", "—"), *_department_choices(user)]
        self.fields["event_kinds"].choices = [(kind, states.label(kind)) for kind in event_kinds()]
        if row is None or not row.secret:
            del self.fields["clear_secret"]

    def to_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["clear_secret"] = data.get("clear_secret", False)
        return data

    def add_domain_error(self, error: DomainError) -> None:
        message = str(error.message)
        if error.params:
            message = message % error.params
        field = error.field if error.field in self.fields else None
        self.add_error(field, message)


def _initial(row: Channel | None, user) -> dict[str, Any]:
    if row is None:
        code = scope_of(user).division_code
        return {"division_code": divcodes.short(code) if code else "", "active": True}
    return {
        "name": row.name,
        "kind": row.kind,
        "target": row.target,
        "division_code": divcodes.short(row.division.code) if row.division_id else "",
        "department_code": row.department.code if row.department_id else "",
        "event_kinds": row.event_kinds,
        "active": row.active,
    }


def _division_choices(user) -> list[tuple[str, str]]:
    """The divisions down to townships in the user's scope (a village is entered by its chief's
    township channel or left to the office)."""
    from riverchief.registry.models import Division

    rows = Division.objects.editable_by(user).filter(level__lte=divcodes.Level.TOWNSHIP)
    return [(row.short_code, f"{row.name} ({row.short_code})") for row in rows.order_by("code")]


def _department_choices(user) -> list[tuple[str, str]]:
    from riverchief.registry.models import Department

    rows = Department.objects.editable_by(user).order_by("division__code", "code")
    return [(row.code, row.name) for row in rows]
