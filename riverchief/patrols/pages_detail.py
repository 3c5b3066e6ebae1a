"""A patrol's page: its figures, the verdict with each reason and fraud signal explained in words,
its records and photos, and the data its map draws (the track over the reach, for playback).

Built on `queries.full` (the same body the API answers), shaped for the template.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from riverchief.patrols import pages, queries
from riverchief.patrols.models import Patrol

SEVERITY_COLOURS = {"invalid": "danger", "doubtful": "warning"}

# Why each reason matters: what the check looks for, in words a chief or the office can weigh.
WHY = {
    "no_track": _("Without a GPS track nobody can tell where the patrol went; one is required."),
    "too_short": _("A patrol shorter than the minimum cannot have looked at the reach properly."),
    "too_far": _("The track must be long enough to have walked the reach, not a few steps of it."),
    "too_little_coverage": _(
        "On a short reach, the share of its length passed within reach of the track counts "
        "instead of the distance; both fell short."
    ),
    "too_fast": _(
        "A median speed above walking pace means the reach was driven past, not walked and "
        "looked at."
    ),
    "off_reach": _(
        "Most of the track lies away from the assigned reach: the patrol may have been "
        "elsewhere, or the reach line on the map may be wrong."
    ),
    "mostly_missing": _(
        "The phone recorded no position for much of the time (GPS off, app closed or the phone "
        "asleep); the office checks what happened."
    ),
    "jump": _(
        "A jump between two points faster than any car is typical of a faked location or of "
        "tracks stitched together."
    ),
    "copied_track": _(
        "A track almost identical to an earlier one (every point within a few metres) is a "
        "replayed or copied track, not a new walk: two real walks never match so closely."
    ),
    "photo_time": _(
        "The camera's own time (EXIF) lies outside the patrol: the photo may be from another day."
    ),
    "photo_place": _(
        "The camera's own position (EXIF GPS) lies far from the track: the photo was taken "
        "somewhere else."
    ),
    "photo_reused": _(
        "The same picture (by its perceptual hash, which survives resizing and recompression) "
        "was already handed in with another patrol."
    ),
    "no_problem_streak": _(
        "Patrol after patrol reporting nothing while others find problems on the same river "
        "suggests the patrols are not looking (the Guangzhou lesson)."
    ),
    "awaiting_approval": _(
        "A meeting or on-site handling counts as a patrol (视同巡河) only once the river chief "
        "office has checked its evidence."
    ),
    "equivalence_rejected": _("The office checked the evidence and did not accept it."),
}


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _message(item: dict[str, Any]) -> str:
    return item.get("message_en" if _english() else "message") or item.get("code", "")


def _reasons(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "code": reason.get("code", ""),
            "severity": reason.get("severity", ""),
            "colour": SEVERITY_COLOURS.get(reason.get("severity", ""), "secondary"),
            "message": _message(reason),
            "why": WHY.get(reason.get("code", ""), ""),
        }
        for reason in data["reasons"]
    ]


def _photo_flags(data: dict[str, Any]) -> dict[str, list[str]]:
    """Photo client id → the codes of the signals that name it."""
    flags: dict[str, list[str]] = {}
    for reason in data["reasons"]:
        for client_id in (reason.get("params") or {}).get("photos", []):
            flags.setdefault(str(client_id), []).append(reason["code"])
    return flags


def _figures(data: dict[str, Any]) -> list[tuple[Any, str]]:
    metrics = data.get("metrics") or {}
    minutes = data["duration_s"] / 60
    coverage = data.get("coverage")
    rows: list[tuple[Any, str]] = [
        (_("Time walked"), f"{minutes:.0f} min"),
        (_("Distance"), f"{data['distance_m'] / 1000:.2f} km"),
        (_("Coverage of the reach"), "—" if coverage is None else f"{100 * coverage:.0f} %"),
        (_("Median speed"), f"{data['median_speed_kmh']:.1f} km/h"),
        (_("Maximum speed"), f"{data['max_speed_kmh']:.1f} km/h"),
        (_("Track points"), str(data["point_count"])),
    ]
    if metrics.get("paused_s"):
        rows.append((_("Paused"), f"{metrics['paused_s'] / 60:.0f} min"))
    if metrics.get("gap_count"):
        rows.append(
            (_("Gaps in the track"), f"{metrics['gap_count']} · max {metrics['max_gap_s']:.0f} s")
        )
    if metrics.get("reach_length_m"):
        rows.append((_("Reach length"), f"{metrics['reach_length_m'] / 1000:.2f} km"))
    return rows


def _jumps(data: dict[str, Any], points: list[list[Any]]) -> list[dict[str, Any]]:
    """The two points around each jump, so the map draws it as a dashed line."""
    by_time = {int(p[2]): i for i, p in enumerate(points)}
    found = []
    for jump in (data.get("metrics") or {}).get("jumps", []):
        i = by_time.get(int(jump.get("t_ms", -1)))
        if i:
            found.append(
                {
                    "from": points[i - 1][:2],
                    "to": points[i][:2],
                    "label": f"{jump.get('speed_kmh')} km/h · {jump.get('distance_m')} m",
                }
            )
    return found


def detail(patrol: Patrol) -> dict[str, Any]:
    data = queries.full(patrol)
    photos = {p["client_id"]: p for p in data["photos"]}
    flags = _photo_flags(data)
    for photo in data["photos"]:
        photo["flags"] = [str(WHY.get(code, code)) for code in flags.get(photo["client_id"], [])]
    records = [
        {
            **record,
            "label": pages.checklist_label(record["item"]),
            "photos": [photos[i] for i in record["photo_ids"] if i in photos],
        }
        for record in data["records"]
    ]
    links = list(patrol.problem_links.all())
    problems = [
        {
            "id": link.problem_id,
            "ref": link.problem.number or str(link.problem_id),
            "description": link.problem.description,
            "lon": link.problem.lon,
            "lat": link.problem.lat,
        }
        for link in links
    ]
    points = data["points"]
    map_data = {
        "reach": data["reach_geometry"],
        "points": [p[:3] for p in points],
        "records": [
            {"lon": r["lon"], "lat": r["lat"], "label": r["label"]} for r in records if r["lon"]
        ],
        "problems": [
            {"lon": p["lon"], "lat": p["lat"], "label": p["ref"]} for p in problems if p["lon"]
        ],
        "photos": [
            {"lon": p["lon"], "lat": p["lat"], "label": str(p["taken_at"] or "")}
            for p in data["photos"]
            if p["lon"] is not None
        ],
        "jumps": _jumps(data, points),
        "tiles": pages.tile_config(),
        "time_zone": settings.TIME_ZONE,
        "text": {"play": str(_("Play")), "pause": str(_("Pause"))},
    }
    return {
        "patrol": patrol,
        "data": data,
        "verdict_colour": pages.VERDICT_COLOURS.get(patrol.verdict, "secondary"),
        "reasons": _reasons(data),
        "flags": [_message(flag) for flag in data["flags"]],
        "figures": _figures(data),
        "records": records,
        "problems": problems,
        "photos": data["photos"],
        "map_data": map_data,
    }
