"""The escalation sweep: yellow, red (挂牌督办) and 通报 for overdue problems, and reminders.

The rule is `escalation_rules` (pure, on working days). `run_escalation()`:

1. takes the lease "escalation" (`core.leases`), so one process of one node runs it at a time;
   a second caller gets a result with `skipped=True` and does nothing;
2. selects candidate ids with two indexed queries (`candidate_ids`): problems held by their
   handler (CLOCK_STATES) whose deadline lies before the cut-off of a level above their own, and
   problems in an open reminder window without a reminder in it;
3. handles each id in its own transaction: locks the row (SELECT … FOR UPDATE), asks the rule
   again with what it finds, and if something is still due applies it through
   `services.move(None, id, "escalate", level=n)` or `move(None, id, "remind")`, whose
   conditional `UPDATE … WHERE version = v` is the last guard.

So a second run changes nothing, a run cut short is finished by the next, and two runs at once
(the lease lost to an expiry, or a cron node racing the serving process) still apply each step
once. A problem several levels behind (the sweep did not run for a week) moves to the level due
in one step; the event says from which level to which. The hooks of `signals` then tell people
(notify: the assignee and the office; from red on, the chief one level up).
"""

from __future__ import annotations

import logging
import operator
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import reduce

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from riverchief.core import audit, leases
from riverchief.core.calendar_service import current_calendar
from riverchief.core.errors import DomainError
from riverchief.core.workdays import local_date
from riverchief.problems import escalation_rules as rules_module
from riverchief.problems import services, signals
from riverchief.problems.escalation_rules import Cutoffs, Rules, cutoffs, decide, start_of_day
from riverchief.problems.models import Problem, ProblemEvent
from riverchief.problems.states import CLOCK_STATES, State

logger = logging.getLogger(__name__)

LEASE = "escalation"
LEASE_TTL = timedelta(minutes=10)
BATCH = 500  # ids handled between two renewals of the lease

NOTES = {
    rules_module.YELLOW: "已超期，黄牌预警 / overdue: yellow warning",
    rules_module.RED: "超期 %(n)d 个工作日，红牌挂牌督办 / %(n)d working days overdue: red card "
    "(挂牌督办)",
    rules_module.NOTICE: "超期 %(n)d 个工作日，予以通报 / %(n)d working days overdue: public "
    "notice (通报)",
}
REMIND_NOTE = "办理期限 %(due)s，请按期办结 / due on %(due)s: please finish in time"


def rules_from_settings() -> Rules:
    return Rules(
        red_after_working_days=getattr(settings, "RIVERCHIEF_ESCALATION_RED_AFTER_DAYS", 3),
        notice_after_working_days=getattr(settings, "RIVERCHIEF_ESCALATION_NOTICE_AFTER_DAYS", 5),
    )


@dataclass
class SweepResult:
    """What one run did, for the operator's log and the tests."""

    skipped: bool = False  # another process holds the lease
    candidates: int = 0
    escalated: Counter[int] = field(default_factory=Counter)  # level -> problems moved there
    reminded: int = 0
    unchanged: int = 0  # candidates whose re-check under the lock found nothing to do
    failed: int = 0
    lease_lost: bool = False
    seconds: float = 0.0

    def __str__(self) -> str:
        if self.skipped:
            return "skipped: another process is running the escalation sweep"
        levels = ", ".join(
            f"{rules_module.level_name(level)} {count}"
            for level, count in sorted(self.escalated.items())
        )
        text = (
            f"{self.candidates} candidates; escalated: {levels or 'none'}; "
            f"{self.reminded} reminded; {self.unchanged} unchanged; {self.failed} failed "
            f"in {self.seconds:.2f} s"
        )
        return text + ("; stopped: the lease was lost" if self.lease_lost else "")


# --- selection ----------------------------------------------------------------------------


def _held() -> QuerySet[Problem]:
    return Problem.objects.filter(state__in=CLOCK_STATES, deadline__isnull=False)


def level_candidates(cut: Cutoffs) -> QuerySet[Problem]:
    """Held problems whose level is below the one their deadline calls for."""
    levels = (rules_module.YELLOW, rules_module.RED, rules_module.NOTICE)
    behind = [Q(deadline__lt=cut.before(level), escalation_level__lt=level) for level in levels]
    return _held().filter(reduce(operator.or_, behind))


def remind_candidates(cut: Cutoffs) -> QuerySet[Problem]:
    """Held problems not overdue, in an open reminder window, with no reminder sent in it."""
    due = Q(pk__in=[])
    for day, window_start in cut.remind_days.items():
        start = max(start_of_day(day), cut.now)
        end = start_of_day(day + timedelta(days=1))
        if start >= end:
            continue
        sent = ProblemEvent.objects.filter(
            problem=OuterRef("pk"), action="remind", at__gte=window_start
        )
        due |= Q(deadline__gte=start, deadline__lt=end) & ~Exists(sent)
    return _held().filter(due)


def candidate_ids(now: datetime, rules: Rules | None = None) -> list[int]:
    """Ids to look at now: most overdue first, then reminders."""
    cut = cutoffs(now, current_calendar(), rules or rules_from_settings())
    ids = list(level_candidates(cut).order_by("deadline", "pk").values_list("pk", flat=True))
    seen = set(ids)
    for pk in remind_candidates(cut).order_by("deadline", "pk").values_list("pk", flat=True):
        if pk not in seen:
            ids.append(pk)
    return ids


# --- one problem --------------------------------------------------------------------------


def handle(pk: int, now: datetime, rules: Rules | None = None, calendar=None) -> str | None:
    """Re-check one problem under its row lock and apply what is due: "escalated:<level>",
    "reminded" or None."""
    rules = rules or rules_from_settings()
    calendar = calendar or current_calendar()
    with transaction.atomic():
        row = (
            Problem.objects.select_for_update()
            .filter(pk=pk, state__in=CLOCK_STATES)
            .values("deadline", "escalation_level")
            .first()
        )
        if row is None or row["deadline"] is None:
            return None
        deadline, level = row["deadline"], row["escalation_level"]
        decision = decide(deadline, now, calendar, level, rules)
        if decision.escalate_to is not None:
            days = max(0, calendar.working_days_between(deadline, now))
            note = NOTES[decision.escalate_to] % {"n": days}
            services.move(None, pk, "escalate", level=decision.escalate_to, note=note)
            return f"escalated:{decision.escalate_to}"
        if decision.remind and not _reminded_since(pk, decision.remind_from):
            due = local_date(deadline).isoformat()
            services.move(None, pk, "remind", note=REMIND_NOTE % {"due": due})
            return "reminded"
    return None


def _reminded_since(pk: int, start: datetime | None) -> bool:
    rows = ProblemEvent.objects.filter(problem_id=pk, action="remind")
    return rows.filter(at__gte=start).exists() if start is not None else rows.exists()


def _handle_all(ids: list[int], now: datetime, rules: Rules, result: SweepResult, lease):
    calendar = current_calendar()  # one calendar for the whole run
    for index in range(0, len(ids), BATCH):
        if index and not lease.renew():
            result.lease_lost = True
            logger.warning("escalation sweep stopped: the lease was lost")
            return
        chunk = ids[index : index + BATCH]
        try:
            _apply_chunk(chunk, now, rules, calendar, result)
        except _ChunkConflict:
            # A row changed in between (the lock was not held?): take them one at a time.
            logger.warning("escalation: a batch of %d fell back to one move each", len(chunk))
            for pk in chunk:
                _handle_one(pk, now, rules, calendar, result)


def _handle_one(pk: int, now: datetime, rules: Rules, calendar, result: SweepResult) -> None:
    try:
        outcome = handle(pk, now, rules, calendar)
    except DomainError as error:  # e.g. a person moved the problem at this very moment
        logger.info("escalation of problem %s skipped: %s", pk, error)
        result.unchanged += 1
        return
    except Exception:
        logger.exception("escalation of problem %s failed", pk)
        result.failed += 1
        return
    if outcome is None:
        result.unchanged += 1
    elif outcome == "reminded":
        result.reminded += 1
    else:
        result.escalated[int(outcome.split(":")[1])] += 1


# --- a batch of problems at once --------------------------------------------------------------
# At midnight thousands of problems cross a threshold together. Moving each through `move()`
# costs a dozen statements (load, update, event, audit, reload) and a hook run per problem; here a
# batch is locked, decided and written with one statement per table, and the hooks get the
# whole batch. The effect is exactly that of `handle()` on each: the same event, the same version
# bump, the same audit entry. `move()` stays the only path for people; the sweep changes nothing
# but the escalation level, so the transition table has nothing to refuse here (escalate and
# remind are allowed from every clock state, and the lock and the state filter keep it so).


class _ChunkConflict(Exception):
    """A row's version changed under the lock (cannot happen unless the lock is not held)."""


@dataclass
class _Step:
    problem: Problem
    action: str  # "escalate" or "remind"
    level: int  # the level after the step
    note: str
    data: dict


def _apply_chunk(ids: list[int], now: datetime, rules: Rules, calendar, result) -> None:
    with transaction.atomic():
        problems = list(
            Problem.objects.select_for_update(of=("self",))
            .select_related("division")
            .defer("division__geometry")
            .filter(pk__in=ids, state__in=CLOCK_STATES, deadline__isnull=False)
            .order_by("pk")
        )
        reminded = dict(
            ProblemEvent.objects.filter(problem_id__in=ids, action="remind")
            .values("problem_id")
            .annotate(last=Max("at"))
            .values_list("problem_id", "last")
        )
        steps = [
            step
            for problem in problems
            if (step := _step(problem, now, calendar, rules, reminded.get(problem.pk)))
        ]
        result.unchanged += len(ids) - len(steps)
        if steps:
            _write(steps, timezone.now())
    for step in steps:
        if step.action == "remind":
            result.reminded += 1
        else:
            result.escalated[step.level] += 1


def _step(problem: Problem, now: datetime, calendar, rules: Rules, last_reminded) -> _Step | None:
    level = problem.escalation_level
    decision = decide(problem.deadline, now, calendar, level, rules, last_reminded)
    if decision.escalate_to is not None:
        days = max(0, calendar.working_days_between(problem.deadline, now))
        note = NOTES[decision.escalate_to] % {"n": days}
        data = {"from": level, "to": decision.escalate_to}
        return _Step(problem, "escalate", decision.escalate_to, note, data)
    if decision.remind:
        note = REMIND_NOTE % {"due": local_date(problem.deadline).isoformat()}
        data = {"deadline": problem.deadline.isoformat()}
        return _Step(problem, "remind", level, note, data)
    return None


def _write(steps: list[_Step], now: datetime) -> None:
    table = Problem._meta.db_table
    stamp = connection.ops.adapt_datetimefield_value(now)  # as the ORM stores it (UTC on SQLite)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET escalation_level = %s, version = version + 1, updated_at = %s "  # noqa: S608
            "WHERE id = %s AND version = %s",
            [(s.level, stamp, s.problem.pk, s.problem.version) for s in steps],
        )
    moved = Problem.objects.filter(pk__in=[s.problem.pk for s in steps], updated_at=now).count()
    if moved != len(steps):
        raise _ChunkConflict
    events = ProblemEvent.objects.bulk_create(
        [
            ProblemEvent(
                problem=s.problem,
                at=now,
                actor_name="system",
                action=s.action,
                from_state=s.problem.state,
                to_state=s.problem.state,
                note=s.note,
                data=s.data,
            )
            for s in steps
        ]
    )
    audit.record_many([_audit_entry(s) for s in steps])
    signals.queue_many([(s.problem.pk, event.pk) for s, event in zip(steps, events, strict=True)])


def _audit_entry(step: _Step):
    problem = step.problem
    before = {"version": problem.version}
    after = {"version": problem.version + 1}
    if step.level != problem.escalation_level:
        before["escalation_level"] = problem.escalation_level
        after["escalation_level"] = step.level
    return audit.entry(
        None,
        step.action,
        problem,
        before=before,
        after=after,
        message=step.note[:500],
        division_code=problem.division.code,
    )


def run_escalation(now: datetime | None = None) -> SweepResult:
    """One run of the sweep (idempotent); see the module's docstring."""
    started = time.monotonic()
    result = SweepResult()
    with leases.held(LEASE, LEASE_TTL) as lease:
        if lease is None:
            result.skipped = True
            return result
        now = now or timezone.now()
        rules = rules_from_settings()
        ids = candidate_ids(now, rules)
        result.candidates = len(ids)
        _handle_all(ids, now, rules, result, lease)
    result.seconds = time.monotonic() - started
    return result


def sweep_task() -> str:
    """The entry in `core.sweep.TASKS`."""
    return str(run_escalation())


# --- the 通报 list ---------------------------------------------------------------------------


@dataclass
class NoticeRow:
    problem: Problem
    level: int
    red_at: datetime | None
    overdue_working_days: int


def notice_list(user, start: datetime, end: datetime, now: datetime | None = None):
    """Problems the user may see that stood at red (挂牌督办) or 通报 at some time in [start, end):
    escalated to red or above before `end`, and not closed before `start`. 通报 first, then the
    longest overdue. Each row says its department, assigned chief, level and working days
    overdue (until it was closed, the period's end, or now, whichever is first)."""
    now = now or timezone.now()
    red_at = (
        ProblemEvent.objects.filter(problem=OuterRef("pk"), action="escalate", data__to__gte=2)
        .values("problem")
        .annotate(first=Min("at"))
        .values("first")
    )
    rows = (
        Problem.objects.visible_to(user)
        .filter(escalation_level__gte=rules_module.RED)
        .exclude(state__in=[State.REJECTED, State.DUPLICATE])
        .annotate(red_at=Subquery(red_at))
        .filter(Q(red_at__lt=end) | Q(red_at__isnull=True))
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        .select_related("category", "division", "reach", "assignee_department", "assignee_user")
        .order_by("-escalation_level", "deadline", "pk")
    )
    found = []
    calendar = current_calendar()
    for problem in rows:
        until = min(x for x in (problem.closed_at, end, now) if x is not None)
        days = calendar.working_days_between(problem.deadline, until) if problem.deadline else 0
        found.append(NoticeRow(problem, problem.escalation_level, problem.red_at, max(0, days)))
    return found
