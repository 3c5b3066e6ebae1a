"""OGC API – Features items pages of 1,000 features on the province registry, p95 per case.

    python bench/ogcapi_items.py [--database sqlite|postgresql|both] [--requests 50]
                                 [--concurrency 4] [--workers N] [--threads 4] [--seed 1]
                                 [--fresh] [--postgres URL]

The data set is bench/registry_bench.py's (province 99: ~150,000 reaches, ~10,000 rivers,
2,000 reservoirs and check dams), made by it or by this script on first use and reused after.
`riverchief serve` runs on a free loopback port; anonymous clients (open data) time each
request from sending to the last byte:

    reaches, first page             /items?limit=1000                 (+ counting 150k rows)
    reaches, county bbox            /items?limit=1000&bbox=<largest county>
    reaches, county bbox, N clients the same, concurrently
    reaches, deep page              /items?limit=1000&offset=<random, up to 149,000>
    reaches, deep page by after=    /items?limit=1000&after=<random code> (what `next` carries)
    reaches, county bbox, next link following `next` from the first page (as GDAL does)
    facilities, kind=check_dam      /items?limit=1000&kind=check_dam

The issue sets no figure for OGC API; the table holds the Open311 one for the same page size
(GET of 1,000 items ≤ 300 ms p95) as the reference. Results go to bench/results/ogcapi-<time>/.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import load  # noqa: E402
import registry_bench as registry  # noqa: E402

TARGET_MS = 300.0
ITEMS = "/ogcapi/collections/{}/items"


def get(connection: http.client.HTTPConnection, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept": "application/geo+json"})
    answer = connection.getresponse()
    body = answer.read()
    elapsed = time.perf_counter() - started
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: {answer.status} {body[:300]!r}")
    return elapsed, body


def time_paths(base: str, paths: list[str], concurrency: int = 1):
    """GET every path, spread over `concurrency` keep-alive clients: (seconds each, wall, body)."""
    host, port = base.removeprefix("http://").split(":")
    times: list[float] = []
    bodies: list[bytes] = []
    errors: list[BaseException] = []
    start = threading.Barrier(concurrency)

    def client(share: list[str]) -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=120)
        try:
            start.wait()
            for path in share:
                elapsed, body = get(connection, path)
                times.append(elapsed)
                if not bodies:
                    bodies.append(body)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=client, args=(paths[n::concurrency],)) for n in range(concurrency)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return times, wall, bodies[0]


def follow_next(base: str, path: str, pages: int) -> list[float]:
    """Times of `pages` pages reached by following `next` links from `path`."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=120)
    times = []
    try:
        while path and len(times) < pages:
            elapsed, body = get(connection, path)
            times.append(elapsed)
            found = [link["href"] for link in json.loads(body)["links"] if link["rel"] == "next"]
            path = found[0].removeprefix(base) if found else None
    finally:
        connection.close()
    return times


def cases(args, county, reaches: int) -> list[tuple[str, list[str], int, bool]]:
    from riverchief.registry.models import Reach

    box = county.min_lon, county.min_lat, county.max_lon, county.max_lat
    bbox = ",".join(f"{value:.6f}" for value in box)
    rng = random.Random(args.seed)
    n = args.requests
    deep = [
        f"{ITEMS.format('reaches')}?limit=1000&offset={rng.randrange(0, max(1, reaches - 1000))}"
        for _ in range(n)
    ]
    codes = sorted(Reach.objects.values_list("code", flat=True))[: max(1, reaches - 1000)]
    keyset = [f"{ITEMS.format('reaches')}?limit=1000&after={rng.choice(codes)}" for _ in range(n)]
    county_page = f"{ITEMS.format('reaches')}?limit=1000&bbox={bbox}"
    return [
        ("reaches, first page", [f"{ITEMS.format('reaches')}?limit=1000"] * n, 1, True),
        ("reaches, county bbox", [county_page] * n, 1, True),
        (f"reaches, county bbox, {args.concurrency} clients", [county_page] * n,
         args.concurrency, True),
        ("reaches, deep pages (random offset)", deep, 1, True),
        ("reaches, deep pages (random after=)", keyset, 1, True),
        ("facilities, kind=check_dam",
         [f"{ITEMS.format('facilities')}?limit=1000&kind=check_dam"] * n, 1, True),
    ]  # fmt: skip


def measure(database: str, url: str, args, county, reaches: int, out: Path) -> list:
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", interactive=False, verbosity=0)  # as registry_bench: the code moves
    connections.close_all()
    rows = []
    server_args = SimpleNamespace(size=registry.SIZE, workers=args.workers, threads=args.threads)
    with load.running_server(database, url, server_args, out) as server:
        cpu = registry.ServerCpu(server)
        planned = cases(args, county, reaches)
        for _name, paths, _clients, _target in planned:  # warm every worker on every path
            time_paths(server.base, paths[: 2 * args.workers], concurrency=args.workers)
        for name, paths, clients, targeted in planned:
            before = cpu.ticks()
            times, wall, body = time_paths(server.base, paths, clients)
            cpu_ms = registry.ServerCpu.ms_between(before, cpu.ticks()) / len(times)
            page = json.loads(body)
            note = (
                f"{page['numberReturned']} of {page['numberMatched']:,} features, "
                f"{len(body) / 1e6:.2f} MB, server CPU {cpu_ms:.0f} ms/req"
            )
            if clients > 1:
                note += f", {len(times) / wall:.1f} req/s"
            extra = {"unit": "p95 ms", "target": TARGET_MS} if targeted else {}
            rows.append(registry.Row.of_times(f"HTTP {name}", times, note=note, **extra))
            print(f"[{database}] {name}: p95 {rows[-1].p95:.0f} ms; {note}", flush=True)
        box = county.min_lon, county.min_lat, county.max_lon, county.max_lat
        bbox = ",".join(f"{value:.6f}" for value in box)
        start = f"{ITEMS.format('reaches')}?limit=1000&bbox={bbox}"
        times = follow_next(server.base, start, args.requests)
        rows.append(
            registry.Row.of_times(
                "HTTP reaches, county bbox, following next links",
                times,
                unit="p95 ms",
                target=TARGET_MS,
                note=f"{len(times)} pages",
            )
        )
    return rows


def worker(database: str, args) -> int:
    url = registry.database_url(database, args.postgres)
    load_before = os.getloadavg()
    marker = registry.ensure_dataset(database, url, args)

    from django.db import connection

    from riverchief.registry.models import Division

    counts = registry.dataset_counts()
    county = Division.objects.get(code=marker["largest_county"])
    print(f"[{database}] {counts}; county {county.code} {county.name}", flush=True)
    out = Path(args.out)
    rows = measure(database, url, args, county, counts["reaches"], out)
    result = {
        "database": database,
        "vendor": connection.vendor,
        "counts": counts,
        "marker": marker,
        "county": f"{county.code[:6]} {county.name}",
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "rows": [asdict(row) for row in rows],
    }
    (out / f"results-{database}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def report(results: list[dict], args) -> list[str]:
    lines = [
        f"machine: {os.cpu_count()} cores; server: riverchief serve, {args.workers} workers x "
        f"{args.threads} threads; {args.requests} requests per case; anonymous clients",
    ]
    for result in results:
        counts = ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in result["counts"].items())
        lines += [
            "",
            f"{result['database']}: load average before "
            f"{' '.join(f'{v:.2f}' for v in result['load_before'])}, after "
            f"{' '.join(f'{v:.2f}' for v in result['load_after'])}",
            f"  data set: {counts}; county bbox: {result['county']}",
        ]
    lines += [
        "",
        f"{'database':<11} {'measure':<52} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'target':>10} {'ratio':>6}  notes",
    ]
    for result in results:
        for row in (registry.Row(**values) for values in result["rows"]):
            target = "" if row.target is None else f"≤ {row.target:g} ms"
            ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
            lines.append(
                f"{result['database']:<11} {row.measure:<52} {row.count:>5} {row.p50:8.1f} "
                f"{row.p95:8.1f} {row.p99:8.1f} {target:>10} {ratio:>6}  {row.note}"
            )
    lines += [
        "",
        "ratio: p95 / target; ≤ 1.00 meets it. The target is the issue's Open311 figure for",
        "1,000 items, borrowed as a reference. Times are the client's, on loopback.",
    ]
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    # registry_bench's options, so its data set (same size and seed) is found and reused.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--requests", type=int, default=50, help="per case")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--reaches", type=int, default=150_000)
    parser.add_argument("--dams", type=int, default=2_000)
    parser.add_argument("--assignments", type=int, default=55_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="drop the data set and make it again")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RIVERCHIEF_BENCH_POSTGRES_URL", registry.DEFAULT_POSTGRES),
    )
    parser.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args.worker, args)
    out = registry.RESULTS / time.strftime("ogcapi-%Y%m%d-%H%M%S")
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
        row["target"] is None or registry.Row(**row).ratio <= 1.0
        for r in results
        for row in r["rows"]
    )
    return 0 if met and len(results) == len(databases) else 1


if __name__ == "__main__":
    sys.exit(main())
