"""Reads: `$filter` trees compiled to Django Q, `$orderby`, paging, `$select` and `$expand`.

Order of evaluation is the spec's: $filter → $count → $orderby → $skip → $top, then $select and
$expand on the page. A page holds at most MAX_PAGE entities; a longer answer carries an absolute
`@iot.nextLink`.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import F, Model, Q, QuerySet

from riverchief.sensorthings import filtering, options
from riverchief.sensorthings.entities import SETS, EntitySet, prop_value, render
from riverchief.sensorthings.filtering import FilterError, Unsupported, gettext_noop

DEFAULT_PAGE = 100
MAX_PAGE = 10_000
_FLIP = {"eq": "eq", "ne": "ne", "gt": "lt", "ge": "le", "lt": "gt", "le": "ge"}
_LOOKUP = {"eq": "exact", "gt": "gt", "ge": "gte", "lt": "lt", "le": "lte"}


def local_zone() -> datetime.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def parse_time(text: str, field: str) -> datetime.datetime:
    """An ISO 8601 instant; without a zone it is taken as Asia/Shanghai (the county's clock)."""
    try:
        value = datetime.datetime.fromisoformat(text.strip())
        if value.tzinfo is None:
            value = value.replace(tzinfo=local_zone())
        value.astimezone(datetime.UTC)  # a year-1 time east of UTC falls off the calendar
    except (ValueError, AttributeError, OverflowError):
        raise FilterError(
            gettext_noop(
                "%(field)s must be an ISO 8601 time such as 2024-05-01T10:00:00+08:00, "
                "not “%(value)s”."
            ),
            {"field": field, "value": str(text)[:60]},
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value


# --- property paths ---------------------------------------------------------------------------


def resolve(entity_set: EntitySet, segments: tuple[str, ...]) -> tuple[str, str, bool]:
    """(Django lookup path, kind, crosses a to-many relation) for a property path."""
    parts: list[str] = []
    current = entity_set
    many = False
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        relation = current.relation(segment)
        if relation is not None and not last:
            parts.append(relation.field)
            many = many or relation.many
            current = SETS[relation.target]
            continue
        if segment in ("id", "@iot.id") and last:
            parts.append("id")
            return "__".join(parts), "id", many
        prop = current.prop(segment)
        if prop is None:
            raise FilterError(
                gettext_noop("%(set)s has no property “%(name)s”."),
                {"set": current.singular, "name": segment},
            )
        parts.append(prop.column)
        rest = segments[index + 1 :]
        if rest:
            if prop.kind not in ("object", "json"):
                raise FilterError(
                    gettext_noop("The property “%(name)s” has no members."), {"name": segment}
                )
            parts.extend(rest)
            return "__".join(parts), "member", many
        return "__".join(parts), prop.kind, many
    raise FilterError(
        gettext_noop("“%(path)s” names an entity, not a property."), {"path": "/".join(segments)}
    )


def _value(kind: str, literal: filtering.Literal, path: str, op: str) -> tuple[str, Any]:
    """(lookup path, Python value) for comparing a property of `kind` with a literal."""
    if literal.kind == "null":
        return path, None
    if kind == "id":
        if literal.kind == "number" and isinstance(literal.value, int) and literal.value >= 0:
            return path, literal.value
        if (
            literal.kind == "string"
            and str(literal.value).isdigit()
            and len(str(literal.value)) < 19
        ):
            return path, int(str(literal.value))
        return path, _NO_MATCH
    if kind in ("time", "interval"):
        if literal.kind in ("datetime", "string"):
            return path, parse_time(str(literal.value), path)
        raise FilterError(gettext_noop("Compare a time with a time such as 2024-05-01T10:00:00Z."))
    if kind == "result":
        if literal.kind == "number":
            return path.removesuffix("result") + "result_number", literal.value
        if op in ("eq", "ne"):
            return path, literal.value
        raise Unsupported(
            gettext_noop("Only numeric results can be compared with gt, ge, lt or le.")
        )
    if kind == "member":
        return path, literal.value
    if kind in ("object", "json"):
        raise Unsupported(
            gettext_noop(
                "Compare a member of a JSON property (such as properties/name), "
                "not the whole object."
            )
        )
    if literal.kind != "string":
        raise FilterError(gettext_noop("Compare a text property with a text in single quotes."))
    return path, literal.value


_NO_MATCH = object()


def compile_filter(entity_set: EntitySet, expression: filtering.Expr) -> tuple[Q, bool]:
    """The Q object for a parsed $filter and whether it crosses a to-many relation."""
    if isinstance(expression, filtering.And | filtering.Or):
        left, many_left = compile_filter(entity_set, expression.left)
        right, many_right = compile_filter(entity_set, expression.right)
        combined = left & right if isinstance(expression, filtering.And) else left | right
        return combined, many_left or many_right
    if isinstance(expression, filtering.Not):
        inner, many = compile_filter(entity_set, expression.operand)
        return ~inner, many
    left, right, op = expression.left, expression.right, expression.op
    if isinstance(left, filtering.Literal) and isinstance(right, filtering.Path):
        left, right, op = right, left, _FLIP[op]
    if not isinstance(left, filtering.Path) or not isinstance(right, filtering.Literal):
        raise Unsupported(
            gettext_noop(
                "$filter compares a property with a value; comparing two properties "
                "or two values is not supported."
            )
        )
    path, kind, many = resolve(entity_set, left.segments)
    path, value = _value(kind, right, path, op)
    if value is _NO_MATCH:
        return (Q(pk__in=[]) if op != "ne" else Q()), many
    if value is None:
        if op not in ("eq", "ne"):
            raise FilterError(gettext_noop("null can only be compared with eq or ne."))
        condition = Q(**{f"{path}__isnull": True})
        return (condition if op == "eq" else ~condition), many
    if op == "ne":
        return ~Q(**{f"{path}__exact": value}), many
    return Q(**{f"{path}__{_LOOKUP[op]}": value}), many


def ordering(entity_set: EntitySet, raw: str | None) -> list[Any]:
    items = options.parse_orderby(raw) if raw else []
    expressions: list[Any] = []
    for segments, descending in items:
        path, kind, _many = resolve(entity_set, segments)
        if kind == "result":
            path = path.removesuffix("result") + "result_number"
        expression = F(path)
        expressions.append(
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_first=True)
        )
    expressions.append("pk")  # a stable order for paging
    return expressions


# --- collections ------------------------------------------------------------------------------


def check_options(params: dict[str, str]) -> None:
    for name in params:
        if name == "$resultFormat" and params[name] == "dataArray":
            continue
        if name.startswith("$") and name not in options.SYSTEM_OPTIONS:
            raise Unsupported(
                gettext_noop("The query option “%(option)s” is not supported."), {"option": name}
            )


def _filtered(queryset: QuerySet, entity_set: EntitySet, params: dict[str, str]) -> QuerySet:
    raw = params.get("$filter")
    if raw is None:
        return queryset
    condition, many = compile_filter(entity_set, filtering.parse(raw))
    queryset = queryset.filter(condition)
    return queryset.distinct() if many else queryset


def page_bounds(params: dict[str, str], default: int) -> tuple[int, int]:
    skip = options.parse_int("$skip", params["$skip"]) if "$skip" in params else 0
    top = options.parse_int("$top", params["$top"]) if "$top" in params else default
    return skip, min(top, MAX_PAGE)


def collection(
    queryset: QuerySet,
    entity_set: EntitySet,
    params: dict[str, str],
    base: str,
    next_url: str | None,
    default_page: int = DEFAULT_PAGE,
) -> dict[str, Any]:
    """`{"@iot.count", "value", "@iot.nextLink"}` for a collection and its query options."""
    check_options(params)
    queryset = _filtered(queryset, entity_set, params)
    want_count = options.parse_count(params["$count"]) if "$count" in params else False
    queryset = queryset.order_by(*ordering(entity_set, params.get("$orderby")))
    skip, top = page_bounds(params, default_page)
    select = options.parse_select(params["$select"]) if "$select" in params else None
    expands = options.parse_expand(params["$expand"]) if "$expand" in params else []
    _check_select(entity_set, select)
    data_array = "$resultFormat" in params
    if data_array and (entity_set.name != "Observations" or expands):
        raise FilterError(
            gettext_noop("$resultFormat=dataArray is for Observations, and without $expand.")
        )
    rows = list(queryset[skip : skip + top + 1]) if top else []
    more = len(rows) > top
    rows = rows[:top]
    out: dict[str, Any] = {}
    if want_count:
        out["@iot.count"] = queryset.count()
    if data_array:
        out["value"] = _data_array(rows, entity_set, base, select)
    else:
        out["value"] = [_render(row, entity_set, base, select, expands) for row in rows]
    if more and next_url is not None:
        following = dict(params)
        following["$skip"] = str(skip + top)
        following["$top"] = str(top)
        out["@iot.nextLink"] = f"{next_url}?{urlencode(following)}"
    return out


def _check_select(entity_set: EntitySet, select: list[str] | None) -> None:
    for name in select or []:
        if name in ("id", "@iot.id", "@iot.selfLink"):
            continue
        if entity_set.prop(name) is None and entity_set.relation(name) is None:
            raise FilterError(
                gettext_noop("%(set)s has no property “%(name)s” to $select."),
                {"set": entity_set.singular, "name": name},
            )


def entity(obj: Model, entity_set: EntitySet, params: dict[str, str], base: str) -> dict[str, Any]:
    """One entity with $select and $expand applied ($filter and paging do not apply)."""
    check_options(params)
    select = options.parse_select(params["$select"]) if "$select" in params else None
    _check_select(entity_set, select)
    expands = options.parse_expand(params["$expand"]) if "$expand" in params else []
    return _render(obj, entity_set, base, select, expands)


def _render(
    obj: Model,
    entity_set: EntitySet,
    base: str,
    select: list[str] | None,
    expands: list[options.Expand],
) -> dict[str, Any]:
    if not expands:
        return render(obj, entity_set, base, select)
    if select is not None:
        select = [*select, *(expand.name for expand in expands)]

    def expanded(row: Model, row_set: EntitySet) -> dict[str, Any]:
        return {
            key: value for e in expands for key, value in _expand(row, row_set, e, base).items()
        }

    return render(obj, entity_set, base, select, expanded)


def _expand(obj: Model, entity_set: EntitySet, node: options.Expand, base: str) -> dict[str, Any]:
    relation = entity_set.relation(node.name)
    if relation is None:
        raise FilterError(
            gettext_noop("%(set)s has no relation “%(name)s” to $expand."),
            {"set": entity_set.singular, "name": node.name},
        )
    target = SETS[relation.target]
    params = dict(node.options)
    children = list(node.children)
    if "$expand" in params:
        children += options.parse_expand(params.pop("$expand"))
    select = options.parse_select(params["$select"]) if "$select" in params else None
    _check_select(target, select)
    if not relation.many:
        if set(params) - {"$select"}:
            raise FilterError(
                gettext_noop("Only $select and $expand apply to the single entity “%(name)s”."),
                {"name": node.name},
            )
        related = getattr(obj, relation.field)
        return {node.name: _render(related, target, base, select, children) if related else None}
    queryset = getattr(obj, relation.field).all()
    queryset = _filtered(queryset, target, params)
    queryset = queryset.order_by(*ordering(target, params.get("$orderby")))
    skip, top = page_bounds(params, DEFAULT_PAGE)
    rows = list(queryset[skip : skip + top + 1]) if top else []
    out: dict[str, Any] = {}
    if "$count" in params and options.parse_count(params["$count"]):
        out[f"{node.name}@iot.count"] = queryset.count()
    out[node.name] = [_render(row, target, base, select, children) for row in rows[:top]]
    if len(rows) > top:
        link = f"{base}{entity_set.name}({obj.pk})/{node.name}"
        following = {k: v for k, v in params.items() if k in ("$filter", "$orderby", "$select")}
        following.update({"$top": str(top), "$skip": str(skip + top)})
        out[f"{node.name}@iot.nextLink"] = f"{link}?{urlencode(following)}"
    return out


def _data_array(
    rows: list[Model], entity_set: EntitySet, base: str, select: list[str] | None
) -> list[dict[str, Any]]:
    """The dataArray form (spec §13): one block per Datastream, rows in the page's order."""
    components = select or ["id", "phenomenonTime", "resultTime", "result"]
    for name in components:
        if name not in ("id", "@iot.id") and entity_set.prop(name) is None:
            raise FilterError(
                gettext_noop("“%(name)s” cannot be a dataArray component."), {"name": name}
            )
    blocks: dict[Any, dict[str, Any]] = {}
    for row in rows:
        key = row.datastream_id  # type: ignore[attr-defined]
        block = blocks.setdefault(
            key,
            {
                "Datastream@iot.navigationLink": f"{base}Datastreams({key})",
                "components": components,
                "dataArray@iot.count": 0,
                "dataArray": [],
            },
        )
        block["dataArray"].append(
            [
                row.pk if name in ("id", "@iot.id") else prop_value(row, entity_set.prop(name))
                for name in components
            ]
        )
        block["dataArray@iot.count"] += 1
    return list(blocks.values())
