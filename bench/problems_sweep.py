"""The escalation sweep over a province's open problems: one run must take at most 10 s.

    python bench/problems_sweep.py [--database sqlite|postgresql|both] [--open 100000]
                                   [--total 1000000] [--seed 1] [--postgres URL]

For each database, in a process of its own, it builds a fresh data set (the demo county's
divisions, departments and categories, then --total problems with bulk_create, --open of them
held by a handler, the rest closed), then measures `run_escalation()` at NOW = Tuesday
2026-12-01 00:05 Beijing time:

    midnight  the data is as the sweep left it at 23:55 the evening before (levels right,
              reminders sent); at midnight a working day has ended, so every problem whose due
              day, or its 3rd or 8th working day after it, was Monday crosses a threshold, and
              every window for Wednesday's deadlines opens: the busiest run of the day;
    steady    the next run, 5 minutes after that one ended: nothing is due (idempotent); what
              every 5-minute run between midnights costs;
    midnight, no hooks  the next midnight, with the notification hooks unsubscribed: what the
              sweep and the workflow transitions cost without the notifications.

Deadlines fall on the working days of the 60 days before and the 30 after NOW, at the end of
the day.
The target is 10 s per run; the table shows each run against it. Exit status 1 when missed.
--reuse skips the (long) generation and measures one steady run on the data the last run left.
SQLite lives in bench/results/data/sweep-sqlite/, PostgreSQL in the database
riverchief_bench_sweep (both rebuilt on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 10.0
POSTGRES_NAME = "riverchief_bench_sweep"
BATCH = 5000


def _now():
    from riverchief.core.workdays import TIME_ZONE

    return datetime(2026, 12, 1, 0, 5, tzinfo=TIME_ZONE)


# --- the child: one database --------------------------------------------------------------------


def _setup(url: str) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import prepare_database  # bench/generate.py

    prepare_database(url, fresh=True)
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from riverchief import demo

    demo.load()


def _generate(total: int, open_count: int, seed: int) -> dict:
    """Insert the problems and the reminders already sent; returns counts."""
    from django.db import connection, transaction

    from riverchief.core.calendar_service import current_calendar
    from riverchief.problems.escalation import rules_from_settings
    from riverchief.problems.escalation_rules import cutoffs, level_due
    from riverchief.problems.models import Category, Problem, ProblemEvent
    from riverchief.registry.models import Department, Division

    rng = random.Random(seed)
    now = _now()
    before = now - timedelta(minutes=10)  # the previous run, at 23:55
    calendar, rules = current_calendar(), rules_from_settings()
    villages = list(
        Division.objects.filter(level=12, code__startswith="140826").values_list("pk", flat=True)
    )
    departments = list(
        Department.objects.filter(code__startswith="140826").values_list("pk", flat=True)
    )
    categories = list(Category.objects.values_list("pk", flat=True))
    # Deadlines are counted in working days, so they fall on working days.
    days = [now.date() + timedelta(days=offset) for offset in range(-60, 31)]
    days = [day for day in days if calendar.is_working_day(day)]
    from riverchief.core.workdays import end_of_day

    deadlines = {day: end_of_day(day) for day in days}
    levels = {day: level_due(deadlines[day], before, calendar, rules) for day in days}
    open_windows = cutoffs(before, calendar, rules).remind_days
    started = time.perf_counter()
    reminded: list[int] = []
    with transaction.atomic():
        rows = []
        for index in range(total):
            held = index < open_count
            day = rng.choice(days)
            deadline = deadlines[day]
            assigned = deadline - timedelta(days=rng.randint(7, 20))
            closed = None if held else min(deadline + timedelta(days=rng.randint(-6, 3)), now)
            rows.append(
                Problem(
                    number=f"B-{index:08d}",
                    tracking_code=f"bench-{index}",
                    source="patrol",
                    category_id=rng.choice(categories),
                    state=rng.choice(["assigned", "in_progress"]) if held else "closed",
                    description="基准测试问题",
                    lon=111.4,
                    lat=35.5,
                    division_id=rng.choice(villages),
                    assignee_department_id=rng.choice(departments),
                    deadline=deadline,
                    deadline_days=10,
                    escalation_level=levels[day] if held else min(levels[day], 1),
                    created_at=assigned - timedelta(days=1),
                    updated_at=assigned,
                    accepted_at=assigned,
                    assigned_at=assigned,
                    submitted_at=closed,
                    closed_at=closed,
                )
            )
            if len(rows) == BATCH:
                created = Problem.objects.bulk_create(rows)
                reminded += _window_ids(created, open_windows, before)
                rows = []
        if rows:
            created = Problem.objects.bulk_create(rows)
            reminded += _window_ids(created, open_windows, before)
        ProblemEvent.objects.bulk_create(
            [
                ProblemEvent(problem_id=pk, at=before, actor_name="system", action="remind")
                for pk in reminded
            ],
            batch_size=BATCH,
        )
    generated = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "total": total,
        "open": open_count,
        "reminders_sent": len(reminded),
        "generate_s": generated,
    }


def _window_ids(created, open_windows, before) -> list[int]:
    """Held problems whose reminder window was open at 23:55: the sweep reminded them then."""
    from riverchief.core.workdays import local_date

    return [
        p.pk
        for p in created
        if p.state != "closed" and local_date(p.deadline) in open_windows and p.deadline >= before
    ]


RUNS = [
    # (name, the sweep's time, notification hooks on); "steady" starts 5 minutes after the
    # previous run ended (the clock below runs on from each run's start).
    ("midnight", timedelta(0), True),
    ("steady", timedelta(minutes=5), True),
    ("midnight, no hooks", timedelta(days=1), False),
]


def _sweep(name: str, now, with_hooks: bool, hooks: list) -> tuple[dict, object]:
    """One run at `now`; the platform's clock (events, audit entries, the lease) runs on from
    `now` as real time passes. Returns the figures and the clock at the end."""
    from django.utils import timezone

    from riverchief.problems import escalation, signals

    started = time.perf_counter()
    timezone.now = lambda: now + timedelta(seconds=time.perf_counter() - started)
    signals.on_transition[:] = hooks if with_hooks else []
    selected = time.perf_counter()
    candidates = len(escalation.candidate_ids(now))
    select_s = time.perf_counter() - selected
    result = escalation.run_escalation(now=now)
    figures = {
        "name": name,
        "select_s": select_s,
        "seconds": result.seconds,
        "skipped": result.skipped,
        "candidates": candidates,
        "escalated": {str(k): v for k, v in sorted(result.escalated.items())},
        "reminded": result.reminded,
        "unchanged": result.unchanged,
        "failed": result.failed,
    }
    return figures, timezone.now()


def child(database: str, url: str, total: int, open_count: int, seed: int, reuse: bool) -> dict:
    from riverchief.problems import signals

    if reuse:
        _connect(url)
    else:
        _setup(url)
    from django.db import connection
    from django.db.models import Max

    from riverchief.problems.models import Problem, ProblemEvent

    figures = {"database": database, "vendor": connection.vendor, "runs": []}
    hooks = list(signals.on_transition)
    figures["hooks"] = [getattr(h, "__module__", "?") for h in hooks]
    if reuse:
        # The data as the last run left it: a steady run 5 minutes after its last event.
        figures.update(
            total=Problem.objects.count(),
            open=Problem.objects.filter(state__in=["assigned", "in_progress"]).count(),
            generate_s=0.0,
        )
        last = ProblemEvent.objects.aggregate(last=Max("at"))["last"]
        run, _end = _sweep("steady (reused)", last + timedelta(minutes=5), True, hooks)
        figures["runs"].append(run)
        connection.close()
        return figures
    figures.update(_generate(total, open_count, seed))
    clock = _now()
    for name, offset, with_hooks in RUNS:
        now = max(_now() + offset, clock + timedelta(minutes=5)) if name == "steady" else None
        run, clock = _sweep(name, now or _now() + offset, with_hooks, hooks)
        figures["runs"].append(run)
    connection.close()
    return figures


def _connect(url: str) -> None:
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()


# --- the parent: both databases, the table ------------------------------------------------------


def _run_child(database: str, args) -> dict:
    data = ROOT / "bench" / "results" / "data" / f"sweep-{database}"
    data.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data / 'riverchief.sqlite3'}"
    else:
        url = f"{args.postgres.rstrip('/')}/{POSTGRES_NAME}"
    env = {**os.environ, "RIVERCHIEF_DATA_DIR": str(data), "RIVERCHIEF_LOG_LEVEL": "WARNING"}
    command = [
        sys.executable,
        __file__,
        "--child",
        database,
        "--url",
        url,
        "--open",
        str(args.open),
        "--total",
        str(args.total),
        "--seed",
        str(args.seed),
        *(["--reuse"] if args.reuse else []),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{database}: the run failed\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(results: list[dict]) -> str:
    lines = [
        f"escalation sweep, NOW = {_now_text()}; target {TARGET_S:.0f} s per run",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f}",
        "",
        f"{'database':<11}{'problems':>10}{'open':>9}{'generate':>10}  {'run':<20}"
        f"{'select':>8}{'actions':>9}{'seconds':>9}{'per action':>12}{'vs target':>11}",
    ]
    for r in results:
        for run in r["runs"]:
            actions = sum(run["escalated"].values()) + run["reminded"]
            per = f"{1000 * run['seconds'] / actions:.1f} ms" if actions else "-"
            if run.get("skipped"):
                per = "SKIPPED"
            lines.append(
                f"{r['database']:<11}{r['total']:>10,}{r['open']:>9,}{r['generate_s']:>9.0f}s  "
                f"{run['name']:<20}{run['select_s']:>7.2f}s{actions:>9,}{run['seconds']:>8.2f}s"
                f"{per:>12}{run['seconds'] / TARGET_S:>10.0%}"
            )
        for run in r["runs"]:
            lines.append(
                f"{'':<11}{run['name']}: escalated (level: problems) {run['escalated']}, "
                f"reminded {run['reminded']}, unchanged {run['unchanged']}, "
                f"failed {run['failed']}"
            )
        lines.append(f"{'':<11}hooks after each step: {', '.join(r['hooks']) or 'none'}")
    return "\n".join(lines)


def _now_text() -> str:
    return "2026-12-01 00:05 Asia/Shanghai (a Tuesday)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RIVERCHIEF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        ),
        help="server URL without a database name",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the data the last run left and measure one steady run on it",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        figures = child(args.child, args.url, args.total, args.open, args.seed, args.reuse)
        print(json.dumps(figures))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        doing = (
            "reusing the last data"
            if args.reuse
            else (f"generating {args.total:,} problems ({args.open:,} open)")
        )
        print(f"{database}: {doing} and sweeping …", flush=True)
        results.append(_run_child(database, args))
    table = _table(results)
    print(table)
    suffix = "-reuse" if args.reuse else ""
    out = ROOT / "bench" / "results" / f"problems-sweep-{date.today():%Y%m%d}{suffix}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n", encoding="utf-8")
    missed = [run for r in results for run in r["runs"] if run["seconds"] > TARGET_S]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
