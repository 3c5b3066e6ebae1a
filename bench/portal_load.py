"""The public site under load: a reach's page at 50 users, and reports with a 1 MB photo.

    python bench/portal_load.py [--database sqlite|postgresql] [--size county|province]
                                [--users 50] [--report-users 8] [--duration 30] [--workers N]

Uses bench/load.py's data set (bench/generate.py) and server start-up, and locust in its own
process with bench/portal_locustfile.py, twice:

    reach   --users users GET /p/reaches/<code> over the data set's reaches, no pause
            target (issue 6): p95 <= 150 ms at 50 users on 2 cores
    report  --report-users users send reports (GET the form, POST it with a ~1 MB JPEG, then
            close the connection, as a phone's visit ends), no pause; the server's rate limit
            is lifted for the run
            target: >= 50 reports/s

Prints requests/s, p50/p95/p99 and the ratio to each target. Files go to bench/results/<time>/.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import load  # noqa: E402 - after the path is set

REACH_P95_MS = 150
REPORTS_PER_S = 50


def make_photo(path: Path, target_bytes: int = 1_000_000) -> int:
    """A noisy JPEG of about 1 MB (noise does not compress), as a phone would send it."""
    from PIL import Image

    side = 900
    while True:
        image = Image.effect_noise((side, side), 60).convert("RGB")
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        if buffer.tell() >= target_bytes or side > 4000:
            path.write_bytes(buffer.getvalue())
            return buffer.tell()
        side = int(side * 1.15)


def sample_reaches(url: str, limit: int = 2000) -> tuple[list[str], list[tuple[float, float]]]:
    """Reach codes and one point on each (its first vertex), read straight from the database."""
    env = dict(
        os.environ, RIVERCHIEF_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="riverchief.settings"
    )
    script = (
        "import django,json;django.setup();"
        "from riverchief.registry.models import Reach;"
        f"rows=Reach.objects.exclude(geometry=None).order_by('?').values_list('code','geometry')[:{limit}];"
        "print(json.dumps([[c,(g.get('coordinates') or [[0,0]])[0]] for c,g in rows]))"
    )
    answer = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=BENCH.parent, capture_output=True, text=True
    )
    import json

    rows = json.loads(answer.stdout.strip().splitlines()[-1])
    codes = [code for code, _point in rows]
    points = [tuple(point[:2]) for _code, point in rows if isinstance(point[0], int | float)]
    return codes, points


def run_phase(mode, users, server, args, out: Path, reaches, points, photo: Path) -> dict:
    prefix = out / f"locust-{mode}"
    env = dict(
        os.environ,
        BENCH_MODE=mode,
        BENCH_REACHES=",".join(reaches),
        BENCH_POINTS=",".join(f"{lon}:{lat}" for lon, lat in points[:500]),
        BENCH_PHOTO=str(photo),
        BENCH_DURATION=str(args.duration),
    )
    command = [str(load.BIN / "locust"), "-f", str(BENCH / "portal_locustfile.py"), "--headless"]
    command += ["-u", str(users), "-r", str(users), "--host", server.base]
    command += ["-t", f"{args.duration + 60}s", "--csv", str(prefix), "--only-summary"]
    print(f"[{mode}] {users} users, {args.duration} s", flush=True)
    with open(out / f"locust-{mode}.log", "wb") as log:
        locust = subprocess.Popen(
            command, cwd=BENCH.parent, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        # Who used the 2 cores (the server, locust on the same cores, the rest): bench/load.py.
        meter = load.CpuMeter(server, locust.pid)
        if Path("/proc").is_dir():
            meter.start()
        locust.wait()
        cpu = meter.stop()
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    rows["cpu"] = cpu
    return rows


def cpu_line(cpu: dict, requests: float) -> str:
    if not cpu:
        return ""
    per = (
        f", server CPU {1000 * cpu['server_seconds'] / requests:.1f} ms per request"
        if requests
        else ""
    )
    return (
        f"    machine CPU: server {cpu['server']:.0%}, locust {cpu['locust']:.0%}, "
        f"other {cpu['other']:.0%}{per}"
    )


CPU_SCRIPT = """
import io, os, secrets, time
import django
django.setup()
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
codes = os.environ["BENCH_REACHES"].split(",")[:50]
lon, lat = (float(x) for x in os.environ["BENCH_POINT"].split(":"))
photo = open(os.environ["BENCH_PHOTO"], "rb").read()
client = Client()
for code in codes[:5]:
    client.get("/p/reaches/" + code)
start = time.process_time()
for i in range(200):
    client.get("/p/reaches/" + codes[i % len(codes)])
reach_ms = (time.process_time() - start) / 200 * 1000
# Committed, as a real report is: the hooks that run after the commit (the office's
# notification, the public site's) are part of its cost. 31 more reports in the bench data.
def report():
    answer = client.post("/p/report", {"category": "rubbish", "description": "cpu",
        "lon": lon, "lat": lat, "consent": "on", "device_id": secrets.token_hex(6),
        "photos": SimpleUploadedFile("a.jpg", photo)})
    assert answer.status_code == 302, answer.status_code
report()
start = time.process_time()
for _ in range(30):
    report()
report_ms = (time.process_time() - start) / 30 * 1000
print(f"CPU {reach_ms:.2f} {report_ms:.2f}")
"""


def cpu_cost(url: str, data: Path, reaches, points, photo: Path) -> tuple[float, float]:
    """CPU milliseconds the application spends on one reach page and on one report (Django's
    test client in one process, no HTTP server): a figure that the machine's other load does
    not inflate, unlike the latencies, and that bounds the capacity of N cores at N*1000/ms."""
    env = dict(
        os.environ,
        RIVERCHIEF_DATABASE_URL=url,
        RIVERCHIEF_DATA_DIR=str(data),
        RIVERCHIEF_ALLOWED_HOSTS="testserver",
        DJANGO_SETTINGS_MODULE="riverchief.settings",
        BENCH_REACHES=",".join(reaches),
        BENCH_POINT=f"{points[0][0]}:{points[0][1]}",
        BENCH_PHOTO=str(photo),
    )
    answer = subprocess.run(
        [sys.executable, "-c", CPU_SCRIPT], env=env, cwd=BENCH.parent, capture_output=True,
        text=True,
    )  # fmt: skip
    line = [row for row in answer.stdout.splitlines() if row.startswith("CPU ")]
    if not line:
        raise SystemExit(f"the CPU measurement failed:\n{answer.stderr[-2000:]}")
    reach_ms, report_ms = (float(x) for x in line[-1].split()[1:])
    return reach_ms, report_ms


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--size", choices=["county", "province"], default="county")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--report-users", type=int, default=8)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--postgres", default=load.DEFAULT_POSTGRES)
    parser.add_argument("--cpu-only", action="store_true", help="only the in-process CPU costs")
    args = parser.parse_args(argv)

    out = load.RESULTS / time.strftime("portal-%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    url = load.prepare_dataset(args.database, args)
    reaches, points = sample_reaches(url)
    photo = out / "photo.jpg"
    size = make_photo(photo)
    os.environ["RIVERCHIEF_PORTAL_REPORTS_PER_HOUR"] = "100000000"  # the bench's own server only
    # Behind one reverse proxy, as a county serves it: each locust user has an address.
    os.environ["RIVERCHIEF_PROXY_COUNT"] = "1"
    if args.cpu_only:
        reach_ms, report_ms = cpu_cost(
            url, load.data_dir(args.database, args.size), reaches, points, photo
        )
        print(f"CPU per request: reach page {reach_ms:.1f} ms, report {report_ms:.1f} ms")
        return 0
    with load.running_server(args.database, url, args, out) as server:
        reach = run_phase("reach", args.users, server, args, out, reaches, points, photo)
        report = run_phase("report", args.report_users, server, args, out, reaches, points, photo)
    cores = os.cpu_count()
    print(
        f"\nportal load on {args.database}, {args.size} data set, {cores} cores, "
        f"{args.workers} workers x {args.threads} threads, {len(reaches)} reaches sampled"
    )
    row = reach.get("/p/reaches/{code}", {})
    if row:
        p95 = float(row["95%"])
        print(
            f"reach page: {float(row['Requests/s']):.1f} req/s, p50 {row['50%']} ms, "
            f"p95 {p95:.0f} ms, p99 {row['99%']} ms, failures {row['Failure Count']} "
            f"at {args.users} users; target p95 <= {REACH_P95_MS} ms: "
            f"ratio {p95 / REACH_P95_MS:.2f} ({'met' if p95 <= REACH_P95_MS else 'NOT met'})"
        )
        print(cpu_line(reach["cpu"], float(row["Request Count"])))
    row = report.get("POST /p/report (1 MB photo)", {})
    if row:
        rate = float(row["Requests/s"]) - float(row["Failures/s"])
        print(
            f"report with a {size / 1e6:.2f} MB photo: {rate:.1f} stored/s, p50 {row['50%']} ms, "
            f"p95 {row['95%']} ms, failures {row['Failure Count']} at {args.report_users} users; "
            f"target >= {REPORTS_PER_S}/s: ratio {rate / REPORTS_PER_S:.2f} "
            f"({'met' if rate >= REPORTS_PER_S else 'NOT met'})"
        )
        # Each report is a GET of the form and its POST: the CPU is per report, both together.
        print(cpu_line(report["cpu"], float(row["Request Count"])))
    reach_ms, report_ms = cpu_cost(
        url, load.data_dir(args.database, args.size), reaches, points, photo
    )
    cores = os.cpu_count() or 1
    print(
        f"CPU per request (in process, no HTTP): reach page {reach_ms:.1f} ms -> at most "
        f"{cores * 1000 / reach_ms:.0f}/s on {cores} cores; report with the photo "
        f"{report_ms:.1f} ms -> at most {cores * 1000 / report_ms:.0f}/s "
        f"(target {REPORTS_PER_S}/s: ratio {cores * 1000 / report_ms / REPORTS_PER_S:.2f})"
    )
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine load average at the end: {load_average:.1f} on {cores} cores")
    print(f"files: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
