"""Time reassigning one person to 1,000 reaches (issue target: one operation, under a second).

Runs inside the cached registry bench databases that bench/registry_bench.py builds (150k
reaches): picks 1,000 reaches, gives them a new 河长 through the
service (ending the previous holders), prints the time, and rolls everything back.

    python bench/registry_assign.py [--database sqlite|postgresql|both] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "results" / "data"
TARGETS = {
    "sqlite": {"RIVERCHIEF_DATA_DIR": str(DATA / "sqlite-registry"), "RIVERCHIEF_DATABASE_URL": ""},
    "postgresql": {
        "RIVERCHIEF_DATA_DIR": str(DATA / "postgresql-registry"),
        "RIVERCHIEF_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/riverchief_bench_registry",
    },
}


def measure(repeat: int) -> None:
    """Runs in a child process configured for one database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "riverchief.settings")
    import django

    django.setup()
    from django.db import transaction

    from riverchief.registry import services
    from riverchief.registry.models import Reach

    # 1,000 reaches in code order (neighbouring counties of the synthetic province).
    codes = list(Reach.objects.order_by("code").values_list("code", flat=True)[:1000])
    county = f"{codes[0]} … {codes[-1]}"
    times = []
    for attempt in range(repeat):
        with transaction.atomic():
            started = time.perf_counter()
            created = services.assign_person_to_reaches(
                None,
                {
                    "person_name": f"基准河长{attempt}",
                    "role": "河长",
                    "level": "township",
                    "start_date": "2026-11-29",
                },
                codes,
            )
            times.append(time.perf_counter() - started)
            transaction.set_rollback(True)
    print(
        f"  {len(codes)} reaches ({county}): created {created}; "
        f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"over {repeat} runs; ratio to 1 s: {max(times):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    if args.child:
        measure(args.repeat)
        return
    print(f"machine: {os.cpu_count()} cores")
    for name in ("sqlite", "postgresql") if args.database == "both" else (args.database,):
        print(f"[{name}]")
        env = dict(os.environ, **TARGETS[name], RIVERCHIEF_LOG_LEVEL="WARNING")
        subprocess.run(
            [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
            env=env,
            check=True,
        )


if __name__ == "__main__":
    main()
