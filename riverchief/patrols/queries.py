"""Reads of patrols, always through the caller's scope, shaped for the API and the pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from riverchief.patrols import access, reasons
from riverchief.patrols import track as tracks
from riverchief.patrols.models import Patrol, PatrolPhoto


def patrols_visible_to(user) -> QuerySet[Patrol]:
    return (
        Patrol.objects.visible_to(user)
        .select_related("user", "on_behalf_of", "reach", "reach__water_body", "division")
        .defer("track")
    )


@dataclass
class Filters:
    reach: str = ""
    user: str = ""
    verdict: str = ""
    kind: str = ""
    division: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    mine: bool = False


def search(rows: QuerySet[Patrol], filters: Filters, viewer=None) -> QuerySet[Patrol]:
    if filters.reach:
        rows = rows.filter(reach__code=filters.reach)
    if filters.user:
        rows = rows.filter(credited_user__username=filters.user)
    if filters.verdict:
        rows = rows.filter(verdict__in=filters.verdict.split(","))
    if filters.kind:
        rows = rows.filter(kind__in=filters.kind.split(","))
    if filters.division:
        code = filters.division.ljust(12, "0")
        from riverchief.core.divcodes import subtree_bounds

        low, high = subtree_bounds(code)
        rows = rows.filter(division_code__gte=low, division_code__lte=high)
    if filters.since:
        rows = rows.filter(local_date__gte=filters.since)
    if filters.until:
        rows = rows.filter(local_date__lte=filters.until)
    if filters.mine and viewer is not None:
        rows = rows.filter(credited_user_id=viewer.pk)
    return rows


def detail(user, patrol_id) -> Patrol | None:
    try:
        key = int(patrol_id)
    except (TypeError, ValueError):
        return None
    return (
        Patrol.objects.visible_to(user)
        .select_related("user", "on_behalf_of", "reach", "reach__water_body", "division")
        .prefetch_related("records", "photos", "problem_links__problem")
        .filter(pk=key)
        .first()
    )


def photo(user, patrol_id: int, photo_id: int) -> PatrolPhoto | None:
    patrol = Patrol.objects.visible_to(user).filter(pk=patrol_id).only("pk").first()
    if patrol is None:
        return None
    return PatrolPhoto.objects.filter(patrol=patrol, pk=photo_id).first()


def _person(user) -> str | None:
    return user.username if user is not None else None


def summary(patrol: Patrol) -> dict[str, Any]:
    return {
        "id": patrol.pk,
        "client_id": str(patrol.client_id),
        "kind": patrol.kind,
        "kind_label": str(patrol.get_kind_display()),
        "user": patrol.user.username,
        "user_name": str(patrol.user),
        "on_behalf_of": _person(patrol.on_behalf_of),
        "reach_code": patrol.reach.code,
        "reach_name": patrol.reach.name,
        "river_name": patrol.reach.water_body.name,
        "division_code": patrol.division_code,
        "division_name": patrol.division.name,
        "level": patrol.level,
        "role": patrol.role,
        "started_at": patrol.started_at,
        "ended_at": patrol.ended_at,
        "duration_s": round(patrol.duration_s, 1),
        "distance_m": round(patrol.distance_m, 1),
        "coverage": patrol.coverage,
        "median_speed_kmh": round(patrol.median_speed_kmh, 2),
        "max_speed_kmh": round(patrol.max_speed_kmh, 2),
        "point_count": patrol.point_count,
        "verdict": patrol.verdict,
        "verdict_label": str(patrol.get_verdict_display()),
        "credited": patrol.credited,
        "approval": patrol.approval,
        "problem_count": patrol.problem_count,
        "reasons": reasons.render_reasons(patrol.reasons),
        "created_at": patrol.created_at,
    }


def _photo_record(patrol: Patrol, photo: PatrolPhoto) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "client_id": str(photo.client_id),
        "taken_at": photo.exif_time,
        "lon": photo.exif_lon,
        "lat": photo.exif_lat,
        "width": photo.width,
        "height": photo.height,
        "url": reverse("api:patrol_photo", kwargs={"patrol_id": patrol.pk, "photo_id": photo.pk}),
    }


def full(patrol: Patrol) -> dict[str, Any]:
    """Everything the detail page shows: the track for playback, the reach, photos, records."""
    points = tracks.decode(patrol.track).as_lists() if patrol.track else []
    return {
        **summary(patrol),
        "note": patrol.note,
        "pauses": patrol.pauses,
        "metrics": patrol.metrics,
        "flags": reasons.render_flags(patrol.flags),
        "points": points,
        "reach_geometry": patrol.reach.geometry,
        "source_file": patrol.source_file,
        "approved_by": _person(patrol.approved_by) if patrol.approved_by_id else None,
        "approved_at": patrol.approved_at,
        "approval_note": patrol.approval_note,
        "records": [
            {
                "client_id": str(r.client_id),
                "item": r.item,
                "item_label": str(r.get_item_display()),
                "status": "abnormal" if r.abnormal else "normal",
                "note": r.note,
                "lon": r.lon,
                "lat": r.lat,
                "at": r.at,
                "photo_ids": r.photo_ids,
            }
            for r in patrol.records.all()
        ],
        "photos": [_photo_record(patrol, p) for p in patrol.photos.all()],
        "problems": problem_links(patrol),
    }


def problem_links(patrol: Patrol) -> list[dict[str, Any]]:
    return [
        {"client_id": str(link.client_id), "id": link.problem_id, "ref": link.problem.number or ""}
        for link in patrol.problem_links.all()
    ]


def my_reaches(user) -> list[dict[str, Any]]:
    """The reaches the user may patrol, with a line simplified to about 10 m for the phone."""
    import shapely
    from shapely.geometry import mapping, shape

    rows = access.reaches_for(user).select_related("water_body", "division").order_by("code")
    found = []
    for reach in rows:
        geometry = None
        if reach.geometry:
            try:
                simple = shapely.simplify(shape(reach.geometry), 0.0001)
                geometry = dict(mapping(shapely.set_precision(simple, 1e-6)))
            except (ValueError, TypeError, AttributeError):
                geometry = None
        found.append(
            {
                "code": reach.code,
                "name": reach.name,
                "river_name": reach.water_body.name,
                "division_code": reach.division.code,
                "division_name": reach.division.name,
                "level": reach.level,
                "length_m": reach.length_m,
                "geometry": geometry,
            }
        )
    return found
