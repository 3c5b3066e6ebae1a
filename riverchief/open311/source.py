"""What Open311 publishes, read from the public portal: its categories as services, and the
public reports the office has accepted as service requests. Public fields only: never a
reporter's name, phone, e-mail, device or tracking code."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from django.db.models import (
    Case,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from riverchief.open311.filters import RequestFilter
from riverchief.portal import queries as portal_queries
from riverchief.portal.categories import BY_CODE, PUBLIC_CATEGORIES, PublicCategory
from riverchief.portal.models import PublicPhoto, PublicReport
from riverchief.problems.models import ProblemEvent
from riverchief.problems.states import FINAL_STATES, State

SERVICE_CODES = frozenset(BY_CODE)
HIDDEN_STATES = (State.REJECTED, State.DUPLICATE)


def services() -> tuple[PublicCategory, ...]:
    return PUBLIC_CATEGORIES


def service(code: str) -> PublicCategory | None:
    return BY_CODE.get(code)


def published() -> QuerySet[PublicReport]:
    """Public reports the office has accepted, as the portal publishes them (a rejected or
    duplicate one is never accepted; excluded here too, should that ever change)."""
    return PublicReport.objects.filter(portal_queries.published()).exclude(
        problem__state__in=HIDDEN_STATES
    )


FIELDS = (
    "public_category",
    "problem__number",
    "problem__state",
    "problem__description",
    "problem__address",
    "problem__lon",
    "problem__lat",
    "problem__assignee_department__name",
    "problem__division__name",
    "photo_token",
    "answer",
    "requested",
    "updated",
    "expected",
)


def requests(selection: RequestFilter) -> list[dict[str, Any]]:
    """Rows for GET service requests, newest first, at most `selection.limit`, in one query:
    the first photo, the public answer of a closed request (the office's latest closing note)
    and the times the record shows are computed by the database."""
    rows = published()
    closed = Q(problem__state__in=FINAL_STATES)
    if selection.ids:
        rows = rows.filter(problem__number__in=selection.ids)
    else:
        # The report's own created_at is the problem's (the portal sets both) and is indexed.
        rows = rows.filter(created_at__gte=selection.start, created_at__lte=selection.end)
        if selection.service_codes:
            rows = rows.filter(public_category__in=selection.service_codes)
        if selection.statuses and len(selection.statuses) == 1:
            rows = (
                rows.filter(closed) if selection.statuses[0] == "closed" else rows.exclude(closed)
            )
    first_photo = PublicPhoto.objects.filter(report=OuterRef("pk"), stage="before").order_by("id")
    answer = (
        ProblemEvent.objects.filter(
            problem=OuterRef("problem_id"), action__in=portal_queries.ANSWER_ACTIONS
        )
        .exclude(note="")
        .order_by("-at", "-id")
        .values("note")[:1]
    )
    rows = rows.annotate(
        photo_token=Subquery(first_photo.values("token")[:1]),
        answer=Case(
            When(closed, then=Subquery(answer)), default=Value(""), output_field=TextField()
        ),
        requested=F("created_at"),
        # A closed request was last updated when it closed; an open one is expected by the
        # public answer deadline.
        updated=Case(
            When(closed, then=Coalesce("problem__closed_at", "problem__updated_at")),
            default=F("problem__updated_at"),
            output_field=DateTimeField(),
        ),
        expected=Case(
            When(closed, then=Value(None)), default=F("answer_due"), output_field=DateTimeField()
        ),
    )
    rows = rows.order_by("-created_at", "-id")
    return list(rows.values(*FIELDS)[: selection.limit])


def request_row(number: str) -> dict[str, Any] | None:
    rows = requests(RequestFilter(ids=(number,), limit=1))
    return rows[0] if rows else None


@lru_cache(maxsize=16)
def _words(state: str) -> str:
    """The portal's public words for a state, in Chinese (the jurisdiction's language)."""
    with translation.override("zh-hans"):
        return portal_queries.state_words(state)


def _w3c(moment: datetime | None, zone: tzinfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def as_request(row: dict[str, Any], photo_url, zone: tzinfo | None = None) -> dict[str, Any]:
    """The spec's `request` record for a row of `requests()`; `photo_url(token)` makes a
    public photo's absolute address; times are given in `zone` (default: the site's)."""
    zone = zone or timezone.get_current_timezone()
    category = BY_CODE.get(row["public_category"])
    state = row["problem__state"]
    agency = row["problem__assignee_department__name"] or f"{row['problem__division__name']}河长办"
    token = row["photo_token"]
    return {
        "service_request_id": row["problem__number"],
        "status": "closed" if state in FINAL_STATES else "open",
        "status_notes": row["answer"] or _words(state),
        "service_name": category.name_zh if category else None,
        "service_code": row["public_category"],
        "description": (row["problem__description"] or "")[:4000],
        "agency_responsible": agency,
        "service_notice": None,
        "requested_datetime": _w3c(row["requested"], zone),
        "updated_datetime": _w3c(row["updated"], zone),
        "expected_datetime": _w3c(row["expected"], zone),
        "address": row["problem__address"] or None,
        "address_id": None,
        "zipcode": None,
        "lat": row["problem__lat"],
        "long": row["problem__lon"],
        "media_url": photo_url(token) if token else None,
    }
