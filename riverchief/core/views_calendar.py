"""The working-day calendar page: a year's holidays and 调休 days, and the office's two forms."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from riverchief.core import calendar_service
from riverchief.core.errors import DomainError, Forbidden
from riverchief.core.scoping import scope_of
from riverchief.core.workdays import NAME_MAX_LENGTH

DEADLINE_MAX_DAYS = 365
DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT_INPUT = forms.TextInput(attrs={"class": "form-control"})
NUMBER_INPUT = forms.NumberInput(attrs={"class": "form-control"})


class DayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    kind = forms.ChoiceField(
        label=_("This day is"),
        widget=forms.Select(attrs={"class": "form-select"}),
        choices=[
            ("holiday", _("a day off")),
            ("working", _("a working day (调休)")),
            ("rule", _("as the year's rule says (remove the entry)")),
        ],
    )
    name = forms.CharField(
        label=_("Holiday name"), max_length=NAME_MAX_LENGTH, required=False, widget=TEXT_INPUT
    )


class ScheduleForm(forms.Form):
    year = forms.IntegerField(
        label=_("Year"),
        min_value=calendar_service.FIRST_YEAR,
        max_value=calendar_service.LAST_YEAR,
        widget=NUMBER_INPUT,
    )
    schedule = forms.CharField(
        label=_("Schedule"),
        widget=forms.Textarea(attrs={"rows": 12, "class": "form-control font-monospace"}),
    )
    note = forms.CharField(
        label=_("Note (e.g. the notice's number)"), required=False, widget=TEXT_INPUT
    )


class DeadlineForm(forms.Form):
    start = forms.DateField(label=_("Assigned on"), widget=DATE_INPUT)
    days = forms.IntegerField(
        label=_("Working days"), min_value=0, max_value=DEADLINE_MAX_DAYS, widget=NUMBER_INPUT
    )


def _require(request, capability: str) -> None:
    if not scope_of(request.user).can(capability):
        raise PermissionDenied


def _year_from(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    if calendar_service.FIRST_YEAR <= year <= calendar_service.LAST_YEAR:
        return year
    return default


def _deadline(form: DeadlineForm) -> dict | None:
    if not form.is_bound or not form.is_valid():
        return None
    calendar = calendar_service.current_calendar()
    start: date = form.cleaned_data["start"]
    days: int = form.cleaned_data["days"]
    try:
        due = calendar.add_working_days(start, days)
    except (ValueError, OverflowError):
        form.add_error("days", _("No deadline can be computed for this date."))
        return None
    return {
        "start": start,
        "days": days,
        "due": due,
        "due_at": calendar.deadline(start, days),
        "fallback_years": calendar.fallback_years_between(start, due),
    }


def _page(request, year: int, *, day_form=None, schedule_form=None, status=200):
    scope = scope_of(request.user)
    overview = calendar_service.year_overview(year)
    deadline_form = DeadlineForm(request.GET if "start" in request.GET else None)
    may_change = scope.can("calendar.change")
    rows = [
        {"day": day, "stored": overview.stored.get(day.day)}  # "package" | "office" | None
        for day in overview.days
    ]
    context = {
        "year": year,
        "overview": overview,
        "rows": rows,
        "may_change": may_change,
        "day_form": day_form or DayForm(),
        "schedule_form": schedule_form or ScheduleForm(initial={"year": year}),
        "deadline_form": deadline_form,
        "deadline": _deadline(deadline_form),
        "previous_year": year - 1,
        "next_year": year + 1,
    }
    return render(request, "core/calendar_year.html", context, status=status)


@login_required
def year_view(request):
    _require(request, "calendar.view")
    year = _year_from(request.GET.get("year"), timezone.localdate().year)
    return _page(request, year)


def _show_error(form: forms.Form, error: DomainError) -> None:
    text = str(error.message)
    if error.params:
        text = text % error.params
    field = error.field if error.field in form.fields else None
    form.add_error(field, text)


def _back_to(year: int):
    return redirect(f"{reverse('calendar:year')}?year={year}")


@login_required
@require_POST
def set_day(request):
    _require(request, "calendar.change")
    form = DayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == "rule":
                calendar_service.clear_day(request.user, data["date"])
            else:
                calendar_service.set_day(request.user, data["date"], data["kind"], data["name"])
        except Forbidden as error:
            raise PermissionDenied from error
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The day has been saved."))
            return _back_to(data["date"].year)
    year = form.cleaned_data["date"].year if "date" in form.cleaned_data else None
    return _page(request, year or timezone.localdate().year, day_form=form, status=400)


@login_required
@require_POST
def enter_year(request):
    _require(request, "calendar.change")
    form = ScheduleForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            calendar_service.enter_year(request.user, data["year"], data["schedule"], data["note"])
        except Forbidden as error:
            raise PermissionDenied from error
        except DomainError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The year's schedule has been entered."))
            return _back_to(data["year"])
    year = _year_from(request.POST.get("year"), timezone.localdate().year)
    return _page(request, year, schedule_form=form, status=400)
