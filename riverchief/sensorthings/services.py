"""Writes: create (links and deep insert), update (merge, replace, JSON Patch) and delete.

A nested object that carries `@iot.id` is a link to an existing entity and its other members are
ignored (frost-sta-client sends linked entities in full). Everything a request writes happens in
one transaction with its audit entries; the section's automatic values go to monitoring after the
commit. Writers need the `monitoring.change` capability; a station tied to a section outside the
writer's area cannot be written to.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.registry.models import Facility
from riverchief.sensorthings import models as m
from riverchief.sensorthings import values
from riverchief.sensorthings.automatic import Forwarder
from riverchief.sensorthings.entities import SETS, EntitySet, Relation

CAPABILITY = "monitoring.change"  # the office's monitoring permission (accounts/roles.py)
# Created by the server, never posted inline: the spec lets a client link Locations instead.
_NESTED_CREATE = {
    ("Things", "Locations"),
    ("Things", "Datastreams"),
    ("Locations", "Things"),
    ("HistoricalLocations", "Locations"),
    ("Datastreams", "Observations"),
    ("Sensors", "Datastreams"),
    ("ObservedProperties", "Datastreams"),
    ("FeaturesOfInterest", "Observations"),
    ("Things", "HistoricalLocations"),
}


def require_writer(user) -> None:
    if not scope_of(user).can(CAPABILITY):
        raise Forbidden(_("Writing to SensorThings needs the office's monitoring permission."))


def valid_id(key: Any) -> bool:
    return isinstance(key, int) and not isinstance(key, bool) and 0 < key < 2**63


def get_entity(entity_set: EntitySet, key: Any) -> Model:
    obj = entity_set.model.objects.filter(pk=key).first() if valid_id(key) else None
    if obj is None:
        raise NotFound(
            _("No %(entity)s with @iot.id %(id)s."),
            params={"entity": entity_set.singular, "id": key},
        )
    return obj


class Writer:
    """One request's writes: the actor, caches, and what to hand to monitoring on commit."""

    def __init__(self, user):
        self.user = user
        self.forward = Forwarder()
        self._allowed_things: dict[int, bool] = {}

    # --- scope ---------------------------------------------------------------------------------

    def check_thing(self, thing: m.Thing) -> None:
        if thing.section_id is None:
            return
        if thing.pk not in self._allowed_things:
            visible = Facility.objects.visible_to(self.user).filter(pk=thing.section_id).exists()
            self._allowed_things[thing.pk] = visible
        if not self._allowed_things[thing.pk]:
            raise Forbidden(_("This station belongs to a section outside your area."))

    def section_for(self, properties: dict | None) -> Facility | None:
        code = (properties or {}).get("section_code")
        if code in (None, ""):
            return None
        section = (
            Facility.objects.visible_to(self.user).filter(kind="section", code=str(code)).first()
        )
        if section is None:
            raise DomainError(
                _("No monitoring section with code “%(code)s” in your area."),
                field="properties.section_code",
                code="unknown_section",
                params={"code": str(code)[:40]},
            )
        return section

    # --- create --------------------------------------------------------------------------------

    def link(self, entity_set: EntitySet, data: Any, field: str) -> Model:
        key = data.get("@iot.id")
        obj = entity_set.model.objects.filter(pk=key).first() if valid_id(key) else None
        if obj is None:
            raise DomainError(
                _("No %(entity)s with @iot.id %(id)s to link to."),
                field=field,
                code="unknown_link",
                params={"entity": entity_set.singular, "id": key},
            )
        return obj

    def create_or_link(self, entity_set: EntitySet, data: Any, field: str, forced=None) -> Model:
        if not isinstance(data, dict):
            raise DomainError(_("Give an entity as a JSON object."), field=field, code="not_object")
        if "@iot.id" in data:
            return self.link(entity_set, data, field)
        return self.create(entity_set, data, forced or {})

    def create(self, entity_set: EntitySet, data: dict, forced: dict[str, Model]) -> Model:
        """Create one entity with its nested new entities; `forced` are links from the URL."""
        if not isinstance(data, dict):
            raise DomainError(_("Give an entity as a JSON object."), code="not_object")
        columns: dict[str, Any] = {}
        for prop in entity_set.props:
            observed_now = entity_set.name == "Observations" and prop.name == "phenomenonTime"
            if observed_now and data.get(prop.name) is None:
                # The spec: a missing phenomenonTime is the server's time of receipt.
                columns.update({prop.column: timezone.now(), prop.end_column: None})
            elif prop.name in data or prop.mandatory:
                columns.update(values.prop_columns(prop, data.get(prop.name)))
        self._unknown_members(entity_set, data)
        ones: dict[str, Model] = {}
        for relation in entity_set.relations:
            if relation.many:
                continue
            if relation.name in forced:
                ones[relation.field] = forced[relation.name]
            elif relation.name in data:
                target = SETS[relation.target]
                ones[relation.field] = self.create_or_link(
                    target, data[relation.name], relation.name
                )
        obj = entity_set.model(**columns, **ones)
        self._complete(entity_set, obj, data, ones)
        obj.save()
        if entity_set.name != "Observations":
            audit.record(self.user, "sta.create", obj, after=audit.snapshot(obj))
        else:
            self.forward.observation(obj)
        for relation in entity_set.relations:
            if relation.many and relation.name in data:
                self._create_many(entity_set, obj, relation, data[relation.name])
        return obj

    def _unknown_members(self, entity_set: EntitySet, data: dict) -> None:
        for key in data:
            if "@iot." in key or entity_set.prop(key) or entity_set.relation(key):
                continue
            raise DomainError(
                _("%(entity)s has no member “%(name)s”."),
                field=key,
                code="unknown_member",
                params={"entity": entity_set.singular, "name": key[:60]},
            )

    def _complete(self, entity_set: EntitySet, obj: Model, data: dict, ones: dict) -> None:
        """Integrity rules and derived columns before the first save."""
        for relation in entity_set.relations:
            if (
                relation.mandatory
                and relation.field not in ones
                and not (entity_set.name == "Observations" and relation.name == "FeatureOfInterest")
            ):
                raise DomainError(
                    _(
                        "A %(entity)s must be linked to a %(related)s: give "
                        '"%(related)s": {"@iot.id": …} or post it under '
                        "%(set)s(id)/%(collection)s."
                    ),
                    field=relation.name,
                    code="missing_link",
                    params={
                        "entity": entity_set.singular,
                        "related": relation.name,
                        "set": relation.target,
                        "collection": entity_set.name,
                    },
                )
        if isinstance(obj, m.Thing):
            obj.section = self.section_for(obj.properties)
            if obj.section is not None:
                self._allowed_things.clear()
        elif isinstance(obj, m.ObservedProperty):
            obj.parameter_code = values.parameter_code(obj.name, obj.definition, obj.properties)
        elif isinstance(obj, m.Datastream):
            self.check_thing(obj.thing)
        elif isinstance(obj, m.Observation):
            self.check_thing(obj.datastream.thing)
            obj.result_number = values.result_number(obj.datastream.observation_type, obj.result)
            if "feature_of_interest" not in ones:
                obj.feature_of_interest = self.generated_feature(obj.datastream)

    def _create_many(self, entity_set: EntitySet, obj: Model, relation: Relation, items) -> None:
        if not isinstance(items, list):
            raise DomainError(_("Give a JSON array."), field=relation.name, code="not_array")
        if (entity_set.name, relation.name) not in _NESTED_CREATE:
            raise DomainError(_("This relation cannot be set here."), field=relation.name)
        target = SETS[relation.target]
        back = next(
            (r.name for r in target.relations if not r.many and r.target == entity_set.name), None
        )
        created = []
        for item in items:
            forced = {back: obj} if back else {}
            created.append(self.create_or_link(target, item, relation.name, forced))
        if back is None and created:  # many-to-many
            getattr(obj, relation.field).add(*created)
            if isinstance(obj, m.Thing) and relation.name == "Locations":
                self.moved(obj, created)
            elif isinstance(obj, m.Location) and relation.name == "Things":
                for thing in created:
                    self.moved(thing, [obj])

    def moved(self, thing: m.Thing, locations: list) -> None:
        """A Thing got Locations: the spec's automatic HistoricalLocation."""
        history = m.HistoricalLocation.objects.create(thing=thing, time=timezone.now())
        history.locations.add(*locations)

    def generated_feature(self, datastream: m.Datastream) -> m.FeatureOfInterest:
        """The FeatureOfInterest made from the Thing's current Location (reused once made)."""
        return self.forward.feature_for(datastream)

    def create_under(
        self,
        entity_set: EntitySet,
        data: dict,
        parent: Model,
        parent_set: EntitySet,
        relation: Relation,
    ) -> Model:
        """POST to a navigation URL such as Datastreams(1)/Observations: linked automatically."""
        target_back = next(
            (r for r in entity_set.relations if not r.many and r.target == parent_set.name), None
        )
        if target_back is not None:
            return self.create(entity_set, data, {target_back.name: parent})
        obj = self.create(entity_set, data, {})
        getattr(parent, relation.field).add(obj)
        if isinstance(parent, m.Thing) and isinstance(obj, m.Location):
            self.moved(parent, [obj])
        return obj


@transaction.atomic
def create(user, entity_set: EntitySet, data: Any, parent=None) -> Model:
    require_writer(user)
    writer = Writer(user)
    if parent is not None:
        parent_obj, parent_set, relation = parent
        if isinstance(parent_obj, m.Thing):
            writer.check_thing(parent_obj)
        obj = writer.create_under(entity_set, data, parent_obj, parent_set, relation)
    else:
        obj = writer.create(entity_set, data, {})
    writer.forward.finish(user)
    return obj


# --- update and delete ------------------------------------------------------------------------


def _owner_thing(obj: Model) -> m.Thing | None:
    if isinstance(obj, m.Thing):
        return obj
    if isinstance(obj, m.Datastream | m.HistoricalLocation):
        return obj.thing
    if isinstance(obj, m.Observation):
        return obj.datastream.thing
    return None


@transaction.atomic
def update(user, entity_set: EntitySet, obj: Model, data: Any, *, replace: bool = False) -> Model:
    """PATCH (merge) or PUT (replace): properties and links by @iot.id; no inline entities."""
    require_writer(user)
    if not isinstance(data, dict):
        raise DomainError(_("Give the changes as a JSON object."), code="not_object")
    writer = Writer(user)
    thing = _owner_thing(obj)
    if thing is not None:
        writer.check_thing(thing)
    before = audit.snapshot(obj)
    writer._unknown_members(entity_set, data)
    for prop in entity_set.props:
        if prop.name in data or (replace and prop.name != "phenomenonTime"):
            for column, value in values.prop_columns(prop, data.get(prop.name)).items():
                setattr(obj, column, value)
    for relation in entity_set.relations:
        if relation.name not in data:
            continue
        _relink(writer, entity_set, obj, relation, data[relation.name])
    if isinstance(obj, m.Thing):
        obj.section = writer.section_for(obj.properties)
    elif isinstance(obj, m.ObservedProperty):
        obj.parameter_code = values.parameter_code(obj.name, obj.definition, obj.properties)
    elif isinstance(obj, m.Datastream):
        writer.check_thing(obj.thing)
    elif isinstance(obj, m.Observation):
        writer.check_thing(obj.datastream.thing)
        obj.result_number = values.result_number(obj.datastream.observation_type, obj.result)
    obj.save()
    old, new = audit.changed(before, audit.snapshot(obj))
    audit.record(user, "sta.update", obj, before=old, after=new)
    return obj


def _relink(writer: Writer, entity_set: EntitySet, obj: Model, relation: Relation, value) -> None:
    target = SETS[relation.target]
    inline = _('Updates take links only: give {"@iot.id": …}, not a new entity.')
    if not relation.many:
        if not isinstance(value, dict) or "@iot.id" not in value:
            raise DomainError(inline, field=relation.name, code="inline_in_update")
        setattr(obj, relation.field, writer.link(target, value, relation.name))
        return
    if not (isinstance(obj, m.Thing | m.HistoricalLocation) and relation.name == "Locations"):
        raise DomainError(
            _("Change this relation from the other entity's side."),
            field=relation.name,
            code="read_only_relation",
        )
    if not isinstance(value, list) or any(
        not isinstance(v, dict) or "@iot.id" not in v for v in value
    ):
        raise DomainError(inline, field=relation.name, code="inline_in_update")
    locations = [writer.link(target, v, relation.name) for v in value]
    getattr(obj, relation.field).set(locations)
    if isinstance(obj, m.Thing) and locations:
        writer.moved(obj, locations)


@transaction.atomic
def delete(user, entity_set: EntitySet, obj: Model) -> None:
    """Delete with the spec's cascades (Thing → Datastreams → Observations, Location → its
    HistoricalLocations, Sensor/ObservedProperty → Datastreams, FeatureOfInterest →
    Observations)."""
    require_writer(user)
    writer = Writer(user)
    thing = _owner_thing(obj)
    if thing is not None:
        writer.check_thing(thing)
    for station in m.Thing.objects.filter(section__isnull=False).filter(
        **_things_below(entity_set, obj)
    ):
        writer.check_thing(station)
    if isinstance(obj, m.Location):
        m.HistoricalLocation.objects.filter(locations=obj).delete()
    audit.record(user, "sta.delete", obj, before=audit.snapshot(obj))
    obj.delete()


def _things_below(entity_set: EntitySet, obj: Model) -> dict[str, Any]:
    """Stations whose data a delete would remove (to check the writer's area)."""
    lookups = {
        "Sensors": "datastreams__sensor",
        "ObservedProperties": "datastreams__observed_property",
        "FeaturesOfInterest": "datastreams__observations__feature_of_interest",
        "Locations": "locations",
    }
    lookup = lookups.get(entity_set.name)
    return {lookup: obj} if lookup else {"pk__in": []}
