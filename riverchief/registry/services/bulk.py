"""Bulk upserts for imports: the per-row services' rules, written in batches.

The import (`registry.importing`) validates every row first, with the same rules as the services
(codes, choices, geometry, reach inside its division, one active chief per reach and level), and
hands over rows that are known to be good, with references still as codes. Here they are written
in one transaction, parents before children: rows equal to the stored ones are left alone, the
others are created or updated with one audit entry each (as the services write them), and the
routing index is bumped once when a reach's geometry changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from riverchief.core import audit, divcodes
from riverchief.core.errors import Forbidden
from riverchief.core.models import AuditEntry
from riverchief.core.requestlocal import current_ip
from riverchief.core.scoping import scope_of
from riverchief.registry.models import (
    ChiefAssignment,
    Department,
    Division,
    Facility,
    Reach,
    WaterBody,
)

BATCH = 1000
IN_CHUNK = 500  # codes per `IN (...)` when reading existing rows
LOAD_ALL_ABOVE = 5000  # more codes than this: read the whole table instead


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0  # assignments ended because a new holder starts

    def add(self, other: Counts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ended += other.ended


class _Audit:
    """Collects audit entries and writes them in batches, as `audit.record` would one by one."""

    def __init__(self, actor):
        authenticated = actor is not None and getattr(actor, "is_authenticated", False)
        self.actor = actor if authenticated else None
        self.actor_name = actor.get_username() if authenticated else "system"
        self.ip = current_ip()
        self.at = timezone.now()
        self.entries: list[AuditEntry] = []

    def add(
        self,
        action: str,
        row: models.Model | None,
        division_code: str,
        before=None,
        after=None,
        represent: str | None = None,
        *,
        object_type: str = "",
        object_id: Any = None,
    ):
        self.entries.append(
            {
                "at": self.at,
                "actor_id": self.actor.pk if self.actor is not None else None,
                "actor_name": self.actor_name,
                "action": action,
                "object_type": object_type or row._meta.label_lower,
                "object_id": str(object_id if object_id is not None else row.pk),
                "object_repr": (str(row) if represent is None else represent)[:200],
                "division_code": division_code or "",
                "before": _safe(before) if before is not None else None,
                "after": _safe(after) if after is not None else None,
                "message": "",
                "ip": self.ip,
            }
        )
        if len(self.entries) >= 20 * BATCH:
            self.flush()

    def flush(self) -> None:
        if self.entries:
            insert(AuditEntry, self.entries, with_ids=False)
            self.entries = []


_FIELDS: dict[type, list[tuple[str, str]]] = {}


class RawJSON(str):
    """JSON text already encoded, written as it is (into a row, or inside an audit entry)."""


def _json_adapter(field):
    """A JSONField's value as the database driver wants it; RawJSON text is spliced, not
    encoded again (a province's reach lines are the bulk of an import)."""
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        def identity(text: str) -> str:
            return text

        def adapt_pg(value):
            if isinstance(value, RawJSON):
                return Jsonb(value, dumps=identity)
            if isinstance(value, dict) and any(isinstance(v, RawJSON) for v in value.values()):
                return Jsonb(_splice(value), dumps=identity)
            return connection.ops.adapt_json_value(value, field.encoder)

        return adapt_pg

    def adapt(value):
        if isinstance(value, RawJSON):
            return str(value)
        if isinstance(value, dict) and any(isinstance(v, RawJSON) for v in value.values()):
            return _splice(value)
        return connection.ops.adapt_json_value(value, field.encoder)

    return adapt


def _splice(value: dict[str, Any]) -> str:
    """JSON text of a dict whose values may be RawJSON (one json.dumps for the rest)."""
    plain = {key: item for key, item in value.items() if not isinstance(item, RawJSON)}
    raw = ", ".join(
        json.dumps(key) + ": " + item for key, item in value.items() if isinstance(item, RawJSON)
    )
    text = json.dumps(plain)
    return "{" + raw + "}" if not plain else text[:-1] + ", " + raw + "}"


def _copy(table: str, columns: str, rows, ids: list[int], pairs, adapted) -> list[int]:
    """PostgreSQL: COPY the rows in, several times faster than INSERTs for a province."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                if ids:
                    row["id"] = ids[index]
                values = [row.get(attname, default) for attname, default in pairs]
                for i, adapt in adapted:
                    if values[i] is not None:
                        values[i] = adapt(values[i])
                copy.write_row(values)
    return ids


def _allocate_ids(model, count: int) -> list[int]:
    """Ids for `count` new rows, taken from the table's sequence as an insert would."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        quoted = connection.ops.quote_name(table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        found = cursor.fetchone()
        start = max(highest, found[0] if found else 0) + 1
        return list(range(start, start + count))


def insert(model, rows: list[dict[str, Any]], *, with_ids: bool = True) -> list[int]:
    """INSERT rows ({attname: value}; missing fields take their defaults) with executemany:
    the ORM's bulk_create spends most of an import preparing values one by one."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and not with_ids)]
    ids = _allocate_ids(model, len(rows)) if with_ids else []
    adapters = []
    for field in fields:
        internal = field.get_internal_type()
        if internal == "JSONField":
            adapters.append(_json_adapter(field))
        elif internal == "DateField":
            adapters.append(connection.ops.adapt_datefield_value)
        elif internal == "DateTimeField":
            adapters.append(connection.ops.adapt_datetimefield_value)
        elif internal == "GenericIPAddressField":
            adapters.append(lambda v: v or None)
        else:
            adapters.append(None)
    defaults = {}
    for field in fields:
        if not field.primary_key:
            defaults[field.attname] = field.get_default()
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
    pairs = [(field.attname, defaults.get(field.attname)) for field in fields]
    adapted = [(i, adapt) for i, adapt in enumerate(adapters) if adapt is not None]
    batch = []
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows, ids, pairs, adapted)
    with connection.cursor() as cursor:
        for index, row in enumerate(rows):
            if with_ids:
                row["id"] = ids[index]
            values = [row.get(attname, default) for attname, default in pairs]
            for i, adapt in adapted:
                if values[i] is not None:
                    values[i] = adapt(values[i])
            batch.append(values)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
    return ids


_DEFAULTS: dict[type, dict[str, Any]] = {}


def defaults_of(model) -> dict[str, Any]:
    if model not in _DEFAULTS:
        _DEFAULTS[model] = {
            field.attname: field.get_default() for field in model._meta.concrete_fields
        }
    return _DEFAULTS[model]


def _field_names(model) -> list[tuple[str, str]]:
    if model not in _FIELDS:
        _FIELDS[model] = [
            (field.name, field.attname)
            for field in model._meta.concrete_fields
            if field.name not in audit.SECRET_FIELDS
        ]
    return _FIELDS[model]


def snapshot(instance: models.Model) -> dict[str, Any]:
    """As `audit.snapshot`, faster: geometry and details are JSON already."""
    model = type(instance)
    if model not in _FIELDS:
        _FIELDS[model] = [
            (field.name, field.attname)
            for field in model._meta.concrete_fields
            if field.name not in audit.SECRET_FIELDS
        ]
    return _safe({name: getattr(instance, attname) for name, attname in _FIELDS[model]})


def _safe(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe values; lists and dicts (geometry, details) are JSON from the start."""
    if all(type(value) in _JSON_TYPES for value in values.values()):
        return values
    return {
        key: value if type(value) in _JSON_TYPES else audit._json_safe(value)
        for key, value in values.items()
    }


_JSON_TYPES = {str, int, float, bool, list, dict, type(None), RawJSON}


def _check_scope(actor, division_codes: Iterable[str]) -> None:
    """The import checked every row against the actor's scope; this is the last guard."""
    if actor is None:
        return
    scope = scope_of(actor)
    scope.require("registry.change")
    for code in division_codes:
        if not scope.covers_division(code):
            raise Forbidden(f"division {code} lies outside the actor's scope")


def _field_name(model, attname: str) -> str:
    return (
        model._meta.get_field(attname.removesuffix("_id")).name
        if attname.endswith("_id")
        else attname
    )


def _existing(model, key: str, keys: list[str], fields: list[str]) -> dict[str, dict[str, Any]]:
    """Stored rows by key, as {attname: value} with "id"."""
    columns = ["id", key, *[f for f in fields if f != key]]
    found: dict[str, dict[str, Any]] = {}
    if len(keys) > LOAD_ALL_ABOVE:
        wanted = set(keys)
        for row in model.objects.order_by().values(*columns).iterator(chunk_size=5000):
            if row[key] in wanted:
                found[row[key]] = row
        return found
    for start in range(0, len(keys), IN_CHUNK):
        chunk = keys[start : start + IN_CHUNK]
        for row in model.objects.order_by().filter(**{f"{key}__in": chunk}).values(*columns):
            found[row[key]] = row
    return found


def _upsert(
    actor,
    model,
    rows: list[dict[str, Any]],
    *,
    log: _Audit,
    division_of: Callable[[dict[str, Any]], str],
    key: str = "code",
) -> tuple[Counts, dict[str, int], set[str]]:
    """Create or update rows ({attname: value}, only the fields the file gives, key included).

    Returns the counts, key -> id of every row, and the keys of rows whose geometry changed."""
    counts = Counts()
    if not rows:
        return counts, {}, set()
    fields = sorted({name for row in rows for name in row})
    stored = _existing(model, key, [row[key] for row in rows], fields)
    divisions_by_id = _division_codes_by_id(rows, stored)
    to_create: list[dict[str, Any]] = []
    to_update: list[tuple[models.Model, dict[str, Any], dict[str, Any]]] = []
    geometry_changed: set[str] = set()
    touched_divisions: set[str] = set()
    for row in rows:
        old = stored.get(row[key])
        if old is None:
            to_create.append(dict(row))
            touched_divisions.add(division_of(row))
            if row.get("geometry") is not None:
                geometry_changed.add(row[key])
            continue
        changed = [name for name in row if name != key and old.get(name) != row[name]]
        if not changed:
            counts.unchanged += 1
            continue
        touched_divisions.add(division_of(row))
        if "division_id" in old:
            touched_divisions.add(divisions_by_id.get(old["division_id"], ""))
        if "geometry" in changed:
            geometry_changed.add(row[key])
        merged = {**{k: v for k, v in old.items() if k != "id"}, **row}
        instance = model(id=old["id"], **merged)
        before = {_field_name(model, name): old.get(name) for name in changed}
        after = {_field_name(model, name): row[name] for name in changed}
        to_update.append((instance, before, after))
    _check_scope(actor, {code for code in touched_divisions if code})
    ids = {code: row["id"] for code, row in stored.items()}
    if to_create:
        # A geometry is encoded once, for the row and for its audit entry.
        for values in to_create:
            if values.get("geometry") is not None:
                values["geometry"] = RawJSON(json.dumps(values["geometry"]))
        insert(model, to_create)
        names = _field_names(model)
        defaults = defaults_of(model)
        for values in to_create:
            ids[values[key]] = values["id"]
            division_code = (
                values["code"]
                if model is Division
                else divisions_by_id.get(values.get("division_id"), "")
            )
            log.add(
                "create",
                None,
                division_code,
                after={name: values.get(attname, defaults[attname]) for name, attname in names},
                represent=str(values.get("name", "")),
                object_type=model._meta.label_lower,
                object_id=values["id"],
            )
        counts.created = len(to_create)
    if to_update:
        update_fields = sorted({name for _i, before, _a in to_update for name in before})
        model.objects.bulk_update(
            [instance for instance, _b, _a in to_update],
            [name for name in update_fields],
            batch_size=200,
        )
        for instance, before, after in to_update:
            log.add(
                "update",
                instance,
                _division_code_of(instance, divisions_by_id),
                before=before,
                after=after,
            )
        counts.updated = len(to_update)
    return counts, ids, geometry_changed


def _division_codes_by_id(rows, stored) -> dict[int, str]:
    ids = {row.get("division_id") for row in rows} | {
        row.get("division_id") for row in stored.values()
    }
    ids.discard(None)
    if not ids:
        return {}
    found: dict[int, str] = {}
    id_list = sorted(ids)
    for start in range(0, len(id_list), IN_CHUNK):
        for pk, code in Division.objects.filter(
            pk__in=id_list[start : start + IN_CHUNK]
        ).values_list("id", "code"):
            found[pk] = code
    return found


def _division_code_of(instance, divisions_by_id: dict[int, str]) -> str:
    if isinstance(instance, Division):
        return instance.code
    return divisions_by_id.get(instance.division_id, "")


def division_ids(codes: Iterable[str]) -> dict[str, int]:
    codes = sorted(set(codes))
    found: dict[str, int] = {}
    for start in range(0, len(codes), IN_CHUNK):
        found.update(
            Division.objects.filter(code__in=codes[start : start + IN_CHUNK]).values_list(
                "code", "id"
            )
        )
    return found


def _ids(model, codes: Iterable[str], key: str = "code") -> dict[str, int]:
    codes = sorted({code for code in codes if code})
    found: dict[str, int] = {}
    if len(codes) > LOAD_ALL_ABOVE:
        wanted = set(codes)
        return {
            code: pk
            for code, pk in model.objects.order_by()
            .values_list(key, "id")
            .iterator(chunk_size=5000)
            if code in wanted
        }
    for start in range(0, len(codes), IN_CHUNK):
        found.update(
            model.objects.order_by()
            .filter(**{f"{key}__in": codes[start : start + IN_CHUNK]})
            .values_list(key, "id")
        )
    return found


# --- the kinds, in the order an import writes them -----------------------------------------------


def upsert_divisions(actor, rows: list[dict[str, Any]], log: _Audit) -> Counts:
    """rows: {"code" (12 digits), "name", "is_demo"?, "geometry"?, bounds?}; parents first."""
    counts = Counts()
    by_level: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_level.setdefault(divcodes.level_of(row["code"]), []).append(row)
    for level in sorted(by_level):
        level_rows = by_level[level]
        parents = division_ids(
            parent for row in level_rows if (parent := divcodes.parent(row["code"])) is not None
        )
        stored = division_ids(row["code"] for row in level_rows)
        prepared = []
        for row in level_rows:
            values = dict(row)
            if row["code"] not in stored:
                parent = divcodes.parent(row["code"])
                values["level"] = int(level)
                values["parent_id"] = parents[parent] if parent else None
            prepared.append(values)
        level_counts, _ids_found, _geometry = _upsert(
            actor, Division, prepared, log=log, division_of=lambda row: row["code"]
        )
        counts.add(level_counts)
    return counts


def upsert_departments(actor, rows: list[dict[str, Any]], log: _Audit) -> Counts:
    """rows: department fields with "division_code" (12 digits) for the division."""
    divisions = division_ids(row["division_code"] for row in rows if "division_code" in row)
    _DIVISION_CODES.update({pk: code for code, pk in divisions.items()})
    prepared = []
    for row in rows:
        values = {k: v for k, v in row.items() if k != "division_code"}
        if "division_code" in row:
            values["division_id"] = divisions[row["division_code"]]
        prepared.append(values)
    counts, _ids_found, _geometry = _upsert(
        actor, Department, prepared, log=log, division_of=lambda row: _code_of_division(row)
    )
    return counts


_DIVISION_CODES: dict[int, str] = {}


def _code_of_division(row: dict[str, Any]) -> str:
    pk = row.get("division_id")
    if pk is None:
        return ""
    if pk not in _DIVISION_CODES:
        _DIVISION_CODES[pk] = (
            Division.objects.filter(pk=pk).values_list("code", flat=True).first() or ""
        )
    return _DIVISION_CODES[pk]


def upsert_water_bodies(actor, rows: list[dict[str, Any]], log: _Audit) -> Counts:
    """rows: water body fields with "division_code" and "parent_code"; a parent in the same
    import must come first (the importer orders them by depth)."""
    counts = Counts()
    divisions = division_ids(row["division_code"] for row in rows if "division_code" in row)
    _DIVISION_CODES.update({pk: code for code, pk in divisions.items()})
    depth: dict[str, int] = {}
    in_file = {row["code"]: row for row in rows}

    def depth_of(code: str, seen: frozenset = frozenset()) -> int:
        if code in depth:
            return depth[code]
        parent = in_file[code].get("parent_code") or ""
        value = 0
        if parent in in_file and parent not in seen:
            value = depth_of(parent, seen | {code}) + 1
        depth[code] = value
        return value

    for code in in_file:
        depth_of(code)
    for level in sorted(set(depth.values())):
        level_rows = [row for row in rows if depth[row["code"]] == level]
        parents = _ids(WaterBody, (row.get("parent_code") or "" for row in level_rows))
        prepared = []
        for row in level_rows:
            values = {k: v for k, v in row.items() if k not in ("division_code", "parent_code")}
            if "division_code" in row:
                values["division_id"] = divisions[row["division_code"]]
            if "parent_code" in row:
                values["parent_id"] = (
                    parents.get(row["parent_code"]) if row["parent_code"] else None
                )
            prepared.append(values)
        level_counts, _ids_found, _geometry = _upsert(
            actor, WaterBody, prepared, log=log, division_of=_code_of_division
        )
        counts.add(level_counts)
    return counts


def upsert_reaches(actor, rows: list[dict[str, Any]], log: _Audit) -> tuple[Counts, bool]:
    """rows: reach fields with "division_code" and "water_body_code". Returns the counts and
    whether a geometry changed (the routing index must then be rebuilt)."""
    divisions = division_ids(row["division_code"] for row in rows if "division_code" in row)
    _DIVISION_CODES.update({pk: code for code, pk in divisions.items()})
    water_bodies = _ids(WaterBody, (row.get("water_body_code", "") for row in rows))
    prepared = []
    for row in rows:
        values = {k: v for k, v in row.items() if k not in ("division_code", "water_body_code")}
        if "division_code" in row:
            values["division_id"] = divisions[row["division_code"]]
        if "water_body_code" in row:
            values["water_body_id"] = water_bodies[row["water_body_code"]]
        prepared.append(values)
    counts, _ids_found, geometry = _upsert(
        actor, Reach, prepared, log=log, division_of=_code_of_division
    )
    return counts, bool(geometry)


def upsert_facilities(actor, rows: list[dict[str, Any]], log: _Audit) -> Counts:
    """rows: facility fields with "division_code", "water_body_code", "reach_code"."""
    divisions = division_ids(row["division_code"] for row in rows)
    _DIVISION_CODES.update({pk: code for code, pk in divisions.items()})
    water_bodies = _ids(WaterBody, (row.get("water_body_code") or "" for row in rows))
    reaches = _ids(Reach, (row.get("reach_code") or "" for row in rows))
    prepared = []
    for row in rows:
        values = {
            k: v
            for k, v in row.items()
            if k not in ("division_code", "water_body_code", "reach_code")
        }
        values["division_id"] = divisions[row["division_code"]]
        values["water_body_id"] = water_bodies.get(row.get("water_body_code") or "")
        values["reach_id"] = reaches.get(row.get("reach_code") or "")
        prepared.append(values)
    counts, _ids_found, _geometry = _upsert(
        actor, Facility, prepared, log=log, division_of=_code_of_division
    )
    return counts


ASSIGNMENT_MUTABLE = (
    "person_phone",
    "position",
    "user_id",
    "contact_department_id",
    "end_date",
    "is_demo",
)


def assignment_key(row: dict[str, Any]) -> tuple:
    """Who holds which role where since when: the identity of an assignment row."""
    return (
        row.get("reach_code") or "",
        row.get("water_body_code") or "",
        row["division_code"],
        row["role"],
        row["level"],
        row["person_name"],
        row["start_date"],
    )


def stored_assignments(keys: set[tuple] | None = None) -> dict[tuple, dict[str, Any]]:
    """Stored assignments by `assignment_key` (all of them, or those with the given keys)."""
    rows = ChiefAssignment.objects.order_by().values(
        "id",
        "reach__code",
        "water_body__code",
        "division__code",
        "role",
        "level",
        "person_name",
        "start_date",
        *ASSIGNMENT_MUTABLE,
    )
    if keys is not None:
        people = sorted({key[5] for key in keys})
        if len(people) <= IN_CHUNK:
            rows = rows.filter(person_name__in=people)
    found = {}
    for row in rows.iterator(chunk_size=5000):
        reach = row["reach__code"] or ""
        key = (
            reach,
            "" if reach else (row["water_body__code"] or ""),
            row["division__code"],
            row["role"],
            row["level"],
            row["person_name"],
            row["start_date"],
        )
        if keys is None or key in keys:
            found[key] = row
    return found


def upsert_assignments(
    actor, rows: list[dict[str, Any]], ends: list[tuple[int, Any]], log: _Audit
) -> Counts:
    """rows: assignment fields with codes for reach, water body, division, department and the
    username; `ends`: (stored assignment id, end date) for holders a new row replaces."""
    from riverchief.accounts.models import User

    counts = Counts()
    if not rows and not ends:
        return counts
    divisions = division_ids(row["division_code"] for row in rows)
    water_bodies = _ids(WaterBody, (row.get("water_body_code") or "" for row in rows))
    reaches = _ids(Reach, (row.get("reach_code") or "" for row in rows))
    departments = _ids(Department, (row.get("contact_department_code") or "" for row in rows))
    users = _ids(User, (row.get("username") or "" for row in rows), key="username")
    stored = stored_assignments({assignment_key(row) for row in rows})
    _check_scope(actor, {row["division_code"] for row in rows})
    names = _target_names(reaches, water_bodies)
    creates, updates = [], []
    for row in rows:
        values = {
            "person_name": row["person_name"],
            "person_phone": row.get("person_phone", ""),
            "position": row.get("position", ""),
            "user_id": users.get(row.get("username") or ""),
            "role": row["role"],
            "level": row["level"],
            "reach_id": reaches.get(row.get("reach_code") or ""),
            "water_body_id": water_bodies.get(row.get("water_body_code") or "")
            if not row.get("reach_code")
            else None,
            "division_id": divisions[row["division_code"]],
            "contact_department_id": departments.get(row.get("contact_department_code") or ""),
            "start_date": row["start_date"],
            "end_date": row.get("end_date"),
            "is_demo": row.get("is_demo", False),
        }
        old = stored.get(assignment_key(row))
        if old is None:
            creates.append((values, row["division_code"]))
            continue
        present = [name for name in ASSIGNMENT_MUTABLE if _given(row, name)]
        changed = [name for name in present if old[name] != values[name]]
        if not changed:
            counts.unchanged += 1
            continue
        updates.append((old, values, changed, row["division_code"]))
    # Ending first, so the one-active-holder constraint holds at every statement.
    for old, values, changed, division_code in updates:
        ChiefAssignment.objects.filter(pk=old["id"]).update(
            **{name: values[name] for name in changed}
        )
        instance = ChiefAssignment(id=old["id"], **{**values})
        log.add(
            "update",
            instance,
            division_code,
            before={_field_name(ChiefAssignment, name): old[name] for name in changed},
            after={_field_name(ChiefAssignment, name): values[name] for name in changed},
            represent=_assignment_repr(values, names),
        )
        counts.updated += 1
    for assignment_id, end_date in ends:
        ended = ChiefAssignment.objects.select_related("division").get(pk=assignment_id)
        _check_scope(actor, [ended.division.code])
        ended.end_date = end_date
        ended.save(update_fields=["end_date"])
        log.add(
            "end",
            ended,
            ended.division.code,
            before={"end_date": None},
            after={"end_date": end_date},
        )
        counts.ended += 1
    if creates:
        insert(ChiefAssignment, [values for values, _d in creates])
        field_names = _field_names(ChiefAssignment)
        defaults = defaults_of(ChiefAssignment)
        for values, division_code in creates:
            log.add(
                "create",
                None,
                division_code,
                after={
                    name: values.get(attname, defaults[attname]) for name, attname in field_names
                },
                represent=_assignment_repr(values, names),
                object_type="registry.chiefassignment",
                object_id=values["id"],
            )
        counts.created = len(creates)
    return counts


def _target_names(reaches: dict[str, int], water_bodies: dict[str, int]) -> dict[tuple, str]:
    names: dict[tuple, str] = {}
    for model, ids in ((Reach, reaches), (WaterBody, water_bodies)):
        id_list = sorted(ids.values())
        for start in range(0, len(id_list), IN_CHUNK):
            chunk = id_list[start : start + IN_CHUNK]
            for pk, name in model.objects.filter(pk__in=chunk).values_list("id", "name"):
                names[(model, pk)] = name
    return names


_ROLE_LABELS: dict[str, str] = {}


def _assignment_repr(values: dict[str, Any], names: dict[tuple, str]) -> str:
    """As ChiefAssignment.__str__, without a query per row."""
    from riverchief.registry.models import AssignmentRole

    if not _ROLE_LABELS:
        _ROLE_LABELS.update({code: str(label) for code, label in AssignmentRole.choices})
    target = (
        names.get((Reach, values.get("reach_id")), "")
        if values.get("reach_id")
        else names.get((WaterBody, values.get("water_body_id")), "")
    )
    return (
        f"{values['person_name']} · {_ROLE_LABELS.get(values['role'], values['role'])} · {target}"
    )


def _given(row: dict[str, Any], attname: str) -> bool:
    source = {
        "user_id": "username",
        "contact_department_id": "contact_department_code",
    }.get(attname, attname)
    return source in row


@dataclass
class Plan:
    """Validated rows of every kind, in the shapes the functions above take."""

    divisions: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    water_bodies: list[dict[str, Any]]
    reaches: list[dict[str, Any]]
    facilities: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    assignment_ends: list[tuple[int, Any]]


def apply(actor, plan: Plan) -> dict[str, Counts]:
    """Write a validated plan in one transaction; returns counts by kind."""
    from riverchief.registry import routing

    _DIVISION_CODES.clear()
    _ROLE_LABELS.clear()
    with transaction.atomic():
        log = _Audit(actor)
        result = {
            "divisions": upsert_divisions(actor, plan.divisions, log),
            "departments": upsert_departments(actor, plan.departments, log),
            "waterbodies": upsert_water_bodies(actor, plan.water_bodies, log),
        }
        reach_counts, geometry_changed = upsert_reaches(actor, plan.reaches, log)
        result["reaches"] = reach_counts
        result["facilities"] = upsert_facilities(actor, plan.facilities, log)
        result["assignments"] = upsert_assignments(
            actor, plan.assignments, plan.assignment_ends, log
        )
        log.flush()
        if geometry_changed:
            routing.bump_version()
    _DIVISION_CODES.clear()
    return result


def end_date_before(start) -> Any:
    return start - timedelta(days=1)
