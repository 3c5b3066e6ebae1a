"""The monitoring side of automatic stations: what the SensorThings app hands over.

`riverchief.sensorthings` stores the OGC observations; once they are committed it calls
`record_automatic_values` with the section's values, and this module keeps them as the
section's automatic values (the 自动监测 series shown beside the lab samples) and evaluates the
alarms of the section (worse than target class, beyond a configured threshold; silence is the
sweep's job). `latest_class` answers the public site and the map.
"""

import datetime
import logging
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import transaction

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
BATCH = 5000


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment.replace(tzinfo=SHANGHAI) if moment.tzinfo is None else moment


def record_automatic_values(
    section_code: str,
    values: list[tuple[datetime.datetime, str, float]],
    *,
    source: str = "sta",
) -> None:
    """Store automatic values of a section and evaluate its alarms.

    `section_code` is the registry code of a facility of kind `section`; `values` are
    (phenomenon time, parameter code as in the contract — "pH", "DO", "CODMn", "NH3N", "TP" …,
    value in the parameter's unit) tuples. Call it after the observations are committed.

    Values are stored idempotently (the same section, parameter and time once; a later call with
    the same key replaces the value). Times without a zone are taken as Asia/Shanghai. Unknown
    parameter codes and values outside the physical range are skipped (the station stored them;
    they cannot be classified) and counted in the log. Then, per parameter, the latest value is
    compared with the section's target class and the configured thresholds: a new breach opens one
    alarm per ongoing condition, values back inside clear it. Raises nothing for an unknown
    section (a station not yet tied to a section keeps its observations only).
    """
    from django.db.models import Max

    from riverchief.monitoring import alarms, gb3838
    from riverchief.monitoring.models import AutoValue
    from riverchief.monitoring.sections import info
    from riverchief.registry.models import Facility

    facility = (
        Facility.objects.filter(kind="section", code=section_code)
        .select_related("division", "reach")
        .first()
    )
    if facility is None:
        logger.info("automatic values for unknown section %r ignored", section_code)
        return
    section = info(facility)
    clean: dict[tuple[str, datetime.datetime], float] = {}
    skipped = 0
    for moment, code, raw in values:
        spec = gb3838.ITEMS.get(code)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            spec = None
        if spec is None or not float(spec.low) <= value <= float(spec.high):
            skipped += 1
            continue
        clean[(code, _aware(moment))] = value  # a later duplicate in the batch wins
    if skipped:
        logger.info(
            "%s: %d automatic values skipped (unknown item or out of range)", section_code, skipped
        )
    if not clean:
        return
    codes = {code for code, _at in clean}
    with transaction.atomic():
        latest = dict(
            AutoValue.objects.filter(section=facility, parameter__in=codes)
            .values_list("parameter")
            .annotate(last=Max("observed_at"))
            .values_list("parameter", "last")
        )
        rows = [
            AutoValue(
                section=facility, parameter=code, observed_at=at, value=value, source=source[:20]
            )
            for (code, at), value in clean.items()
        ]
        AutoValue.objects.bulk_create(
            rows,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["section", "parameter", "observed_at"],
            update_fields=["value", "source"],
        )
        series: dict[str, list[tuple[datetime.datetime, float]]] = defaultdict(list)
        for (code, at), value in clean.items():
            if latest.get(code) is None or at > latest[code]:
                series[code].append((at, value))
        opened = alarms.evaluate_values(section, dict(series))
        alarms.clear_silence(section, max(at for _code, at in clean))
    alarms.open_problems(opened)


def latest_class(section_code: str) -> str | None:
    """The section's latest class label ("I" … "V", "劣V"), or None when nothing is known.

    The latest is the newer of the last lab sample and the last day of automatic values (the
    class of that day's daily means of the class items).
    """
    from riverchief.monitoring import queries

    found = queries.latest_grade(section_code)
    return None if found is None else found[0].label
