"""Province-size registry: the county map layer and nearest-reach routing, timed on both databases.

    python bench/registry_bench.py [--database sqlite|postgresql|both] [--requests 100]
                                   [--concurrency 4] [--points 100000] [--lookups 10000]
                                   [--max-distance 500] [--workers N] [--threads 4]
                                   [--seed 1] [--fresh] [--postgres URL]

Targets (registry issue), with ~150k reaches, ~2k reservoirs and check dams, ~55k assignments:

    county map layer    GET /api/v1/map/reaches.geojson?bbox=<county box>   p95 <= 200 ms
    nearest, bulk       random points in the province, max distance 500 m  >= 30,000 points/s
    nearest, single     one point per call                                  <= 1 ms per lookup

For each database, in a subprocess of its own (Django reads its database once per process):

1. The data set. bench/generate.py's province (90 counties, ~1,340 townships, ~20,750
   villages, ~55,000 users; its cache rules apply) in bench/results/data/<database>-registry/
   or the PostgreSQL database riverchief_bench_registry, then a registry bulk-inserted on top
   once (a `bench_registry` setting marks it): ~10,000 rivers, 150,000 reaches (meandering
   lines of 10-40 vertices, 1-5 km, inside their county; the division is the village, township
   or county under the reach's middle), 2,000 reservoirs and check dams on reach ends, 55,000
   chief assignments. Bulk-inserted, without the services: writing is bench/registry_import.py's
   subject, reading is this one's.
2. The map layer as the river chief office of the county with the most reaches: `riverchief
   serve` on a free loopback port (as bench/load.py), sequential and concurrent requests with
   a bearer token, client-side times from sending to the last byte; the same layer built
   in-process by mapdata.feature_collection for comparison.
3. Nearest reach: routing's index built cold from every reach, then bulk (nearest_many) and
   single (nearest) lookups of random points in the province, and the same through
   routing.nearest_reach_id(s), which also check the reach geometry version (a query, at most
   every routing.VERSION_CHECK_S seconds; one row asks at every call, to show its cost).

The table's ratio is figure / target for times and target / figure for rates: <= 1.00 meets.
Results, with the server logs, go to bench/results/registry-<time>/.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"  # git-ignored
sys.path.insert(0, str(ROOT))

import generate  # noqa: E402  (bench/ is on sys.path when run as a script)
import load  # noqa: E402

DATASET_KEY = "bench_registry"
DATASET_VERSION = 1
SIZE = "registry"  # the data folders: bench/results/data/<database>-registry
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"

MAP_TARGET_MS = 200.0
BULK_TARGET_PER_S = 30_000.0
SINGLE_TARGET_MS = 1.0

# Province 99 laid out as a grid of counties in a made-up box (Hunan-like, UTM zone 49):
# 10 columns x 9 rows of 0.5 x 0.5 degrees, about 50 x 55 km each.
PROVINCE_BOX = (108.5, 25.5, 113.5, 30.0)
COUNTY_COLUMNS = 10
COUNTY_DEGREES = 0.5
KM_PER_DEGREE = 111.32
OFFICE_USERNAME = "rb_county_office"
PROVINCE_OFFICE = "s99_office1"  # made by bench/generate.py


# --- layout: counties, townships and villages as tiles of the province box -----------------------


def tile(box: tuple[float, float, float, float], n: int) -> list[tuple[float, float, float, float]]:
    """n boxes tiling `box`: rows of ceil(sqrt(n)) cells, the last row's fewer cells wider."""
    min_x, min_y, max_x, max_y = box
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    height = (max_y - min_y) / rows
    cells = []
    for row in range(rows):
        count = min(columns, n - row * columns)
        width = (max_x - min_x) / count
        for column in range(count):
            x, y = min_x + column * width, min_y + row * height
            cells.append((x, y, x + width, y + height))
    return cells


def locate(box: tuple[float, float, float, float], n: int, x: float, y: float) -> int:
    """Which of tile(box, n) holds the point (clamped to the box)."""
    min_x, min_y, max_x, max_y = box
    columns = math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    row = min(rows - 1, max(0, int((y - min_y) / (max_y - min_y) * rows)))
    count = min(columns, n - row * columns)
    column = min(count - 1, max(0, int((x - min_x) / (max_x - min_x) * count)))
    return row * columns + column


@dataclass
class Place:
    id: int
    code: str
    name: str
    box: tuple[float, float, float, float]
    children: list[Place]


def province_layout() -> list[Place]:
    """The synthetic counties (ordered by code) with their townships and villages as boxes."""
    from riverchief.registry.models import Division

    rows = Division.objects.filter(code__startswith="99", level__gte=6).order_by("code")
    by_level: dict[int, list] = {6: [], 9: [], 12: []}
    for row in rows.values_list("id", "code", "name", "level"):
        by_level[row[3]].append(row)
    villages: dict[str, list] = {}
    for row in by_level[12]:
        villages.setdefault(row[1][:9], []).append(row)
    townships: dict[str, list] = {}
    for row in by_level[9]:
        townships.setdefault(row[1][:6], []).append(row)
    counties = []
    for index, (county_id, code, name, _level) in enumerate(by_level[6]):
        column, row = index % COUNTY_COLUMNS, index // COUNTY_COLUMNS
        x = PROVINCE_BOX[0] + column * COUNTY_DEGREES
        y = PROVINCE_BOX[1] + row * COUNTY_DEGREES
        county = Place(county_id, code, name, (x, y, x + COUNTY_DEGREES, y + COUNTY_DEGREES), [])
        members = townships[code[:6]]
        for (t_id, t_code, t_name, _), t_box in zip(
            members, tile(county.box, len(members)), strict=True
        ):
            township = Place(t_id, t_code, t_name, t_box, [])
            own = villages.get(t_code[:9], [])
            for (v_id, v_code, v_name, _), v_box in zip(own, tile(t_box, len(own)), strict=True):
                township.children.append(Place(v_id, v_code, v_name, v_box, []))
            county.children.append(township)
        counties.append(county)
    return counties


# --- rivers: meandering lines inside a county -----------------------------------------------------


def _inside(box, x: float, y: float, margin: float = 0.002) -> bool:
    return box[0] + margin < x < box[2] - margin and box[1] + margin < y < box[3] - margin


def _step(x: float, y: float, heading: float, km: float) -> tuple[float, float]:
    return (
        x + km * math.cos(heading) / (KM_PER_DEGREE * math.cos(math.radians(y))),
        y + km * math.sin(heading) / KM_PER_DEGREE,
    )


def _meander(rng: random.Random, box, start, heading: float, course: float, km: float, n: int):
    """n vertices from `start`, `km` long, wandering around the river's course; turns along
    the county's edge when it reaches it. Returns (points, heading, course) at the end."""
    step_km = km / (n - 1)
    x, y = start
    points = [start]
    for _ in range(n - 1):
        course += rng.gauss(0, 0.05)
        heading += 0.3 * (course - heading) + rng.gauss(0, 0.35)
        nx, ny = _step(x, y, heading, step_km)
        if not _inside(box, nx, ny):  # along the edge, one way or the other, else back
            for turn in (math.pi / 2 * rng.choice((-1, 1)), math.pi, -math.pi / 2):
                heading = course = heading + turn
                nx, ny = _step(x, y, heading, step_km)
                if _inside(box, nx, ny):
                    break
        x, y = nx, ny
        points.append((x, y))
    return points, heading, course


def _straight(box, start, km: float, n: int):
    """The fallback: a straight line towards the box's centre (always simple and inside)."""
    x, y = start
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    heading = math.atan2(cy - y, (cx - x) * math.cos(math.radians(y)))
    points = [start]
    for _ in range(n - 1):
        x, y = _step(x, y, heading, km / (n - 1))
        points.append((x, y))
    return points, heading, heading


def river(rng: random.Random, box, reaches: int) -> list[tuple[list[list[float]], float]]:
    """`reaches` consecutive simple lines ([[lon, lat], ...], km) inside the box."""
    import shapely

    margin = 0.02
    start = (
        rng.uniform(box[0] + margin, box[2] - margin),
        rng.uniform(box[1] + margin, box[3] - margin),
    )
    course = heading = rng.uniform(0, 2 * math.pi)
    lines = []
    for _ in range(reaches):
        km, n = rng.uniform(1.0, 5.0), rng.randint(10, 40)
        for _attempt in range(20):
            points, end_heading, end_course = _meander(rng, box, start, heading, course, km, n)
            coordinates = [[round(x, 6), round(y, 6)] for x, y in points]
            if shapely.is_simple(shapely.linestrings(coordinates)):
                break
        else:
            points, end_heading, end_course = _straight(box, start, km, n)
            coordinates = [[round(x, 6), round(y, 6)] for x, y in points]
        lines.append((coordinates, km))
        start, heading, course = points[-1], end_heading, end_course
    return lines


# --- the registry data set --------------------------------------------------------------------


def quotas(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to the weights (largest remainders)."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def build_registry(args, counties: list[Place]) -> dict:
    """Bulk-insert rivers, reaches, facilities and assignments; returns what the marker keeps."""
    from datetime import date

    from django.db import transaction

    from riverchief.registry.models import ChiefAssignment, Facility, Reach, WaterBody

    rng = random.Random(args.seed)
    villages_per_county = [sum(len(t.children) for t in c.children) for c in counties]
    reaches_kept = []  # (id, division id, level, water body id, end lon, end lat): for later rows
    per_county = {}
    with transaction.atomic():
        outline_divisions(counties)
        for county, quota in zip(counties, quotas(args.reaches, villages_per_county), strict=True):
            rivers = []
            while sum(len(lines) for lines in rivers) < quota:
                left = quota - sum(len(lines) for lines in rivers)
                rivers.append(river(rng, county.box, min(left, rng.randint(3, 25))))
            short = county.code[:6]
            bodies = WaterBody.objects.bulk_create(
                [
                    WaterBody(
                        code=f"RB{short}{n:04d}",
                        name=generate.place_name(rng, "河"),
                        kind="river",
                        division_id=county.id,
                        management_level="county",
                        basin="演示流域",
                        length_m=round(sum(km for _line, km in lines) * 1000, 1),
                        is_demo=True,
                    )
                    for n, lines in enumerate(rivers)
                ],
                batch_size=generate.BATCH,
            )
            reaches = []
            for body, lines in zip(bodies, rivers, strict=True):
                chainage = 0.0
                for n, (line, km) in enumerate(lines):
                    reaches.append(make_reach(rng, county, body, n, line, km, chainage))
                    chainage += km * 1000
            Reach.objects.bulk_create(reaches, batch_size=generate.BATCH)
            reaches_kept += [
                (r.pk, r.division_id, r.level, r.water_body_id, *r.geometry["coordinates"][-1])
                for r in reaches
            ]
            per_county[county.code] = len(reaches)

        chosen = rng.sample(reaches_kept, args.dams)
        facilities = []
        for i, (reach_id, division_id, _level, body_id, lon, lat) in enumerate(chosen):
            kind = "reservoir" if i % 2 == 0 else "check_dam"
            if kind == "reservoir":
                details = {
                    "scale": rng.choice(("medium", "small_1", "small_2")),
                    "dam_height": 18.0,
                }
            else:
                details = {"dam_class": rng.choice(("key", "medium", "small")), "dam_height": 9.0}
            facility = Facility(
                kind=kind,
                code=f"RBF{i:05d}",
                name=generate.place_name(rng, "水库" if kind == "reservoir" else "淤地坝"),
                division_id=division_id,
                water_body_id=body_id,
                reach_id=reach_id,
                lon=lon,
                lat=lat,
                geometry={"type": "Point", "coordinates": [lon, lat]},
                details=details | {"total_capacity": round(rng.uniform(5, 500), 1)},
                is_demo=True,
            )
            facility.set_bounds((lon, lat, lon, lat))
            facilities.append(facility)
        Facility.objects.bulk_create(facilities, batch_size=generate.BATCH)

        # 河长 of most reaches (one active each), some of their predecessors, and patrollers.
        active = args.assignments * 82 // 100
        ended = args.assignments * 9 // 100
        patrollers = args.assignments - active - ended
        holders = rng.sample(reaches_kept, active)
        rows = [(r, "河长", date(2024, 1, 1), None) for r in holders]
        rows += [(r, "河长", date(2019, 3, 1), date(2023, 12, 31)) for r in holders[:ended]]
        rows += [
            (r, "巡河员", date(2024, 3, 1), None) for r in rng.sample(reaches_kept, patrollers)
        ]
        assignments = [
            ChiefAssignment(
                person_name=generate.person_name(rng),
                person_phone=f"138{rng.randrange(10**8):08d}",
                role=role,
                level=level,
                reach_id=reach_id,
                water_body_id=body_id,
                division_id=division_id,
                start_date=start,
                end_date=end,
                is_demo=True,
            )
            for (reach_id, division_id, level, body_id, _lon, _lat), role, start, end in rows
        ]
        ChiefAssignment.objects.bulk_create(assignments, batch_size=generate.BATCH)

        from riverchief.core import settings_store

        largest = max(per_county, key=per_county.get)
        marker = {
            "version": DATASET_VERSION,
            "seed": args.seed,
            "reaches": len(reaches_kept),
            "dams": len(facilities),
            "assignments": len(assignments),
            "rivers": WaterBody.objects.filter(code__startswith="RB").count(),
            "largest_county": largest,
            "largest_county_reaches": per_county[largest],
            "median_county_reaches": sorted(per_county.values())[len(per_county) // 2],
        }
        settings_store.put(DATASET_KEY, marker)
    return marker


def outline_divisions(counties: list[Place]) -> None:
    """Counties and townships get their box as outline (the map's bbox comes from there)."""
    from riverchief.registry.models import Division

    divisions = []
    for place in counties + [t for c in counties for t in c.children]:
        x0, y0, x1, y1 = (round(v, 6) for v in place.box)
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        division = Division(id=place.id, geometry={"type": "Polygon", "coordinates": [ring]})
        division.set_bounds((x0, y0, x1, y1))
        divisions.append(division)
    fields = ["geometry", "min_lon", "min_lat", "max_lon", "max_lat"]
    Division.objects.bulk_update(divisions, fields, batch_size=500)


def make_reach(rng, county: Place, body, n: int, line, km: float, chainage: float):
    """The reach's division: the village under its middle (80 %), that village's township
    (17 %), or the county (3 %)."""
    from riverchief.registry.models import Reach

    x, y = line[len(line) // 2]
    township = county.children[locate(county.box, len(county.children), x, y)]
    village = township.children[locate(township.box, len(township.children), x, y)]
    draw = rng.random()
    division, level = (county, "county") if draw < 0.03 else (township, "township")
    if draw >= 0.2:
        division, level = village, "village"
    lons, lats = [p[0] for p in line], [p[1] for p in line]
    reach = Reach(
        code=f"{body.code}-{n:02d}",
        name=f"{body.name}{division.name}段",
        water_body_id=body.pk,
        division_id=division.id,
        level=level,
        start_description=f"{division.name}上游界",
        end_description=f"{division.name}下游界",
        length_m=round(km * 1000, 1),
        start_chainage_m=round(chainage, 1),
        geometry={"type": "LineString", "coordinates": line},
        is_demo=True,
    )
    reach.set_bounds((min(lons), min(lats), max(lons), max(lats)))
    return reach


def ensure_dataset(database: str, url: str, args) -> dict:
    """Divisions and users (bench/generate.py), then the registry; both reused when present.
    Sets Django up on the way (generate.main does)."""
    command = ["--size", "province", "--seed", str(args.seed)]
    command += ["--data-dir", str(load.data_dir(database, SIZE)), "--database-url", url]
    started = time.perf_counter()
    if generate.main(command + (["--fresh"] if args.fresh else [])) != 0:
        raise SystemExit(f"[{database}] bench/generate.py failed")
    divisions_s = time.perf_counter() - started

    from django.db import connection

    from riverchief.core import settings_store

    wanted = {"version": DATASET_VERSION, "seed": args.seed, "reaches": args.reaches}
    wanted |= {"dams": args.dams, "assignments": args.assignments}
    marker = settings_store.get(DATASET_KEY)
    if marker and {key: marker.get(key) for key in wanted} == wanted:
        print(f"[{database}] registry data set already present", flush=True)
        return marker | {"divisions_s": divisions_s, "registry_s": None}
    if marker:
        raise SystemExit(f"[{database}] the database holds another registry data set: --fresh")
    print(f"[{database}] generating the registry ({args.reaches} reaches) ...", flush=True)
    started = time.perf_counter()
    marker = build_registry(args, province_layout())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # as generate.py: what autovacuum does next
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    registry_s = time.perf_counter() - started
    print(f"[{database}] registry generated in {registry_s:.0f} s", flush=True)
    return marker | {"divisions_s": divisions_s, "registry_s": registry_s}


def dataset_counts() -> dict:
    from riverchief.accounts.models import User
    from riverchief.registry.models import ChiefAssignment, Division, Facility, Reach, WaterBody

    return {
        "divisions": Division.objects.count(),
        "users": User.objects.count(),
        "water_bodies": WaterBody.objects.count(),
        "reaches": Reach.objects.count(),
        "reservoirs": Facility.objects.filter(kind="reservoir").count(),
        "check_dams": Facility.objects.filter(kind="check_dam").count(),
        "assignments": ChiefAssignment.objects.count(),
    }


def county_office(county_code: str):
    """The river chief office of the county (made here, it is not one of generate.py's)."""
    from django.contrib.auth.hashers import make_password

    from riverchief.accounts.models import User
    from riverchief.registry.models import Division

    county = Division.objects.get(code=county_code)
    user, _created = User.objects.update_or_create(
        username=OFFICE_USERNAME,
        defaults={
            "role": "office",
            "division": county,
            "full_name": "县河长办（基准）",
            "password": make_password(None),
            "is_demo": True,
        },
    )
    return user, county


# --- measuring ----------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


@dataclass
class Row:
    """One line of the table: latencies in ms, or a rate."""

    measure: str
    count: int
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    rate: float | None = None  # per second
    unit: str = ""  # of the figure the target applies to: "p95 ms" or "points/s"
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.target is None:
            return None
        if self.unit == "points/s":
            return self.target / self.rate if self.rate else math.inf
        return self.p95 / self.target

    @classmethod
    def of_times(cls, measure: str, seconds: list[float], **extra) -> Row:
        ms = [s * 1000 for s in seconds]
        return cls(
            measure, len(ms), percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), **extra
        )


def get(connection: http.client.HTTPConnection, path: str, token: str) -> tuple[float, bytes]:
    """(seconds from sending to the last byte, body); raises on anything but 200."""
    started = time.perf_counter()
    connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    answer = connection.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: {answer.status} {body[:300]!r}")
    return elapsed, body


def time_requests(base: str, path: str, token: str, count: int, concurrency: int = 1):
    """`count` GETs spread over `concurrency` clients, each with its own keep-alive connection.
    Returns (per-request seconds, wall seconds, one body)."""
    host, port = base.removeprefix("http://").split(":")
    times: list[float] = []
    bodies: list[bytes] = []
    errors: list[BaseException] = []
    start = threading.Barrier(concurrency)

    def client(n: int) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            start.wait()
            for _ in range(n):
                elapsed, body = get(connection, path, token)
                times.append(elapsed)
                if not bodies:
                    bodies.append(body)
        except BaseException as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    shares = [count // concurrency + (i < count % concurrency) for i in range(concurrency)]
    threads = [threading.Thread(target=client, args=(n,)) for n in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return times, wall, bodies[0]


class ServerCpu:
    """CPU ticks of gunicorn's processes and, on PostgreSQL, the bench database's backends."""

    def __init__(self, server):
        self.server = server
        self.postgres = None
        if server.database_url.startswith("postgres"):
            import psycopg

            self.postgres = psycopg.connect(server.database_url, autocommit=True)

    def ticks(self) -> dict[int, int]:
        pids = load.process_tree(self.server.pid)
        if self.postgres is not None:
            pids += [
                pid
                for (pid,) in self.postgres.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchall()
            ]
        return {pid: t for pid in pids if (t := load.process_ticks(pid)) is not None}

    @staticmethod
    def ms_between(before: dict[int, int], after: dict[int, int]) -> float:
        return sum(t - before.get(pid, 0) for pid, t in after.items()) * 1000 / load.TICKS


def measure_http(database: str, url: str, args, county, out: Path) -> list[Row]:
    from riverchief.accounts import services
    from riverchief.accounts.models import User

    office, _county = county_office(county.code)
    _, token = services.issue_token(office, "bench")
    _, province_token = services.issue_token(User.objects.get(username=PROVINCE_OFFICE), "bench")
    box = county.min_lon, county.min_lat, county.max_lon, county.max_lat
    bbox = ",".join(f"{v:.6f}" for v in box)
    # A county-sized map window in the middle of the province, for the province office.
    cx, cy = (PROVINCE_BOX[0] + PROVINCE_BOX[2]) / 2, (PROVINCE_BOX[1] + PROVINCE_BOX[3]) / 2
    window = f"{cx - 0.25:.6f},{cy - 0.25:.6f},{cx + 0.25:.6f},{cy + 0.25:.6f}"
    layer = "/api/v1/map/reaches.geojson"
    cases = [
        ("county office, county bbox", f"{layer}?bbox={bbox}", token, 1, True),
        ("county office, no bbox", layer, token, 1, False),
        (f"county office, county bbox, {args.concurrency} clients", f"{layer}?bbox={bbox}",
         token, args.concurrency, True),
        ("province office, county-size window", f"{layer}?bbox={window}", province_token, 1, False),
        ("county office, reservoirs, county bbox",
         f"/api/v1/map/reservoirs.geojson?bbox={bbox}", token, 1, False),
    ]  # fmt: skip
    from django.core.management import call_command
    from django.db import connections

    # The project moves while this runs: apply migrations that appeared since the data set was
    # made (generate.py makes it again at its next run), or `riverchief serve` refuses to start.
    call_command("migrate", interactive=False, verbosity=0)
    connections.close_all()
    rows = []
    server_args = SimpleNamespace(size=SIZE, workers=args.workers, threads=args.threads)
    with load.running_server(database, url, server_args, out) as server:
        cpu = ServerCpu(server)
        for _name, path, key, _clients, _target in cases:  # every worker process, every path
            time_requests(server.base, path, key, 2 * args.workers, concurrency=args.workers)
        for name, path, key, clients, targeted in cases:
            before = cpu.ticks()
            times, wall, body = time_requests(server.base, path, key, args.requests, clients)
            cpu_ms = ServerCpu.ms_between(before, cpu.ticks()) / len(times)
            features = len(json.loads(body)["features"])
            note = f"{features} features, {len(body) / 1e6:.2f} MB, server CPU {cpu_ms:.0f} ms/req"
            if clients > 1:
                note += f", {len(times) / wall:.1f} req/s"
            extra = {"unit": "p95 ms", "target": MAP_TARGET_MS} if targeted else {}
            rows.append(Row.of_times(f"HTTP {name}", times, note=note, **extra))
            print(f"[{database}] {rows[-1].measure}: p95 {rows[-1].p95:.0f} ms; {note}", flush=True)
    return rows


def measure_mapdata(args, county) -> list[Row]:
    """mapdata.feature_collection in this process: the server's work without HTTP."""
    from django.db import connection

    from riverchief.accounts.models import User
    from riverchief.registry import mapdata

    office = User.objects.get(username=OFFICE_USERNAME)
    box = county.min_lon, county.min_lat, county.max_lon, county.max_lat
    rows = []
    for name, bbox in (("county bbox", box), ("no bbox", None)):
        mapdata.feature_collection("reaches", office, bbox)  # warm
        times = []
        started_cpu = time.process_time()
        for _ in range(max(10, args.requests // 4)):
            started = time.perf_counter()
            body = mapdata.feature_collection("reaches", office, bbox)
            times.append(time.perf_counter() - started)
        cpu_ms = (time.process_time() - started_cpu) * 1000 / len(times)
        note = f"{len(json.loads(body)['features'])} features, mean CPU {cpu_ms:.0f} ms"
        if connection.vendor == "postgresql":
            note += " (this process; PostgreSQL's not included)"
        rows.append(Row.of_times(f"in-process feature_collection, {name}", times, note=note))
    return rows


def measure_nearest(args) -> tuple[list[Row], dict]:
    import numpy as np

    from riverchief.registry import routing

    routing._cache.update(version=None, index=None)  # cold: as a process after a change
    started = time.perf_counter()
    index = routing.index()
    build_s = time.perf_counter() - started
    build = {"index_reaches": len(index), "index_build_s": round(build_s, 2)}
    print(f"nearest index: {len(index)} reaches in {build_s:.1f} s", flush=True)

    rng = np.random.default_rng(args.seed)
    lons = rng.uniform(PROVINCE_BOX[0], PROVINCE_BOX[2], args.points)
    lats = rng.uniform(PROVINCE_BOX[1], PROVINCE_BOX[3], args.points)
    limit = args.max_distance
    rows = []
    for name, lookup in (
        ("NearestIndex.nearest_many", lambda: index.nearest_many(lons, lats, limit)),
        ("routing.nearest_reach_ids", lambda: routing.nearest_reach_ids(lons, lats, limit)),
    ):
        runs, cpu = [], []
        for _ in range(3):
            started, started_cpu = time.perf_counter(), time.process_time()
            found = lookup()
            runs.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        best = sorted(runs)[1]  # the median of three
        hits = sum(1 for reach_id, _distance in found if reach_id >= 0) / len(found)
        by_cpu = args.points / sorted(cpu)[1]
        rows.append(
            Row(
                f"bulk {name}, {limit:g} m",
                args.points,
                rate=args.points / best,
                unit="points/s",
                target=BULK_TARGET_PER_S,
                note=f"{hits:.0%} within {limit:g} m; median of 3; {by_cpu:,.0f}/s by CPU time",
            )
        )

    def checking_every_time(x: float, y: float):
        """routing.nearest_reach_id with the version asked for at each call (a database round
        trip), as a process does once every routing.VERSION_CHECK_S seconds."""
        routing._cache["checked"] = 0.0
        return routing.nearest_reach_id(x, y, limit)

    single = list(zip(lons[: args.lookups].tolist(), lats[: args.lookups].tolist(), strict=True))
    for name, lookup, targeted in (
        ("NearestIndex.nearest", lambda x, y: index.nearest(x, y, limit), True),
        ("routing.nearest_reach_id", lambda x, y: routing.nearest_reach_id(x, y, limit), True),
        ("routing.nearest_reach_id + version query", checking_every_time, False),
    ):
        times = []
        started_cpu = time.process_time()
        for x, y in single:
            started = time.perf_counter()
            lookup(x, y)
            times.append(time.perf_counter() - started)
        cpu_ms = (time.process_time() - started_cpu) * 1000 / len(single)
        extra = {"unit": "p95 ms", "target": SINGLE_TARGET_MS} if targeted else {}
        note = f"mean CPU {cpu_ms:.3f} ms per lookup"
        if not targeted:
            note += f"; once per {routing.VERSION_CHECK_S:g} s and process"
        rows.append(Row.of_times(f"single {name}, {limit:g} m", times, note=note, **extra))
    return rows, build


def worker(database: str, args) -> int:
    """One database, in this process: data set, map layer, nearest; results as JSON."""
    url = database_url(database, args.postgres)
    load_before = os.getloadavg()
    marker = ensure_dataset(database, url, args)

    from django.db import connection

    from riverchief.registry.models import Division

    counts = dataset_counts()
    county = Division.objects.get(code=marker["largest_county"])
    print(f"[{database}] {counts}; map county {county.code} {county.name}", flush=True)
    out = Path(args.out)
    rows = measure_http(database, url, args, county, out)
    rows += measure_mapdata(args, county)
    nearest_rows, build = measure_nearest(args)
    rows += nearest_rows
    result = {
        "database": database,
        "vendor": connection.vendor,
        "counts": counts,
        "marker": marker,
        "build": build,
        "county": f"{county.code[:6]} {county.name}",
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "rows": [asdict(row) for row in rows],
    }
    (out / f"results-{database}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


# --- the report ---------------------------------------------------------------------------------


def report(results: list[dict], args) -> list[str]:
    lines = [
        f"machine: {os.cpu_count()} cores; server: riverchief serve, {args.workers} workers x "
        f"{args.threads} threads; {args.requests} requests per HTTP case",
    ]
    for result in results:
        counts, marker, build = result["counts"], result["marker"], result["build"]
        made = marker.get("registry_s")
        lines += [
            "",
            f"{result['database']}: load average before {_load(result['load_before'])}, "
            f"after {_load(result['load_after'])}",
            "  data set: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in counts.items()),
            f"  divisions and users (generate.py) {marker['divisions_s']:.0f} s; registry "
            + (f"generated in {made:.0f} s" if made is not None else "cached")
            + f"; nearest index of {build['index_reaches']:,} reaches built in "
            f"{build['index_build_s']:.1f} s",
            f"  map county: {result['county']} ({marker['largest_county_reaches']:,} reaches, "
            f"the most of any county; median county {marker['median_county_reaches']:,})",
        ]
    lines += [
        "",
        f"{'database':<11} {'measure':<58} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'points/s':>9} {'target':>14} {'ratio':>6}  notes",
    ]
    for result in results:
        for row in (Row(**values) for values in result["rows"]):
            target = "" if row.target is None else f"{'≥' if row.rate else '≤'} {row.target:g}"
            target += f" {row.unit.split()[-1]}" if row.unit else ""
            lines.append(
                f"{result['database']:<11} {row.measure:<58} {row.count:>6} {_ms(row.p50)} "
                f"{_ms(row.p95)} {_ms(row.p99)} {_rate(row.rate)} {target:>14} "
                f"{'' if row.ratio is None else f'{row.ratio:.2f}':>6}  {row.note}"
            )
    lines += [
        "",
        "ratio: p95 / target for times, target / rate for points/s; ≤ 1.00 meets the target.",
        "HTTP times are the client's, from sending the request to the last byte, on loopback.",
    ]
    return lines


def _load(values) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def _ms(value: float | None) -> str:
    if value is None:
        return f"{'':>8}"
    return f"{value:8.3f}" if value < 10 else f"{value:8.1f}"


def _rate(value: float | None) -> str:
    return f"{'':>9}" if value is None else f"{value:9,.0f}"


def database_url(database: str, postgres: str) -> str:
    if database == "postgresql":
        return f"{postgres.rstrip('/')}/riverchief_bench_{SIZE}"
    return f"sqlite:///{load.data_dir(database, SIZE) / 'riverchief.sqlite3'}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=100, help="per HTTP case")
    parser.add_argument("--concurrency", type=int, default=4, help="clients of the concurrent case")
    parser.add_argument("--points", type=int, default=100_000, help="bulk nearest points")
    parser.add_argument("--lookups", type=int, default=10_000, help="single nearest lookups")
    parser.add_argument("--max-distance", type=float, default=500.0, help="metres")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reaches", type=int, default=150_000)
    parser.add_argument("--dams", type=int, default=2_000)
    parser.add_argument("--assignments", type=int, default=55_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop the data set and make it again")
    parser.add_argument(
        "--postgres", default=os.environ.get("RIVERCHIEF_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args.worker, args)
    out = RESULTS / time.strftime("registry-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    passed = argv if argv is not None else sys.argv[1:]
    results = []
    for database in databases:
        command = [sys.executable, __file__, *passed, "--worker", database, "--out", str(out)]
        if subprocess.run(command, cwd=ROOT).returncode != 0:
            print(f"[{database}] failed; see the output above", file=sys.stderr)
            continue
        results.append(json.loads((out / f"results-{database}.json").read_text()))
    lines = report(results, args)
    print("\n".join(lines))
    (out / "report.txt").write_text("\n".join(lines) + "\n")
    met = all(
        row["target"] is None or Row(**row).ratio <= 1.0 for r in results for row in r["rows"]
    )
    return 0 if met and len(results) == len(databases) else 1


if __name__ == "__main__":
    sys.exit(main())
