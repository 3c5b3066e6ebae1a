"""The compliance page: a month's patrol frequency by township and level (people, required,
met, due, missed, rate), and the people of one row (drill-down). Counts come from
`compliance.report`, which counts valid patrols only, in the viewer's scope."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.patrols import compliance

LEVELS = {
    "province": _("province"),
    "city": _("city"),
    "county": _("county"),
    "township": _("township"),
    "village": _("village"),
}
ROLES = {"chief": _("river chief"), "patroller": _("patroller")}
PERIODS = {
    "week": _("a week"),
    "month": _("a month"),
    "quarter": _("a quarter"),
    "half": _("half a year"),
    "year": _("a year"),
}
STATUSES = {
    "met": (_("met"), "success"),
    "due": (_("in progress"), "info"),
    "missed": (_("missed"), "danger"),
    "not_required": (_("not required this month"), "secondary"),
}
MAX_PEOPLE = 1000


def _row_link(period: str, township_code: str, level: str, status: str = "") -> str:
    township = divcodes.short(township_code) if township_code else "county"
    query = {"period": period, "township": township, "level": level}
    if status:
        query["status"] = status
    return f"{reverse('patrols:compliance')}?{urlencode(query)}"


def _person(row: dict[str, Any]) -> dict[str, Any]:
    label, colour = STATUSES.get(row["status"], (row["status"], "secondary"))
    period = PERIODS.get(row["period"], row["period"])
    return {
        **row,
        "level_label": LEVELS.get(row["level"], row["level"]),
        "role_label": ROLES.get(row["role"], row["role"]),
        "required": f"{row['times']} / {period}" if row["times"] else "—",
        "status_label": label,
        "status_colour": colour,
        "list_url": f"{reverse('patrols:list')}?{urlencode({'person': row['username']})}",
    }


def table(user, period: str, params: QueryDict) -> dict[str, Any]:
    township = params.get("township", "").strip()
    level = params.get("level", "").strip()
    status = params.get("status", "").strip()
    drill = bool(township or level or status)
    found = compliance.report(
        user,
        period,
        township=township,
        level=level,
        status=status if status in STATUSES else "",
        limit=MAX_PEOPLE if drill else 0,
    )
    period = found["period"]
    summary = []
    for row in found["summary"]:
        rate = row["rate"]
        summary.append(
            {
                **row,
                "township_label": row["township_name"] or _("county level"),
                "level_label": LEVELS.get(row["level"], row["level"]),
                "rate_text": "—" if rate is None else f"{100 * rate:.0f} %",
                "link": _row_link(period, row["township_code"], row["level"]),
                "missed_link": _row_link(period, row["township_code"], row["level"], "missed"),
            }
        )
    totals = {key: sum(row[key] for row in summary) for key in ("people", "required", "met")}
    totals["rate_text"] = (
        f"{100 * totals['met'] / totals['required']:.0f} %" if totals["required"] else "—"
    )
    return {
        "period": period,
        "summary": summary,
        "totals": totals,
        "drill": drill,
        "chosen": {"township": township, "level": level, "status": status},
        "people": [_person(row) for row in found["people"]["items"]],
        "people_count": found["people"]["count"],
        "export_url": f"{reverse('api:compliance_export')}?{urlencode({'period': period})}",
        "statuses": [(key, label) for key, (label, _c) in STATUSES.items()],
    }
