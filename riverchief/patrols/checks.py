"""Checking what a patrol brings (records, problems) and judging it: metrics, fraud signals and
the validity rule of the person's level and role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riverchief.core.errors import DomainError
from riverchief.patrols import fraud, rules, validity
from riverchief.patrols import metrics as measure
from riverchief.patrols import track as tracks
from riverchief.patrols.access import Duty
from riverchief.patrols.models import Item, Kind, Patrol
from riverchief.patrols.photos import client_uuid

COPY_CANDIDATES = 50
STREAK_LOOKBACK = 30
REACH_SHAPES: dict[tuple[int, str], measure.ReachShape | None] = {}


def default_rule() -> validity.Rule:
    return validity.Rule()


def _point(item: dict[str, Any], field: str) -> tuple[float | None, float | None]:
    lon, lat = item.get("lon"), item.get("lat")
    if lon is None and lat is None:
        return None, None
    try:
        x, y = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError(_("Longitude and latitude must be numbers."), field=field) from None
    if not (73 <= x <= 136 and 3 <= y <= 54):
        raise DomainError(_("The point lies outside China."), field=field)
    return x, y


def _at(item: dict[str, Any], field: str) -> dt.datetime | None:
    value = item.get("t_ms")
    if value is None:
        return None
    if not isinstance(value, int) or not tracks.MIN_T_MS <= value <= tracks.MAX_T_MS:
        raise DomainError(_("t_ms must be Unix milliseconds."), field=field)
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)


def _list(value: Any, field: str, limit: int) -> list[dict[str, Any]]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DomainError(_("This must be a list of objects."), field=field)
    if len(value) > limit:
        raise DomainError(_("At most %(n)d items."), field=field, params={"n": limit})
    return value


def _ids(item: dict[str, Any], field: str) -> list[Any]:
    ids = item.get("photo_ids") or []
    if not isinstance(ids, list):
        raise DomainError(_("This must be a list of photo client ids."), field=field)
    return ids


def records(value: Any) -> list[dict[str, Any]]:
    found = []
    for i, item in enumerate(_list(value, "records", 200)):
        where = f"records[{i}]"
        if item.get("item") not in Item.values:
            raise DomainError(
                _("Must be one of: %(values)s."),
                field=f"{where}.item",
                params={"values": ", ".join(Item.values)},
            )
        if item.get("status", "normal") not in ("normal", "abnormal"):
            raise DomainError(
                _("Must be one of: %(values)s."),
                field=f"{where}.status",
                params={"values": "normal, abnormal"},
            )
        lon, lat = _point(item, f"{where}.lon")
        found.append(
            {
                "client_id": client_uuid(item.get("client_id"), f"{where}.client_id"),
                "item": item["item"],
                "abnormal": item.get("status") == "abnormal",
                "note": str(item.get("note") or "")[:2000],
                "lon": lon,
                "lat": lat,
                "at": _at(item, f"{where}.t_ms"),
                "photo_ids": _ids(item, f"{where}.photo_ids"),
            }
        )
    return found


def problems(value: Any) -> list[dict[str, Any]]:
    found = []
    for i, item in enumerate(_list(value, "problems", 50)):
        where = f"problems[{i}]"
        lon, lat = _point(item, f"{where}.lon")
        found.append(
            {
                "client_id": client_uuid(item.get("client_id"), f"{where}.client_id"),
                "category": str(item.get("category") or ""),
                "description": str(item.get("description") or ""),
                "severity": str(item.get("severity") or "ordinary"),
                "lon": lon,
                "lat": lat,
                "photo_ids": _ids(item, f"{where}.photo_ids"),
            }
        )
    return found


def reach_shape(reach) -> measure.ReachShape | None:
    """The reach's measured shape, cached per reach and geometry version (its bounds)."""
    key = (reach.pk, f"{reach.min_lon}{reach.min_lat}{reach.max_lon}{reach.max_lat}")
    if key not in REACH_SHAPES:
        geometry = reach.geometry or {}
        lines: list[Any] = []
        if geometry.get("type") == "LineString":
            lines = [geometry["coordinates"]]
        elif geometry.get("type") == "MultiLineString":
            lines = geometry["coordinates"]
        try:
            REACH_SHAPES[key] = measure.reach_shape(lines) if lines else None
        except (ValueError, TypeError, IndexError):
            REACH_SHAPES[key] = None
        if len(REACH_SHAPES) > 5000:
            REACH_SHAPES.clear()
    return REACH_SHAPES[key]


# ~11 m of latitude; a copy within 5 m has its box within this on every side.
BOX_MARGIN_DEG = 0.0001


def _earlier_tracks(reach, track: tracks.Track, zone: int):
    """Earlier tracks of the reach whose box lies within a few metres of this one's."""
    margin = BOX_MARGIN_DEG
    low_lon, low_lat = float(track.lon.min()), float(track.lat.min())
    high_lon, high_lat = float(track.lon.max()), float(track.lat.max())
    rows = (
        Patrol.objects.filter(reach=reach, point_count__gte=2)
        .filter(track_min_lon__gte=low_lon - margin, track_min_lon__lte=low_lon + margin)
        .filter(track_min_lat__gte=low_lat - margin, track_min_lat__lte=low_lat + margin)
        .filter(track_max_lon__gte=high_lon - margin, track_max_lon__lte=high_lon + margin)
        .filter(track_max_lat__gte=high_lat - margin, track_max_lat__lte=high_lat + margin)
        .order_by("-started_at")
        .values_list("pk", "track")[:COPY_CANDIDATES]
    )
    for patrol_id, text in rows:
        try:
            earlier = tracks.decode(text)
        except tracks.TrackError:
            continue
        yield patrol_id, measure.project(earlier, zone)


def _streak(credited, reach, reports_problems: bool) -> validity.Reason | None:
    from riverchief.problems.models import Problem

    if reports_problems:
        return None
    latest = list(
        Patrol.objects.filter(credited_user=credited)
        .order_by("-started_at")
        .values_list("problem_count", "started_at")[:STREAK_LOOKBACK]
    )
    streak, since = 1, None
    for count, started in latest:
        if count:
            break
        streak += 1
        since = started
    if streak < fraud.NO_PROBLEM_STREAK or since is None:
        return None
    others = (
        Problem.objects.filter(reach__water_body_id=reach.water_body_id, created_at__gte=since)
        .filter(~Q(reporter_id=credited.pk))
        .count()
    )
    return fraud.no_problem_streak(streak, others)


def judge(
    *,
    actor,
    credited,
    reach,
    duty: Duty,
    kind: str,
    track: tracks.Track,
    pauses: list[list[int]],
    started: dt.datetime,
    ended: dt.datetime,
    photos: list,
    reports_problems: bool,
) -> dict[str, Any]:
    """The measured and judged fields of a new Patrol."""
    rule = rules.validity_rule(duty.level, duty.role)
    start_ms, end_ms = int(started.timestamp() * 1000), int(ended.timestamp() * 1000)
    signals: list[validity.Reason] = []
    result: measure.Metrics | None = None
    xy = None
    zone = None
    if kind != Kind.EQUIVALENT:
        shape = reach_shape(reach)
        result = measure.compute(
            track,
            pauses=pauses,
            started_ms=start_ms,
            ended_ms=end_ms,
            reach=shape,
            coverage_m=rule.coverage_m,
        )
        zone = shape.zone if shape else measure.utm_zone(float(track.lon.mean()))
        xy = measure.project(track, zone)
        jump = fraud.jump_signal(result)
        copied = fraud.copied_track(xy, _earlier_tracks(reach, track, zone))
        signals += [s for s in (jump, copied) if s is not None]
    facts = []
    for photo in photos:
        taken = int(photo.exif_time.timestamp() * 1000) if photo.exif_time else None
        place = None
        if photo.exif_lon is not None and photo.exif_lat is not None and zone is not None:
            x, y = measure.points_to_metric(
                np.array([photo.exif_lon]), np.array([photo.exif_lat]), zone
            )
            place = (float(x[0]), float(y[0]))
        facts.append(fraud.PhotoFacts(str(photo.client_id), taken, place))
    signals += fraud.photo_signals(facts, start_ms, end_ms, xy)
    from riverchief.patrols.photos import reuse_matches

    reused = fraud.reused_photo_signal(reuse_matches(photos, None))
    streak = _streak(credited, reach, reports_problems)
    signals += [s for s in (reused, streak) if s is not None]
    verdict = validity.judge(result, rule, kind, signals)
    summary = result.as_dict() if result is not None else {}
    return {
        "duration_s": result.duration_s if result else (end_ms - start_ms) / 1000,
        "distance_m": result.distance_m if result else 0.0,
        "coverage": None
        if result is None or result.coverage is None
        else min(1.0, result.coverage),
        "median_speed_kmh": result.median_speed_kmh if result else 0.0,
        "max_speed_kmh": result.max_speed_kmh if result else 0.0,
        "metrics": summary,
        "verdict": verdict.verdict,
        "reasons": [reason.as_dict() for reason in verdict.reasons],
        "flags": [{"code": f.code, "count": f.count} for f in track.flags],
        "credited": verdict.verdict == validity.VALID,
    }
