"""What each kind of facility records: plain data and a validator, no Django.

Every facility shares code, name, location and the division it lies in; the fields particular
to a kind (a reservoir's 总库容, a check dam's 一坝一人 patroller, a section's target class …) are
declared here once and drive `details`, the API schema, the edit form and the Excel sheet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Field:
    name: str
    zh: str
    en: str
    type: str = "text"  # text | number | int | bool | date | choice
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, Chinese label)
    required: bool = False
    minimum: float | None = 0


@dataclass(frozen=True)
class Kind:
    code: str
    zh: str
    en: str
    layer: str  # the map layer name in contract.md
    fields: tuple[Field, ...]


def _person(prefix: str, zh: str, en: str) -> tuple[Field, Field]:
    return (
        Field(f"{prefix}_name", f"{zh}", f"{en}"),
        Field(f"{prefix}_phone", f"{zh}电话", f"{en} phone"),
    )


THREE_RESPONSIBLE = (
    *_person("admin_person", "行政责任人", "administrative responsible person"),
    *_person("technical_person", "技术责任人", "technical responsible person"),
    *_person("patrol_person", "巡查责任人", "patrol responsible person"),
)

RESERVOIR = Kind(
    "reservoir",
    "水库",
    "reservoir",
    "reservoirs",
    (
        Field(
            "scale",
            "规模",
            "scale",
            "choice",
            choices=(
                ("large_1", "大(1)型"),
                ("large_2", "大(2)型"),
                ("medium", "中型"),
                ("small_1", "小(1)型"),
                ("small_2", "小(2)型"),
            ),
            required=True,
        ),
        Field("total_capacity", "总库容", "total capacity", "number", "万m³"),
        Field("normal_level", "正常蓄水位", "normal pool level", "number", "m", minimum=None),
        Field("flood_limit_level", "汛限水位", "flood-limit level", "number", "m", minimum=None),
        Field(
            "design_flood_level", "设计洪水位", "design flood level", "number", "m", minimum=None
        ),
        Field("check_flood_level", "校核洪水位", "check flood level", "number", "m", minimum=None),
        Field("dam_type", "坝型", "dam type"),
        Field("dam_height", "坝高", "dam height", "number", "m"),
        *THREE_RESPONSIBLE,
        Field(
            "monitoring_plan_date", "雨水情测报方案日期", "rain and level forecasting plan", "date"
        ),
        Field("dispatch_plan_date", "调度运用方案日期", "dispatch plan", "date"),
        Field("emergency_plan_date", "大坝安全应急预案日期", "dam-safety emergency plan", "date"),
    ),
)

CHECK_DAM = Kind(
    "check_dam",
    "淤地坝",
    "check dam",
    "check_dams",
    (
        Field(
            "dam_class",
            "类型",
            "class",
            "choice",
            choices=(("key", "骨干坝"), ("medium", "中坝"), ("small", "小坝")),
            required=True,
        ),
        Field("total_capacity", "总库容", "total capacity", "number", "万m³"),
        Field("dam_height", "坝高", "dam height", "number", "m"),
        Field("people_downstream", "下游有人员居住", "people live downstream", "bool"),
        Field("downstream_population", "下游人数", "people downstream", "int"),
        Field("has_outlet", "有放水建筑物", "has outlet works", "bool"),
        Field("silted_capacity", "已淤库容", "silted capacity", "number", "万m³"),
        Field("design_silt_capacity", "设计拦泥库容", "design silt capacity", "number", "万m³"),
        *THREE_RESPONSIBLE,
        Field("one_dam_one_person", "一坝一人巡查员", "one-dam-one-person patroller"),
        Field("one_dam_one_person_phone", "一坝一人巡查员电话", "patroller phone"),
    ),
)

SLUICE = Kind(
    "sluice",
    "水闸",
    "sluice",
    "sluices",
    (
        Field("gate_count", "孔数", "gates", "int"),
        Field("design_flow", "设计流量", "design flow", "number", "m³/s"),
        Field("manager", "管理单位", "managing unit"),
    ),
)

OUTFALL = Kind(
    "outfall",
    "入河排污口",
    "outfall",
    "outfalls",
    (
        Field(
            "outfall_type",
            "类型",
            "type",
            "choice",
            choices=(
                ("industrial", "工业排污口"),
                ("municipal", "城镇污水处理厂排污口"),
                ("agricultural", "农业排口"),
                ("rainwater", "雨洪排口"),
                ("other", "其他排口"),
            ),
            required=True,
        ),
        Field("permit_number", "设置审批文号", "permit number"),
        Field("owner", "责任主体", "owner"),
        Field("design_discharge", "设计排放量", "design discharge", "number", "万t/年"),
    ),
)

INTAKE = Kind(
    "intake",
    "取水口",
    "water intake",
    "intakes",
    (
        Field("permit_number", "取水许可证号", "withdrawal permit number"),
        Field("permit_holder", "取水权人", "permit holder"),
        Field("annual_quota", "年许可取水量", "annual quota", "number", "万m³"),
        Field(
            "water_use",
            "用途",
            "use",
            "choice",
            choices=(
                ("domestic", "生活"),
                ("industrial", "工业"),
                ("irrigation", "农业灌溉"),
                ("ecological", "生态"),
                ("other", "其他"),
            ),
        ),
        Field(
            "source_type",
            "水源类型",
            "source",
            "choice",
            choices=(("surface", "地表水"), ("ground", "地下水")),
        ),
    ),
)

SECTION = Kind(
    "section",
    "监测断面",
    "monitoring section",
    "sections",
    (
        Field(
            "control_level",
            "断面级别",
            "level",
            "choice",
            choices=(
                ("national", "国控"),
                ("provincial", "省控"),
                ("city", "市控"),
                ("county", "县控"),
            ),
            required=True,
        ),
        Field(
            "waterbody_type",
            "水体类型",
            "water body type",
            "choice",
            choices=(("river", "河流"), ("lake", "湖库")),
            required=True,
        ),
        Field(
            "target_class",
            "水质目标",
            "target class",
            "choice",
            choices=(("I", "Ⅰ类"), ("II", "Ⅱ类"), ("III", "Ⅲ类"), ("IV", "Ⅳ类"), ("V", "Ⅴ类")),
            required=True,
        ),
        Field("is_boundary", "交接断面", "boundary section", "bool"),
    ),
)

SIGNBOARD = Kind(
    "signboard",
    "河长公示牌",
    "signboard",
    "signboards",
    (
        Field("last_updated", "最近更新日期", "last updated", "date"),
        Field("hotline", "监督电话", "hotline"),
    ),
)

KINDS: dict[str, Kind] = {
    kind.code: kind for kind in (RESERVOIR, CHECK_DAM, SLUICE, OUTFALL, INTAKE, SECTION, SIGNBOARD)
}


class DetailError(ValueError):
    """A detail value that does not fit its field; carries the field and both messages."""

    def __init__(self, field: str, zh: str, en: str):
        super().__init__(f"{field}: {en}")
        self.field, self.zh, self.en = field, zh, en


TRUE_WORDS = {"1", "true", "yes", "y", "是", "有", "√"}
FALSE_WORDS = {"0", "false", "no", "n", "否", "无", ""}


def clean_details(kind_code: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a facility's details; raise DetailError on the first bad field."""
    kind = KINDS.get(kind_code)
    if kind is None:
        raise DetailError("kind", "未知的设施类型", f"unknown facility kind {kind_code!r}")
    known = {field.name for field in kind.fields}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise DetailError(unknown[0], "未知字段", f"unknown field for a {kind.en}")
    cleaned: dict[str, Any] = {}
    for field in kind.fields:
        value = raw.get(field.name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if field.required:
                raise DetailError(field.name, f"{field.zh}为必填项", f"{field.en} is required")
            continue
        cleaned[field.name] = _clean_value(field, value)
    return cleaned


def _clean_value(field: Field, value: Any) -> Any:
    if field.type in ("number", "int"):
        if isinstance(value, bool):
            raise DetailError(field.name, f"{field.zh}应为数字", f"{field.en} must be a number")
        try:
            number = float(str(value).strip()) if not isinstance(value, int | float) else value
        except ValueError:
            raise DetailError(
                field.name, f"{field.zh}应为数字", f"{field.en} must be a number"
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise DetailError(field.name, f"{field.zh}应为数字", f"{field.en} must be a number")
        if field.minimum is not None and number < field.minimum:
            raise DetailError(
                field.name,
                f"{field.zh}不能小于{field.minimum:g}",
                f"{field.en} must be ≥ {field.minimum:g}",
            )
        if field.type == "int":
            if number != int(number):
                raise DetailError(
                    field.name, f"{field.zh}应为整数", f"{field.en} must be a whole number"
                )
            return int(number)
        return float(number)
    if field.type == "bool":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise DetailError(field.name, f"{field.zh}应为是或否", f"{field.en} must be yes or no")
    if field.type == "date":
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value).strip()[:10]).isoformat()
        except ValueError:
            raise DetailError(
                field.name,
                f"{field.zh}应为日期（YYYY-MM-DD）",
                f"{field.en} must be a date (YYYY-MM-DD)",
            ) from None
    if field.type == "choice":
        text = str(value).strip()
        for code, label in field.choices:
            if text in (code, label):
                return code
        allowed = "、".join(label for _code, label in field.choices)
        raise DetailError(
            field.name, f"{field.zh}应为：{allowed}", f"{field.en} must be one of {allowed}"
        )
    text = str(value).strip()
    if len(text) > 200:
        raise DetailError(field.name, f"{field.zh}过长", f"{field.en} is too long")
    return text


def check_reservoir_levels(details: dict[str, Any]) -> None:
    """汛限水位 ≤ 正常蓄水位 ≤ 设计洪水位 ≤ 校核洪水位, where given."""
    order = ["flood_limit_level", "normal_level", "design_flood_level", "check_flood_level"]
    given = [(name, details[name]) for name in order if name in details]
    for (lower_name, lower), (higher_name, higher) in zip(given, given[1:], strict=False):
        if lower > higher:
            low = _field(RESERVOIR, lower_name)
            high = _field(RESERVOIR, higher_name)
            raise DetailError(
                higher_name,
                f"{high.zh}不能低于{low.zh}",
                f"{high.en} must not be below the {low.en}",
            )


def _field(kind: Kind, name: str) -> Field:
    return next(field for field in kind.fields if field.name == name)
