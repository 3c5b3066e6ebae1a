"""Every change to problems: the report, the guarded moves (`transitions.move`), categories.

Each call is one transaction that writes the timeline and the audit log, and queues the hooks of
`signals` to run after the commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riverchief.core import audit
from riverchief.core.errors import DomainError, Forbidden, NotFound
from riverchief.core.scoping import scope_of
from riverchief.geo import shapes
from riverchief.problems import inputs, locate, signals, timeline
from riverchief.problems.models import Category, Problem, Severity, Source, Stage
from riverchief.problems.states import REPORT, State
from riverchief.problems.transitions import load, move  # noqa: F401 - the public entry points

REPORTING_ROLES = {"office", "chief", "patroller", "department"}
MAX_KEY = 100


def report_problem(
    actor, data: dict[str, Any], files=(), idempotency_key: str | None = None
) -> tuple[Problem, bool]:
    """Record a reported problem; returns (problem, created).

    `actor` None is the public portal or another system (then `data["division_code"]` names the
    county reported to). A retried call with the same idempotency key returns the first problem
    with created=False and stores nothing new.
    """
    draft = prepare_report(actor, data, files, idempotency_key)
    if draft.existing is not None:
        return draft.existing, False
    with timeline.files_removed_on_failure() as stored, transaction.atomic():
        return record_report(draft, stored)


@dataclass
class Draft:
    """A report checked and placed, not yet written (`prepare_report`), or the problem an earlier
    call with the same idempotency key made (`existing`)."""

    actor: Any
    values: dict[str, Any] = field(default_factory=dict)
    key: str | None = None
    files: list = field(default_factory=list)
    existing: Problem | None = None


def prepare_report(
    actor, data: dict[str, Any], files=(), idempotency_key: str | None = None
) -> Draft:
    """Everything a report needs that only reads: who may report, the fields, where the point
    belongs, the files' checks. Done before the writing transaction, which then stays short (on
    SQLite it holds the one write lock of the whole installation)."""
    reporter = timeline.authenticated(actor)
    if actor is not None and reporter is None:
        raise Forbidden(_("Sign in to report a problem."))
    scope = scope_of(reporter) if reporter else None
    if scope is not None and not (scope.everything or scope.role in REPORTING_ROLES):
        raise Forbidden(_("Your role may not do this."))
    key = (idempotency_key or "").strip() or None
    if key is not None and len(key) > MAX_KEY:
        raise DomainError(
            _("At most %(n)d characters."), field="Idempotency-Key", params={"n": MAX_KEY}
        )
    if key is not None:
        existing = _by_key(reporter, key)
        if existing is not None:
            return Draft(actor, existing=existing)
    values = _report_values(reporter, scope, data)
    return Draft(actor, values, key, timeline.check_uploads(files))


def record_report(draft: Draft, stored: list[str]) -> tuple[Problem, bool]:
    """Write a prepared report inside the caller's transaction: the problem, its report event, its
    files (their names added to `stored`, for the caller to remove if the transaction fails), the
    audit entry, and the hooks queued for the commit. Returns (problem, created); a twin with
    the same idempotency key written meanwhile is returned with created=False. A created problem
    keeps the event and files written (`problem.written`), which `records.detail` can answer
    from without reading them back."""
    actor, key = draft.actor, draft.key
    problem = Problem(**draft.values, idempotency_key=key, tracking_code=secrets.token_urlsafe(18))
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin leaves us usable
            problem.save()
    except IntegrityError:
        existing = _by_key(draft.values["reporter"], key) if key is not None else None
        if existing is None:
            raise
        return existing, False
    local = timezone.localtime(problem.created_at)
    problem.number = f"WT-{local:%Y}-{problem.pk:06d}"
    problem.save(update_fields=["number"])
    event = timeline.write_event(
        problem,
        actor,
        REPORT,
        to_state=State.REPORTED,
        note=problem.description[:2000],
        at=problem.created_at,
        data={
            "reach": problem.reach.code if problem.reach_id else None,
            "reach_distance_m": problem.reach_distance_m,
            "division": problem.division.code,
            "out_of_area": problem.out_of_area,
            "public": problem.public,
        },
    )
    files = timeline.store(problem, event, draft.files, Stage.BEFORE, actor, stored)
    audit.record(
        actor,
        "create",
        problem,
        after=audit.snapshot(problem),
        message=_out_of_area_note(problem),
        division_code=problem.division.code,
    )
    signals.queue(problem.pk, event.pk)
    problem.written = (event, files)  # what the answer to the report shows: `records.detail`
    return problem, True


def _out_of_area_note(problem: Problem) -> str:
    return "位置超出辖区 / outside the jurisdiction" if problem.out_of_area else ""


def _by_key(reporter, key: str) -> Problem | None:
    rows = Problem.objects.filter(idempotency_key=key)
    rows = rows.filter(reporter=reporter) if reporter else rows.filter(reporter__isnull=True)
    found = rows.only("pk").first()
    return load(None, found.pk) if found else None


def _report_values(reporter, scope, data: dict[str, Any]) -> dict[str, Any]:
    from riverchief.registry.services.common import division_by_code, geometry_error

    try:
        lon, lat = shapes.check_point(data.get("lon"), data.get("lat"))
    except shapes.GeometryError as error:
        raise geometry_error(error) from error
    category = (
        Category.objects.filter(
            code=inputs.text(data, "category", required=True, max_length=40), active=True
        )
        .select_related("default_department__division")  # the public report's route reads it
        .defer("default_department__division__geometry")
        .first()
    )
    if category is None:
        raise NotFound(_("Unknown problem category."), field="category")
    severity = inputs.text(data, "severity", max_length=10) or Severity.ORDINARY
    if severity not in Severity.values:
        raise _not_one_of("severity", Severity.values)
    source = inputs.text(data, "source", max_length=20) or _default_source(reporter, scope)
    if source not in Source.values:
        raise _not_one_of("source", Source.values)
    home = _home_division(reporter, scope, data, division_by_code)
    reach_code = inputs.text(data, "reach_code", max_length=40)
    reach = locate.reach_by_code(reach_code, reporter) if reach_code else None
    placed = locate.place(lon, lat, home=home, reach=reach)
    public = reporter is None or source == Source.PUBLIC
    return {
        "source": source,
        "category": category,
        "severity": severity,
        "description": inputs.text(data, "description", required=True),
        "lon": lon,
        "lat": lat,
        "address": inputs.text(data, "address", max_length=200),
        "reach": placed.reach,
        "reach_distance_m": placed.distance_m,
        "division": placed.division,
        "out_of_area": placed.out_of_area,
        "public": public,
        "reporter": reporter,
        "reporter_name": inputs.text(data, "reporter_name", max_length=60)
        or (str(reporter)[:60] if reporter else ""),
        "reporter_phone": inputs.text(data, "reporter_phone", max_length=20)
        or (getattr(reporter, "phone", "") if reporter else ""),
    }


def _not_one_of(field: str, values) -> DomainError:
    return DomainError(
        _("Must be one of: %(values)s."), field=field, params={"values": ", ".join(values)}
    )


def _default_source(reporter, scope) -> str:
    if reporter is None:
        return Source.PUBLIC
    if scope.role in ("chief", "patroller"):
        return Source.PATROL
    if scope.role == "office":
        return Source.INSPECTION
    return Source.OTHER


def _home_division(reporter, scope, data, division_by_code):
    """The reporter's own division (a department's: its division); the platform names one."""
    from riverchief.registry.models import Division

    if reporter is None or scope.everything or not scope.division_code:
        return division_by_code(data.get("division_code"))
    return Division.objects.get(code=scope.division_code)


# --- categories ---------------------------------------------------------------------------------


@transaction.atomic
def update_category(actor, code: str, data: dict[str, Any]) -> Category:
    """Office admins tune a category: default deadline, default department, name, order, active."""
    from riverchief.registry.models import Department

    # actor None: the command line or the demo loader, acting for the installation.
    rows = Category.objects if actor is None else Category.objects.editable_by(actor)
    category = rows.select_for_update().filter(code=code).first()
    if category is None:
        if Category.objects.filter(code=code).exists():
            raise Forbidden(_("Your role may not do this."))
        raise NotFound(_("Unknown problem category."), field="code")
    before = audit.snapshot(category)
    if "default_deadline_days" in data:
        days = inputs.integer(data, "default_deadline_days", 1, 365)
        if days is None:
            raise DomainError(
                _("This field is required."), field="default_deadline_days", code="required"
            )
        category.default_deadline_days = days
    if "default_department_code" in data:
        department_code = inputs.text(data, "default_department_code", max_length=40)
        department = None
        if department_code:
            departments = (
                Department.objects if actor is None else Department.objects.visible_to(actor)
            )
            department = departments.filter(code=department_code).first()
            if department is None:
                raise NotFound(_("Unknown department code."), field="default_department_code")
        category.default_department = department
    for name, limit in (("name", 60), ("help_text", 5000)):
        if name in data:
            value = inputs.text(data, name, required=name == "name", max_length=limit)
            setattr(category, name, value)
    if "order" in data:
        category.order = inputs.integer(data, "order", 0, 32767) or 0
    if "active" in data:
        category.active = inputs.boolean(data, "active")
    category.save()
    old, new = audit.changed(before, audit.snapshot(category))
    if new:
        where = scope_of(actor).division_code or "" if actor is not None else ""
        audit.record(actor, "update", category, before=old, after=new, division_code=where)
    return category
