"""Synthetic data for benchmarks: a made-up province 99 (演示省) on top of the demo county.

    python bench/generate.py --size county|province [--data-dir DIR] [--database-url URL]
                             [--seed N] [--fresh]

The target database is created if needed (PostgreSQL), migrated, given the demo county (so the
contract accounts such as `admin` exist), then filled with synthetic divisions and users:

    county    1 county, 20 townships, 300 villages, ~700 users
    province  90 counties, ~1,300 townships, ~20,000 villages, ~55,000 users

Province code 99 is used by no real province, so nothing collides with 140826 绛县. Codes follow
the statistical layout (see riverchief/core/divcodes.py): cities 9901.., counties 990121..,
towns (镇) 100.., townships (乡) 200.., villages 201... The first township of a county is always
...100 and its first village ...100201, so benchmark accounts have predictable names:

    s99_office1                   province river chief office
    s990121_office1               county office (first county)
    s990121100_chief1             township chief
    s990121100201_patroller1      village patroller

Every synthetic row is marked is_demo=True and every synthetic user has the demo password
(riverchief-demo). For speed the rows are bulk-inserted with ONE precomputed Argon2 hash and
without per-row audit entries; a single audit entry records that the data set is synthetic.
A run on a database that already holds the same data set (size and seed) changes nothing; one
made under other migrations (the project is young, its schema moves) is dropped and made again.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/generate.py` from a checkout, installed or not

from riverchief import config  # noqa: E402  (no Django imports: safe before settings)

MARKER_KEY = "bench_dataset"
GENERATOR_VERSION = 1
BATCH = 2000
PROVINCE_CODE = "990000000000"
PROVINCE_NAME = "演示省"


@dataclass(frozen=True)
class Shape:
    """How many divisions of each level a size has; ranges are drawn with the seed."""

    cities: int
    counties_per_city: int
    townships_per_county: tuple[int, int]
    villages_per_township: tuple[int, int]
    extra_patroller_share: float  # villages with a second patroller (保洁员)


SHAPES = {
    "county": Shape(1, 1, (20, 20), (15, 15), 0.0),
    "province": Shape(10, 9, (10, 19), (8, 23), 0.3),
}

# Staff of each division by level: (role, how many). Departments get one officer each.
STAFF = {
    2: [("office", 3), ("leader", 2), ("chief", 5)],
    4: [("office", 2), ("leader", 1), ("chief", 3)],
    6: [("office", 3), ("leader", 2), ("chief", 8)],
    9: [("office", 1), ("chief", 3)],
    12: [("chief", 1), ("patroller", 1)],
}
DEPARTMENTS = [
    ("SLJ", "水利局"),
    ("STHJ", "生态环境分局"),
    ("ZRZY", "自然资源局"),
    ("NYNC", "农业农村局"),
    ("ZJ", "住建局"),
    ("GA", "公安局"),
    ("LY", "林业局"),
    ("JTYS", "交通运输局"),
]
SYLLABLES = "安宁平河清阳山泉丰源新兴和东西南北龙凤柳桃石沙水永昌盛华兰青白云溪川"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文斌波辉"


# --- the database: create or empty it before Django connects ---------------------------------


def prepare_database(url: str, fresh: bool) -> None:
    """PostgreSQL: create the database if missing (dropped first when fresh). SQLite: remove
    the file when fresh. Done before Django starts, which needs the database to exist."""
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        _prepare_postgres(parts, fresh)
    elif parts.scheme == "sqlite" and fresh:
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _prepare_postgres(parts, fresh: bool) -> None:
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        if fresh:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- the synthetic tree -------------------------------------------------------------------------


def place_name(rng: random.Random, suffix: str) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + suffix


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))


def township_codes(county: str, count: int) -> list[tuple[str, str]]:
    """(12-digit code, suffix): 60 % towns (镇, 100..), the rest townships (乡, 200..)."""
    towns = max(1, round(count * 0.6))
    parts = [(f"{100 + i:03d}", "镇") for i in range(towns)]
    parts += [(f"{200 + i:03d}", "乡") for i in range(count - towns)]
    return [(county[:6] + part + "000", suffix) for part, suffix in parts]


def build_tree(shape: Shape, rng: random.Random) -> list[list[tuple[str, str]]]:
    """The synthetic divisions as (code, name) lists, one per level, province first."""
    cities, counties, townships, villages = [], [], [], []
    for c in range(1, shape.cities + 1):
        city = f"99{c:02d}00000000"
        cities.append((city, place_name(rng, "市")))
        for k in range(shape.counties_per_city):
            county = f"{city[:4]}{21 + k:02d}000000"
            counties.append((county, place_name(rng, "县")))
            for township, suffix in township_codes(
                county, rng.randint(*shape.townships_per_county)
            ):
                townships.append((township, place_name(rng, suffix)))
                for v in range(rng.randint(*shape.villages_per_township)):
                    villages.append((f"{township[:9]}{201 + v:03d}", place_name(rng, "村")))
    return [[(PROVINCE_CODE, PROVINCE_NAME)], cities, counties, townships, villages]


def insert_divisions(levels: list[list[tuple[str, str]]]) -> dict[str, int]:
    """Insert level by level (a parent before its children); returns code -> id."""
    from riverchief.core import divcodes
    from riverchief.registry.models import Division

    ids: dict[str, int] = {}
    for rows in levels:
        objects = [
            Division(
                code=code,
                name=name,
                level=divcodes.level_of(code),
                parent_id=ids.get(divcodes.parent(code) or ""),
                is_demo=True,
            )
            for code, name in rows
        ]
        # PostgreSQL and SQLite >= 3.35 return the new ids from a bulk insert.
        for division in Division.objects.bulk_create(objects, batch_size=BATCH):
            ids[division.code] = division.pk
    return ids


def insert_departments(counties: list[tuple[str, str]], ids: dict[str, int]) -> list:
    from riverchief.registry.models import Department

    objects = [
        Department(
            code=f"{code[:6]}-{suffix}",
            name=f"{name}{label}",
            short_name=label,
            division_id=ids[code],
            is_demo=True,
        )
        for code, name in counties
        for suffix, label in DEPARTMENTS
    ]
    return Department.objects.bulk_create(objects, batch_size=BATCH)


def staff_for(code: str, level: int, extra_patroller: bool) -> list[tuple[str, str]]:
    """(username, role) for the people of one division: s<short code>_<role><n>."""
    from riverchief.core import divcodes

    short = divcodes.short(code)
    people = [
        (f"s{short}_{role}{n}", role) for role, count in STAFF[level] for n in range(1, count + 1)
    ]
    if extra_patroller:
        people.append((f"s{short}_patroller2", "patroller"))
    return people


def insert_users(levels, ids, departments, shape: Shape, rng: random.Random, password: str) -> int:
    from riverchief.accounts.models import User
    from riverchief.core import divcodes

    def make(username: str, role: str, **scope) -> User:
        return User(
            username=username,
            role=role,
            full_name=person_name(rng) + "（演示）",
            phone=f"139{rng.randrange(10**8):08d}",
            password=password,
            is_demo=True,
            **scope,
        )

    users = []
    for rows in levels:
        for code, _name in rows:
            level = divcodes.level_of(code)
            extra = level == 12 and rng.random() < shape.extra_patroller_share
            for username, role in staff_for(code, level, extra):
                users.append(make(username, role, division_id=ids[code]))
    for department in departments:
        username = f"s{department.code.replace('-', '_').lower()}_dept1"
        users.append(make(username, "department", department_id=department.pk))
    User.objects.bulk_create(users, batch_size=BATCH)
    return len(users)


# --- the command --------------------------------------------------------------------------------


def existing_marker():
    from riverchief.core import settings_store

    return settings_store.get(MARKER_KEY)


def schema_fingerprint() -> str:
    """A digest of every migration file. The project's schema changes often; a cached data set
    made under other migrations is thrown away rather than migrated in an unknown state."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "riverchief").glob("*/migrations/*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def holds_stale_data_set(fingerprint: str) -> bool:
    """True only for a bench database (it has the marker) made under other migrations, so that
    a database that is not ours is never dropped."""
    from django.db import DatabaseError

    try:
        marker = existing_marker()
    except DatabaseError:  # empty database, or one our models cannot read yet
        return False
    return bool(marker) and marker.get("schema") != fingerprint


def generate(size: str, seed: int, fingerprint: str) -> dict:
    """Insert the data set in one transaction; returns what the marker records."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from riverchief import demo
    from riverchief.core import audit, settings_store

    shape, rng = SHAPES[size], random.Random(seed)
    # One Argon2 hash for every synthetic user: hashing 55,000 passwords would take an hour.
    password = make_password(demo.DEMO_PASSWORD)
    with transaction.atomic():
        levels = build_tree(shape, rng)
        ids = insert_divisions(levels)
        departments = insert_departments(levels[2], ids)
        users = insert_users(levels, ids, departments, shape, rng, password)
        marker = {
            "size": size,
            "seed": seed,
            "version": GENERATOR_VERSION,
            "schema": fingerprint,
            "divisions": {
                str(i): len(rows) for i, rows in zip((2, 4, 6, 9, 12), levels, strict=True)
            },
            "departments": len(departments),
            "users": users,
        }
        settings_store.put(MARKER_KEY, marker)
        audit.record(
            None,
            "bench_generate",
            object_type="bench.dataset",
            object_id=size,
            object_repr=f"synthetic {size} data set",
            after=marker,
            division_code=PROVINCE_CODE,
            message="synthetic benchmark data: bulk-inserted without per-row audit entries",
        )
    return marker


def describe(marker: dict) -> str:
    levels = marker["divisions"]
    return (
        f"{levels['6']} counties, {levels['9']} townships, {levels['12']} villages "
        f"({sum(levels.values())} divisions), {marker['departments']} departments, "
        f"{marker['users']} users"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SHAPES), required=True)
    parser.add_argument("--data-dir", help="data folder (default RIVERCHIEF_DATA_DIR or ./var)")
    parser.add_argument("--database-url", help="default RIVERCHIEF_DATABASE_URL, else SQLite")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop the database and start over")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.data_dir:
        os.environ["RIVERCHIEF_DATA_DIR"] = str(Path(args.data_dir).resolve())
    if args.database_url:
        os.environ["RIVERCHIEF_DATABASE_URL"] = args.database_url
    url = config.database_url(config.data_dir())
    started = time.perf_counter()
    prepare_database(url, args.fresh)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from riverchief import demo

    fingerprint = schema_fingerprint()
    if not args.fresh and holds_stale_data_set(fingerprint):
        print("the bench data set was made under other migrations: starting over")
        connection.close()
        prepare_database(url, fresh=True)
    call_command("migrate", interactive=False, verbosity=0)
    demo.load()  # the contract accounts (admin, leader, ...) and 绛县; idempotent

    wanted = {"size": args.size, "seed": args.seed, "version": GENERATOR_VERSION}
    marker = existing_marker()
    if marker and {key: marker.get(key) for key in wanted} == wanted:
        print(f"bench data set already present ({args.size}, seed {args.seed}): {describe(marker)}")
        return 0
    if marker:
        print(
            f"this database holds another bench data set ({marker.get('size')}, seed "
            f"{marker.get('seed')}); run again with --fresh to replace it",
            file=sys.stderr,
        )
        return 2
    marker = generate(args.size, args.seed, fingerprint)
    if connection.vendor == "postgresql":
        # What autovacuum does a minute after a bulk load: planner statistics and the
        # visibility map (index-only scans). Done now so every run measures the steady state.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    elapsed = time.perf_counter() - started
    print(f"synthetic {args.size} data set (seed {args.seed}, is_demo=True, no per-row audit)")
    print(f"  {describe(marker)}")
    print(f"  database: {connection.vendor}; {elapsed:.1f} s including migrate")
    print("  sign in with password riverchief-demo as e.g. admin, s99_office1, s990121_office1,")
    print("  s990121100_chief1, s990121100201_patroller1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
