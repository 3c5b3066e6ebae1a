"""The eight entities of OGC SensorThings API 1.1 Part 1 (Sensing), as tables.

A station (Thing) is tied to a monitoring section of the registry through `Thing.section`, set from
the Thing's `properties.section_code` (what any SensorThings client can send). An
ObservedProperty maps to one of the contract's parameter codes (`parameter_code`), so numeric
Observations of a tied station are the section's automatic values.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Thing(models.Model):
    """A station (自动监测站) or any other thing that carries sensors."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    properties = models.JSONField(_("properties"), null=True, blank=True)
    section = models.ForeignKey(
        "registry.Facility",
        verbose_name=_("monitoring section"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
        limit_choices_to={"kind": "section"},
    )
    locations = models.ManyToManyField("Location", related_name="things", blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """Where a Thing is: GeoJSON with encodingType application/geo+json."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    encoding_type = models.CharField(max_length=100)
    location = models.JSONField()
    properties = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class HistoricalLocation(models.Model):
    """Since when a Thing has been at its Locations; the latest one is the current."""

    time = models.DateTimeField()
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="historical_locations")
    locations = models.ManyToManyField(Location, related_name="historical_locations")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["thing", "time"])]

    def __str__(self) -> str:
        return f"{self.thing_id} @ {self.time:%Y-%m-%d %H:%M}"


class Sensor(models.Model):
    """The instrument: a datasheet URL or inline metadata."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    encoding_type = models.CharField(max_length=100)
    metadata = models.TextField()
    properties = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ObservedProperty(models.Model):
    """What is measured; `parameter_code` is the contract's code (pH, DO, NH3N …) when known."""

    name = models.CharField(max_length=200)
    definition = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    properties = models.JSONField(null=True, blank=True)
    parameter_code = models.CharField(max_length=20, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Datastream(models.Model):
    """One Sensor measuring one ObservedProperty on one Thing."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_of_measurement = models.JSONField()
    observation_type = models.CharField(max_length=200)
    observed_area = models.JSONField(null=True, blank=True)
    phenomenon_time_start = models.DateTimeField(null=True, blank=True)
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time_start = models.DateTimeField(null=True, blank=True)
    result_time_end = models.DateTimeField(null=True, blank=True)
    properties = models.JSONField(null=True, blank=True)
    thing = models.ForeignKey(Thing, on_delete=models.CASCADE, related_name="datastreams")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="datastreams")
    observed_property = models.ForeignKey(
        ObservedProperty, on_delete=models.CASCADE, related_name="datastreams"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class FeatureOfInterest(models.Model):
    """What an Observation is about; made from the Thing's Location when a client gives none."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    encoding_type = models.CharField(max_length=100)
    feature = models.JSONField()
    properties = models.JSONField(null=True, blank=True)
    # The Location it was generated from, so the next Observation reuses it.
    generated_from = models.OneToOneField(
        Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    """One measured value; `result_number` repeats a numeric result for filters and alarms."""

    phenomenon_time_start = models.DateTimeField()
    phenomenon_time_end = models.DateTimeField(null=True, blank=True)
    result_time = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True)
    result_number = models.FloatField(null=True, blank=True)
    result_quality = models.JSONField(null=True, blank=True)
    valid_time_start = models.DateTimeField(null=True, blank=True)
    valid_time_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(null=True, blank=True)
    datastream = models.ForeignKey(
        Datastream, on_delete=models.CASCADE, related_name="observations"
    )
    feature_of_interest = models.ForeignKey(
        FeatureOfInterest, on_delete=models.CASCADE, related_name="observations"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["datastream", "phenomenon_time_start"])]

    def __str__(self) -> str:
        return f"{self.datastream_id}: {self.result} @ {self.phenomenon_time_start:%Y-%m-%d %H:%M}"
