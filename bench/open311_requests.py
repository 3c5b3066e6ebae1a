"""Open311 GET service requests with 1,000 items in the answer: p95 must be at most 300 ms.

    python bench/open311_requests.py [--database sqlite|postgresql|both] [--reports 20000]
                                     [--requests 30] [--concurrency 4] [--postgres URL]

For each database: a fresh demo county (`riverchief demo --no-serve`), then --reports published
public reports (bulk-inserted, spread over the last 365 days, a third of them closed with the
office's answer, so the default 90-day window holds well over 1,000), then `riverchief serve`
(2 workers) on a free loopback port. Anonymous keep-alive clients time each request from sending
to the last byte:

    requests.json              the default window: the first 1,000 of ~5,000 (JSON)
    requests.xml               the same in XML (what the `open311` client and FixMyStreet read)
    status + service_code      requests.json?status=open,closed&service_code=<all codes>
    100 ids                    requests.json?service_request_id=<100 numbers>
    requests.json, N clients   the default window with --concurrency clients at once

Besides the wall-clock times, each case reports the server's CPU per request (gunicorn's
processes and, on PostgreSQL, the database's backends, from /proc): on a shared machine the
wall clock measures the neighbours too, the CPU time measures only this code.

SQLite lives in bench/results/data/open311-sqlite/, PostgreSQL in riverchief_bench_open311 (both
rebuilt on every run). Results go to bench/results/open311-<time>.json. Exit status 1 when a
1,000-item case misses 300 ms p95.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGET_MS = 300.0
POSTGRES_NAME = "riverchief_bench_open311"


# --- the data set (run in a child process with the server's environment) -----------------------


def seed(reports: int, rng_seed: int) -> dict:
    import django

    django.setup()
    import secrets

    from django.db import transaction
    from django.utils import timezone

    from riverchief.portal.categories import PUBLIC_CATEGORIES
    from riverchief.portal.models import PublicReport
    from riverchief.problems.models import Category, Problem, ProblemEvent
    from riverchief.registry.models import Division

    rng = random.Random(rng_seed)
    now = timezone.now()
    county = Division.objects.get(code="140826000000")
    villages = list(Division.objects.filter(level=5, code__startswith="140826"))
    categories = {c.code: c for c in Category.objects.all()}
    problems, publics, numbers = [], [], []
    for index in range(reports):
        public = rng.choice(PUBLIC_CATEGORIES)
        created = now - timedelta(days=rng.uniform(0, 365))
        closed = rng.random() < 0.33
        number = f"WT-B{index:07d}"
        numbers.append(number)
        lon, lat = 111.3 + rng.random() * 0.3, 35.4 + rng.random() * 0.2
        problems.append(
            Problem(
                number=number,
                tracking_code=secrets.token_urlsafe(18),
                source="public",
                public=True,
                category=categories[public.internal],
                state="closed" if closed else rng.choice(["accepted", "assigned", "in_progress"]),
                description=f"河道问题第 {index} 号：岸边有垃圾和漂浮物，请尽快清理。" * 2,
                lon=lon,
                lat=lat,
                division=rng.choice(villages) if villages else county,
                created_at=created,
                updated_at=created + timedelta(days=2),
                accepted_at=created + timedelta(hours=2),
                closed_at=created + timedelta(days=8) if closed else None,
            )
        )
    with transaction.atomic():
        Problem.objects.bulk_create(problems, batch_size=2000)
        stored = {p.number: p for p in Problem.objects.filter(number__in=numbers)}
        events = []
        for number in numbers:
            problem = stored[number]
            publics.append(
                PublicReport(
                    tracking_code=secrets.token_hex(5).upper(),
                    problem=problem,
                    public_category=next(
                        c.code for c in PUBLIC_CATEGORIES if c.internal == problem.category.code
                    ),
                    channel="web",
                    submitted_lon=problem.lon,
                    submitted_lat=problem.lat,
                    answer_due=problem.created_at + timedelta(days=14),
                    created_at=problem.created_at,
                )
            )
            if problem.state == "closed":
                events.append(
                    ProblemEvent(
                        problem=problem,
                        at=problem.closed_at,
                        action="close",
                        from_state="pending_verification",
                        to_state="closed",
                        note="已清理完毕，感谢监督。",
                    )
                )
        PublicReport.objects.bulk_create(publics, batch_size=2000)
        ProblemEvent.objects.bulk_create(events, batch_size=2000)
    # Statistics as autovacuum would have them on a live database: right after a bulk load the
    # planner still thinks the tables are nearly empty and picks plans for a dozen rows.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    in_window = Problem.objects.filter(
        number__startswith="WT-B", created_at__gte=now - timedelta(days=90)
    ).count()
    return {"reports": reports, "in_90_days": in_window, "numbers": rng.sample(numbers, 100)}


# --- the parent: server and clients ------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database(database: str, postgres: str, data_dir: Path) -> str:
    if data_dir.exists():
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    if database == "sqlite":
        return ""
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{postgres}/postgres", autocommit=True) as conn:
        name = sql.Identifier(POSTGRES_NAME)
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return f"{postgres}/{POSTGRES_NAME}"


def _get(connection, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: {answer.status} {body[:300]!r}")
    return elapsed, body


def _time(port: int, paths: list[str], clients: int = 1) -> tuple[list[float], float, bytes]:
    times: list[float] = []
    bodies: list[bytes] = []
    errors: list[BaseException] = []

    def client(share):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for path in share:
                elapsed, body = _get(connection, path)
                times.append(elapsed)
                bodies.append(body)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=client, args=(paths[n::clients],)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return times, time.perf_counter() - started, bodies[0]


def _cpu_ticks(server_pid: int, postgres) -> dict[int, int]:
    import load  # bench/load.py

    pids = load.process_tree(server_pid)
    if postgres is not None:
        rows = postgres.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        pids += [pid for (pid,) in rows]
    return {pid: ticks for pid in pids if (ticks := load.process_ticks(pid)) is not None}


def _cpu_ms(before: dict[int, int], after: dict[int, int]) -> float:
    import load

    return sum(t - before.get(pid, 0) for pid, t in after.items()) * 1000 / load.TICKS


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] * 1000


def run(database: str, args) -> list[dict]:
    data_dir = BENCH / "results" / "data" / f"open311-{database}"
    url = _database(database, args.postgres, data_dir)
    env = dict(
        os.environ,
        RIVERCHIEF_DATA_DIR=str(data_dir),
        RIVERCHIEF_DATABASE_URL=url,
        RIVERCHIEF_ALLOWED_HOSTS="127.0.0.1,localhost",
        RIVERCHIEF_HTTPS="0",
        DJANGO_SETTINGS_MODULE="riverchief.settings",
        RIVERCHIEF_LOG_LEVEL="WARNING",
    )
    riverchief = [sys.executable, "-m", "riverchief", "--data-dir", str(data_dir)]
    subprocess.run([*riverchief, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    seeded = subprocess.run(
        [sys.executable, __file__, "--child-seed", str(args.reports), "--seed", str(args.seed)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    facts = json.loads(seeded.stdout.strip().splitlines()[-1])
    print(f"[{database}] {facts['reports']:,} reports, {facts['in_90_days']:,} in 90 days")
    port = _free_port()
    log = (data_dir / "server.log").open("ab")
    server = subprocess.Popen(
        [*riverchief, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    rows = []
    try:
        for _attempt in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.25)
        from riverchief.portal.categories import BY_CODE

        base = "/open311/v2/requests"
        every_code = ",".join(BY_CODE)
        n = args.requests
        cases = [
            ("requests.json (default 90 days)", [f"{base}.json"] * n, 1, True),
            ("requests.xml (default 90 days)", [f"{base}.xml"] * n, 1, True),
            (
                "status + service_code filters",
                [f"{base}.json?status=open,closed&service_code={every_code}"] * n,
                1,
                True,
            ),
            (
                "100 ids",
                [f"{base}.json?service_request_id={','.join(facts['numbers'])}"] * n,
                1,
                False,
            ),
            (
                f"requests.json, {args.concurrency} clients",
                [f"{base}.json"] * (n * 2),
                args.concurrency,
                True,
            ),
        ]
        for _name, paths, _clients, _target in cases:  # warm both workers
            _time(port, paths[:4], clients=2)
        postgres = None
        if url:
            import psycopg

            postgres = psycopg.connect(url, autocommit=True)
        for name, paths, clients, targeted in cases:
            before = _cpu_ticks(server.pid, postgres)
            times, wall, body = _time(port, paths, clients)
            cpu = _cpu_ms(before, _cpu_ticks(server.pid, postgres)) / len(times)
            items = body.count(b"<request>") if body.startswith(b"<?xml") else len(json.loads(body))
            row = {
                "database": database,
                "case": name,
                "items": items,
                "bytes": len(body),
                "p50_ms": round(statistics.median(times) * 1000, 1),
                "p95_ms": round(_p95(times), 1),
                "req_per_s": round(len(times) / wall, 1),
                "server_cpu_ms": round(cpu, 1),
                "target_ms": TARGET_MS if targeted else None,
            }
            rows.append(row)
            verdict = ""
            if targeted:
                verdict = "ok" if row["p95_ms"] <= TARGET_MS else "MISSED"
            print(
                f"[{database}] {name:34} {items:5} items {len(body) / 1e6:5.2f} MB  "
                f"p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  "
                f"{row['req_per_s']:5.1f} req/s  CPU {cpu:5.0f} ms/req  {verdict}",
                flush=True,
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reports", type=int, default=20000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child-seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RIVERCHIEF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        ),
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    if args.child_seed:
        print(json.dumps(seed(args.child_seed, args.seed)))
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    rows = [row for database in databases for row in run(database, args)]
    out = BENCH / "results" / f"open311-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({"load": os.getloadavg(), "rows": rows}, indent=1))
    print(f"load average at the end: {os.getloadavg()}")
    print(f"results: {out}")
    missed = [r for r in rows if r["target_ms"] and r["p95_ms"] > r["target_ms"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
