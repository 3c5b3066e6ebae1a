"""The patrol compliance report for a province: 55k people, 2.5M patrols in a year, ≤ 2 s.

    python bench/patrols_compliance.py [--database sqlite|postgresql|both] [--people 55000]
                                       [--patrols 2500000] [--period 2026-11] [--seed 1]
                                       [--regenerate] [--postgres URL]

For each database, in a process of its own, it makes (or reuses, when the cached one holds the
same size and seed) a synthetic province 99: 10 cities, 90 counties, 14 townships a county, 16
villages a township; at each village a chief and a patroller (30 % a second one), five chiefs a
township, 25 a county, each with an account and a chief assignment on a reach of their division;
then a year (2026) of patrols, bulk-inserted with raw SQL (executemany on SQLite, COPY on
PostgreSQL): village chiefs and patrollers about weekly, township chiefs 1–2 a month, county
chiefs about quarterly, 9 in 10 valid. --people and --patrols scale the set down when the
machine is too slow for the full one (the report says which scale was measured).

It then times `compliance.report()` for --period as the province office (s99_office1) and as a
system administrator: three runs each, the best and the median, against the 2 s target.
SQLite lives in bench/results/data/patrols-compliance-sqlite-<people>/, PostgreSQL in the
database riverchief_bench_patrols (kept between runs; --regenerate rebuilds).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 2.0
POSTGRES_NAME = "riverchief_bench_patrols"
DATA = ROOT / "bench" / "results" / "data"
BATCH = 5000
YEAR = 2026
PATROL_COLUMNS = [
    "client_id",
    "user_id",
    "credited_user_id",
    "reach_id",
    "division_id",
    "division_code",
    "level",
    "role",
    "kind",
    "started_at",
    "ended_at",
    "local_date",
    "track",
    "point_count",
    "pauses",
    "duration_s",
    "distance_m",
    "median_speed_kmh",
    "max_speed_kmh",
    "metrics",
    "verdict",
    "reasons",
    "flags",
    "credited",
    "problem_count",
    "approval",
    "approval_note",
    "note",
    "source_file",
    "created_at",
]


# --- the child: one database --------------------------------------------------------------------


def _setup(url: str, fresh: bool) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from generate import prepare_database  # bench/generate.py

    prepare_database(url, fresh=fresh)
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _tree(rng: random.Random):
    """[(code, level)] for cities, counties, townships, villages of province 99."""
    cities = [f"99{c:02d}00000000" for c in range(1, 11)]
    counties = [f"{city[:4]}{k:02d}000000" for city in cities for k in range(21, 30)]
    townships = [f"{county[:6]}{100 + t:03d}000" for county in counties for t in range(14)]
    villages = [f"{town[:9]}{201 + v:03d}" for town in townships for v in range(16)]
    return cities, counties, townships, villages


def _generate(people_target: int, patrol_target: int, seed: int) -> dict:
    from django.db import connection, transaction

    from riverchief.accounts.models import User
    from riverchief.registry.models import (
        ChiefAssignment,
        Division,
        Reach,
        WaterBody,
    )

    rng = random.Random(seed)
    cities, counties, townships, villages = _tree(rng)
    scale = min(1.0, people_target / 55_000)
    if scale < 1.0:  # fewer villages and townships, same shape
        townships = townships[: max(1, int(len(townships) * scale))]
        kept = {t[:9] for t in townships}
        villages = [v for v in villages if v[:9] in kept]
        counties = sorted({t[:6] + "000000" for t in townships})
        cities = sorted({c[:4] + "00000000" for c in counties})
    with transaction.atomic():
        province = Division.objects.create(
            code="990000000000", name="演示省", level=2, is_demo=True
        )
        ids = {province.code: province.pk}
        for codes, level, parent_len in (
            (cities, 4, 2),
            (counties, 6, 4),
            (townships, 9, 6),
            (villages, 12, 9),
        ):
            rows = [
                Division(
                    code=code,
                    name=f"区划{code[-6:]}",
                    level=level,
                    parent_id=ids[code[:parent_len].ljust(12, "0")],
                    is_demo=True,
                )
                for code in codes
            ]
            Division.objects.bulk_create(rows, batch_size=BATCH)
            ids.update(Division.objects.filter(code__in=codes).values_list("code", "pk"))
        bodies = [
            WaterBody(
                code=f"R{c[:6]}", name=f"河{c[:6]}", kind="river", division_id=ids[c], is_demo=True
            )
            for c in counties
        ]
        WaterBody.objects.bulk_create(bodies, batch_size=BATCH)
        body_ids = dict(WaterBody.objects.filter(code__startswith="R99").values_list("code", "pk"))
        levels = {6: "county", 9: "township", 12: "village"}
        reach_rows = []
        for codes, digits in ((counties, 6), (townships, 9), (villages, 12)):
            for code in codes:
                reach_rows.append(
                    Reach(
                        code=f"R{code[:digits]}",
                        name=f"河段{code[:digits]}",
                        water_body_id=body_ids[f"R{code[:6]}"],
                        division_id=ids[code],
                        level=levels[digits],
                        is_demo=True,
                    )
                )
        Reach.objects.bulk_create(reach_rows, batch_size=BATCH)
        reach_ids = dict(Reach.objects.filter(code__startswith="R99").values_list("code", "pk"))
        users, plan = [], []  # plan: (username, division code, level, role, assignment role)
        for code in counties:
            for k in range(25):
                plan.append(
                    (f"c{code[:6]}_{k}", code, "county", "chief", "河长" if k == 0 else "河段长")
                )
        for code in townships:
            for k in range(5):
                plan.append(
                    (f"t{code[:9]}_{k}", code, "township", "chief", "河长" if k == 0 else "河段长")
                )
        for code in villages:
            plan.append((f"v{code}_c", code, "village", "chief", "河长"))
            plan.append((f"v{code}_p", code, "village", "patroller", "巡河员"))
            if rng.random() < 0.3:
                plan.append((f"v{code}_q", code, "village", "patroller", "保洁员"))
        for username, code, _level, role, _arole in plan:
            users.append(
                User(
                    username=username,
                    password="!",  # unusable: nobody signs in as these
                    role=role,
                    division_id=ids[code],
                    full_name=username,
                    is_demo=True,
                )
            )
        users.append(
            User(username="s99_office1", password="!", role="office", division_id=province.pk)
        )
        User.objects.bulk_create(users, batch_size=BATCH)
        user_ids = dict(User.objects.filter(is_demo=True).values_list("username", "pk"))
        digits = {"county": 6, "township": 9, "village": 12}
        assignments = [
            ChiefAssignment(
                person_name=username,
                user_id=user_ids[username],
                role=arole,
                level=level,
                reach_id=reach_ids[f"R{code[: digits[level]]}"],
                division_id=ids[code],
                start_date=date(2025, 1, 1),
                is_demo=True,
            )
            for username, code, level, _role, arole in plan
        ]
        ChiefAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    per_year = {"county": 5, "township": 18, "village": 52}
    planned = sum(per_year[level] for _u, _c, level, _r, _a in plan)
    factor = patrol_target / planned
    vendor = connection.vendor
    inserted = 0
    started = time.perf_counter()
    batch: list[tuple] = []
    year_start = datetime(YEAR, 1, 1, tzinfo=UTC)
    with connection.cursor() as cursor:
        for username, code, level, role, _arole in plan:
            user_id = user_ids[username]
            reach_id = reach_ids[f"R{code[: digits[level]]}"]
            count = int(per_year[level] * factor + rng.random())
            for k in range(count):
                day = int((k + rng.random()) * 365 / max(count, 1))
                moment = year_start + timedelta(days=day, hours=rng.randint(0, 9))
                local = (moment + timedelta(hours=8)).date()
                credited = rng.random() < 0.9
                batch.append(
                    _row(
                        vendor,
                        user_id,
                        reach_id,
                        ids[code],
                        code,
                        level,
                        role,
                        moment,
                        local,
                        credited,
                        rng,
                    )
                )
                if len(batch) >= BATCH * 4:
                    inserted += _flush(cursor, vendor, batch)
                    batch = []
            if inserted and inserted % 500_000 < BATCH * 4 and batch == []:
                print(f"  {inserted:,} patrols …", flush=True)
        inserted += _flush(cursor, vendor, batch)
    with connection.cursor() as cursor:
        # Every table: the planner has to know the bulk-loaded sizes. On PostgreSQL, VACUUM also
        # sets the visibility map that lets the compliance counts be index-only scans, as
        # autovacuum does for a live database (without it the report takes ~3 s instead of ~2 s).
        cursor.execute("VACUUM ANALYZE" if vendor == "postgresql" else "ANALYZE")
    return {
        "people": len(plan),
        "patrols": inserted,
        "villages": len(villages),
        "townships": len(townships),
        "counties": len(counties),
        "insert_s": round(time.perf_counter() - started, 1),
    }


def _row(vendor, user_id, reach_id, division_id, code, level, role, moment, local, credited, rng):
    ended = moment + timedelta(minutes=30)
    if vendor == "postgresql":
        when, until, created, key = moment, ended, moment, uuid.UUID(int=rng.getrandbits(128))
        empty_list, empty_dict = "[]", "{}"
    else:
        fmt = "%Y-%m-%d %H:%M:%S"
        when, until = moment.strftime(fmt), ended.strftime(fmt)
        created, key = when, uuid.UUID(int=rng.getrandbits(128)).hex
        empty_list, empty_dict = "[]", "{}"
        credited = 1 if credited else 0
    return (
        key,
        user_id,
        user_id,
        reach_id,
        division_id,
        code,
        level,
        role,
        "normal",
        when,
        until,
        local.isoformat() if vendor != "postgresql" else local,
        "",
        1800,
        empty_list,
        1800.0,
        2100.0,
        4.2,
        6.0,
        empty_dict,
        "valid" if credited else "invalid",
        empty_list,
        empty_list,
        credited,
        0,
        "",
        "",
        "",
        "",
        created,
    )


def _flush(cursor, vendor: str, rows: list[tuple]) -> int:
    if not rows:
        return 0
    columns = ", ".join(PATROL_COLUMNS)
    if vendor == "postgresql":
        with cursor.cursor.copy(f"COPY patrols_patrol ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join(["%s"] * len(PATROL_COLUMNS))
        insert = f"INSERT INTO patrols_patrol ({columns}) VALUES ({marks})"  # noqa: S608
        cursor.executemany(insert, rows)
    return len(rows)


def _measure(period: str) -> dict:
    from riverchief.accounts.models import User
    from riverchief.patrols import compliance

    office = User.objects.select_related("division").get(username="s99_office1")
    admin = User(username="bench_sysadmin", role="sysadmin", is_active=True)
    timings = {}
    for name, user in (("province office", office), ("system administrator", admin)):
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            report = compliance.report(user, period, limit=100)
            runs.append(time.perf_counter() - started)
        timings[name] = {
            "best_s": round(min(runs), 3),
            "median_s": round(statistics.median(runs), 3),
            "people": report["people"]["count"],
            "summary_rows": len(report["summary"]),
        }
    return timings


def child(database: str, url: str, args) -> dict:
    marker_path = DATA / f"patrols-compliance-{database}-{args.people}.json"
    wanted = {"people": args.people, "patrols": args.patrols, "seed": args.seed}
    marker = json.loads(marker_path.read_text()) if marker_path.exists() else None
    reuse = not args.regenerate and marker is not None and marker.get("wanted") == wanted
    _setup(url, fresh=not reuse)
    from riverchief.patrols.models import Patrol

    if reuse and Patrol.objects.filter(division_code__startswith="99").exists():
        made = marker["made"]
        print(f"[{database}] reusing the cached data set: {made}", flush=True)
    else:
        print(
            f"[{database}] generating {args.people:,} people, {args.patrols:,} patrols …",
            flush=True,
        )
        made = _generate(args.people, args.patrols, args.seed)
        marker_path.write_text(json.dumps({"wanted": wanted, "made": made}))
        print(f"[{database}] made {made}", flush=True)
    timings = _measure(args.period)
    return {"database": database, "made": made, "timings": timings}


# --- the parent ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--people", type=int, default=55_000)
    parser.add_argument("--patrols", type=int, default=2_500_000)
    parser.add_argument("--period", default="2026-11")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RIVERCHIEF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        ),
    )
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    # One SQLite file per scale, so a small run never replaces the full data set.
    folder = DATA / f"patrols-compliance-sqlite-{args.people}"
    urls = {
        "sqlite": f"sqlite:///{folder / 'db.sqlite3'}",
        "postgresql": f"{args.postgres.rstrip('/')}/{POSTGRES_NAME}",
    }
    if args.child:
        folder.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("RIVERCHIEF_DATA_DIR", str(folder))
        result = child(args.child, urls[args.child], args)
        print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
        return 0
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        command = [sys.executable, __file__, "--child", database, *sys.argv[1:]]
        process = subprocess.run(command, capture_output=True, text=True, check=False)
        sys.stderr.write(process.stderr[-3000:] if process.returncode else "")
        for line in process.stdout.splitlines():
            if line.startswith("RESULT "):
                results.append(json.loads(line[7:]))
            else:
                print(line)
    ok = bool(results)
    print(f"\ncompliance report for {args.period}, target {TARGET_S} s")
    for result in results:
        made = result["made"]
        print(
            f"  {result['database']:<10} {made['people']:,} people, {made['patrols']:,} patrols"
            f" ({made['counties']} counties, {made['townships']} townships,"
            f" {made['villages']} villages)"
        )
        for name, t in result["timings"].items():
            met = t["best_s"] <= TARGET_S
            ok = ok and met
            print(
                f"    {name:<22} best {t['best_s']:6.3f} s  median {t['median_s']:6.3f} s"
                f"  ({t['people']:,} people, {t['summary_rows']} summary rows)"
                f"  {'met' if met else 'MISSED'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
