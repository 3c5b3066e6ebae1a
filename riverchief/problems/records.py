"""Problems as plain records: the shapes the API answers (pages and exports can share them)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from riverchief.core import divcodes
from riverchief.problems import deadlines, states
from riverchief.problems.models import Attachment, Category, Problem, ProblemEvent


def _iso(value) -> str | None:
    """ISO 8601; a moment in UTC, as the database gives it back (a photo's EXIF time is read in
    the installation's zone, and a problem just written is answered from memory)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.isoformat() if value else None


def category(row: Category) -> dict[str, Any]:
    return {
        "code": row.code,
        "name": row.name,
        "group": row.group,
        "help_text": row.help_text,
        "default_deadline_days": row.default_deadline_days,
        "default_department_code": (
            row.default_department.code if row.default_department_id else None
        ),
        "active": row.active,
        "order": row.order,
    }


def summary(row: Problem) -> dict[str, Any]:
    """One list row (needs queries.LIST_RELATED)."""
    return {
        "id": row.pk,
        "number": row.number,
        "state": row.state,
        "state_label": str(row.get_state_display()),
        "source": row.source,
        "category": row.category.code,
        "category_name": row.category.name,
        "category_group": row.category.group,
        "severity": row.severity,
        "description": row.description,
        "lon": row.lon,
        "lat": row.lat,
        "address": row.address,
        "reach_code": row.reach.code if row.reach_id else None,
        "reach_name": row.reach.name if row.reach_id else None,
        "division_code": divcodes.short(row.division.code),
        "division_name": row.division.name,
        "out_of_area": row.out_of_area,
        "public": row.public,
        "reporter": row.reporter.username if row.reporter_id else None,
        "reporter_name": row.reporter_name,
        "department_code": (row.assignee_department.code if row.assignee_department_id else None),
        "department_name": (row.assignee_department.name if row.assignee_department_id else None),
        "assignee_username": row.assignee_user.username if row.assignee_user_id else None,
        "deadline": _iso(row.deadline),
        "deadline_days": row.deadline_days,
        "overdue": row.state in states.CLOCK_STATES and deadlines.is_overdue(row.deadline),
        "escalation_level": row.escalation_level,
        "extension_requested_until": _iso(row.extension_requested_until),
        "extension_reason": row.extension_reason,
        "reopen_count": row.reopen_count,
        "return_count": row.return_count,
        "dissatisfied": row.dissatisfied,
        "version": row.version,
        "created_at": _iso(row.created_at),
        "updated_at": _iso(row.updated_at),
        "accepted_at": _iso(row.accepted_at),
        "assigned_at": _iso(row.assigned_at),
        "submitted_at": _iso(row.submitted_at),
        "closed_at": _iso(row.closed_at),
    }


def attachment(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "event_id": row.event_id,
        "stage": row.stage,
        "kind": row.kind,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "width": row.width,
        "height": row.height,
        "exif_time": _iso(row.exif_time),
        "exif_lon": row.exif_lon,
        "exif_lat": row.exif_lat,
        "uploaded_at": _iso(row.uploaded_at),
        "url": f"/api/v1/problems/{row.problem_id}/attachments/{row.pk}",
    }


def detail(
    row: Problem, viewer, written: tuple[ProblemEvent, list[Attachment]] | None = None
) -> dict[str, Any]:
    """The full record (needs queries.detail's prefetches); for a problem just reported, from
    the event and files `services.record_report` wrote (`written`): no assignment yet."""
    if written is None:
        events, attachments = list(row.events.all()), list(row.attachments.all())
        assignments = list(row.assignments.all())
    else:
        events, attachments, assignments = [written[0]], list(written[1]), []
    by_event: dict[int | None, list[int]] = {}
    for item in attachments:
        by_event.setdefault(item.event_id, []).append(item.pk)
    timeline = [event(item, by_event.get(item.pk, [])) for item in events]
    return {
        **summary(row),
        "tracking_code": row.tracking_code if _may_see_tracking(row, viewer) else None,
        "reach_distance_m": row.reach_distance_m,
        "reporter_phone": row.reporter_phone,
        "duplicate_of": row.duplicate_of.number if row.duplicate_of_id else None,
        "submitted_by": row.submitted_by.username if row.submitted_by_id else None,
        "assignments": [
            {
                "department_code": a.department.code if a.department_id else None,
                "assignee_username": a.user.username if a.user_id else None,
                "start": _iso(a.start),
                "end": _iso(a.end),
                "deadline": _iso(a.deadline),
            }
            for a in assignments
        ],
        "timeline": timeline,
        "attachments": [attachment(a) for a in attachments],
        "allowed_actions": states.allowed_actions(viewer, row),
    }


def event(row: ProblemEvent, attachment_ids: list[int]) -> dict[str, Any]:
    return {
        "id": row.pk,
        "at": _iso(row.at),
        "actor": row.actor_name,
        "actor_name": str(row.actor) if row.actor_id else row.actor_name,
        "action": row.action,
        "action_label": states.label(row.action),
        "from_state": row.from_state,
        "to_state": row.to_state,
        "note": row.note,
        "data": row.data,
        "attachment_ids": attachment_ids,
    }


def _may_see_tracking(row: Problem, viewer) -> bool:
    """The public's tracking code is shown to its reporter and to the office."""
    if viewer is None:
        return True
    if row.reporter_id is not None and row.reporter_id == viewer.pk:
        return True
    return states.office(states.Actor.of(viewer), states.Facts.of(row))
