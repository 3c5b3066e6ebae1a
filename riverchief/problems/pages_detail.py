"""What the problem page shows besides its facts: photos before and after with their EXIF checks,
the timeline in words, the mini map of the point and its reach."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from riverchief.geo import shapes
from riverchief.problems import states
from riverchief.problems.models import Problem
from riverchief.problems.states import State

# A photo whose EXIF position lies farther than this from the problem is flagged.
EXIF_FAR_M = 500.0


@dataclass
class Photo:
    attachment: Any
    distance_m: float | None
    far: bool


def photo_of(problem: Problem, attachment) -> Photo:
    distance = None
    if attachment.exif_lon is not None and attachment.exif_lat is not None:
        distance = shapes.distance_m(
            problem.lon, problem.lat, attachment.exif_lon, attachment.exif_lat
        )
    return Photo(attachment, distance, distance is not None and distance > EXIF_FAR_M)


def photos(problem: Problem) -> dict[str, list]:
    """Images before and after rectification (with their EXIF checks), and the other files."""
    shown: dict[str, list] = {"before": [], "after": [], "files": []}
    for item in problem.attachments.all():
        if item.kind == "image" and item.stage in ("before", "after"):
            shown[item.stage].append(photo_of(problem, item))
        else:
            shown["files"].append(item)
    return shown


def timeline(problem: Problem) -> list[dict[str, Any]]:
    """Each event with its label, state labels, details in words, and its attachments."""
    from riverchief.registry.models import Department

    events = list(problem.events.all())
    by_event: dict[int, list] = {}
    for item in problem.attachments.all():
        if item.event_id:
            by_event.setdefault(item.event_id, []).append(photo_of(problem, item))
    codes = {e.data.get("department") for e in events} | {
        e.data.get("from_department") for e in events
    }
    names = dict(Department.objects.filter(code__in=codes - {None}).values_list("code", "name"))
    state_labels = dict(State.choices)
    rows = []
    for event in events:
        data = event.data or {}
        rows.append(
            {
                "event": event,
                "actor": str(event.actor) if event.actor_id else event.actor_name,
                "label": states.label(event.action),
                "from_label": state_labels.get(event.from_state, ""),
                "to_label": state_labels.get(event.to_state, ""),
                "department": names.get(data.get("department"), data.get("department")),
                "assignee": data.get("assignee"),
                "deadline": _parse_time(data.get("deadline")),
                "until": _parse_time(data.get("until")),
                "duplicate_of": data.get("duplicate_of"),
                "satisfied": data.get("satisfied"),
                "attachments": by_event.get(event.pk, []),
            }
        )
    return rows


def _parse_time(value) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def problem_map(problem: Problem) -> dict[str, Any]:
    """The detail page's mini map: the problem's point and its reach."""
    from riverchief.registry import pageparts

    features: list[dict[str, Any]] = []
    if problem.reach_id and problem.reach.geometry:
        features.append(
            {
                "type": "Feature",
                "geometry": problem.reach.geometry,
                "properties": {"role": "other", "name": problem.reach.name},
            }
        )
    features.append(  # last, so the point lies above the reach's line
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [problem.lon, problem.lat]},
            "properties": {"role": "main", "name": problem.number or ""},
        }
    )
    return {
        "tiles": pageparts.tile_config(),
        "features": features,
        "empty": str(_("No location recorded.")),
    }
