"""Loopback load test: serve a synthetic data set and measure it with locust.

    python bench/load.py [--database sqlite|postgresql|both] [--size county|province]
                         [--users 20] [--duration 30] [--workers N] [--threads 4] [--wait 1]
                         [--phases paced,saturated]

For each database: make or reuse the data set (bench/generate.py, cached under
bench/results/data/ and, for PostgreSQL, in the database riverchief_bench_<size>), start
`riverchief serve` on a free loopback port, wait for /healthz, run locust headless in its own
process (bench/locustfile.py) once per phase, stop the server, and print requests/s and
p50/p95/p99 per endpoint, with the machine's core count and whether the home page met its
target (p95 <= 100 ms at 20 users). Logs and locust's CSV files go to bench/results/<time>/.

Two phases, both with the same users:
    paced      each user pauses --wait seconds on average between requests, as people do
    saturated  no pause: every user has a request in flight all the time (the server's capacity)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"  # git-ignored
BIN = Path(sys.executable).parent  # the venv's python, riverchief and locust

ENDPOINTS = ["/healthz", "/", "/api/v1/me"]
HOME_TARGET_MS = 100
TARGET_USERS = 20
# Accounts the simulated users take in turn, from a whole province down to one village.
ACCOUNTS = {
    "admin": "demo county 140826, office",
    "s99_office1": "synthetic province, office",
    "s990121_office1": "synthetic county, office",
    "s990121100_chief1": "synthetic township, chief",
    "s990121100201_patroller1": "synthetic village, patroller",
}
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432"
PHASES = ("paced", "saturated")


@dataclass
class Run:
    """The results of one phase on one database."""

    database: str
    phase: str
    wait: float
    rows: list[dict] = field(default_factory=list)  # locust's stats, one per endpoint
    home_by_account: dict[str, list[float]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # see CpuMeter.stop


# --- data set -----------------------------------------------------------------------------------


def database_url(database: str, size: str, postgres: str) -> str:
    if database == "postgresql":
        return f"{postgres.rstrip('/')}/riverchief_bench_{size}"
    return f"sqlite:///{data_dir(database, size) / 'riverchief.sqlite3'}"


def data_dir(database: str, size: str) -> Path:
    return RESULTS / "data" / f"{database}-{size}"


def prepare_dataset(database: str, args) -> str:
    """Generate the data set, or reuse the cached one; returns the database URL."""
    url = database_url(database, args.size, args.postgres)
    command = [
        str(BIN / "python"),
        str(BENCH / "generate.py"),
        "--size",
        args.size,
        "--seed",
        str(args.seed),
        "--data-dir",
        str(data_dir(database, args.size)),
        "--database-url",
        url,
    ]
    if args.regenerate:
        command.append("--fresh")
    print(f"[{database}] data set: {' '.join(command[1:])}", flush=True)
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise SystemExit(f"[{database}] bench/generate.py failed; see its output above")
    return url


# --- server -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(url: str, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (status {server.returncode}); see {log}")
        try:
            # S310 (scheme audit): the URL is our own http://127.0.0.1 address.
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    raise SystemExit(f"no answer from {url}/healthz after {timeout:.0f} s; see {log}")


@dataclass(frozen=True)
class Server:
    base: str  # http://127.0.0.1:PORT
    pid: int  # gunicorn's master
    database_url: str


@contextmanager
def running_server(database: str, url: str, args, out: Path):
    """`riverchief serve` in its own process group; always stopped on the way out."""
    port = free_port()
    log = out / f"server-{database}.log"  # one JSON line per request: keep it off the terminal
    env = dict(os.environ, RIVERCHIEF_DATABASE_URL=url, RIVERCHIEF_ALLOWED_HOSTS="127.0.0.1")
    command = [str(BIN / "riverchief"), "--data-dir", str(data_dir(database, args.size))]
    command += ["serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    with open(log, "wb") as handle:
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_health(base, server, log)
            yield Server(base, server.pid, url)
        finally:
            stop(server)


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the gunicorn master (graceful), then SIGKILL to its group if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            server.wait(timeout=15)
    with suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # the workers, should any outlive the master
    server.wait()


# --- CPU accounting -----------------------------------------------------------------------------
# The machine may be shared, and figures measured while other programs took CPU are pessimistic.
# So each phase also reports who used the machine's CPU while locust measured: the server
# (gunicorn's processes and, for PostgreSQL, the backends serving the bench database), locust,
# and everything else; and the server's CPU time per request, which other load hardly changes.
# Linux only (/proc); elsewhere the figures are left out.

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
MEASURING = b"bench: measuring"  # the locustfile's line when every user has signed in


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, all cores together."""
    with open("/proc/stat", encoding="ascii") as handle:
        values = [int(v) for v in handle.readline().split()[1:9]]  # user .. steal
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def process_ticks(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:  # gone
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime, all threads


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's master and workers)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with suppress(OSError):
                queue += [int(child) for child in task.read_text().split()]
    return found


class CpuMeter:
    """Samples the CPU ticks of the server's and locust's processes twice a second: PostgreSQL
    backends come and go (Django closes connections older than CONN_MAX_AGE)."""

    def __init__(self, server: Server, locust_pid: int):
        self.server, self.locust_pid = server, locust_pid
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.group: dict[int, str] = {}
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        self.postgres = None
        if server.database_url.startswith("postgres"):
            import psycopg

            self.postgres = psycopg.connect(server.database_url, autocommit=True)

    def _backends(self) -> list[int]:
        if self.postgres is None:
            return []
        rows = self.postgres.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        return [pid for (pid,) in rows]

    def _sample(self, starting: bool = False) -> None:
        pids = {pid: "server" for pid in process_tree(self.server.pid) + self._backends()}
        pids[self.locust_pid] = "locust"
        for pid, group in pids.items():
            ticks = process_ticks(pid)
            if ticks is None:
                continue
            self.group[pid] = group
            self.first.setdefault(pid, ticks if starting else 0)  # new since the start: all
            self.last[pid] = ticks

    def start(self) -> None:
        self._sample(starting=True)
        self.machine_start = machine_ticks()
        self.thread = threading.Thread(target=self._keep_sampling, daemon=True)
        self.thread.start()

    def _keep_sampling(self) -> None:
        while not self.done.wait(0.5):
            self._sample()

    def stop(self) -> dict[str, float]:
        """Shares of the machine (all cores) and the server's CPU seconds, since start()."""
        if self.thread is None:
            return {}
        self.done.set()
        self.thread.join()
        self._sample()
        (busy_then, total_then), (busy_now, total_now) = self.machine_start, machine_ticks()
        busy, total = busy_now - busy_then, max(total_now - total_then, 1)
        used = {"server": 0, "locust": 0}
        for pid, last in self.last.items():
            used[self.group[pid]] += last - self.first[pid]
        if self.postgres is not None:
            self.postgres.close()
        return {
            "server": used["server"] / total,
            "locust": used["locust"] / total,
            "other": max(0, busy - used["server"] - used["locust"]) / total,
            "server_seconds": used["server"] / TICKS,
        }


# --- locust -------------------------------------------------------------------------------------


def run_locust(database: str, phase: str, server, args, out: Path) -> Run:
    run = Run(database, phase, wait=args.wait if phase == "paced" else 0.0)
    label = f"{database}-{phase}"
    prefix = out / f"locust-{label}"
    samples = out / f"home-{label}.json"
    env = dict(
        os.environ,
        BENCH_ACCOUNTS=",".join(ACCOUNTS),
        BENCH_DURATION=str(args.duration),
        BENCH_WAIT=str(run.wait),
        BENCH_HOME_SAMPLES=str(samples),
    )
    command = [str(BIN / "locust"), "-f", str(BENCH / "locustfile.py"), "--headless"]
    command += ["-u", str(args.users), "-r", str(args.users), "--host", server.base]
    # A safety stop only: the locustfile ends the run `duration` s after the last sign-in.
    command += ["-t", f"{args.duration + 120}s", "--csv", str(prefix), "--only-summary"]
    print(
        f"[{database}] {phase}: {args.users} users, wait {run.wait:g} s, {args.duration} s",
        flush=True,
    )
    log = out / f"locust-{label}.log"
    with open(log, "wb") as handle:
        locust = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        meter = CpuMeter(server, locust.pid)
        for line in locust.stdout:  # copied to the log; the CPU meter starts with measuring
            handle.write(line)
            if line.startswith(MEASURING) and meter.thread is None and Path("/proc").is_dir():
                meter.start()
        run.cpu = meter.stop()
        locust.wait()
    if not Path(f"{prefix}_stats.csv").exists():
        raise SystemExit(f"locust wrote no statistics; see {log}")
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        by_name = {row["Name"]: row for row in csv.DictReader(handle)}
    run.rows = [by_name[name] for name in ENDPOINTS if name in by_name]
    with open(f"{prefix}_failures.csv", encoding="utf-8") as handle:
        run.failures = [f"{r['Method']} {r['Name']}: {r['Error']}" for r in csv.DictReader(handle)]
    if samples.exists():
        run.home_by_account = json.loads(samples.read_text(encoding="utf-8"))
    return run


# --- report -------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def print_report(runs: list[Run], args) -> list[str]:
    lines = [
        f"machine: {os.cpu_count()} cores; load average before: {args.load_before}, "
        f"after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"server: riverchief serve, {args.workers} workers x {args.threads} threads (gthread); "
        f"locust: {args.users} users, {args.duration} s per phase; "
        f"data set: {args.size} (seed {args.seed})",
        "",
        f"{'database':<11}{'phase':<11}{'endpoint':<12}{'requests':>9}{'req/s':>8}"
        f"{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'failures':>9}",
    ]
    for run in runs:
        for row in run.rows:
            lines.append(
                f"{run.database:<11}{run.phase:<11}{row['Name']:<12}{row['Request Count']:>9}"
                f"{float(row['Requests/s']):>8.1f}{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}"
                f"{row['Failure Count']:>9}"
            )
        total = sum(float(row["Requests/s"]) for row in run.rows)
        lines.append(f"{run.database:<11}{run.phase:<11}{'all':<12}{'':>9}{total:>8.1f}")
    lines.append("")
    lines.append("CPU while measuring, share of all cores (other: programs not in this test):")
    for run in runs:
        lines.append(f"  {run.database:<11}{run.phase:<11}{cpu_line(run)}")
    lines.append("")
    lines += [target_line(run, args) for run in runs]
    lines.append("")
    lines.append("home page p95 by account (from the locustfile's samples):")
    for run in runs:
        for account, label in ACCOUNTS.items():
            values = run.home_by_account.get(account, [])
            lines.append(
                f"  {run.database:<11}{run.phase:<11}{account:<26}{label:<30}"
                f"n={len(values):<6}p95 {percentile(values, 0.95):.0f} ms"
            )
    for run in runs:
        for failure in run.failures:
            lines.append(f"  failure [{run.database} {run.phase}] {failure}")
    print("\n".join(lines))
    return lines


def cpu_line(run: Run) -> str:
    if not run.cpu:
        return "not measured"
    requests = sum(int(row["Request Count"]) for row in run.rows) or 1
    per_request = run.cpu["server_seconds"] * 1000 / requests
    return (
        f"server {run.cpu['server']:.0%}, locust {run.cpu['locust']:.0%}, "
        f"other {run.cpu['other']:.0%}; server CPU {per_request:.1f} ms per request"
    )


def target_line(run: Run, args) -> str:
    where = f"home page p95 [{run.database}, {run.phase}, wait {run.wait:g} s]"
    home = next((row for row in run.rows if row["Name"] == "/"), None)
    if home is None:
        return f"{where}: no measurement"
    p95 = float(home["95%"])
    ratio = p95 / HOME_TARGET_MS
    verdict = "met" if ratio <= 1 else "MISSED"
    if args.users != TARGET_USERS or args.size != "province":
        verdict += f" (but measured with {args.users} users, {args.size}: not the target's setup)"
    return f"{where}: {p95:.0f} ms / {HOME_TARGET_MS} ms = {ratio:.2f} -> {verdict}"


# --- command ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--size", choices=["county", "province"], default="province")
    parser.add_argument("--users", type=int, default=TARGET_USERS)
    parser.add_argument("--duration", type=int, default=30, help="measured seconds")
    parser.add_argument("--workers", type=int, default=None, help="default: 2 x cores")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--wait", type=float, default=1.0, help="mean pause between requests when paced, s"
    )
    parser.add_argument(
        "--phases", default=",".join(PHASES), help="comma-separated: paced, saturated or both"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached data set")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RIVERCHIEF_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL server URL without a database name",
    )
    args = parser.parse_args(argv)
    args.workers = args.workers or 2 * (os.cpu_count() or 1)  # the `riverchief serve` default
    args.phases = [phase.strip() for phase in args.phases.split(",") if phase.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown or not args.phases:
        parser.error(f"--phases: choose from {', '.join(PHASES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    out = RESULTS / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    runs = []
    for database in databases:
        url = prepare_dataset(database, args)
        with running_server(database, url, args, out) as server:
            for phase in args.phases:
                runs.append(run_locust(database, phase, server, args, out))
    print()
    lines = print_report(runs, args)
    (out / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nlogs, locust CSV files and this report: {out.relative_to(ROOT)}/")
    return 0 if all(run.rows and not run.failures for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
