"""What a reach's signboard says (river-chief-system.md §6), gathered from the registry.

Contents follow the provincial standards: the river's basics, the chiefs at every level with
their positions (and the phone the office publishes), duties and targets, the problem-report
channels (hotline, QR code), the prohibited acts, a sketch map, the issuer and the date. The
content hash covers everything that a chief change or a registry edit alters, and nothing that
changes by itself (the date), so "the board in the field is out of date" is a comparison.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Q

from riverchief.core import divcodes
from riverchief.registry.models import ChiefAssignment, Division, Reach

DEFAULT_HOTLINE = "12314"  # the Ministry of Water Resources' supervision hotline
LEVEL_ORDER = {"province": 0, "city": 1, "county": 2, "township": 3, "village": 4}
LEVEL_NAMES = {
    "province": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡级",
    "village": "村级",
}
ROLE_ORDER = ("总河长", "副总河长", "河长", "湖长", "河段长", "河长助理", "巡河员", "保洁员")
BOARD_ROLES = frozenset(ROLE_ORDER)

DUTIES = (
    "牵头组织河段水资源保护、水域岸线管理、水污染防治、水环境治理、水生态修复等工作；",
    "定期巡河，及时发现并协调解决河道“乱占、乱采、乱堆、乱建”等突出问题；",
    "督促相关部门和下级河长履行职责，接受社会公众监督。",
)
TARGETS = "河畅、水清、岸绿、景美 · 水质稳定达标，河道无垃圾、无违建、无非法排污"
PROHIBITED = (
    "向河道倾倒垃圾渣土",
    "未经批准设置排污口",
    "非法采砂、取土",
    "侵占河道、违法建设",
    "电鱼、毒鱼、炸鱼",
    "损毁堤防和水利设施",
)


@dataclass(frozen=True)
class Chief:
    level: str
    role: str
    name: str
    position: str
    phone: str

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, self.level)


@dataclass
class Board:
    """One reach's signboard: every value the PDF prints."""

    reach_code: str
    reach_name: str
    water_body: str
    county: str
    township: str
    village: str
    start: str
    end: str
    length_m: float | None
    chiefs: list[Chief]
    hotline: str
    issuer: str
    public_url: str
    lines: list[list[tuple[float, float]]] = field(default_factory=list)  # the reach
    context: list[list[tuple[float, float]]] = field(default_factory=list)  # its water body
    duties: tuple[str, ...] = DUTIES
    targets: str = TARGETS
    prohibited: tuple[str, ...] = PROHIBITED
    printed_on: date | None = None

    @property
    def title(self) -> str:
        return (
            f"{self.reach_name}河长公示牌"
            if not self.reach_name.endswith("牌")
            else self.reach_name
        )

    def content_hash(self) -> str:
        """A short digest of what the board says (not its date or drawing)."""
        data: dict[str, Any] = asdict(self)
        for volatile in ("printed_on", "lines", "context", "public_url"):
            data.pop(volatile)
        data["length_m"] = round(self.length_m) if self.length_m else None
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _lines(geometry: dict | None) -> list[list[tuple[float, float]]]:
    if not geometry:
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "LineString":
        return [[(float(x), float(y)) for x, y, *_z in coordinates]]
    if kind == "MultiLineString":
        return [[(float(x), float(y)) for x, y, *_z in part] for part in coordinates]
    if kind == "Polygon":
        return [[(float(x), float(y)) for x, y, *_z in ring] for ring in coordinates[:1]]
    return []


def chiefs_of(reach: Reach) -> list[Chief]:
    """Active chiefs of the reach and of the same water body at the levels above it."""
    above = divcodes.ancestors(reach.division.code) + [reach.division.code]
    enclosing = Reach.objects.filter(water_body_id=reach.water_body_id, division__code__in=above)
    rows = (
        ChiefAssignment.objects.filter(end_date__isnull=True, role__in=BOARD_ROLES)
        .filter(
            Q(reach_id__in=enclosing.values("pk"))
            | Q(reach__isnull=True, water_body_id=reach.water_body_id, division__code__in=above)
        )
        .order_by("start_date", "id")
    )
    chiefs = {
        (row.level, row.role, row.person_name): Chief(
            row.level, row.role, row.person_name, row.position, row.person_phone
        )
        for row in rows
    }
    return sorted(
        chiefs.values(),
        key=lambda c: (LEVEL_ORDER.get(c.level, 9), ROLE_ORDER.index(c.role), c.name),
    )


def _division_names(code: str) -> dict[str, str]:
    codes = divcodes.ancestors(code) + [code]
    names = dict(Division.objects.filter(code__in=codes).values_list("code", "name"))
    found = {"county": "", "township": "", "village": ""}
    for each in codes:
        level = divcodes.level_of(each)
        if level == divcodes.Level.COUNTY:
            found["county"] = names.get(each, "")
        elif level == divcodes.Level.TOWNSHIP:
            found["township"] = names.get(each, "")
        elif level == divcodes.Level.VILLAGE:
            found["village"] = names.get(each, "")
    return found


def hotline_of(reach: Reach) -> str:
    configured = str(getattr(settings, "RIVERCHIEF_SIGNBOARD_HOTLINE", "") or "").strip()
    boards = reach.facilities.filter(kind="signboard").order_by("code")
    for board in boards:
        number = str((board.details or {}).get("hotline") or "").strip()
        if number:
            return number
    return configured or DEFAULT_HOTLINE


def board_for(reach: Reach, public_url: str, today: date | None = None) -> Board:
    names = _division_names(reach.division.code)
    issuer = f"{names['county']}河长制办公室" if names["county"] else "河长制办公室"
    return Board(
        reach_code=reach.code,
        reach_name=reach.name,
        water_body=reach.water_body.name,
        county=names["county"],
        township=names["township"],
        village=names["village"],
        start=reach.start_description,
        end=reach.end_description,
        length_m=reach.length_m,
        chiefs=chiefs_of(reach),
        hotline=hotline_of(reach),
        issuer=issuer,
        public_url=public_url,
        lines=_lines(reach.geometry),
        context=_lines(reach.water_body.geometry),
        printed_on=today,
    )
