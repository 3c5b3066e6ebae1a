"""`POST CreateObservations` (the dataArray extension, spec §13): many Observations at once.

A document that breaks the rules as a whole (no Datastream, an unknown one, components without
phenomenonTime and result) is refused with 400 and nothing is written. A row that cannot be read
(a bad time, a text where the Datastream records numbers, an unknown FeatureOfInterest) is
answered "error" in its place while the other rows are written: the spec's per-row answer.
Rows are inserted in batches of a multi-row INSERT (see `insert_rows`).
"""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.sensorthings import models as m
from riverchief.sensorthings import values
from riverchief.sensorthings.entities import SETS
from riverchief.sensorthings.queries import local_zone
from riverchief.sensorthings.services import Writer, require_writer, valid_id

BATCH = 2_500  # rows per INSERT: 11 columns stay under SQLite's 32,766 variables
PG_BATCH = 20_000  # rows per INSERT … unnest: 11 array parameters whatever the size
MAX_ROWS = 1_000_000
COMPONENTS = {
    "id",
    "phenomenonTime",
    "result",
    "resultTime",
    "resultQuality",
    "validTime",
    "parameters",
    "FeatureOfInterest/id",
}


class RowError(Exception):
    pass


def _time(raw: Any, zone: datetime.tzinfo) -> datetime.datetime:
    if not isinstance(raw, str):
        raise RowError
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise RowError from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _interval(raw: Any, zone) -> tuple[datetime.datetime, datetime.datetime | None]:
    if isinstance(raw, str) and "/" in raw:
        start, _slash, end = raw.partition("/")
        first, second = _time(start, zone), _time(end, zone)
        if second < first:
            raise RowError
        return first, second
    return _time(raw, zone), None


def _number(kind: str, result: Any) -> float | None:
    is_number = isinstance(result, int | float) and not isinstance(result, bool)
    if kind == values.MEASUREMENT and not (is_number and math.isfinite(result)):
        raise RowError
    if kind == values.COUNT and (not is_number or isinstance(result, float)):
        raise RowError
    if kind == values.TRUTH and not isinstance(result, bool):
        raise RowError
    return float(result) if is_number else None


def _document(payload: Any) -> list[tuple[m.Datastream, list[str], list]]:
    if not isinstance(payload, list):
        raise DomainError(
            _("CreateObservations takes a JSON array of {Datastream, components, dataArray}."),
            code="not_array",
        )
    writer = Writer(None)
    parts = []
    rows = 0
    for index, item in enumerate(payload):
        field = f"[{index}]"
        if not isinstance(item, dict):
            raise DomainError(_("Give each part as a JSON object."), field=field, code="not_object")
        link = item.get("Datastream")
        if not isinstance(link, dict) or "@iot.id" not in link:
            raise DomainError(
                _('Each part must be linked to a Datastream: "Datastream": {"@iot.id": …}.'),
                field=f"{field}.Datastream",
                code="missing_link",
            )
        datastream = writer.link(SETS["Datastreams"], link, f"{field}.Datastream")
        components = item.get("components")
        if (
            not isinstance(components, list)
            or not {"phenomenonTime", "result"} <= set(components)
            or not set(components) <= COMPONENTS
            or len(set(components)) != len(components)
        ):
            raise DomainError(
                _(
                    "components must list phenomenonTime and result, and may add resultTime, "
                    "resultQuality, validTime, parameters and FeatureOfInterest/id."
                ),
                field=f"{field}.components",
                code="bad_components",
            )
        data = item.get("dataArray")
        if not isinstance(data, list):
            raise DomainError(
                _("Give dataArray as an array of rows."),
                field=f"{field}.dataArray",
                code="not_array",
            )
        rows += len(data)
        if rows > MAX_ROWS:
            raise DomainError(
                _("At most %(limit)s observations in one request."),
                code="too_many",
                params={"limit": MAX_ROWS},
            )
        parts.append((datastream, components, data))
    return parts


COLUMNS = (
    "datastream_id",
    "feature_of_interest_id",
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time",
    "result",
    "result_number",
    "result_quality",
    "valid_time_start",
    "valid_time_end",
    "parameters",
)
_TIMES = {2, 3, 4, 8, 9}
_JSON = {5: "result", 7: "result_quality", 10: "parameters"}


_PG_TYPES = (
    "bigint",
    "bigint",
    "timestamptz",
    "timestamptz",
    "timestamptz",
    "jsonb",
    "double precision",
    "jsonb",
    "timestamptz",
    "timestamptz",
    "jsonb",
)


def insert_rows(rows: list[tuple]) -> list[int]:
    """Insert Observation rows (in COLUMNS order) in batches; their ids in row order.

    Django's bulk_create costs about three times the database's own work here (every value goes
    through the full expression machinery). PostgreSQL gets one array per column and
    `INSERT … SELECT FROM unnest(…)`, SQLite a multi-row `VALUES` list; both `RETURNING id`.
    """
    if not rows:
        return []
    table = connection.ops.quote_name(m.Observation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(name) for name in COLUMNS)
    # Quoted model identifiers and placeholders only: every value is a parameter.
    insert = f"INSERT INTO {table} ({columns}) "
    returning = f" RETURNING {connection.ops.quote_name('id')}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            arrays = ", ".join(f"%s::{kind}[]" for kind in _PG_TYPES)
            for offset in range(0, len(rows), PG_BATCH):
                by_column = [
                    list(values) for values in zip(*rows[offset : offset + PG_BATCH], strict=True)
                ]
                for index in _JSON:
                    by_column[index] = [None if v is None else Jsonb(v) for v in by_column[index]]
                sql = f"{insert}SELECT * FROM unnest({arrays}){returning}"  # noqa: S608
                cursor.execute(sql, by_column)
                ids.extend(row[0] for row in cursor.fetchall())
            return ids
        # What Django's adapt_datetimefield_value and JSONField.get_db_prep_save give for these
        # values (aware times, plain JSON), without their per-value checks: at 250,000 rows
        # they cost seconds.
        zone = connection.timezone
        encoders = {
            index: (m.Observation._meta.get_field(name).encoder or json.JSONEncoder)().encode
            for index, name in _JSON.items()
        }
        one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
        for offset in range(0, len(rows), BATCH):
            chunk = rows[offset : offset + BATCH]
            params = []
            for row in chunk:
                values = list(row)
                for index in _TIMES:
                    if values[index] is not None:
                        values[index] = str(values[index].astimezone(zone).replace(tzinfo=None))
                for index, encode in encoders.items():
                    if values[index] is not None:
                        values[index] = encode(values[index])
                params.extend(values)
            sql = f"{insert}VALUES {', '.join([one] * len(chunk))}{returning}"  # noqa: S608
            cursor.execute(sql, params)
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


@transaction.atomic
def create_observations(user, payload: Any, base: str) -> list[str]:
    """The selfLinks of the new Observations in request order, "error" where a row failed."""
    require_writer(user)
    writer = Writer(user)
    zone = local_zone()
    answers: list[str] = []
    for datastream, components, data in _document(payload):
        datastream = m.Datastream.objects.select_related("thing__section", "observed_property").get(
            pk=datastream.pk
        )
        writer.check_thing(datastream.thing)
        kind = datastream.observation_type
        at = {name: components.index(name) for name in components}
        feature_ids = set()
        if "FeatureOfInterest/id" in at:
            column = at["FeatureOfInterest/id"]
            wanted = {
                r[column]
                for r in data
                if isinstance(r, list) and len(r) == len(components) and valid_id(r[column])
            }
            feature_ids = set(
                m.FeatureOfInterest.objects.filter(pk__in=wanted).values_list("pk", flat=True)
            )
        default_feature = None
        datastream_id = datastream.pk
        built: list[tuple | None] = []
        for row in data:
            try:
                if not isinstance(row, list) or len(row) != len(components):
                    raise RowError
                start, end = _interval(row[at["phenomenonTime"]], zone)
                result = row[at["result"]]
                number = _number(kind, result)
                result_time = valid_start = valid_end = None
                if "resultTime" in at and row[at["resultTime"]] is not None:
                    result_time = _time(row[at["resultTime"]], zone)
                if "validTime" in at and row[at["validTime"]] is not None:
                    valid_start, valid_end = _interval(row[at["validTime"]], zone)
                quality = row[at["resultQuality"]] if "resultQuality" in at else None
                parameters = row[at["parameters"]] if "parameters" in at else None
                if "FeatureOfInterest/id" in at:
                    feature_id = row[at["FeatureOfInterest/id"]]
                    if feature_id not in feature_ids:
                        raise RowError
                else:
                    if default_feature is None:
                        default_feature = writer.forward.feature_for(datastream)
                    feature_id = default_feature.pk
            except RowError:
                built.append(None)
                continue
            built.append(
                (datastream_id, feature_id, start, end, result_time, result, number, quality,
                 valid_start, valid_end, parameters)
            )  # fmt: skip
            writer.forward.add(datastream, start, number)
        ids = iter(insert_rows([row for row in built if row is not None]))
        answers.extend(
            f"{base}Observations({next(ids)})" if row is not None else "error" for row in built
        )
    writer.forward.finish(user)
    return answers
