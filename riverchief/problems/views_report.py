"""The report form (上报): category, severity, description, a point picked on the map (or the
phone's position), the reach suggested for it, photos; saved by `services.report_problem` under
the form's idempotency key, so a double submit records one problem."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.problems import pages, services
from riverchief.problems.forms import ReportForm
from riverchief.problems.locate import max_reach_distance_m


def _map_config(request, form: ReportForm) -> dict:
    from riverchief.registry import pageparts
    from riverchief.registry.queries import scope_bounds

    point = None
    if form.is_bound and form.data.get("lon") and form.data.get("lat"):
        try:
            point = [float(form.data["lon"]), float(form.data["lat"])]
        except ValueError:
            point = None
    return {
        "tiles": pageparts.tile_config(),
        "bounds": scope_bounds(request.user),
        "point": point,
        "reaches": reverse("api:map_layer", kwargs={"layer": "reaches"}),
        "nearest": reverse("api:reach_nearest"),
        "max_distance_m": max_reach_distance_m(),
        "labels": {
            "nearest": str(_("Nearest reach: %(name)s (%(code)s), %(distance)s m away.")),
            "none": str(_("No reach within %(distance)s m: the office will place it.")),
            "locating": str(_("Finding your position…")),
            "located": str(_("Position found (accuracy about %(accuracy)s m).")),
            "no_location": str(_("Your position is not available: pick the place on the map.")),
            "failed": str(_("The reach could not be looked up; enter its code if you know it.")),
        },
    }


@login_required
def report(request):
    user = request.user
    if not pages.may_report(user):
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            try:
                problem, created = services.report_problem(
                    user,
                    form.report_data(),
                    form.uploads(),
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if created:
                    text = _("Reported as %(number)s.")
                else:
                    text = _("This report had already been received as %(number)s.")
                messages.success(request, text % {"number": problem.number})
                return redirect("problems:detail", ref=problem.number)
        status = 400
    else:
        form = ReportForm(user=user)
    context = {
        "form": form,
        "category_groups": pages.category_groups(user),
        "reaches": pages.reach_options(user),
        "map": _map_config(request, form),
    }
    return render(request, "problems/report.html", context, status=status)
