"""The latest class of many sections at once, for the sections map, its GeoJSON and the list API.

`queries.latest_for` answers one section in four queries; a county map of a few hundred sections
would make a thousand. Here the same answer comes from five queries per `CHUNK` sections: the
newest sample of each, their values, the last automatic time of each, and the daily means of
that last local day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Avg, Max, OuterRef, Q, Subquery

from riverchief.monitoring import gb3838, queries
from riverchief.monitoring.models import AutoValue, Sample, SampleValue
from riverchief.monitoring.sections import SectionInfo

CHUNK = 500  # sections per query: three parameters each in the automatic days' query
Latest = tuple[gb3838.Grade, datetime, str]  # (class, when, "lab" | "automatic")


def latest_many(sections: Iterable[SectionInfo]) -> dict[int, Latest]:
    """Per facility id, what `queries.latest_for` answers; sections with nothing are left out."""
    found: dict[int, Latest] = {}
    listed = list(sections)
    for offset in range(0, len(listed), CHUNK):
        found.update(_chunk(listed[offset : offset + CHUNK]))
    return found


def _chunk(sections: list[SectionInfo]) -> dict[int, Latest]:
    by_id = {section.facility.pk: section for section in sections}
    candidates: dict[int, list[tuple[datetime, gb3838.Grade, str]]] = defaultdict(list)
    for section_id, (when, grade) in _lab(by_id).items():
        candidates[section_id].append((when, grade, "lab"))
    for section_id, (when, grade) in _automatic(by_id).items():
        candidates[section_id].append((when, grade, "automatic"))
    answer: dict[int, Latest] = {}
    for section_id, found in candidates.items():
        # The lab first, as latest_for lists it: max keeps the first of equal times.
        when, grade, source = max(found, key=lambda item: item[0])
        answer[section_id] = (grade, when, source)
    return answer


def _lab(by_id: dict[int, SectionInfo]) -> dict[int, tuple[datetime, gb3838.Grade]]:
    """The evaluated newest sample of each section (none when it has no class item)."""
    newest = Sample.objects.filter(section_id=OuterRef("section_id")).order_by("-sampled_at")
    rows = {
        sample.pk: queries.SampleRow(sample, {}, {})
        for sample in Sample.objects.filter(
            section_id__in=list(by_id), sampled_at=Subquery(newest.values("sampled_at")[:1])
        )
    }
    values = SampleValue.objects.filter(sample_id__in=list(rows)).values_list(
        "sample_id", "parameter", "value", "below_detection", "detection_limit"
    )
    for sample_id, code, value, below, limit in values:
        rows[sample_id].values[code] = (value, below, limit)
    found = {}
    for row in rows.values():
        result = queries.evaluate_row(by_id[row.sample.section_id], row)
        if result is not None:
            found[row.sample.section_id] = (row.sample.sampled_at, result.grade)
    return found


def _automatic(by_id: dict[int, SectionInfo]) -> dict[int, tuple[datetime, gb3838.Grade]]:
    """The class of the daily means of each section's last local day of automatic values."""
    last = dict(
        AutoValue.objects.filter(section_id__in=list(by_id))
        .values_list("section_id")
        .annotate(last=Max("observed_at"))
        .values_list("section_id", "last")
    )
    if not last:
        return {}
    days = []
    for section_id, moment in last.items():
        day = moment.astimezone(queries.SHANGHAI).date()
        low, high = queries.local_bounds(day, day + timedelta(days=1))
        days.append(Q(section_id=section_id, observed_at__gte=low, observed_at__lt=high))
    means: dict[int, dict[str, float]] = defaultdict(dict)
    for section_id, code, mean in (
        AutoValue.objects.filter(reduce(or_, days))
        .values_list("section_id", "parameter")
        .annotate(mean=Avg("value"))
        .values_list("section_id", "parameter", "mean")
    ):
        means[section_id][code] = mean
    found = {}
    for section_id, moment in last.items():
        grade = queries.grade_of_means(by_id[section_id], means.get(section_id, {}))
        if grade is not None:
            found[section_id] = (moment, grade)
    return found
