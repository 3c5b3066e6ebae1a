"""Alarms from automatic values: one alarm per ongoing condition, cleared when values return.

Conditions, per section and item:
- `class`: a value of a class item worse than the section's target class (GB 3838-2002);
- `threshold`: a value beyond a configured limit (`Threshold`: the section's own, else the
  installation's for that item);
- `silence`: a station that sent values in the last 30 days but none for N hours
  (settings.RIVERCHIEF_STATION_SILENCE_HOURS, default 6), raised by the sweep.

Values are taken in time order; a bad value opens the condition's alarm or extends the open one
(last value, worst value, count), a good value closes it at its time. A class or threshold alarm
still open after a batch opens a problem (source 监测告警, category 水质超标告警, whose default
department is the county's 生态环境分局) on the section's reach, and the reach's chiefs with an
account get it in their inbox. Every opening and clearing is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from riverchief.core import audit
from riverchief.core.errors import DomainError
from riverchief.monitoring import gb3838
from riverchief.monitoring.models import Alarm, AlarmKind, AutoValue, Threshold
from riverchief.monitoring.sections import SectionInfo, info

logger = logging.getLogger(__name__)

CATEGORY = "water_quality_alarm"
ACTIVE_DAYS = 30  # a station silent longer than this is retired, not silent


def silence_hours() -> float:
    return float(getattr(settings, "RIVERCHIEF_STATION_SILENCE_HOURS", 6))


def _thresholds(section: SectionInfo) -> dict[str, Threshold]:
    found: dict[str, Threshold] = {}
    for row in Threshold.objects.filter(section__isnull=True):
        found[row.parameter] = row
    for row in Threshold.objects.filter(section=section.facility):
        found[row.parameter] = row  # the section's own limit wins
    return found


def _target_limits(section: SectionInfo) -> dict[str, tuple[str, float, float]]:
    """Per class item: (direction, low, high) a value must meet for the target class, as floats.

    Floats compare as the exact decimals do for values written with up to 15 significant
    digits (gb3838's vectorised form relies on the same), and a station sends many values."""
    found: dict[str, tuple[str, float, float]] = {}
    if section.target is None:
        return found
    for code in gb3838.CLASS_ITEMS:
        spec = gb3838.ITEMS[code]
        if spec.direction == "range":
            low, high = spec.limits
            found[code] = ("range", float(low), float(high))
        elif spec.direction in ("upper", "lower"):
            limit = float(spec.limits_for(section.waterbody)[section.target - 1])
            found[code] = (spec.direction, limit, limit)
    return found


def _class_breach(
    section: SectionInfo, limits: dict[str, tuple[str, float, float]], code: str, value: float
) -> tuple[bool, float | None, str]:
    rule = limits.get(code)
    if rule is None or section.target is None:
        return False, None, ""
    direction, low, high = rule
    if direction == "upper":
        bad, limit = value > high, high
    elif direction == "lower":
        bad, limit = value < low, low
    else:
        bad, limit = not low <= value <= high, None
    if not bad:
        return False, None, ""
    spec = gb3838.ITEMS[code]
    grade = gb3838.classify_value(code, value, section.waterbody)
    message = (
        f"{spec.name} {value:g} {spec.unit}：{grade.label}类，劣于目标{section.target.label}类"
    )
    return True, limit, message


def _threshold_breach(
    thresholds: dict[str, Threshold], code: str, value: float
) -> tuple[bool, float | None, str]:
    row = thresholds.get(code)
    if row is None:
        return False, None, ""
    spec = gb3838.ITEMS.get(code)
    name = spec.name if spec else code
    if row.upper is not None and value > row.upper:
        return True, row.upper, f"{name} {value:g} 超过阈值 {row.upper:g}"
    if row.lower is not None and value < row.lower:
        return True, row.lower, f"{name} {value:g} 低于阈值 {row.lower:g}"
    return False, None, ""


def _worse(code: str, kind: str, old: float | None, new: float, limit: float | None) -> float:
    if old is None:
        return new
    spec = gb3838.ITEMS.get(code)
    lower = (spec is not None and spec.direction == "lower") or (
        kind == AlarmKind.THRESHOLD and limit is not None and new < limit
    )
    if spec is not None and spec.direction == "range":  # pH: the farther from neutral
        return new if abs(new - 7.5) > abs(old - 7.5) else old
    return min(old, new) if lower else max(old, new)


def evaluate_values(
    section: SectionInfo, series: dict[str, list[tuple[datetime, float]]]
) -> list[Alarm]:
    """Walk new values in time order through the section's alarms; returns those opened."""
    thresholds = _thresholds(section)
    limits = _target_limits(section)
    open_alarms = {
        (alarm.kind, alarm.parameter): alarm
        for alarm in Alarm.objects.select_for_update().filter(
            section=section.facility, cleared_at__isnull=True
        )
    }
    changed: dict[int, Alarm] = {}
    opened: list[Alarm] = []
    for code, points in series.items():
        for at, value in sorted(points):
            checks = (
                (AlarmKind.CLASS, _class_breach(section, limits, code, value)),
                (AlarmKind.THRESHOLD, _threshold_breach(thresholds, code, value)),
            )
            for kind, (bad, limit, message) in checks:
                key = (str(kind), code)
                alarm = open_alarms.get(key)
                if bad:
                    if alarm is None:
                        alarm = Alarm(
                            section=section.facility,
                            kind=kind,
                            parameter=code,
                            opened_at=at,
                            last_at=at,
                            first_value=value,
                            limit=limit,
                            message=message[:300],
                        )
                        open_alarms[key] = alarm
                        opened.append(alarm)
                    alarm.last_at = max(alarm.last_at, at)
                    alarm.last_value = value
                    alarm.worst_value = _worse(code, kind, alarm.worst_value, value, limit)
                    alarm.values_count += 1
                    changed[id(alarm)] = alarm
                elif alarm is not None:
                    alarm.cleared_at = max(at, alarm.last_at)
                    open_alarms.pop(key)
                    changed[id(alarm)] = alarm
    for alarm in changed.values():
        _save(alarm)
    return [alarm for alarm in opened if alarm.cleared_at is None]


def _save(alarm: Alarm) -> None:
    new = alarm.pk is None
    alarm.save()
    division = alarm.section.division.code
    if new:
        audit.record(None, "alarm_open", alarm, after=audit.snapshot(alarm), division_code=division)
    if alarm.cleared_at is not None:
        audit.record(
            None,
            "alarm_clear",
            alarm,
            after={"cleared_at": alarm.cleared_at.isoformat()},
            division_code=division,
        )


def clear_silence(section: SectionInfo, at: datetime) -> None:
    for alarm in Alarm.objects.select_for_update().filter(
        section=section.facility, kind=AlarmKind.SILENCE, cleared_at__isnull=True
    ):
        alarm.cleared_at = max(at, alarm.last_at)
        _save(alarm)


# --- problems ---------------------------------------------------------------------------------


def _county_department(section: SectionInfo):
    """The county's environment department (生态环境分局), if the registry has one."""
    from riverchief.core import divcodes
    from riverchief.registry.models import Department

    code = section.facility.division.code
    county = next(
        (
            c
            for c in [*divcodes.ancestors(code), code]
            if divcodes.level_of(c) == divcodes.Level.COUNTY
        ),
        code,
    )
    rows = Department.objects.filter(division__code=county)
    return (
        rows.filter(short_name__contains="生态环境").first()
        or rows.filter(name__contains="生态环境").first()
    )


def open_problem(actor, alarm: Alarm):
    """A problem for the alarm (source 监测告警) on the section's reach; an office actor also
    accepts it and assigns it to the county's 生态环境分局. Returns the problem."""
    from riverchief.problems import services as problem_services
    from riverchief.problems import transitions

    section = info(alarm.section)
    facility = section.facility
    if facility.lon is None or facility.lat is None:
        raise DomainError("断面没有坐标 / the section has no location", field="section")
    spec = gb3838.ITEMS.get(alarm.parameter)
    text = alarm.message or (spec.name if spec else alarm.parameter)
    local = timezone.localtime(alarm.opened_at)
    data = {
        "source": "monitoring",
        "category": CATEGORY,
        "severity": "serious" if alarm.kind == AlarmKind.CLASS else "ordinary",
        "description": (
            f"【监测告警】{facility.name}（{facility.code}）{local:%Y-%m-%d %H:%M} 起：{text}"
        ),
        "lon": facility.lon,
        "lat": facility.lat,
        "address": facility.name,
        "division_code": facility.division.code,
        "reach_code": facility.reach.code if facility.reach_id else "",
        "reporter_name": "水质自动监测",
    }
    problem, _created = problem_services.report_problem(
        actor, data, idempotency_key=f"alarm-{alarm.pk}" if actor is not None else None
    )
    Alarm.objects.filter(pk=alarm.pk).update(problem=problem)
    alarm.problem = problem
    department = _county_department(section)
    if actor is not None and department is not None:
        transitions.move(actor, problem.pk, "accept")
        transitions.move(actor, problem.pk, "assign", department_code=department.code)
    _tell_chiefs(problem, alarm)
    return problem


def _tell_chiefs(problem, alarm: Alarm) -> None:
    """The reach's chiefs with an account hear of the alarm in their inbox."""
    from riverchief.notify.models import Notification
    from riverchief.registry.models import ChiefAssignment

    facility = alarm.section
    if not facility.reach_id:
        return
    users = {
        row.user_id
        for row in ChiefAssignment.objects.filter(
            reach_id=facility.reach_id, end_date__isnull=True, user__isnull=False
        )
    }
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            kind="monitoring_alarm",
            title=f"监测告警：{facility.name}"[:200],
            body=alarm.message,
            link=f"/problems/{problem.pk}/",
            problem=problem,
        )
        for user_id in sorted(users)
    )


def open_problems(alarms: Iterable[Alarm]) -> None:
    """Problems for newly opened class and threshold alarms; a failure never loses the values."""
    for alarm in alarms:
        if alarm.kind == AlarmKind.SILENCE or alarm.problem_id:
            continue
        try:
            with transaction.atomic():
                open_problem(None, alarm)
        except (DomainError, IntegrityError):
            logger.exception("alarm %s: no problem opened", alarm.pk)


# --- the silence sweep ------------------------------------------------------------------------


def sweep_silence(now: datetime | None = None) -> dict[str, int]:
    """Open a silence alarm for each station quiet for N hours; clear those heard again."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=silence_hours())
    last_heard = dict(
        AutoValue.objects.filter(observed_at__gte=now - timedelta(days=ACTIVE_DAYS))
        .values_list("section_id")
        .annotate(last=Max("observed_at"))
        .values_list("section_id", "last")
    )
    counts = {"opened": 0, "cleared": 0}
    open_rows = Alarm.objects.filter(kind=AlarmKind.SILENCE, cleared_at__isnull=True)
    already = set(open_rows.values_list("section_id", flat=True))
    for section_id, last in last_heard.items():
        if last >= cutoff or section_id in already:
            continue
        with transaction.atomic():
            alarm = Alarm(
                section_id=section_id,
                kind=AlarmKind.SILENCE,
                parameter="",
                opened_at=now,
                last_at=last,
                message=f"自动站 {silence_hours():g} 小时无数据（最后一次 "
                f"{timezone.localtime(last):%Y-%m-%d %H:%M}）",
            )
            try:
                with transaction.atomic():
                    _save(alarm)
            except IntegrityError:  # another node opened it first
                continue
            counts["opened"] += 1
    for alarm in open_rows.select_related("section__division"):
        last = last_heard.get(alarm.section_id)
        if last is not None and last >= cutoff:
            alarm.cleared_at = last
            _save(alarm)
            counts["cleared"] += 1
    return counts


def sweep_task() -> str:
    counts = sweep_silence()
    return f"silent stations: {counts['opened']} alarms opened, {counts['cleared']} cleared"
