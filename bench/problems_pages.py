"""Problem pages at province scale: 我的待办, the filtered list, the dashboard, Excel, API creation.

    python bench/problems_pages.py [--database sqlite|postgresql|both] [--problems 1000000]
                                   [--events 10] [--requests 40] [--export-rows 100000]
                                   [--create-seconds 20] [--regenerate]

Targets (issue 4), with 1M problems and 10M timeline entries (3 years of a province):
  我的待办 and a filtered list page p95 <= 100 ms; the office dashboard <= 1 s cold and <= 100 ms
  warm; a streamed Excel export of 100k problems <= 60 s; creation through the API >= 200/s.

For each database, in a process of its own:
1. the synthetic province (bench/generate.py: 90 counties, ~20k villages, 55k users) plus
   --problems problems spread over its villages, 8 departments per county and 3 years, and
   --events timeline entries per problem, bulk-inserted with executemany (SQLite) or COPY
   (PostgreSQL); cached in bench/results/data/problems-<database>/ and riverchief_bench_problems
   (kept between runs; --regenerate rebuilds);
2. page timings with Django's test client in that process (the whole request: middleware,
   session, queries, template; no network): each page --requests times per account, p50/p95;
   the dashboard's cold figure is its first request with nothing kept in the cache (after one
   other page has been served, as by a running server);
3. the Excel export of one city (about 100k problems) read to its last byte;
4. creation: `riverchief serve` (gunicorn, 2 × cores workers, 4 threads) on a loopback port and
   8 client threads posting problems with bearer tokens for --create-seconds; creations/s.
The client threads run on the same 2 cores as the server, so the creation rate is a floor.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

POSTGRES_NAME = "riverchief_bench_problems"
MARKER_KEY = "bench_problems"
BATCH = 20_000
TARGETS = {"todo": 100, "list": 100, "dashboard_warm": 100, "dashboard_cold": 1000}
EXPORT_TARGET_S = 60
CREATE_TARGET = 200
CREATED_PREFIX = "基准创建"  # the description of every problem the creation part posts
START = datetime(2023, 12, 1, tzinfo=UTC)  # three years before the run
END = datetime(2026, 11, 28, tzinfo=UTC)
ACTIONS = ["report", "accept", "assign", "start", "remind", "submit", "close"]


# --- the data ---------------------------------------------------------------------------------


def _setup(url: str, data_dir: Path, regenerate: bool) -> None:
    """The province from bench/generate.py (its own cache), then Django in this process."""
    args = ["--size", "province", "--database-url", url, "--data-dir", str(data_dir)]
    if regenerate:
        args.append("--fresh")
    done = subprocess.run(
        [sys.executable, str(BENCH / "generate.py"), *args],
        env={**os.environ, "RIVERCHIEF_LOG_LEVEL": "WARNING"},
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"bench/generate.py failed:\n{done.stdout}\n{done.stderr}")
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ["RIVERCHIEF_DATA_DIR"] = str(data_dir)
    os.environ["RIVERCHIEF_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()


def _columns(model) -> list:
    return list(model._meta.concrete_fields)


def _insert(model, rows: list[dict]) -> None:
    """Insert plain rows (field attname -> value) as fast as the database allows."""
    from django.db import connection

    # The primary key only where the rows bring their own (problems: events refer to them).
    fields = [f for f in _columns(model) if not f.primary_key or f.attname in rows[0]]
    table = model._meta.db_table
    names = [connection.ops.quote_name(f.column) for f in fields]  # "end" is a keyword
    defaults = [None if f.primary_key else f.get_default() for f in fields]
    preps = [_prep(f, connection) for f in fields]
    plan = list(zip([f.attname for f in fields], defaults, preps, strict=True))
    values = [[prep(row.get(name, default)) for name, default, prep in plan] for row in rows]
    if connection.vendor == "postgresql":
        sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(names))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _prep(field, connection):
    """How one column's Python value becomes what the driver takes, decided once per column."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda value: json.dumps(value, ensure_ascii=False)
    if kind == "DateTimeField" and connection.vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        # Values read back with a raw cursor are already SQLite's text.
        return lambda value: value if isinstance(value, str) else adapt(value)
    return lambda value: value


def _events(count: int) -> None:
    """`count` timeline entries per bench problem, six hours apart, written by the database."""
    from django.db import connection

    from riverchief.problems.models import Problem, ProblemEvent

    events, problems = ProblemEvent._meta.db_table, Problem._meta.db_table
    for number in range(count):
        hours = 6 * number
        if connection.vendor == "postgresql":
            at, data = f"created_at + interval '{hours} hours'", "'{}'::jsonb"
        else:
            at, data = f"strftime('%Y-%m-%d %H:%M:%f', created_at, '+{hours} hours')", "'{}'"
        action = ACTIONS[number % len(ACTIONS)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {events} (problem_id, at, actor_id, actor_name, action, from_state, "  # noqa: S608
                f"to_state, note, data) SELECT id, {at}, NULL, 'system', '{action}', '', '', "
                f"'基准事件', {data} FROM {problems} WHERE tracking_code LIKE 'bp%%'"
            )
        print(f"  timeline entries: {number + 1} per problem", file=sys.stderr, flush=True)


def _generate(total: int, events_per_problem: int, seed: int) -> dict:
    from django.db import connection, transaction

    from riverchief.core import settings_store
    from riverchief.problems.models import Category, Problem
    from riverchief.registry.models import Department, Division

    marker = settings_store.get(MARKER_KEY)
    wanted = {
        "problems": total,
        "events": events_per_problem,
        "seed": seed,
        "history": 1,
        "order": "reported",
    }
    if marker and {k: marker.get(k) for k in wanted} == wanted:
        if not marker.get("chief_history"):  # data made before chiefs held problems too
            marker = _add_chief_history(marker)
        if not marker.get("open_holders"):  # data made when closing ended the holding
            marker = _open_current_holders(marker)
        return {**marker, "generate_s": 0.0, "reused": True}
    if marker:  # another size: drop the bench problems (not the province) and start over
        from riverchief.problems.models import ProblemAssignment, ProblemEvent

        events, problems = ProblemEvent._meta.db_table, Problem._meta.db_table
        history = ProblemAssignment._meta.db_table
        with connection.cursor() as cursor:
            bench = f"SELECT id FROM {problems} WHERE tracking_code LIKE 'bp%%'"  # noqa: S608
            cursor.execute(f"DELETE FROM {events} WHERE problem_id IN ({bench})")  # noqa: S608
            cursor.execute(f"DELETE FROM {history} WHERE problem_id IN ({bench})")  # noqa: S608
            cursor.execute(f"DELETE FROM {problems} WHERE tracking_code LIKE 'bp%%'")  # noqa: S608
    rng = random.Random(seed)
    villages = list(
        Division.objects.filter(level=12, code__startswith="99").values_list("pk", "code")
    )
    departments: dict[str, list[int]] = {}
    for pk, code in Department.objects.filter(division__code__startswith="99").values_list(
        "pk", "division__code"
    ):
        departments.setdefault(code[:6], []).append(pk)
    categories = list(Category.objects.values_list("pk", flat=True))
    span = (END - START).total_seconds()
    # Problems are numbered in the order they are reported, as in a live database: the open ones
    # (the recent ones) lie together at the end of the table, not scattered over all its pages.
    offsets = sorted(rng.random() * span for _ in range(total))
    started = time.perf_counter()
    with transaction.atomic():
        next_id = (Problem.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        for first in range(0, total, BATCH):
            problems = []
            for index in range(first, min(first + BATCH, total)):
                pk = next_id + index
                village_pk, code = villages[rng.randrange(len(villages))]
                created = START + timedelta(seconds=offsets[index])
                age_days = (END - created).days
                state, closed = _state(rng, age_days)
                deadline = created + timedelta(days=rng.randint(10, 30))
                problems.append(
                    {
                        "id": pk,
                        "number": f"P{created:%Y%m}{pk:08d}",
                        "tracking_code": f"bp{pk}",
                        "source": rng.choice(["patrol", "public", "inspection", "assigned"]),
                        "category_id": rng.choice(categories),
                        "state": state,
                        "severity": rng.choice(["general"] * 8 + ["serious", "major"]),
                        "description": "基准数据：河道内发现垃圾堆放",
                        "lon": 111.0 + rng.random(),
                        "lat": 35.0 + rng.random(),
                        "division_id": village_pk,
                        "assignee_department_id": rng.choice(departments.get(code[:6]) or [None])
                        if state not in ("reported", "accepted", "rejected")
                        else None,
                        "deadline": deadline,
                        "deadline_days": 10,
                        "escalation_level": rng.choice([0] * 6 + [1, 2, 3])
                        if state in ("assigned", "in_progress")
                        else 0,
                        "created_at": created,
                        "updated_at": closed or created,
                        "accepted_at": created + timedelta(hours=5),
                        "assigned_at": created + timedelta(hours=8),
                        "closed_at": closed,
                    }
                )
            _insert(Problem, problems)
            print(f"  {first + len(problems):,} problems", file=sys.stderr, flush=True)
        _events(events_per_problem)
        _assignments(departments)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = Problem._meta.db_table
                query = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608
                cursor.execute(query, [table])
        _chief_history()
        marker = {
            **wanted,
            "made": datetime.now(UTC).isoformat(),
            "chief_history": True,
            "open_holders": True,
        }
        settings_store.put(MARKER_KEY, marker)
    generated = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {**marker, "generate_s": generated, "reused": False}


def _state(rng: random.Random, age_days: int) -> tuple[str, datetime | None]:
    """Most old problems are closed; recent ones are spread over the open states."""
    if age_days > 60 or rng.random() < 0.5:
        if rng.random() < 0.95:
            return "closed", END - timedelta(days=age_days) + timedelta(days=rng.randint(3, 40))
        return rng.choice(["rejected", "duplicate"]), None
    return rng.choice(
        ["reported", "accepted", "assigned", "in_progress", "pending_verification"]
    ), None


# --- pages --------------------------------------------------------------------------------------


def _accounts() -> dict[str, object]:
    from riverchief.accounts.models import User

    names = {
        "province office": "s99_office1",
        "county office": "s990121_office1",
        "township chief": "s990121100_chief1",
        "village patroller": "s990121100201_patroller1",
    }
    found = {label: User.objects.get(username=name) for label, name in names.items()}
    officer = User.objects.filter(role="department", division__code__startswith="990121").first()
    if officer is None:
        officer = User.objects.filter(
            role="department", department__division__code__startswith="990121"
        ).first()
    if officer is not None:
        found["county department"] = officer
    return found


def _timed(client, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(url)
        if response.streaming:
            for _chunk in response.streaming_content:
                pass
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url}: HTTP {response.status_code}")
    return samples


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _pages(requests: int) -> list[dict]:
    from django.test import Client

    rows = []
    accounts = _accounts()
    clients = {}
    for label, user in accounts.items():
        client = Client()
        client.force_login(user)
        clients[label] = client
    # Cold: nothing of the dashboard kept (the cache emptied), in a process that has served a
    # page before (templates compiled, translations loaded: a server's state after start-up).
    from django.core.cache import cache

    _timed(clients["village patroller"], "/problems/todo/", 1)
    for label in ("province office", "county office"):
        cache.clear()
        cold = _timed(clients[label], "/problems/dashboard/", 1)[0]
        warm = _timed(clients[label], "/problems/dashboard/", requests)
        rows.append(_row("dashboard (cold)", label, [cold], TARGETS["dashboard_cold"]))
        rows.append(_row("dashboard (warm)", label, warm, TARGETS["dashboard_warm"]))
    for label, client in clients.items():
        rows.append(_row("我的待办", label, _timed(client, "/problems/todo/", requests), 100))
    lists = {
        "province office": "/problems/?state=open&overdue=yes&division=990121",
        "county office": "/problems/?state=in_progress&since=2026-01-01&severity=general",
        "township chief": "/problems/?state=closed&q=垃圾",
        "county department": "/problems/?state=open",
    }
    for label, url in lists.items():
        if label in clients:
            rows.append(_row(f"list {url[10:]}", label, _timed(clients[label], url, requests), 100))
    return rows


def _row(page: str, account: str, samples: list[float], target: float) -> dict:
    return {
        "page": page,
        "account": account,
        "n": len(samples),
        "p50": _p(samples, 0.5),
        "p95": _p(samples, 0.95),
        "target": target,
    }


def _export(export_rows: int) -> dict:
    from django.test import Client

    from riverchief.problems.models import Problem
    from riverchief.registry.models import Division

    user = _accounts()["province office"]
    # The city (or cities) holding about --export-rows problems.
    counts = {}
    for code in Division.objects.filter(level=4, code__startswith="99").values_list(
        "code", flat=True
    ):
        counts[code] = Problem.objects.filter(
            division__code__gte=code, division__code__lte=code[:4] + "99999999"
        ).count()
    city = min(counts, key=lambda c: abs(counts[c] - export_rows))
    client = Client()
    client.force_login(user)
    started = time.perf_counter()
    response = client.get(f"/problems/export.xlsx?division={city}")
    size = 0
    first_byte = None
    for chunk in response.streaming_content:
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
    seconds = time.perf_counter() - started
    return {
        "rows": counts[city],
        "seconds": seconds,
        "first_byte_s": first_byte or seconds,
        "megabytes": size / 1e6,
        "status": response.status_code,
    }


# --- creation through the API -------------------------------------------------------------------


def _create(url: str, data_dir: Path, seconds: float) -> dict:
    import socket
    import urllib.request

    from riverchief.accounts import services as account_services
    from riverchief.accounts.models import User

    chiefs = list(User.objects.filter(role="chief", division__level=9)[:8])
    tokens = [account_services.issue_token(chief, "bench")[1] for chief in chiefs]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "RIVERCHIEF_DATABASE_URL": url,
        "RIVERCHIEF_DATA_DIR": str(data_dir),
        "RIVERCHIEF_LOG_LEVEL": "WARNING",
        "RIVERCHIEF_SWEEP_INTERVAL": "0",
    }
    workers = 2 * (os.cpu_count() or 1)
    log = data_dir / "serve.log"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "riverchief",  # this checkout's package, whatever the venv has installed
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            if server.poll() is not None:
                raise SystemExit(f"riverchief serve stopped; see {log}")
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        return _post_for(base, tokens, seconds)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        _forget_created()


def _forget_created() -> int:
    """The problems the creation part posted, deleted again (their timeline, files, inbox rows
    with them): left in place, thousands of new reports in a few villages would change the
    to-do lists the next run measures."""
    from riverchief.problems.models import Problem

    deleted, _rows = Problem.objects.filter(description__startswith=CREATED_PREFIX).delete()
    return deleted


def _post_for(base: str, tokens: list[str], seconds: float) -> dict:
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(base)
    stop = time.monotonic() + seconds
    done: list[int] = []
    failed: list[str] = []
    lock = threading.Lock()

    def client(token: str, index: int) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        number = 0
        while time.monotonic() < stop:
            number += 1
            body = json.dumps(
                {
                    "category": "luan_dui",
                    "description": f"{CREATED_PREFIX} {index}-{number}",
                    "lon": 111.4 + random.random() / 10,  # noqa: S311
                    "lat": 35.5 + random.random() / 10,  # noqa: S311
                }
            )
            connection.request(
                "POST",
                "/api/v1/problems",
                body=body.encode(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"bench-{index}-{number}-{time.time_ns()}",
                },
            )
            response = connection.getresponse()
            text = response.read()
            with lock:
                if response.status == 201:
                    done.append(1)
                else:
                    failed.append(f"{response.status} {text[:200]!r}")

    threads = [threading.Thread(target=client, args=(token, i)) for i, token in enumerate(tokens)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "created": len(done),
        "failed": len(failed),
        "first_failure": failed[0] if failed else "",
        "seconds": elapsed,
        "per_second": len(done) / elapsed,
        "clients": len(threads),
    }


# --- the child and the parent -------------------------------------------------------------------


def _assignments(departments: dict[str, list[int]]) -> None:
    """The 交办 history of every assigned bench problem (what department scope reads), and for
    one in fifty an earlier holder in the same county, as after a 转办."""
    from django.db import connection

    from riverchief.problems.models import Problem, ProblemAssignment

    history, problems = ProblemAssignment._meta.db_table, Problem._meta.db_table
    columns = f'INSERT INTO {history} (problem_id, department_id, start, "end", deadline) SELECT'
    bench = f"FROM {problems} WHERE tracking_code LIKE 'bp%%' AND assignee_department_id > 0"
    with connection.cursor() as cursor:
        cursor.execute(f"{columns} id, assignee_department_id, assigned_at, NULL, deadline {bench}")
        cursor.execute(
            f"SELECT id, assignee_department_id, created_at, assigned_at, deadline {bench} "
            "AND id % 50 = 0"
        )
        transferred = cursor.fetchall()
    county_of = {pk: pks for pks in departments.values() for pk in pks}
    earlier = []
    for problem_id, holder, created, assigned, deadline in transferred:
        others = [pk for pk in county_of.get(holder, []) if pk != holder]
        if others:
            earlier.append(
                {
                    "problem_id": problem_id,
                    "department_id": others[problem_id % len(others)],
                    "start": created,
                    "end": assigned,
                    "deadline": deadline,
                }
            )
    if earlier:
        _insert(ProblemAssignment, earlier)
    print(f"  assignment history written ({len(earlier):,} transfers)", file=sys.stderr, flush=True)


def _chief_history() -> None:
    """One assigned problem in ten was held by its village's chief first (a township chief's
    交办 before the department took it): the user index of the history then has real values,
    as in a live database, instead of NULL everywhere (which made SQLite scan the table)."""
    from django.db import connection

    from riverchief.accounts.models import User
    from riverchief.problems.models import Problem, ProblemAssignment

    chiefs = dict(
        User.objects.filter(role="chief", division__level=12, division__code__startswith="99")
        .order_by("division__code", "pk")
        .values_list("division__code", "pk")
    )
    problems = Problem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id, d.code, p.created_at, p.assigned_at, p.deadline FROM {problems} p "  # noqa: S608
            "JOIN registry_division d ON d.id = p.division_id WHERE p.tracking_code LIKE 'bp%%' "
            "AND p.assignee_department_id > 0 AND p.id % 10 = 0"
        )
        rows = [
            {
                "problem_id": pk,
                "user_id": chiefs[code],
                "start": created,
                "end": assigned,
                "deadline": deadline,
            }
            for pk, code, created, assigned, deadline in cursor.fetchall()
            if code in chiefs
        ]
    for first in range(0, len(rows), BATCH):
        _insert(ProblemAssignment, rows[first : first + BATCH])
    print(f"  chief history written ({len(rows):,} rows)", file=sys.stderr, flush=True)


def _add_chief_history(marker: dict) -> dict:
    from django.db import connection, transaction

    from riverchief.core import settings_store

    with transaction.atomic():
        _chief_history()
        marker = {**marker, "chief_history": True}
        settings_store.put(MARKER_KEY, marker)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return marker


def _open_current_holders(marker: dict) -> dict:
    """As the workflow does: a holding ends when the problem is handed on, not when it closes."""
    from django.db import connection, transaction

    from riverchief.core import settings_store
    from riverchief.problems.models import Problem, ProblemAssignment

    history, problems = ProblemAssignment._meta.db_table, Problem._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {history} SET "end" = NULL WHERE "end" IS NOT NULL AND EXISTS '  # noqa: S608
            f"(SELECT 1 FROM {problems} p WHERE p.id = {history}.problem_id AND "
            f"p.assignee_department_id = {history}.department_id)"
        )
        marker = {**marker, "open_holders": True}
        settings_store.put(MARKER_KEY, marker)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return marker


def child(args) -> dict:
    data_dir = Path(args.data_dir)
    _setup(args.url, data_dir, args.regenerate)
    from django.db import connection

    figures = {"database": args.child, "vendor": connection.vendor}
    figures["data"] = _generate(args.problems, args.events, args.seed)
    from riverchief.problems.models import Problem, ProblemEvent

    figures["counts"] = {
        "problems": Problem.objects.count(),
        "events": ProblemEvent.objects.count(),
    }
    parts = set(args.parts.split(","))
    if "pages" in parts:
        figures["pages"] = _pages(args.requests)
    if "export" in parts:
        figures["export"] = _export(args.export_rows)
    connection.close()
    if "create" in parts:
        figures["create"] = _create(args.url, data_dir, args.create_seconds)
    return figures


def _run_child(database: str, args) -> dict:
    data = ROOT / "bench" / "results" / "data" / f"problems-{database}"
    data.mkdir(parents=True, exist_ok=True)
    if database == "sqlite":
        url = f"sqlite:///{data / 'riverchief.sqlite3'}"
    else:
        url = f"{args.postgres.rstrip('/')}/{POSTGRES_NAME}"
    command = [
        sys.executable,
        __file__,
        "--child",
        database,
        "--url",
        url,
        "--data-dir",
        str(data),
        "--problems",
        str(args.problems),
        "--events",
        str(args.events),
        "--requests",
        str(args.requests),
        "--export-rows",
        str(args.export_rows),
        "--create-seconds",
        str(args.create_seconds),
        "--seed",
        str(args.seed),
        "--parts",
        args.parts,
        *(["--regenerate"] if args.regenerate else []),
    ]
    env = {**os.environ, "RIVERCHIEF_LOG_LEVEL": "WARNING"}
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{database}: the run failed\n{done.stdout}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(results: list[dict]) -> tuple[str, bool]:
    met = True
    lines = [
        "problem pages, export and creation at province scale",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}",
    ]
    for r in results:
        data = r["data"]
        lines += [
            "",
            f"{r['database']}: {r['counts']['problems']:,} problems, {r['counts']['events']:,} "
            f"timeline entries (generated in {data['generate_s']:.0f} s"
            f"{', reused' if data.get('reused') else ''})",
            f"  {'page':<58}{'account':<20}{'n':>4}{'p50':>9}{'p95':>9}{'target':>8}{'ratio':>7}",
        ]
        for row in r.get("pages", []):
            ratio = row["p95"] / row["target"]
            met &= ratio <= 1
            lines.append(
                f"  {row['page'][:57]:<58}{row['account']:<20}{row['n']:>4}"
                f"{row['p50']:>7.0f}ms{row['p95']:>7.0f}ms{row['target']:>6}ms{ratio:>7.2f}"
            )
        export = r.get("export")
        if export is not None:
            ratio = export["seconds"] / EXPORT_TARGET_S
            met &= ratio <= 1 and export["status"] == 200
            lines.append(
                f"  Excel export: {export['rows']:,} problems, {export['megabytes']:.1f} MB in "
                f"{export['seconds']:.1f} s (first byte after {export['first_byte_s']:.2f} s); "
                f"target {EXPORT_TARGET_S} s, ratio {ratio:.2f}"
            )
        create = r.get("create")  # each part is printed when it ran (--parts)
        if create is None:
            continue
        ratio = create["per_second"] / CREATE_TARGET
        met &= ratio >= 1
        lines.append(
            f"  API creation: {create['created']:,} created in {create['seconds']:.1f} s by "
            f"{create['clients']} client threads = {create['per_second']:.0f}/s; target "
            f"{CREATE_TARGET}/s, ratio {ratio:.2f}; {create['failed']} failed "
            f"{create['first_failure']}"
        )
    return "\n".join(lines), met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--problems", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10, help="timeline entries per problem")
    parser.add_argument("--requests", type=int, default=40, help="per page and account")
    parser.add_argument("--export-rows", type=int, default=100_000)
    parser.add_argument("--create-seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--parts", default="pages,export,create", help="which of pages,export,create to run"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RIVERCHIEF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        ),
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args), default=str))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        print(f"{database}: data, pages, export, creation …", flush=True)
        results.append(_run_child(database, args))
    table, met = _table(results)
    print(table)
    out = ROOT / "bench" / "results" / f"problems-pages-{datetime.now():%Y%m%d-%H%M}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table + "\n", encoding="utf-8")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
