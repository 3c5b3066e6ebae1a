"""Demo water quality for 绛县: three more sections and a year of monthly lab samples.

Every number is invented, deterministic (a seeded generator per section) and shaped like the
涑水河 area: clean water at the 中条山 source (II–III), worse below the county town's sewage
works (IV–V, NH3N and TP high in the dry season, December to May), 浍河 around III–IV, and the
陈村峪水库 with a moderate trophic state. The samples go in through the lab import itself.
"""

from __future__ import annotations

import csv
import random
import tempfile
from datetime import date
from pathlib import Path

from riverchief.monitoring.gb3838 import ITEMS

# (code, name, river, km from its start, target, water-body type, control level, address)
SECTIONS = [
    ("SEC-SSH-GJ", "涑水河古绛镇下游断面", "SSH", 14.0, "IV", "river", "county",
     "古绛镇城南污水处理厂下游（演示）"),
    ("SEC-LKYH-CC", "冷口峪河入涑水河口断面", "LKYH", None, "III", "river", "county",
     "陈村镇冷口峪河汇入口上游（演示）"),
    ("SEC-RES-CCY", "陈村峪水库库心断面", "SSH", 2.6, "III", "lake", "county",
     "陈村峪水库库心（演示）"),
]  # fmt: skip

# Per section: (base level multiplier on the item's class-III limit, dry-season extra, noise).
PROFILES = {
    "SEC-SSH-CCY": (0.55, 0.25, 0.15),
    "SEC-RES-CCY": (0.6, 0.2, 0.12),
    "SEC-LKYH-CC": (0.65, 0.3, 0.15),
    "SEC-KH-XQC": (0.9, 0.35, 0.15),
    "SEC-SSH-GJ": (1.2, 0.6, 0.18),
    "SEC-SSH-DLJ": (1.05, 0.55, 0.18),
}
MONTHLY_ITEMS = [
    "WT", "pH", "DO", "CODMn", "COD", "BOD5", "NH3N", "TP", "TN", "Cu", "Zn", "F", "Se", "As",
    "Hg", "Cd", "Cr6", "Pb", "CN", "VPhenol", "Oil", "LAS", "S2", "FC",
]  # fmt: skip
LAKE_ITEMS = ["chla", "SD"]
HEADERS = {
    "WT": "水温(℃)",
    "pH": "pH(无量纲)",
    "FC": "粪大肠菌群(个/L)",
    "chla": "叶绿素a(mg/m³)",
    "SD": "透明度(m)",
    "Hg": "汞(µg/L)",  # as labs report mercury: in µg/L, converted on import
    "As": "砷(µg/L)",
}
# Trace metals and the like: mostly below the detection limit, written as the labs do.
CENSORED = {
    "Hg": "ND",
    "Cd": "<0.0005",
    "Cr6": "<0.004",
    "Pb": "<0.0025",
    "CN": "未检出",
    "Se": "<0.0004",
    "S2": "0.003L",
    "VPhenol": "<0.0003",
}
LAB = "运城市生态环境监测中心（演示）"
METHOD = "GB 3838-2002 表1 配套方法"


def months(today: date, count: int = 12) -> list[date]:
    """The first days of the `count` months before this one (oldest first)."""
    found = []
    year, month = today.year, today.month
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        found.append(date(year, month, 1))
    return list(reversed(found))


def _dry(month: int) -> float:
    """1 in the dry season (winter, spring), 0 in the wet season (July to September)."""
    return {7: 0.0, 8: 0.0, 9: 0.1, 10: 0.4, 11: 0.7, 6: 0.5}.get(month, 1.0)


def _value(rng: random.Random, code: str, profile, month: int, lake: bool) -> str:
    base, dry_extra, noise = profile
    spec = ITEMS[code]
    level = base + dry_extra * _dry(month)
    jitter = 1 + rng.uniform(-noise, noise)
    if code == "WT":
        return f"{max(0.5, 13 - 11 * _cos(month) + rng.uniform(-1.5, 1.5)):.1f}"
    if code == "pH":
        return f"{7.6 + 0.25 * level + rng.uniform(-0.2, 0.2):.2f}"
    if code == "DO":
        return f"{max(2.2, 9.6 - 2.6 * level + 1.2 * _cos(month) + rng.uniform(-0.4, 0.4)):.1f}"
    if code in CENSORED and rng.random() < 0.85:
        return CENSORED[code]
    if code == "chla":
        return f"{(4 + 10 * (1 - _dry(month))) * jitter:.1f}"
    if code == "SD":
        return f"{max(0.3, 1.6 - 0.5 * (1 - _dry(month))) * jitter:.2f}"
    if code == "FC":
        return str(int(3000 * level * jitter))
    limits = spec.limits_for("lake" if lake else "river")
    third = float(limits[2])
    if code in ("Cu", "Zn", "F", "As", "Oil", "LAS", "Se", "Hg", "Cd", "Cr6", "Pb", "CN"):
        level = min(level, 0.8) * 0.25  # metals and the like stay far below III
    if code == "As":
        return f"{third * level * jitter * 1000:.2f}"  # µg/L
    if code == "Hg":
        return f"{third * level * jitter * 1000:.3f}"
    value = third * level * jitter
    digits = 3 if third < 0.5 else 2 if third < 5 else 1
    return f"{value:.{digits}f}"


def _cos(month: int) -> float:
    import math

    return math.cos((month - 1) / 12 * 2 * math.pi)


def sample_rows(codes: list[tuple[str, bool]], today: date) -> tuple[list[str], list[list[str]]]:
    """The lab table for the sections: header and one row per section and month."""
    items = [*MONTHLY_ITEMS, *LAKE_ITEMS]
    header = ["断面编码", "采样时间", "检测单位", "分析方法"]
    header += [HEADERS.get(code, f"{ITEMS[code].name}({ITEMS[code].unit})") for code in items]
    rows = []
    for code, lake in codes:
        rng = random.Random(f"riverchief-demo-{code}")
        profile = PROFILES.get(code, (0.8, 0.3, 0.15))
        for first in months(today):
            day = 8 + rng.randrange(6)
            row = [code, f"{first:%Y-%m}-{day:02d} {9 + rng.randrange(3):02d}:30", LAB, METHOD]
            for item in items:
                if item in LAKE_ITEMS and not lake:
                    row.append("")
                else:
                    row.append(_value(rng, item, profile, first.month, lake))
            rows.append(row)
    return header, rows


def load(today: date | None = None) -> int:
    """Add the demo sections and their year of samples; returns the number of samples written."""
    from django.utils import timezone

    from riverchief.monitoring import lab_import
    from riverchief.registry import demo_data
    from riverchief.registry import services as registry_services
    from riverchief.registry.models import Facility

    geo = demo_data.build_geography()
    plans = demo_data.plan_reaches(geo)
    for code, name, river, km, target, waterbody, level, address in SECTIONS:
        line = geo.rivers[river]
        if km is None:  # just above the mouth
            point = line.interpolate(0.97, normalized=True)
            lon, lat = round(point.x, 6), round(point.y, 6)
        else:
            lon, lat = demo_data._at(line, km)
        division = demo_data._division_at(geo, lon, lat)
        registry_services.save_facility(
            None,
            {
                "kind": "section",
                "code": code,
                "name": name,
                "division_code": division,
                "water_body_code": river,
                "reach_code": demo_data._reach_at(plans, river, division),
                "lon": lon,
                "lat": lat,
                "address": address,
                "is_demo": True,
                "details": {
                    "control_level": level,
                    "waterbody_type": waterbody,
                    "target_class": target,
                },
            },
        )
    sections = [
        (row.code, (row.details or {}).get("waterbody_type") == "lake")
        for row in Facility.objects.filter(kind="section").order_by("code")
    ]
    header, rows = sample_rows(sections, today or timezone.localdate())
    with tempfile.TemporaryDirectory(prefix="riverchief-demo-") as folder:
        path = Path(folder) / "demo-samples.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        report = lab_import.import_samples(None, path, file_name="演示监测数据.csv")
    if report.errors:
        raise RuntimeError("demo samples: " + "; ".join(report.lines()[:5]))
    return report.created
