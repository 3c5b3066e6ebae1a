"""Reads for the public site: public fields only. Names, phones, emails, hashes, internal notes
and the private photo originals never leave this module."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from riverchief.core import divcodes
from riverchief.portal import categories
from riverchief.portal.models import SCORES, Notice, PublicPhoto, PublicReport, Rating
from riverchief.problems.models import Problem, ProblemEvent
from riverchief.problems.states import State

SIMILAR_RADIUS_M = 50
SIMILAR_DAYS = 30
DEFAULT_HOTLINE = "12314"

# What the public sees of each step of the workflow (internal notes stay internal, except the
# answers written for the reporter: a refusal's reason and the closing note).
PUBLIC_STEPS = {
    "report": _("Report received"),
    "accept": _("Accepted by the river chief office"),
    "reject": _("Not accepted"),
    "mark_duplicate": _("Merged with an earlier report of the same problem"),
    "assign": _("Handed to the responsible unit"),
    "transfer": _("Handed to another responsible unit"),
    "start": _("Rectification started"),
    "submit": _("Rectification done, awaiting verification"),
    "return": _("Verification failed: rectification continues"),
    "close": _("Closed"),
    "reopen": _("Reopened after the reporter's rating"),
    "rate": _("Rated by the reporter"),
}
ANSWER_ACTIONS = {"reject", "close", "mark_duplicate"}
PHOTO_STAGES = {"before": _("Before rectification"), "after": _("After rectification")}
STATE_WORDS = {
    State.REPORTED: _("Waiting to be accepted"),
    State.ACCEPTED: _("Accepted"),
    State.REJECTED: _("Not accepted"),
    State.DUPLICATE: _("Duplicate"),
    State.ASSIGNED: _("Being handled"),
    State.IN_PROGRESS: _("Being handled"),
    State.PENDING_VERIFICATION: _("Being verified"),
    State.CLOSED: _("Closed"),
}


def hotline() -> str:
    return str(getattr(settings, "RIVERCHIEF_PUBLIC_HOTLINE", DEFAULT_HOTLINE))


def state_words(state: str) -> str:
    return str(STATE_WORDS.get(state, STATE_WORDS[State.ASSIGNED]))


def category_name(code: str, language: str = "") -> str:
    language = language or translation.get_language() or "zh-hans"
    found = categories.find(code)
    return found.name(language) if found else code


@dataclass
class PublicStep:
    at: object
    label: str
    answer: str = ""


@dataclass
class PublicView:
    """A report as anyone holding its tracking code may see it."""

    tracking_code: str
    category: str
    description: str
    state: str
    status: str
    created_at: object
    answer_due: object
    is_public: bool
    reach_name: str | None
    division_name: str
    lon: float
    lat: float
    steps: list[PublicStep] = field(default_factory=list)
    answer: str = ""
    photos_before: list[PublicPhoto] = field(default_factory=list)
    photos_after: list[PublicPhoto] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    can_rate: bool = False
    closed_at: object = None
    report: PublicReport | None = None


def public_report(tracking_code: str, language: str = "zh-hans") -> PublicView:
    """The tracking page's view of one report (404 for an unknown code)."""
    from riverchief.portal.services import find_report

    report = find_report(tracking_code)
    problem = report.problem
    events = ProblemEvent.objects.filter(problem=problem, action__in=PUBLIC_STEPS).order_by(
        "at", "id"
    )
    steps, answer = [], ""
    for event in events:
        text = event.note if event.action in ANSWER_ACTIONS else ""
        if event.action in ANSWER_ACTIONS and event.note:
            answer = event.note
        steps.append(PublicStep(event.at, str(PUBLIC_STEPS[event.action]), text))
    photos = list(report.photos.all())
    ratings = list(report.ratings.all())
    rated_round = {rating.round for rating in ratings}
    return PublicView(
        tracking_code=report.tracking_code,
        category=category_name(report.public_category, language),
        description=problem.description,
        state=problem.state,
        status=state_words(problem.state),
        created_at=report.created_at,
        answer_due=report.answer_due,
        is_public=report.is_public,
        reach_name=problem.reach.name if problem.reach_id else None,
        division_name=problem.division.name,
        lon=problem.lon,
        lat=problem.lat,
        steps=steps,
        answer=answer,
        photos_before=[p for p in photos if p.stage == "before"],
        photos_after=[p for p in photos if p.stage == "after"],
        ratings=ratings,
        can_rate=problem.state == State.CLOSED and problem.reopen_count not in rated_round,
        closed_at=problem.closed_at,
        report=report,
    )


def published() -> Q:
    """Reports the office has accepted (a refused or duplicate one is never accepted)."""
    return Q(problem__accepted_at__isnull=False)


def public_reports(
    *,
    reach=None,
    division_code: str | None = None,
    state: str | None = None,
    limit: int = 50,
    offset: int = 0,
):
    """Published reports, newest first, with their public photos as `public_photos` (for
    lists, maps and APIs)."""
    rows = PublicReport.objects.filter(published())
    if reach is not None:
        # Every row is on this reach: no need to join it and its division again.
        rows = rows.filter(problem__reach=reach).select_related("problem")
    else:
        rows = rows.select_related("problem", "problem__reach", "problem__division").defer(
            "problem__reach__geometry", "problem__division__geometry"
        )
    if division_code:
        low, high = divcodes.subtree_bounds(division_code)
        rows = rows.filter(problem__division__code__gte=low, problem__division__code__lte=high)
    if state == "open":
        rows = rows.exclude(problem__state=State.CLOSED)
    elif state == "closed":
        rows = rows.filter(problem__state=State.CLOSED)
    found = list(rows.order_by("-created_at", "-id")[offset : offset + limit])
    language = translation.get_language() or ""
    photos = list_photos([report.pk for report in found])
    for report in found:
        report.category_label = category_name(report.public_category, language)
        report.status_label = state_words(report.problem.state)
        report.public_photos = photos.get(report.pk, [])
    return found


@dataclass
class ListPhoto:
    """A public photo as the lists show it, with its address and caption."""

    token: str
    stage: str
    width: int
    height: int
    url: str
    label: str


def list_photos(report_ids: list[int]) -> dict[int, list[ListPhoto]]:
    """The public photos of these reports, by report: one query, one reverse(), one caption
    per stage (a list of 40 reports shows up to a hundred photos)."""
    if not report_ids:
        return {}
    prefix, _token, suffix = reverse("portal:photo", args=["TOKEN"]).rpartition("TOKEN")
    labels = {stage: str(label) for stage, label in PHOTO_STAGES.items()}
    rows = (
        PublicPhoto.objects.filter(report_id__in=report_ids)
        .order_by("report", "stage", "id")
        .values_list("report_id", "token", "stage", "width", "height")
    )
    found: dict[int, list[ListPhoto]] = {}
    for report_id, token, stage, width, height in rows:
        label = labels.get(stage, labels["before"])
        photo = ListPhoto(token, stage, width, height, f"{prefix}{token}{suffix}", label)
        found.setdefault(report_id, []).append(photo)
    return found


# --- the county page -------------------------------------------------------------------------


@dataclass
class YearCounts:
    reported: int
    closed: int
    closed_on_time: int
    average_rating: float | None
    ratings: int


def year_counts(county_code: str, year: int) -> YearCounts:
    """This year's problems in the county (every source; refused and duplicates left out),
    those closed by their deadline (or, without one, by the public answer deadline), and the
    average of the public ratings (满意 5, 基本满意 3, 不满意 1)."""
    low, high = divcodes.subtree_bounds(county_code)
    rows = Problem.objects.filter(
        division__code__gte=low, division__code__lte=high, created_at__year=year
    ).exclude(state__in=[State.REJECTED, State.DUPLICATE])
    on_time = Q(deadline__isnull=False, closed_at__lte=F("deadline")) | Q(
        deadline__isnull=True, public_report__answer_due__gte=F("closed_at")
    )
    counts = rows.aggregate(
        reported=Count("pk"),
        closed=Count("pk", filter=Q(state=State.CLOSED)),
        on_time=Count("pk", filter=Q(state=State.CLOSED) & on_time),
    )
    ratings = Rating.objects.filter(report__problem__in=rows.values("pk")).values_list(
        "value", flat=True
    )
    scores = [SCORES[value] for value in ratings]
    average = round(sum(scores) / len(scores), 2) if scores else None
    return YearCounts(counts["reported"], counts["closed"], counts["on_time"], average, len(scores))


def notices(division_code: str, kind: str | None = None, limit: int = 20):
    low, high = divcodes.subtree_bounds(division_code)
    rows = Notice.objects.filter(
        published_at__isnull=False,
        division__code__gte=low[:6].ljust(12, "0"),
        division__code__lte=high,
    )
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-published_at", "-id")[:limit]


# --- similar reports before submitting --------------------------------------------------------


def similar_reports(lon: float, lat: float, now=None) -> list[dict]:
    """Reports within 50 m in the last 30 days that are still open (published or not: the
    reporter sees only category, status and date, to decide "是否是同一问题?")."""
    now = now or timezone.now()
    dlat = SIMILAR_RADIUS_M / 111_320
    dlon = SIMILAR_RADIUS_M / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    rows = (
        PublicReport.objects.filter(
            created_at__gte=now - timedelta(days=SIMILAR_DAYS),
            problem__lon__gte=lon - dlon,
            problem__lon__lte=lon + dlon,
            problem__lat__gte=lat - dlat,
            problem__lat__lte=lat + dlat,
        )
        .exclude(problem__state__in=[State.REJECTED, State.DUPLICATE])
        .select_related("problem")
        .order_by("-created_at")[:20]
    )
    found = []
    for report in rows:
        metres = distance_m(lon, lat, report.problem.lon, report.problem.lat)
        if metres <= SIMILAR_RADIUS_M:
            found.append(
                {
                    "tracking_code": report.tracking_code if report.is_public else None,
                    "category": category_name(report.public_category),
                    "status": state_words(report.problem.state),
                    "created_at": report.created_at,
                    "distance_m": round(metres),
                }
            )
    return found[:5]


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine); within 50 m its error is far below a GPS fix's."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))
