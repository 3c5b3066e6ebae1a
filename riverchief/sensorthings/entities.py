"""What each entity set is: its model, its properties (JSON name → column) and its relations.

One table drives reading, filtering, ordering, creating and updating, so a property is declared
once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from riverchief.sensorthings import models as m


@dataclass(frozen=True)
class Prop:
    name: str  # as in JSON
    column: str  # model field; for intervals the start column
    kind: str = "text"  # text | json | object | time | interval | result
    mandatory: bool = False
    end_column: str = ""  # intervals


@dataclass(frozen=True)
class Relation:
    name: str  # navigation property, e.g. "Datastreams"
    target: str  # entity set name
    many: bool
    field: str  # Django accessor / lookup name
    mandatory: bool = False


@dataclass(frozen=True)
class EntitySet:
    name: str
    singular: str
    model: type[models.Model]
    props: tuple[Prop, ...]
    relations: tuple[Relation, ...]

    def prop(self, name: str) -> Prop | None:
        return next((p for p in self.props if p.name == name), None)

    def relation(self, name: str) -> Relation | None:
        return next((r for r in self.relations if r.name == name), None)


def _common(*extra: Prop, description: bool = True) -> tuple[Prop, ...]:
    base = [Prop("name", "name", mandatory=True)]
    if description:
        base.append(Prop("description", "description", mandatory=True))
    return (*base, *extra, Prop("properties", "properties", "object"))


SETS: dict[str, EntitySet] = {
    s.name: s
    for s in (
        EntitySet(
            "Things",
            "Thing",
            m.Thing,
            _common(),
            (
                Relation("Locations", "Locations", True, "locations"),
                Relation(
                    "HistoricalLocations", "HistoricalLocations", True, "historical_locations"
                ),
                Relation("Datastreams", "Datastreams", True, "datastreams"),
            ),
        ),
        EntitySet(
            "Locations",
            "Location",
            m.Location,
            _common(
                Prop("encodingType", "encoding_type", mandatory=True),
                Prop("location", "location", "json", mandatory=True),
            ),
            (
                Relation("Things", "Things", True, "things"),
                Relation(
                    "HistoricalLocations", "HistoricalLocations", True, "historical_locations"
                ),
            ),
        ),
        EntitySet(
            "HistoricalLocations",
            "HistoricalLocation",
            m.HistoricalLocation,
            (Prop("time", "time", "time", mandatory=True),),
            (
                Relation("Thing", "Things", False, "thing", mandatory=True),
                Relation("Locations", "Locations", True, "locations"),
            ),
        ),
        EntitySet(
            "Sensors",
            "Sensor",
            m.Sensor,
            _common(
                Prop("encodingType", "encoding_type", mandatory=True),
                Prop("metadata", "metadata", mandatory=True),
            ),
            (Relation("Datastreams", "Datastreams", True, "datastreams"),),
        ),
        EntitySet(
            "ObservedProperties",
            "ObservedProperty",
            m.ObservedProperty,
            _common(Prop("definition", "definition", mandatory=True)),
            (Relation("Datastreams", "Datastreams", True, "datastreams"),),
        ),
        EntitySet(
            "Datastreams",
            "Datastream",
            m.Datastream,
            _common(
                Prop("unitOfMeasurement", "unit_of_measurement", "object", mandatory=True),
                Prop("observationType", "observation_type", mandatory=True),
                Prop("observedArea", "observed_area", "json"),
                Prop(
                    "phenomenonTime",
                    "phenomenon_time_start",
                    "interval",
                    False,
                    "phenomenon_time_end",
                ),
                Prop("resultTime", "result_time_start", "interval", False, "result_time_end"),
            ),
            (
                Relation("Thing", "Things", False, "thing", mandatory=True),
                Relation("Sensor", "Sensors", False, "sensor", mandatory=True),
                Relation(
                    "ObservedProperty",
                    "ObservedProperties",
                    False,
                    "observed_property",
                    mandatory=True,
                ),
                Relation("Observations", "Observations", True, "observations"),
            ),
        ),
        EntitySet(
            "Observations",
            "Observation",
            m.Observation,
            (
                Prop(
                    "phenomenonTime",
                    "phenomenon_time_start",
                    "interval",
                    False,
                    "phenomenon_time_end",
                ),
                Prop("resultTime", "result_time", "time"),
                Prop("result", "result", "result", mandatory=True),
                Prop("resultQuality", "result_quality", "json"),
                Prop("validTime", "valid_time_start", "interval", False, "valid_time_end"),
                Prop("parameters", "parameters", "object"),
            ),
            (
                Relation("Datastream", "Datastreams", False, "datastream", mandatory=True),
                Relation(
                    "FeatureOfInterest",
                    "FeaturesOfInterest",
                    False,
                    "feature_of_interest",
                    mandatory=True,
                ),
            ),
        ),
        EntitySet(
            "FeaturesOfInterest",
            "FeatureOfInterest",
            m.FeatureOfInterest,
            _common(
                Prop("encodingType", "encoding_type", mandatory=True),
                Prop("feature", "feature", "json", mandatory=True),
            ),
            (Relation("Observations", "Observations", True, "observations"),),
        ),
    )
}


def format_time(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text.replace("+00:00", "Z")


def format_interval(start: datetime.datetime | None, end: datetime.datetime | None) -> str | None:
    if start is None:
        return None
    if end is None:
        return format_time(start)
    return f"{format_time(start)}/{format_time(end)}"


def prop_value(obj: models.Model, prop: Prop) -> Any:
    if prop.kind == "time":
        return format_time(getattr(obj, prop.column))
    if prop.kind == "interval":
        return format_interval(getattr(obj, prop.column), getattr(obj, prop.end_column))
    return getattr(obj, prop.column)


def self_link(base: str, entity_set: EntitySet, pk: Any) -> str:
    return f"{base}{entity_set.name}({pk})"


def render(
    obj: models.Model,
    entity_set: EntitySet,
    base: str,
    select: list[str] | None = None,
    expanded: Callable[[models.Model, EntitySet], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The JSON of one entity with its control information, as the spec lays it out."""
    link = self_link(base, entity_set, obj.pk)
    out: dict[str, Any] = {}
    wanted = set(select) if select else None
    if wanted is None or "id" in wanted or "@iot.id" in wanted:
        out["@iot.id"] = obj.pk
    if wanted is None or "@iot.selfLink" in wanted:
        out["@iot.selfLink"] = link
    for prop in entity_set.props:
        if wanted is None or prop.name in wanted:
            out[prop.name] = prop_value(obj, prop)
    for relation in entity_set.relations:
        if wanted is None or relation.name in wanted:
            out[f"{relation.name}@iot.navigationLink"] = f"{link}/{relation.name}"
    if expanded is not None:
        out.update(expanded(obj, entity_set))
    return out
