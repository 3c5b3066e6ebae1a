"""What a request's new Observations mean beyond SensorThings.

Per Datastream: its phenomenonTime bounds and one audit entry for the batch. Per section: the
numeric values of Datastreams whose ObservedProperty maps to a parameter code, converted to the
item's unit, handed to `monitoring.automatic.record_automatic_values` after the commit (so a
rolled-back request raises no alarm).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError
from riverchief.sensorthings import models as m
from riverchief.sensorthings import values

logger = logging.getLogger(__name__)


@dataclass
class _Stream:
    section_code: str | None
    parameter_code: str
    factor: float | None
    first: datetime.datetime | None = None
    last: datetime.datetime | None = None
    count: int = 0


class Forwarder:
    def __init__(self):
        self._streams: dict[int, tuple[m.Datastream, _Stream]] = {}
        self._features: dict[int, m.FeatureOfInterest] = {}
        self.values: dict[str, list[tuple[datetime.datetime, str, float]]] = {}

    def _stream(self, datastream: m.Datastream) -> _Stream:
        found = self._streams.get(datastream.pk)
        if found is None:
            thing = datastream.thing
            section_code = thing.section.code if thing.section_id else None
            code = datastream.observed_property.parameter_code
            factor = values.unit_factor(code, datastream.unit_of_measurement) if code else None
            found = (datastream, _Stream(section_code, code, factor))
            self._streams[datastream.pk] = found
        return found[1]

    def observation(self, observation: m.Observation) -> None:
        self.add(
            observation.datastream, observation.phenomenon_time_start, observation.result_number
        )

    def add(self, datastream: m.Datastream, time: datetime.datetime, number: float | None) -> None:
        stream = self._stream(datastream)
        stream.count += 1
        stream.first = time if stream.first is None else min(stream.first, time)
        stream.last = time if stream.last is None else max(stream.last, time)
        if stream.section_code and stream.factor is not None and number is not None:
            self.values.setdefault(stream.section_code, []).append(
                (time, stream.parameter_code, number * stream.factor)
            )

    def feature_for(self, datastream: m.Datastream) -> m.FeatureOfInterest:
        """The FeatureOfInterest made from the Thing's current Location, reused once made."""
        thing_id = datastream.thing_id
        if thing_id in self._features:
            return self._features[thing_id]
        latest = (
            m.HistoricalLocation.objects.filter(thing_id=thing_id, locations__isnull=False)
            .order_by("-time", "-pk")
            .first()
        )
        locations = (
            latest.locations.all() if latest else m.Location.objects.filter(things__pk=thing_id)
        )
        location = locations.order_by("pk").first()
        if location is None:
            raise DomainError(
                _(
                    "An Observation needs a FeatureOfInterest: link one, or give the Datastream's "
                    "Thing a Location to make it from."
                ),
                field="FeatureOfInterest",
                code="missing_link",
            )
        feature = m.FeatureOfInterest.objects.filter(generated_from=location).first()
        if feature is None:
            feature = m.FeatureOfInterest.objects.create(
                name=location.name,
                description=location.description,
                encoding_type=location.encoding_type,
                feature=location.location,
                generated_from=location,
            )
        self._features[thing_id] = feature
        return feature

    def finish(self, user) -> None:
        """Update the Datastreams' time bounds, audit the batch, and queue the hand-over."""
        for datastream, stream in self._streams.values():
            if not stream.count:
                continue
            start, end = datastream.phenomenon_time_start, datastream.phenomenon_time_end
            datastream.phenomenon_time_start = min(start, stream.first) if start else stream.first
            end = end or start
            datastream.phenomenon_time_end = max(end, stream.last) if end else stream.last
            datastream.save(update_fields=["phenomenon_time_start", "phenomenon_time_end"])
            audit.record(
                user,
                "sta.observations.create",
                datastream,
                after={"observations": stream.count},
                message=f"{stream.count} observations",
            )
        if self.values:
            batches = self.values
            transaction.on_commit(lambda: _hand_over(batches))


def _hand_over(batches: dict[str, list[tuple[datetime.datetime, str, float]]]) -> None:
    try:
        from riverchief.monitoring.automatic import record_automatic_values
    except ImportError:  # the monitoring side is not installed yet: nothing to alarm on
        return
    for section_code, section_values in batches.items():
        try:
            record_automatic_values(section_code, section_values, source="sta")
        except Exception:  # the observations are committed; an alarm failure must not lose them
            logger.exception("automatic values of section %s were not recorded", section_code)
