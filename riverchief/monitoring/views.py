"""Water-quality pages: sections on the map, a section's trends and upstream, the county's table
for a period (and its Excel export), river status, lakes' trophic state, alarms, the lab import.

Every page reads through the caller's scope: a section outside it is a 404.
"""

from __future__ import annotations

import io
import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from riverchief.core.errors import DomainError, NotFound
from riverchief.core.scoping import scope_of
from riverchief.monitoring import export, gb3838, lab_import, pages, queries, sections
from riverchief.monitoring.models import Alarm
from riverchief.registry.importing import ImportRefused

logger = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _period(request) -> queries.Period:
    text = request.GET.get("period") or pages.default_period()
    try:
        return queries.parse_period(text)
    except DomainError:
        return queries.parse_period(pages.default_period())


@login_required
def overview(request):
    """Sections on the map, coloured by their latest class, and their list."""
    rows = []
    for row in pages.latest_rows(request.user):
        facility, grade = row.section.facility, row.grade
        rows.append(
            {
                "code": facility.code,
                "name": facility.name,
                "river": facility.water_body.name if facility.water_body_id else "",
                "target": row.section.target.label if row.section.target else "",
                "class": grade.label if grade else "",
                "status": grade.status if grade else "",
                "hex": row.hex,
                "at": timezone.localtime(row.latest[1]).strftime("%Y-%m-%d") if row.latest else "",
                "source": row.latest[2] if row.latest else "",
                "lon": facility.lon,
                "lat": facility.lat,
                "compliant": row.compliant,
            }
        )
    legend = [(label, pages.HEX[colour]) for label, colour in pages.LEGEND]
    return render(
        request, "monitoring/overview.html", {"rows": rows, "legend": legend, "map_rows": rows}
    )


@login_required
def section_page(request, code: str):
    """One section: latest class, trends per item over the class bands, samples, alarms,
    and the upstream panel (loaded from the API so the page stays fast)."""
    try:
        section = sections.get(request.user, code)
    except NotFound:
        raise Http404 from None
    end = timezone.localdate()
    start = queries.year_back(end)
    rows = queries.samples(section, start, end + timedelta(days=1))
    trend = queries.trend(section, start, end + timedelta(days=1), rows)
    evaluated = [(row, queries.evaluate_row(section, row)) for row in reversed(rows)]
    newest = queries.Sample.objects.filter(section=section.facility).order_by("-sampled_at")
    newest_at = newest.values_list("sampled_at", flat=True).first()
    if evaluated and evaluated[0][0].sample.sampled_at == newest_at:
        latest = queries.latest_for(section, (evaluated[0][0].sample, evaluated[0][1]))
    else:  # a sample newer than today, or none this year
        latest = queries.latest_for(section)
    year = queries.period_evaluation(section, queries.parse_period(str(end.year)), rows)
    alarms = Alarm.objects.filter(section=section.facility).order_by("-opened_at")[:20]
    chart = {
        code: {
            **series,
            "bands": [{**band, "hex": pages.HEX[band["colour"]]} for band in series["bands"]],
        }
        for code, series in trend.items()
    }
    facility = section.facility
    return render(
        request,
        "monitoring/section.html",
        {
            "section": section,
            "facility": facility,
            "latest": latest,
            "latest_hex": pages.HEX[latest[0].colour] if latest else pages.HEX["grey"],
            "chart": chart,
            "evaluated": evaluated,
            "codes": [code for code in gb3838.CODES if code in trend],
            "year": year,
            "alarms": alarms,
            "point": {"lon": facility.lon, "lat": facility.lat, "name": facility.name},
            "can_change": scope_of(request.user).can("monitoring.change"),
        },
    )


@login_required
def monthly(request):
    """The county's evaluation table for a month (or quarter, year): class, status, compliance,
    main pollutants."""
    period = _period(request)
    rows = pages.county_rows(request.user, period)
    evaluated = [row for row in rows if row.result.evaluation is not None]
    compliant = [row for row in evaluated if row.result.evaluation.compliant]
    return render(
        request,
        "monitoring/monthly.html",
        {
            "period": period,
            "rows": [(row, pages.table_cells(row)) for row in rows],
            "header": pages.TABLE_HEADER,
            "evaluated": len(evaluated),
            "compliant": len(compliant),
            "share": round(100 * len(compliant) / len(evaluated), 1) if evaluated else None,
        },
    )


@login_required
def monthly_export(request):
    period = _period(request)
    rows = pages.county_rows(request.user, period)
    buffer = io.BytesIO()
    export.write_xlsx(
        buffer,
        f"水质评价{period.key}",
        pages.TABLE_HEADER,
        [pages.table_cells(row) for row in rows],
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="water-quality-{period.key}.xlsx"'
    return response


@login_required
def rivers(request):
    period = _period(request)
    rows = pages.county_rows(request.user, period)
    return render(
        request,
        "monitoring/rivers.html",
        {"period": period, "rivers": pages.river_rows(rows)},
    )


@login_required
def lakes(request):
    period = _period(request)
    rows = pages.county_rows(request.user, period)
    return render(
        request, "monitoring/lakes.html", {"period": period, "lakes": pages.lake_rows(rows)}
    )


@login_required
def alarm_list(request):
    """Open alarms first, then past ones, in the caller's scope."""
    rows = Alarm.objects.visible_to(request.user).select_related("section", "problem")
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.filter(cleared_at__isnull=True)
    elif show == "past":
        rows = rows.filter(cleared_at__isnull=False)
    return render(
        request,
        "monitoring/alarms.html",
        {
            "alarms": rows.order_by("-opened_at")[:500],
            "show": show,
            "can_change": scope_of(request.user).can("monitoring.change"),
        },
    )


@login_required
def import_page(request):
    """GET: the form. POST: check the lab file; write it when clean (or the valid rows)."""
    if not scope_of(request.user).can("monitoring.change"):
        raise PermissionDenied
    context: dict = {"partial": False, "replace": False}
    if request.method == "POST":
        context["partial"] = bool(request.POST.get("partial"))
        context["replace"] = bool(request.POST.get("replace"))
        context.update(_import(request, context["partial"], context["replace"]))
    return render(request, "monitoring/import.html", context)


def _import(request, partial: bool, replace: bool) -> dict:
    upload = request.FILES.get("file")
    if upload is None:
        return {"refused": (_("Choose a file to import."), "Choose a file to import.")}
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in lab_import.SUFFIXES:
        return {"refused": ("需要 .xlsx 或 .csv 文件", "an .xlsx or .csv file is expected")}
    with tempfile.TemporaryDirectory(prefix="riverchief-samples-") as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        try:
            report = lab_import.import_samples(
                request.user, path, partial=partial, replace=replace, file_name=upload.name
            )
        except ImportRefused as error:
            return {"refused": (error.zh, error.en)}
        except Exception:  # the report page, never a 500: the log has the details
            logger.exception("sample import of %s failed", upload.name)
            return {"refused": ("导入失败，请联系管理员", "the import failed; see the server log")}
    return {
        "report": report,
        "errors": report.errors[:1000],
        "more_errors": max(0, len(report.errors) - 1000),
        "file_name": upload.name,
        "zone_note": lab_import.zone_note(report.zone_assumed),
    }
