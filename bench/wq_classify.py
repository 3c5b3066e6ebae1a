"""Water-quality classification throughput: vectorised (numpy) against plain Python loops.

    python bench/wq_classify.py [--size 2000000] [--loop N] [--seed 1] [--repeat 3]

Makes --size item values of the 21 class items of GB 3838-2002 (random items, 30 % of them in
lakes, values spread over each item's classes, written with 4 decimals as lab results are), then
classifies the same data three ways and checks that the answers agree:

    vectorised    riverchief.monitoring.gb3838.classify_long (numpy), best of --repeat runs
    scalar API    classify_value in a Python loop (decimal-exact; what one evaluation uses)
    plain floats  a hand-written Python loop over float limits (the naive implementation)

--loop limits the Python loops to the first N values (default: all of them). The target is
≥ 2,000,000 item values per second for the vectorised form. Exit status 1 when it is missed or
the forms disagree.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from riverchief.monitoring import gb3838  # noqa: E402

TARGET = 2_000_000


def make_data(size: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    codes = np.array(gb3838.CLASS_ITEMS)
    which = rng.integers(0, len(codes), size)
    tops = np.array(
        [14.0 if code == "pH" else float(max(gb3838.ITEMS[code].limits)) * 1.5 for code in codes]
    )
    values = np.round(rng.uniform(0, 1, size) * tops[which], 4)
    lake = rng.random(size) < 0.3
    return codes[which], gb3838.row_indices(codes)[which], values, lake


def plain_float_loop(codes: list[str], values: list[float], lakes: list[bool]) -> list[int]:
    table = {}
    for code in gb3838.CLASS_ITEMS:
        spec = gb3838.ITEMS[code]
        table[code] = (
            spec.direction,
            [float(x) for x in spec.limits],
            [float(x) for x in spec.limits_for("lake")],
        )
    out = []
    for code, value, lake in zip(codes, values, lakes, strict=True):
        direction, river, lake_limits = table[code]
        if direction == "range":
            out.append(1 if river[0] <= value <= river[1] else 6)
            continue
        grade = 6
        for index, limit in enumerate(lake_limits if lake else river):
            if (value <= limit) if direction == "upper" else (value >= limit):
                grade = index + 1
                break
        out.append(grade)
    return out


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>14,.0f} values/s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2_000_000)
    parser.add_argument("--loop", type=int, default=None, help="values for the Python loops")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    codes, rows, values, lake = make_data(args.size, args.seed)
    print(
        f"{args.size:,} item values, {len(gb3838.CLASS_ITEMS)} items, limits {gb3838.VERSION}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs"
    )

    best = float("inf")
    grades = np.empty(0, dtype=np.int8)
    for _ in range(args.repeat):
        start = time.perf_counter()
        grades = gb3838.classify_long(rows, values, lake)
        best = min(best, time.perf_counter() - start)
    vector_rate = args.size / best
    print(f"vectorised   {rate(args.size, best)}  ({best * 1000:.0f} ms, best of {args.repeat})")

    loop = min(args.loop or args.size, args.size)
    code_list, value_list, lake_list = codes[:loop].tolist(), values[:loop].tolist(), lake[:loop]
    lake_list = lake_list.tolist()
    start = time.perf_counter()
    scalar = [
        gb3838.classify_value(code, value, "lake" if in_lake else "river")
        for code, value, in_lake in zip(code_list, value_list, lake_list, strict=True)
    ]
    scalar_seconds = time.perf_counter() - start
    print(f"scalar API   {rate(loop, scalar_seconds)}  ({scalar_seconds:.1f} s, {loop:,} values)")

    start = time.perf_counter()
    plain = plain_float_loop(code_list, value_list, lake_list)
    plain_seconds = time.perf_counter() - start
    print(f"plain floats {rate(loop, plain_seconds)}  ({plain_seconds:.1f} s, {loop:,} values)")

    print(
        f"ratio: vectorised / scalar API = {vector_rate / (loop / scalar_seconds):,.0f}×; "
        f"vectorised / plain floats = {vector_rate / (loop / plain_seconds):,.0f}×"
    )
    same = grades[:loop].tolist() == [int(g) for g in scalar] == plain
    print(f"answers agree: {same}; target ≥ {TARGET:,}/s met: {vector_rate >= TARGET}")
    return 0 if same and vector_rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
