"""Lab import of a million values against the raw insert of the same rows, and the trend page.

    python bench/wq_import.py [--database sqlite|postgresql|both] [--values 1000000]
                              [--sections 400] [--postgres URL]

Makes a lab results CSV (one row per sample, 25 item columns with Chinese headers and units,
some "ND", "<x", "0.01L" and µg/L columns, as labs write them) for --sections sections and
enough sampling times to reach --values values. On a fresh migrated database (SQLite in a
temporary folder; PostgreSQL database riverchief_bench_wq, dropped afterwards) it then times, in
the same run and on the same database:

    import   riverchief.monitoring.lab_import.import_samples (read, check every cell, resolve
             sections, look for stored duplicates, write samples and values, audit)
    raw      the same sample and value rows written by hand: executemany on SQLite's own
             connection, COPY on PostgreSQL, nothing checked

and prints both rates with their ratio (target: import ≥ 50 % of raw). Then it times the
section page (one year of monthly samples, trends over the class bands) through the test
client: target ≤ 200 ms. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RATIO_TARGET = 0.5
PAGE_TARGET_S = 0.2
ITEMS = [
    ("WT", "水温(℃)", 5, 28, None),
    ("pH", "pH(无量纲)", 6.5, 8.8, None),
    ("DO", "溶解氧(mg/L)", 3, 11, None),
    ("CODMn", "高锰酸盐指数(mg/L)", 1, 12, None),
    ("COD", "化学需氧量(mg/L)", 8, 40, None),
    ("BOD5", "五日生化需氧量(mg/L)", 1, 8, None),
    ("NH3N", "氨氮(mg/L)", 0.05, 2.5, "ND"),
    ("TP", "总磷(mg/L)", 0.02, 0.5, "<0.01"),
    ("TN", "总氮(mg/L)", 0.5, 4, None),
    ("Cu", "铜(mg/L)", 0.001, 0.05, "<0.001"),
    ("Zn", "锌(mg/L)", 0.05, 0.3, "ND"),
    ("F", "氟化物(mg/L)", 0.2, 1.2, None),
    ("Se", "硒(mg/L)", 0.0004, 0.005, "0.0004L"),
    ("As", "砷(µg/L)", 0.3, 20, "未检出"),
    ("Hg", "汞(µg/L)", 0.04, 0.2, "ND"),
    ("Cd", "镉(mg/L)", 0.0005, 0.003, "<0.0005"),
    ("Cr6", "六价铬(mg/L)", 0.004, 0.03, "ND"),
    ("Pb", "铅(mg/L)", 0.0025, 0.02, "<0.0025"),
    ("CN", "氰化物(mg/L)", 0.004, 0.05, "未检出"),
    ("VPhenol", "挥发酚(mg/L)", 0.0003, 0.004, "<0.0003"),
    ("Oil", "石油类(mg/L)", 0.01, 0.2, "ND"),
    ("LAS", "阴离子表面活性剂(mg/L)", 0.05, 0.2, "ND"),
    ("S2", "硫化物(mg/L)", 0.003, 0.1, "0.003L"),
    ("FC", "粪大肠菌群(个/L)", 200, 30000, None),
    ("chla", "叶绿素a(mg/m³)", 2, 30, None),
]


def make_csv(path: Path, sections: list[str], values: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    per_row = len(ITEMS)
    rows = -(-values // per_row)
    times = -(-rows // len(sections))
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["断面编码", "采样时间", "检测单位", *(header for _c, header, *_ in ITEMS)])
        written = 0
        for t in range(times):
            day, hour = divmod(t, 8)
            when = (
                f"{2000 + day // 336}-{day // 28 % 12 + 1:02d}-{day % 28 + 1:02d} {8 + hour:02d}:00"
            )
            for code in sections:
                if written >= rows:
                    break
                cells = [code, when, "基准实验室"]
                for _item, _header, low, high, censored in ITEMS:
                    if censored and rng.random() < 0.3:
                        cells.append(censored)
                    else:
                        cells.append(f"{rng.uniform(low, high):.4g}")
                writer.writerow(cells)
                written += 1
    return rows * per_row


def setup_django(url: str, data_dir: str) -> None:
    os.environ["RIVERCHIEF_DATABASE_URL"] = url
    os.environ["RIVERCHIEF_DATA_DIR"] = data_dir
    os.environ.setdefault("RIVERCHIEF_ALLOWED_HOSTS", "testserver,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_sections(count: int) -> list[str]:
    from riverchief.registry import services

    for code, name in (("14", "山西省"), ("1408", "运城市"), ("140826", "绛县")):
        services.upsert_division(None, code=code, name=name)
    codes = []
    for n in range(count):
        code = f"BENCH-{n:04d}"
        services.save_facility(
            None,
            {
                "kind": "section",
                "code": code,
                "name": f"基准断面{n}",
                "division_code": "140826",
                "lon": 111.4 + n % 20 * 0.01,
                "lat": 35.4 + n // 20 * 0.005,
                "details": {
                    "control_level": "county",
                    "waterbody_type": "river",
                    "target_class": "III",
                },
            },
        )
        codes.append(code)
    return codes


def clear() -> None:
    from riverchief.monitoring.models import Sample, SampleValue

    SampleValue.objects.all().delete()
    Sample.objects.all().delete()


def raw_insert(rows: list[tuple], values_of: list[list[tuple]]) -> float:
    """The sample rows, then their value rows, by hand; returns seconds."""
    from django.db import connection, transaction

    from riverchief.monitoring.lab_import import VALUE_COLUMNS

    sample_columns = "section_id, sampled_at, lab, method, raw, source_file, created_at"
    start = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY monitoring_sample ({sample_columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cursor.execute("SELECT id FROM monitoring_sample ORDER BY id")  # insertion order
                ids = [i for (i,) in cursor.fetchall()]
                columns = ", ".join(VALUE_COLUMNS)
                with cursor.copy(f"COPY monitoring_samplevalue ({columns}) FROM STDIN") as copy:
                    for sample_id, values in zip(ids, values_of, strict=True):
                        for value in values:
                            copy.write_row((sample_id, *value))
        else:
            connection.ensure_connection()
            raw = connection.connection
            raw.executemany(
                f"INSERT INTO monitoring_sample ({sample_columns}) VALUES (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                rows,
            )
            ids = [i for (i,) in raw.execute("SELECT id FROM monitoring_sample ORDER BY id")]
            marks = ", ".join("?" * len(VALUE_COLUMNS))
            raw.executemany(
                f"INSERT INTO monitoring_samplevalue ({', '.join(VALUE_COLUMNS)}) VALUES ({marks})",  # noqa: S608, E501
                (
                    (sample_id, *value)
                    for sample_id, values in zip(ids, values_of, strict=True)
                    for value in values
                ),
            )
    return time.perf_counter() - start


def rows_for_raw(path: Path) -> tuple[list[tuple], list[list[tuple]]]:
    """The same rows the import writes, prepared outside the timing (as a raw loader has them)."""
    import json
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from riverchief.monitoring import lab_import, labfile
    from riverchief.monitoring.models import Parameter
    from riverchief.registry.models import Facility

    limits = {
        code: None if limit is None else Decimal(repr(limit))
        for code, limit in Parameter.objects.values_list("code", "detection_limit")
    }
    sheet, header, grid = lab_import.read_rows(path)
    table = labfile.read_table(header, grid, limits)
    assert not table.errors, table.errors[:3]
    ids = dict(Facility.objects.filter(kind="section").values_list("code", "id"))
    now = timezone.now()
    samples, values = [], []
    pg = connection.vendor == "postgresql"
    for sample in table.samples:
        at = (
            sample.sampled_at if pg else connection.ops.adapt_datetimefield_value(sample.sampled_at)
        )
        created = now if pg else connection.ops.adapt_datetimefield_value(now)
        samples.append(
            (
                ids[sample.section],
                at,
                sample.lab,
                sample.method,
                json.dumps(sample.raw),
                "raw",
                created,
            )
        )
        values.append(
            [
                (code, v.value, v.below_detection, v.detection_limit, v.raw)
                for code, v in sample.values.items()
            ]
        )
    return samples, values


def page_time(code: str) -> float:
    from django.test import Client

    from riverchief.accounts import services
    from riverchief.accounts.models import User

    user = User.objects.filter(username="bench").first()
    if user is None:
        services.create_user(
            None,
            username="bench",
            role="sysadmin",
            password="bench-password-1",
            must_change_password=False,
        )
        user = User.objects.get(username="bench")
    client = Client()
    client.force_login(user)
    client.get(f"/water-quality/sections/{code}/")  # warm
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        answer = client.get(f"/water-quality/sections/{code}/")
        best = min(best, time.perf_counter() - start)
        assert answer.status_code == 200
    return best


def run(database: str, args) -> bool:
    folder = tempfile.mkdtemp(prefix="riverchief-bench-wq-")
    if database == "sqlite":
        url = ""
    else:
        import psycopg

        base = args.postgres.rsplit("/", 1)[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS riverchief_bench_wq")
            conn.execute("CREATE DATABASE riverchief_bench_wq")
        url = f"{base}/riverchief_bench_wq"
    setup_django(url, folder)
    from riverchief.monitoring import lab_import

    sections = make_sections(args.sections)
    path = Path(folder) / "lab.csv"
    count = make_csv(path, sections, args.values)
    samples, values = rows_for_raw(path)
    raw_s = raw_insert(samples, values)
    clear()
    start = time.perf_counter()
    report = lab_import.import_samples(None, path)
    import_s = time.perf_counter() - start
    assert report.written and not report.errors, report.lines()[:5]
    assert report.values == count, (report.values, count)
    again = time.perf_counter()
    second = lab_import.import_samples(None, path)
    again_s = time.perf_counter() - again
    assert second.created == 0 and second.unchanged == report.created
    raw_rate, import_rate = count / raw_s, count / import_s
    ratio = import_rate / raw_rate
    print(f"[{database}] {count:,} values in {report.created:,} samples")
    print(
        f"  raw insert ({'COPY' if database != 'sqlite' else 'executemany'}): "
        f"{raw_s:6.2f} s  {raw_rate:12,.0f} values/s"
    )
    print(f"  lab import:           {import_s:6.2f} s  {import_rate:12,.0f} values/s")
    print(f"  ratio import/raw:     {ratio:6.1%}  (target ≥ {RATIO_TARGET:.0%})")
    print(f"  re-import (unchanged): {again_s:5.2f} s")
    # The trend page: a section with a year of monthly samples.
    from riverchief.monitoring import demo

    clear()
    header, rows = demo.sample_rows([(sections[0], False)], __import__("datetime").date.today())
    demo_path = Path(folder) / "year.csv"
    with demo_path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    lab_import.import_samples(None, demo_path)
    page_s = page_time(sections[0])
    print(f"  section page, one year of samples: {page_s * 1000:6.1f} ms (target ≤ 200 ms)")
    if database != "sqlite":
        from django.db import connections

        connections.close_all()
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS riverchief_bench_wq")
    return ratio >= RATIO_TARGET and page_s <= PAGE_TARGET_S


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--sections", type=int, default=400)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.database == "both":
        # One database per process: Django is set up once.
        import subprocess

        results = [
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--database",
                    name,
                    "--values",
                    str(args.values),
                    "--sections",
                    str(args.sections),
                    "--postgres",
                    args.postgres,
                ],
                check=False,
            ).returncode
            for name in ("sqlite", "postgresql")
        ]
        return max(results)
    return 0 if run(args.database, args) else 1


if __name__ == "__main__":
    sys.exit(main())
