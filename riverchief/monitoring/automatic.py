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

from django.db import connection, transaction

logger = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_BATCH = 50_000  # rows per INSERT … unnest: three array parameters whatever the size


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
        upsert(facility.pk, clean, source[:20])
        series: dict[str, list[tuple[datetime.datetime, float]]] = defaultdict(list)
        for (code, at), value in clean.items():
            if latest.get(code) is None or at > latest[code]:
                series[code].append((at, value))
        opened = alarms.evaluate_values(section, dict(series))
        alarms.clear_silence(section, max(at for _code, at in clean))
    alarms.open_problems(opened)


def upsert(section_id: int, values: dict[tuple[str, datetime.datetime], float], source: str):
    """Insert the values, replacing value and source of a (section, item, time) already stored.

    One statement per batch on PostgreSQL (`INSERT … SELECT FROM unnest(…) ON CONFLICT`), one
    prepared statement run over every row on SQLite (`executemany`): Django's bulk_create with
    update_conflicts built a model object and went through the expression machinery per value,
    most of the time of a station's hand-over. Keys must be distinct (the caller's dict).
    """
    from riverchief.monitoring.models import AutoValue

    if not values:
        return
    quote = connection.ops.quote_name
    table = quote(AutoValue._meta.db_table)
    columns = ", ".join(
        quote(c) for c in ("section_id", "parameter", "observed_at", "value", "source")
    )
    key = ", ".join(quote(c) for c in ("section_id", "parameter", "observed_at"))
    update = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in ("value", "source"))
    conflict = f" ON CONFLICT ({key}) DO UPDATE SET {update}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Quoted model identifiers and placeholders only: every value is a parameter.
            arrays = "unnest(%s::text[], %s::timestamptz[], %s::double precision[]) AS u(p, t, v)"
            sql = (
                f"INSERT INTO {table} ({columns}) "  # noqa: S608
                f"SELECT %s::bigint, u.p, u.t, u.v, %s::text FROM {arrays}{conflict}"
            )
            items = list(values.items())
            for offset in range(0, len(items), PG_BATCH):
                chunk = items[offset : offset + PG_BATCH]
                codes = [code for (code, _at), _value in chunk]
                times = [at for (_code, at), _value in chunk]
                numbers = [value for _key, value in chunk]
                cursor.execute(sql, [section_id, source, codes, times, numbers])
            return
        # SQLite keeps a time as the text of the naive time in the connection's zone (Django's
        # adapt_datetimefield_value, without its per-value checks: the times here are aware).
        zone = connection.timezone
        rows = [
            (section_id, code, str(at.astimezone(zone).replace(tzinfo=None)), value, source)
            for (code, at), value in values.items()
        ]
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s){conflict}"  # noqa: S608
        cursor.executemany(sql, rows)


def latest_class(section_code: str) -> str | None:
    """The section's latest class label ("I" … "V", "劣V"), or None when nothing is known.

    The latest is the newer of the last lab sample and the last day of automatic values (the
    class of that day's daily means of the class items).
    """
    from riverchief.monitoring import queries

    found = queries.latest_grade(section_code)
    return None if found is None else found[0].label
