"""The escalation sweep: yellow, red, 通报 and the reminder on working days, around 国庆 2026.

The 2026 calendar (seeded from chinese-calendar): 中秋 09-25 to 09-27 off, 国庆 10-01 to 10-07
off, make-up working days Sunday 09-20 and Saturday 10-10. Defaults: red 3 working days after the
due day, 通报 5 more.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from riverchief.accounts.models import User
from riverchief.core import leases
from riverchief.core.calendar_service import current_calendar
from riverchief.core.workdays import TIME_ZONE, end_of_day
from riverchief.problems import escalation, escalation_rules, services, signals
from riverchief.problems.escalation_rules import Rules, cutoffs, decide, level_due
from riverchief.problems.models import Problem, ProblemEvent
from tests.concurrency import on_postgresql, run_together
from tests.problems.conftest import DEPARTMENT, ON_REACH, at, jpeg

DUE = end_of_day(dt.date(2026, 9, 30))  # the eve of 国庆


# --- the rule, pure ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "level", "remind"),
    [
        (at("2026-09-28", "23:59"), 0, False),  # the window opens on the last working day before
        (at("2026-09-29", "00:00"), 0, True),
        (at("2026-09-30", "23:59"), 0, True),
        (at("2026-10-01", "00:00"), 1, False),  # overdue from the first minute after the deadline
        (at("2026-10-07", "23:00"), 1, False),  # still yellow through the holiday week
        (at("2026-10-10", "23:59"), 1, False),  # 10-08, 10-09 and Saturday 10-10 (调休) count
        (at("2026-10-11", "00:00"), 2, False),  # red once those 3 working days are over
        (at("2026-10-16", "23:59"), 2, False),
        (at("2026-10-17", "00:00"), 3, False),  # 通报 after 5 more: 10-12 to 10-16
    ],
)
def test_a_problem_due_on_the_eve_of_national_day_escalates_on_working_days(db, now, level, remind):
    decision = decide(DUE, now, current_calendar(), 0, Rules(3, 5))
    assert (decision.level, decision.remind) == (level, remind)
    assert decision.escalate_to == (level or None)


def test_the_make_up_sunday_counts_towards_the_red_card(db):
    due = end_of_day(dt.date(2026, 9, 18))  # a Friday; Sunday 09-20 is a working day
    calendar = current_calendar()
    assert level_due(due, at("2026-09-22", "23:59"), calendar, Rules()) == 1
    assert level_due(due, at("2026-09-23", "00:00"), calendar, Rules()) == 2


def test_the_reminder_for_a_problem_due_after_the_holiday_comes_before_it(db):
    due = end_of_day(dt.date(2026, 10, 8))
    start, end = escalation_rules.remind_window(due, current_calendar())
    assert start == at("2026-09-30", "00:00") and end == due
    assert not decide(due, at("2026-09-29", "18:00"), current_calendar(), 0).remind
    assert decide(due, at("2026-10-03"), current_calendar(), 0).remind
    already = decide(due, at("2026-10-03"), current_calendar(), 0, last_reminded_at=start)
    assert not already.remind


def test_the_level_never_goes_down_and_settings_change_the_steps(db):
    calendar = current_calendar()
    assert decide(DUE, at("2026-10-02"), calendar, 2).escalate_to is None
    assert level_due(DUE, at("2026-10-09"), calendar, Rules(1, 1)) == 2  # 10-08 is over
    assert level_due(DUE, at("2026-10-10"), calendar, Rules(1, 1)) == 3
    morning = at("2026-09-30", "09:30")  # a deadline in the morning: overdue by noon
    assert level_due(morning, at("2026-09-30", "12:00"), calendar, Rules(0, 0)) == 1
    assert level_due(morning, at("2026-10-01", "00:00"), calendar, Rules(0, 0)) == 3
    with pytest.raises(ValueError):
        Rules(-1, 5)


def test_the_cut_offs_the_sweep_queries_agree_with_the_rule_everywhere(db):
    """Every deadline (ends of days and odd hours) against every 5 hours of a quarter."""
    calendar = current_calendar()
    rules = Rules(3, 5)
    deadlines = []
    for offset in range(0, 75):
        day = dt.date(2026, 9, 1) + timedelta(days=offset)
        deadlines += [end_of_day(day), at(day.isoformat(), "09:30")]
    now = at("2026-09-10", "00:00")
    while now < at("2026-11-20"):
        cut = cutoffs(now, calendar, rules)
        for deadline in deadlines:
            level = level_due(deadline, now, calendar, rules)
            for step in (1, 2, 3):
                assert (level >= step) == (deadline < cut.before(step)), (deadline, now, step)
            window = decide(deadline, now, calendar, 0, rules).remind
            local = deadline.astimezone(TIME_ZONE).date()
            listed = local in cut.remind_days and deadline >= now
            assert window == listed, (deadline, now)
            if listed:
                assert (
                    cut.remind_days[local] == escalation_rules.remind_window(deadline, calendar)[0]
                )
        now += timedelta(hours=5)


# --- the sweep, on the database ---------------------------------------------------------------


def _assigned(reach, due: str = "2026-09-30", description: str = "逾期测试") -> int:
    chief = User.objects.get(username="chief_hengshui")
    admin = User.objects.get(username="admin")
    problem, _created = services.report_problem(
        chief,
        {
            "category": "luan_dui",
            "description": description,
            "lon": ON_REACH[0],
            "lat": ON_REACH[1],
        },
    )
    services.move(admin, problem.pk, "accept")
    services.move(admin, problem.pk, "assign", department_code=DEPARTMENT, deadline=due)
    return problem.pk


def _steps(pk: int) -> list[tuple[str, object]]:
    rows = ProblemEvent.objects.filter(problem_id=pk, action__in=["escalate", "remind"])
    return [(e.action, e.data.get("to")) for e in rows.order_by("at", "id")]


def _quiet(result) -> bool:
    return not result.skipped and not result.escalated and not result.reminded


def test_one_problem_through_the_holiday_each_step_once(clock, reach):
    pk = _assigned(reach)
    steps = [
        ("2026-09-28", []),
        ("2026-09-29", [("remind", None)]),
        ("2026-10-01", [("remind", None), ("escalate", 1)]),
        ("2026-10-10", [("remind", None), ("escalate", 1)]),
        ("2026-10-11", [("remind", None), ("escalate", 1), ("escalate", 2)]),
        ("2026-10-17", [("remind", None), ("escalate", 1), ("escalate", 2), ("escalate", 3)]),
    ]
    for day, expected in steps:
        clock.set(day, "08:00")
        escalation.run_escalation()
        assert _steps(pk) == expected, day
        assert _quiet(escalation.run_escalation()), f"a second run on {day} changed something"
    problem = Problem.objects.get(pk=pk)
    assert (problem.state, problem.escalation_level) == ("assigned", 3)
    red = ProblemEvent.objects.get(problem_id=pk, action="escalate", data__to=2)
    assert red.actor is None and red.actor_name == "system"
    assert "3" in red.note and red.from_state == red.to_state == "assigned"


def test_a_problem_found_late_moves_to_the_level_due_in_one_step(clock, reach):
    pk = _assigned(reach)
    clock.set("2026-10-20")
    result = escalation.run_escalation()
    assert result.escalated == {3: 1} and result.reminded == 0
    assert _steps(pk) == [("escalate", 3)]
    assert ProblemEvent.objects.get(problem_id=pk, action="escalate").data == {"from": 0, "to": 3}


def test_the_clock_stops_while_the_rectification_awaits_verification(clock, reach):
    pk = _assigned(reach)
    dept = User.objects.get(username="dept_water")
    services.move(dept, pk, "start")
    services.move(dept, pk, "submit", note="已清理", files=[jpeg("after.jpg")])
    clock.set("2026-10-20")
    assert escalation.candidate_ids(clock.now) == []
    assert _quiet(escalation.run_escalation())
    assert _steps(pk) == []


def test_an_extension_opens_a_new_reminder_window_but_keeps_the_yellow_card(clock, reach):
    pk = _assigned(reach)
    clock.set("2026-09-29")
    escalation.run_escalation()
    clock.set("2026-10-08")
    escalation.run_escalation()
    dept = User.objects.get(username="dept_water")
    admin = User.objects.get(username="admin")
    services.move(dept, pk, "request_extension", reason="汛期", until="2026-10-20")
    services.move(admin, pk, "approve_extension")
    clock.set("2026-10-16")
    assert _quiet(escalation.run_escalation())
    clock.set("2026-10-19")  # the last working day before 10-20
    assert escalation.run_escalation().reminded == 1
    assert _steps(pk) == [("remind", None), ("escalate", 1), ("remind", None)]
    assert Problem.objects.get(pk=pk).escalation_level == 1


def test_a_new_assignment_after_reopening_starts_from_normal(clock, reach):
    pk = _assigned(reach)
    clock.set("2026-10-12")
    escalation.run_escalation()
    assert Problem.objects.get(pk=pk).escalation_level == 2
    admin = User.objects.get(username="admin")
    services.move(admin, pk, "transfer", department_code="140826-STHJ")
    assert Problem.objects.get(pk=pk).escalation_level == 2  # a transfer keeps the card


def test_red_tells_the_hooks_and_the_chief_above(clock, reach, django_capture_on_commit_callbacks):
    heard: list[tuple[int, int]] = []

    def hook(pairs) -> None:
        heard.extend(pairs)

    pk = _assigned(reach)
    signals.subscribe(hook)
    try:
        clock.set("2026-10-11")
        with django_capture_on_commit_callbacks(execute=True):
            escalation.run_escalation()
    finally:
        signals.on_transition.remove(hook)
    events = ProblemEvent.objects.filter(pk__in=[event for _p, event in heard])
    red = [e for e in events if e.action == "escalate" and e.data["to"] == 2]
    assert len(red) == 1 and red[0].problem_id == pk
    recipients = pytest.importorskip("riverchief.notify.recipients")
    told = {user.username for user in recipients.for_event(red[0].problem, red[0])}
    assert "chief_hengshui" in told  # the 横水镇 chief, one level above 东刘家村


def test_the_sweep_is_a_task_of_riverchief_sweep(clock, reach):
    from riverchief.core import sweep

    pk = _assigned(reach)
    clock.set("2026-10-01")
    assert "escalation" in sweep.TASKS
    summaries = dict(sweep.run_all())
    assert "yellow 1" in summaries["escalation"]
    assert _steps(pk) == [("escalate", 1)]


# --- one at a time --------------------------------------------------------------------------


def test_a_run_while_another_holds_the_lease_does_nothing(clock, reach):
    pk = _assigned(reach)
    clock.set("2026-10-01")
    other = leases.acquire(escalation.LEASE, timedelta(minutes=10))
    assert other is not None
    assert escalation.run_escalation().skipped
    assert _steps(pk) == []
    clock.now += timedelta(minutes=11)  # the other holder died: its lease runs out
    assert escalation.run_escalation().escalated == {1: 1}
    assert leases.holder_of(escalation.LEASE) is None  # released after the run


def test_a_lease_has_one_holder_until_it_expires_or_is_released(db, clock):
    first = leases.acquire("test-lease", timedelta(minutes=5))
    assert first and leases.acquire("test-lease", timedelta(minutes=5)) is None
    assert leases.acquire("test-lease", timedelta(minutes=5), token=first) == first  # re-entrant
    assert leases.renew("test-lease", first, timedelta(minutes=5))
    leases.release("test-lease", first)
    second = leases.acquire("test-lease", timedelta(minutes=5))
    assert second and second != first
    assert not leases.renew("test-lease", first, timedelta(minutes=5))
    clock.now += timedelta(minutes=6)
    third = leases.acquire("test-lease", timedelta(minutes=5))
    assert third and leases.holder_of("test-lease") == third


def test_the_scheduler_runs_the_tasks_once_per_interval_and_survives_errors(db, monkeypatch):
    from riverchief.core import sweep

    calls: list[str] = []

    def broken() -> str:
        raise RuntimeError("boom")

    monkeypatch.setattr(sweep, "TASKS", {"ok": lambda: calls.append("ok") or "done", "bad": broken})
    scheduler = sweep.Scheduler(300)
    monkeypatch.setattr(
        "django.db.connections.close_all", lambda: None
    )  # keep the test's transaction open
    assert scheduler.tick() == [("ok", "done"), ("bad", "failed")]
    assert scheduler.tick() is None  # another process (here: we) ran them this interval
    assert calls == ["ok"]
    assert sweep.Scheduler(0).start() is None  # RIVERCHIEF_SWEEP_INTERVAL=0 turns it off
    monkeypatch.setattr(sweep, "run_due", lambda interval: 1 / 0)
    assert scheduler.tick() is None  # logged, not raised


def test_each_gunicorn_worker_starts_the_scheduler_and_a_failure_never_stops_it(
    settings, monkeypatch
):
    from riverchief import server
    from riverchief.core import sweep
    from riverchief.notify import handler, outbox

    started: list[int] = []
    monkeypatch.setattr(sweep.Scheduler, "start", lambda self: started.append(self.interval))
    senders: list[str] = []
    monkeypatch.setattr(outbox, "send_in_background", lambda: senders.append("send"))
    monkeypatch.setattr(handler, "record_in_background", lambda: senders.append("write"))
    settings.RIVERCHIEF_SWEEP_INTERVAL = 120
    logged: list[str] = []

    class Worker:
        class log:  # noqa: N801 - gunicorn's worker.log
            @staticmethod
            def exception(message: str) -> None:
                logged.append(message)

    server._start_scheduler(Worker())
    assert started == [120]
    # The worker writes and sends notifications on threads of its own.
    assert senders == ["send", "write"]
    monkeypatch.setattr(sweep, "Scheduler", None)  # calling it fails
    server._start_scheduler(Worker())
    assert logged and "scheduler" in logged[0]


def test_two_sweeps_at_once_on_postgresql_apply_each_step_once(
    django_db_setup, django_db_blocker, monkeypatch
):
    """Real threads with their own transactions: first both through the lease (one skips), then
    both past it (as when a lease expires mid-run): the row locks keep each step single."""
    if not on_postgresql(django_db_blocker):
        pytest.skip("threads with their own transactions need PostgreSQL")
    created: list[int] = []
    with django_db_blocker.unblock():
        admin = User.objects.get(username="admin")
        try:
            for _ in range(6):
                problem, _c = services.report_problem(
                    admin,
                    {
                        "category": "luan_dui",
                        "description": "并发逾期",
                        "reach_code": "M-REACH",
                        "lon": 111.4125,
                        "lat": 35.5205,
                    },
                )
                created.append(problem.pk)
                services.move(admin, problem.pk, "accept")
                services.move(
                    admin, problem.pk, "assign", department_code=DEPARTMENT, deadline_days=1
                )
            Problem.objects.filter(pk__in=created[:3]).update(deadline=DUE)
            # Due on Monday 10-12: its window opened on Saturday 10-10, a make-up working day.
            Problem.objects.filter(pk__in=created[3:]).update(
                deadline=end_of_day(dt.date(2026, 10, 12))
            )
            now = at("2026-10-11")
            monkeypatch.setattr(timezone, "now", lambda: now)
            both = run_together(escalation.run_escalation, escalation.run_escalation)
            assert not [r for r in both if isinstance(r, Exception)], both
            # One took the lease; the other skipped, or came after it and found nothing to do.
            assert sum(r.escalated[2] for r in both) == 3 and sum(r.reminded for r in both) == 3
            assert any(r.skipped or (not r.escalated and not r.reminded) for r in both)

            later = at("2026-10-20")
            monkeypatch.setattr(timezone, "now", lambda: later)
            ids = escalation.candidate_ids(later)
            assert sorted(ids) == sorted(created)
            rules = escalation.rules_from_settings()
            results = run_together(
                lambda: [escalation.handle(pk, later, rules) for pk in ids],
                lambda: [escalation.handle(pk, later, rules) for pk in reversed(ids)],
            )
            assert not [r for r in results if isinstance(r, Exception)], results
            for pk in created[:3]:
                assert _steps(pk) == [("escalate", 2), ("escalate", 3)]
            for pk in created[3:]:
                assert _steps(pk) == [("remind", None), ("escalate", 2)]
        finally:
            ProblemEvent.objects.filter(problem_id__in=created).delete()
            Problem.objects.filter(pk__in=created).delete()


# --- the 通报 page ------------------------------------------------------------------------------


def test_the_notice_page_lists_the_red_and_notice_problems_of_a_period(clock, reach, signed_in):
    first = _assigned(reach, due="2026-09-30", description="红牌转通报（测试）")
    second = _assigned(reach, due="2026-10-09", description="红牌未通报（测试）")
    for day in ("2026-10-11", "2026-10-15", "2026-10-18"):
        clock.set(day)
        escalation.run_escalation()
    # first: red 10-11, 通报 10-17; second: red from 10-14 (10-10, 10-12, 10-13), 通报 from 10-21.
    assert [Problem.objects.get(pk=pk).escalation_level for pk in (first, second)] == [3, 2]
    numbers = {pk: Problem.objects.get(pk=pk).number for pk in (first, second)}

    page = signed_in("admin").get("/problems/notices/?period=2026-10")
    assert page.status_code == 200
    body = page.content.decode()
    assert f'data-number="{numbers[first]}" data-level="3"' in body
    assert f'data-number="{numbers[second]}" data-level="2"' in body
    assert body.index(numbers[first]) < body.index(numbers[second])  # 通报 first
    assert "绛县水利局" in body and "通报" in body and "挂牌督办" in body
    admin = User.objects.get(username="admin")
    rows = escalation.notice_list(admin, at("2026-10-01", "00:00"), at("2026-11-01", "00:00"))
    assert [(r.problem.pk, r.level) for r in rows] == [(first, 3), (second, 2)]
    by_pk = {r.problem.pk: r for r in rows}
    # Until now (10-18): first, due 09-30: 10-08, 10-09, 10-10, 10-12..10-16 = 8 working days;
    # second, due 10-09: 10-10, 10-12..10-16 = 6.
    assert (by_pk[first].overdue_working_days, by_pk[second].overdue_working_days) == (8, 6)
    assert by_pk[first].red_at == at("2026-10-11")

    september = signed_in("admin").get("/problems/notices/?period=2026-09").content.decode()
    assert numbers[first] not in september  # it turned red in October
    assert numbers[first] in signed_in("leader").get("/problems/notices/").content.decode()
    assert numbers[first] not in signed_in("out_office").get("/problems/notices/").content.decode()
    assert signed_in("patroller_dongliujia").get("/problems/notices/").status_code == 403
    unreadable = signed_in("admin").get("/problems/notices/?period=2026-13")
    assert unreadable.status_code == 200 and 'role="alert"' in unreadable.content.decode()


def test_the_notice_list_downloads_as_excel(clock, reach, signed_in):
    import io

    from openpyxl import load_workbook

    pk = _assigned(reach)
    clock.set("2026-10-11")
    escalation.run_escalation()
    answer = signed_in("admin").get("/problems/notices/?period=2026-10&format=xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == Problem.objects.get(pk=pk).number and values[7] == 3
