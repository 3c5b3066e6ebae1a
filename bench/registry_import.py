"""Time `riverchief import registry` with a province-size workbook on SQLite and PostgreSQL.

    python bench/registry_import.py [--database sqlite|postgresql|both] [--reaches 150000]
                                    [--assignments 55000] [--dams 2000] [--postgres URL]
                                    [--workbook FILE] [--keep]

The workbook is made up: a province 98 (模拟省) with 10 cities, 90 counties and ~1,300 townships
(each with a rectangular outline), ~10,000 rivers, the reaches (each a 12-point line inside its
township, so every reach is checked against its township's outline), reservoirs and check dams
half and half, and one active 河长 per reach for the first `--assignments` reaches. It is written
once to bench/results/registry-import/province.xlsx (reused when the sizes match).

For each database the command runs in a subprocess, as an operator would: `riverchief migrate`
on a fresh database (SQLite in a temporary folder; PostgreSQL `riverchief_bench_import`, dropped
afterwards), then `riverchief import registry FILE` twice: the first import writes everything,
the second must change nothing. The target is the first import ≤ 60 s.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 60.0
PROVINCE = "98"
RESULTS = ROOT / "bench" / "results" / "registry-import"
CPU: list[float] = []  # CPU seconds (user + system) of each riverchief subprocess


def make_workbook(path: Path, reaches: int, assignments: int, dams: int, seed: int = 1) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    os.environ.setdefault("RIVERCHIEF_DATA_DIR", str(RESULTS / "data"))
    import django

    django.setup()
    from riverchief.registry import workbook

    rng = random.Random(seed)
    divisions = [{"code": PROVINCE.ljust(12, "0"), "name": "模拟省", "is_demo": True}]
    townships = []
    for c in range(1, 11):
        city = f"{PROVINCE}{c:02d}"
        divisions.append({"code": city.ljust(12, "0"), "name": f"模拟{c}市", "is_demo": True})
        for k in range(9):
            county = f"{city}{21 + k:02d}"
            divisions.append(
                {"code": county.ljust(12, "0"), "name": f"模拟{c}-{k}县", "is_demo": True}
            )
            for t in range(rng.randint(10, 19)):
                code = f"{county}{100 + t:03d}"
                n = len(townships)
                lon0, lat0 = 105.0 + (n % 60) * 0.2, 28.0 + (n // 60) * 0.2
                outline = {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [lon0, lat0],
                            [lon0 + 0.2, lat0],
                            [lon0 + 0.2, lat0 + 0.2],
                            [lon0, lat0 + 0.2],
                            [lon0, lat0],
                        ]
                    ],
                }
                townships.append((code, lon0, lat0))
                divisions.append(
                    {
                        "code": code + "000",
                        "name": f"模拟{n}镇",
                        "is_demo": True,
                        "geometry": outline,
                    }
                )
    per_township = max(1, reaches // len(townships) + 1)
    rivers = []
    reach_rows = []
    for n, (code, lon0, lat0) in enumerate(townships):
        for r in range(per_township):
            if len(reach_rows) >= reaches:
                break
            if r % 15 == 0:
                river = f"R98{n:04d}{r // 15:02d}"
                rivers.append(
                    {
                        "code": river,
                        "name": f"模拟河{n}-{r // 15}",
                        "kind": "river",
                        "division_code": code,
                        "basin": "模拟流域",
                        "is_demo": True,
                    }
                )
            x = lon0 + 0.01 + (r % 12) * 0.015
            y = lat0 + 0.01 + (r // 12) * 0.015
            line = [[round(x + i * 0.001, 6), round(y + i * 0.0007, 6)] for i in range(12)]
            reach_rows.append(
                {
                    "code": f"{river}-{r:03d}",
                    "name": f"模拟河段{n}-{r}",
                    "water_body_code": river,
                    "division_code": code,
                    "start_description": "起点",
                    "end_description": "终点",
                    "is_demo": True,
                    "geometry": {"type": "LineString", "coordinates": line},
                }
            )
    facility_rows: dict[str, list] = {"reservoir": [], "check_dam": []}
    for i in range(dams):
        code, lon0, lat0 = townships[i % len(townships)]
        kind = "reservoir" if i % 2 == 0 else "check_dam"
        row = {
            "code": f"F98{i:05d}",
            "name": f"模拟{'水库' if kind == 'reservoir' else '淤地坝'}{i}",
            "division_code": code,
            "lon": round(lon0 + 0.1 + (i % 7) * 0.01, 6),
            "lat": round(lat0 + 0.1, 6),
            "is_demo": True,
            "total_capacity": 12.5,
            "dam_height": 15.0,
            "admin_person_name": "张三",
            "admin_person_phone": "13800000000",
        }
        row["scale" if kind == "reservoir" else "dam_class"] = (
            "small_1" if kind == "reservoir" else "key"
        )
        facility_rows[kind].append(row)
    assignment_rows = [
        {
            "person_name": f"河长{i}",
            "person_phone": f"139{i:08d}",
            "role": "河长",
            "level": "township",
            "reach_code": row["code"],
            "start_date": "2024-01-01",
            "is_demo": True,
        }
        for i, row in enumerate(reach_rows[:assignments])
    ]
    writer = workbook.Writer()
    counts = {}
    sources = {
        "divisions": divisions,
        "waterbodies": rivers,
        "reaches": reach_rows,
        "assignments": assignment_rows,
        **facility_rows,
    }
    for sheet in workbook.SHEETS:
        counts[sheet.key] = writer.sheet(sheet, sources.get(sheet.key, []))
    path.parent.mkdir(parents=True, exist_ok=True)
    writer.save(path)
    return counts


def _env(data_dir: Path, url: str) -> dict:
    env = dict(os.environ)
    env["RIVERCHIEF_DATA_DIR"] = str(data_dir)
    env["RIVERCHIEF_DATABASE_URL"] = url
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _riverchief(env: dict, *args: str) -> tuple[float, str]:
    """(wall seconds, last line of output); the CPU seconds go to CPU[-1]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "riverchief", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
        cwd=ROOT,
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(
            f"riverchief {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return elapsed, result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def run_one(name: str, url: str, data_dir: Path, book: Path) -> tuple[float, float, float, float]:
    env = _env(data_dir, url)
    _riverchief(env, "migrate")
    first, summary = _riverchief(env, "import", "registry", str(book))
    first_cpu = CPU[-1]
    print(f"{name:<11} first import  {first:7.1f} s wall, {first_cpu:6.1f} s CPU   {summary[:150]}")
    second, summary2 = _riverchief(env, "import", "registry", str(book))
    second_cpu = CPU[-1]
    print(
        f"{name:<11} second import {second:7.1f} s wall, {second_cpu:6.1f} s CPU   {summary2[:150]}"
    )
    if " 0 created" not in summary2 or "updated" in summary2.replace(" 0 updated", ""):
        print(f"{name:<11} WARNING: the second import changed something")
    return first, second, first_cpu, second_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reaches", type=int, default=150_000)
    parser.add_argument("--assignments", type=int, default=55_000)
    parser.add_argument("--dams", type=int, default=2_000)
    parser.add_argument("--workbook", type=Path, default=None)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "RIVERCHIEF_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432"
        ),
    )
    args = parser.parse_args()
    book = args.workbook or RESULTS / f"province-{args.reaches}-{args.assignments}-{args.dams}.xlsx"
    if not book.exists():
        started = time.perf_counter()
        counts = make_workbook(book, args.reaches, args.assignments, args.dams)
        print(
            f"workbook {book} written in {time.perf_counter() - started:.0f} s: "
            + ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        )
    print(
        f"workbook: {book} ({book.stat().st_size / 1e6:.1f} MB); machine: {os.cpu_count()} cores, "
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    results = {}
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="rc-bench-import-") as folder:
            results["SQLite"] = run_one("SQLite", "", Path(folder), book)
    if args.database in ("postgresql", "both"):
        import psycopg

        name = "riverchief_bench_import"
        with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            with tempfile.TemporaryDirectory(prefix="rc-bench-import-") as folder:
                results["PostgreSQL"] = run_one(
                    "PostgreSQL", f"{args.postgres}/{name}", Path(folder), book
                )
        finally:
            with psycopg.connect(f"{args.postgres}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print()
    print(
        "load average after: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + f" on {os.cpu_count()} cores"
    )
    print(
        f"{'database':<11} {'first wall s':>12} {'first CPU s':>11} {'second wall s':>13} "
        f"{'second CPU s':>12} {'target s':>8} {'ratio':>6}"
    )
    for name, (first, second, first_cpu, second_cpu) in results.items():
        print(
            f"{name:<11} {first:12.1f} {first_cpu:11.1f} {second:13.1f} {second_cpu:12.1f} "
            f"{TARGET_S:8.0f} {first / TARGET_S:6.2f}"
        )
    print("ratio: first import wall time / target (≤ 1.00 meets it); on a busy machine the CPU")
    print("seconds (importer process only, the database server's work not included) say more.")
    return 0 if all(values[0] <= TARGET_S for values in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
