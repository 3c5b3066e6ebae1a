"""What the water-quality pages show, computed from the queries: the county's table for a period,
river status, lakes' trophic state. No HTTP here; views.py renders these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from riverchief.monitoring import gb3838, queries, statistics, tli
from riverchief.monitoring.latest import Latest, latest_many
from riverchief.monitoring.readings import Reading
from riverchief.monitoring.sections import SectionInfo, info, visible
from riverchief.registry.models import bbox_q

# §11.10 of docs/water-quality.md: the official colour words; the shades used on the pages.
HEX = {
    "blue": "#1f6fd1",
    "green": "#1a9d3f",
    "yellow": "#f2c200",
    "orange": "#f07f00",
    "red": "#d7191c",
    "grey": "#9aa0a6",
}

# The map legend: the official colour of each status (I and II share blue).
LEGEND = (
    ("I–II 优", "blue"),
    ("III 良好", "green"),
    ("IV 轻度污染", "yellow"),
    ("V 中度污染", "orange"),
    ("劣V 重度污染", "red"),
)


def default_period(today: date | None = None) -> str:
    """Last month: the newest month whose samples are all in."""
    today = today or timezone.localdate()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year}-{month:02d}"


@dataclass
class Row:
    section: SectionInfo
    result: queries.PeriodEvaluation

    @property
    def grade(self):
        return self.result.evaluation.grade if self.result.evaluation else None

    @property
    def hex(self) -> str:
        return HEX[self.grade.colour] if self.grade else HEX["grey"]


def county_rows(user, period: queries.Period) -> list[Row]:
    rows = []
    for facility in visible(user).order_by("water_body__code", "code"):
        section = info(facility)
        rows.append(Row(section, queries.period_evaluation(section, period)))
    return rows


@dataclass
class LatestRow:
    """A section and its latest class (None when nothing is known), as the map shows it."""

    section: SectionInfo
    latest: Latest | None

    @property
    def grade(self) -> gb3838.Grade | None:
        return self.latest[0] if self.latest else None

    @property
    def colour(self) -> str | None:
        return self.grade.colour if self.grade else None

    @property
    def hex(self) -> str:
        return HEX[self.grade.colour] if self.grade else HEX["grey"]

    @property
    def compliant(self) -> bool | None:
        target = self.section.target
        return None if not (self.grade and target) else self.grade <= target


def latest_rows(user, bbox: tuple[float, float, float, float] | None = None) -> list[LatestRow]:
    """The sections in the user's scope (in the box), by code, with their latest class: a fixed
    number of queries whatever the count of sections."""
    rows = visible(user).defer("division__geometry", "water_body__geometry", "reach__geometry")
    if bbox is not None:
        rows = rows.filter(bbox_q(bbox))
    sections = [info(facility) for facility in rows.order_by("code")]
    found = latest_many(sections)
    return [LatestRow(section, found.get(section.facility.pk)) for section in sections]


def geometry(facility) -> dict | None:
    if facility.geometry is not None:
        return facility.geometry
    if facility.lon is None or facility.lat is None:
        return None
    return {"type": "Point", "coordinates": [facility.lon, facility.lat]}


def sections_geojson(rows: list[LatestRow], url) -> dict:
    """A FeatureCollection of the sections that have a place, with their latest class, its
    official colour word and the shade the map legend draws it in."""
    features = []
    for row in rows:
        facility = row.section.facility
        shape = geometry(facility)
        if shape is None:
            continue
        properties = {
            "layer": "sections",
            "code": facility.code,
            "name": facility.name,
            "division_code": facility.division.code,
            "water_body_name": facility.water_body.name if facility.water_body_id else None,
            "target_class": row.section.target.label if row.section.target else None,
            "latest_class": row.grade.label if row.grade else None,
            "latest_status": row.grade.status if row.grade else None,
            "latest_colour": row.colour,
            "latest_hex": row.hex,
            "latest_at": row.latest[1].isoformat() if row.latest else None,
            "latest_source": row.latest[2] if row.latest else None,
            "compliant": row.compliant,
            "url": url(facility.code),
        }
        features.append({"type": "Feature", "geometry": shape, "properties": properties})
    return {"type": "FeatureCollection", "features": features}


def table_cells(row: Row) -> list:
    """One line of the monthly table and its Excel export."""
    facility = row.section.facility
    result = row.result.evaluation
    return [
        facility.code,
        facility.name,
        facility.water_body.name if facility.water_body_id else "",
        facility.division.name,
        row.section.target.label if row.section.target else "",
        result.grade.label if result else "",
        result.status if result else "",
        ("达标" if result.compliant else "不达标")
        if result and result.compliant is not None
        else "",
        "、".join(p.label for p in result.main_pollutants) if result else "",
        row.result.samples,
    ]


TABLE_HEADER = [
    "断面编码",
    "断面名称",
    "河流",
    "所在区划",
    "水质目标",
    "水质类别",
    "水质状况",
    "是否达标",
    "主要污染指标(超标倍数)",
    "样品数",
]


@dataclass
class RiverRow:
    code: str
    name: str
    sections: int
    status: statistics.RiverStatus | None

    @property
    def hex(self) -> str:
        if self.status is None:
            return HEX["grey"]
        index = gb3838.STATUS_WORDS.index(self.status.status)
        return HEX[("blue", "green", "yellow", "orange", "red")[index]]


def _mean_readings(row: Row) -> dict[str, Reading]:
    result = row.result.evaluation
    if result is None:
        return {}
    return {
        code: Reading(code, value, code in result.below_detection)
        for code, value in result.values.items()
    }


def river_rows(rows: list[Row]) -> list[RiverRow]:
    """Each river with evaluated river sections: share method for ≥ 5 sections, means below."""
    by_river: dict[str, list[Row]] = {}
    names: dict[str, str] = {}
    for row in rows:
        facility = row.section.facility
        if not facility.water_body_id or row.section.waterbody != "river":
            continue
        by_river.setdefault(facility.water_body.code, []).append(row)
        names[facility.water_body.code] = facility.water_body.name
    found = []
    for code, members in by_river.items():
        evaluated = [row for row in members if row.result.evaluation is not None]
        status = None
        if evaluated:
            status = statistics.status_from_sections(
                [statistics.Section(_mean_readings(row)) for row in evaluated], "river"
            )
        found.append(RiverRow(code, names[code], len(evaluated), status))
    return found


@dataclass
class LakeRow:
    row: Row
    trophic: tli.TrophicState | None

    @property
    def hex(self) -> str:
        if self.trophic is None:
            return HEX["grey"]
        grades = ["贫营养", "中营养", "轻度富营养", "中度富营养", "重度富营养"]
        return HEX[("blue", "green", "yellow", "orange", "red")[grades.index(self.trophic.grade)]]


def lake_rows(rows: list[Row]) -> list[LakeRow]:
    found = []
    for row in rows:
        if row.section.waterbody != "lake":
            continue
        result = row.result.evaluation
        trophic = result.trophic if result else None
        if result is not None and trophic is None:
            present = {
                code: Decimal(value)
                for code, value in result.values.items()
                if code in tli.PARAMETERS and value > 0
            }
            trophic = tli.from_values(present) if present else None
        found.append(LakeRow(row, trophic))
    return found
