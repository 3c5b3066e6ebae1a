"""A lab's results table as a county receives it, read into samples. Pure Python, no Django.

One row per sample, one column per item. Headers are Chinese (or the contract's codes) with the
unit in brackets: 化学需氧量(mg/L), 总磷（mg/L）, 汞(µg/L), pH(无量纲). A value in µg/L is
converted to the item's unit (mg/L) exactly: the decimal text divided by 1000. Cells may hold
numbers or text: "ND", "未检出" (below the parameter's usual detection limit), "<0.01",
"0.01L" (below that limit); an empty cell is an item not measured. Times without a zone are
taken as Asia/Shanghai, and the result counts them so the import can say so.

Every row is checked and every error kept, with its row (Excel's numbering, header = 1), its
column (letter and header) and a bilingual msgid; nothing here writes anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, NamedTuple

from riverchief.monitoring.gb3838 import ITEMS, InputError, gettext_noop, to_decimal
from riverchief.monitoring.readings import (
    LESS_THAN,
    MAX_TEXT,
    NOT_DETECTED,
    Reading,
    parse_reading,
    parse_saturation,
)

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991

# Non-item columns: role → accepted headers (compared without spaces, brackets kept apart).
META_HEADERS = {
    "section": ("断面编码", "断面代码", "断面编号", "section", "section_code", "断面"),
    "section_name": ("断面名称",),
    "sampled_at": ("采样时间", "采样日期", "监测时间", "监测日期", "时间", "sampled_at"),
    "lab": ("检测单位", "监测单位", "实验室", "检测机构", "lab"),
    "method": ("分析方法", "检测方法", "监测方法", "方法", "method"),
    "do_saturation": ("溶解氧饱和度", "do_saturation_pct"),
    "note": ("备注", "说明", "note"),
}
# Other names an item goes by on lab reports.
ALIASES = {
    "水温": "WT",
    "ph值": "pH",
    "高锰酸盐指数": "CODMn",
    "codmn": "CODMn",
    "化学需氧量": "COD",
    "codcr": "COD",
    "五日生化需氧量": "BOD5",
    "生化需氧量": "BOD5",
    "bod₅": "BOD5",
    "氨氮": "NH3N",
    "nh3-n": "NH3N",
    "nh₃-n": "NH3N",
    "铬(六价)": "Cr6",
    "六价铬": "Cr6",
    "cr6+": "Cr6",
    "挥发性酚": "VPhenol",
    "挥发酚": "VPhenol",
    "石油类": "Oil",
    "阴离子表面活性剂": "LAS",
    "硫化物": "S2",
    "粪大肠菌群": "FC",
    "叶绿素a": "chla",
    "叶绿素": "chla",
    "透明度": "SD",
}
# Units an item's column may be in: (item unit, header unit) → the divisor into the item unit.
UNIT_SPELLINGS = {
    "mg/l": "mg/L",
    "µg/l": "µg/L",
    "μg/l": "µg/L",  # Greek mu, as many fonts type it
    "ug/l": "µg/L",
    "ng/l": "ng/L",
    "mg/m3": "mg/m³",
    "mg/m³": "mg/m³",
    "个/l": "个/L",
    "mpn/l": "个/L",
    "cfu/l": "个/L",
    "℃": "℃",
    "°c": "℃",
    "m": "m",
    "cm": "cm",
    "无量纲": "",
    "": "",
}
DIVISORS: dict[tuple[str, str], Decimal] = {
    ("mg/L", "mg/L"): Decimal(1),
    ("mg/L", "µg/L"): Decimal(1000),
    ("mg/L", "ng/L"): Decimal(1_000_000),
    ("mg/m³", "mg/m³"): Decimal(1),
    ("mg/m³", "µg/L"): Decimal(1),  # 1 µg/L = 1 mg/m³
    ("mg/m³", "mg/L"): Decimal("0.001"),
    ("个/L", "个/L"): Decimal(1),
    ("℃", "℃"): Decimal(1),
    ("m", "m"): Decimal(1),
    ("m", "cm"): Decimal(100),
    ("", ""): Decimal(1),
}
HEADER_RE = re.compile(r"^(.*?)\s*[(（]\s*([^()（）]*)\s*[)）]\s*$")
MAX_ROWS = 200_000


class LabError(NamedTuple):
    """One problem in the file: where, and why (an English msgid with %(name)s params)."""

    row: int | None  # None: the file as a whole
    column: str  # "C 总磷(mg/L)", "" for the whole row
    code: str
    message: str
    params: dict[str, str] = {}  # noqa: RUF012 - never mutated


@dataclass(frozen=True)
class ItemColumn:
    index: int
    code: str
    unit: str  # as written, normalised
    divisor: Decimal
    label: str  # letter and header, for errors


class Value(NamedTuple):
    """A value as stored: in the item's unit, ½ DL when below the detection limit."""

    value: float
    below_detection: bool = False
    detection_limit: float | None = None
    raw: str = ""  # the cell as reported

    @classmethod
    def of(cls, reading: Reading, raw: str) -> Value:
        limit = reading.detection_limit
        return cls(
            float(reading.value),
            reading.below_detection,
            None if limit is None else float(limit),
            raw,
        )


@dataclass
class LabSample:
    """One valid row."""

    row: int
    section: str  # the code or name as written
    by_name: bool
    sampled_at: datetime  # aware
    zone_assumed: bool
    lab: str
    method: str
    do_saturation_pct: Decimal | None
    values: dict[str, Value]
    raw: dict[str, str]


@dataclass
class LabTable:
    samples: list[LabSample] = field(default_factory=list)
    errors: list[LabError] = field(default_factory=list)
    rows: int = 0
    zone_assumed: int = 0  # rows whose time had no zone (taken as Asia/Shanghai)
    items: tuple[str, ...] = ()


def letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(65 + rest) + text
    return text


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


_META = {_key(alias): role for role, aliases in META_HEADERS.items() for alias in aliases}
_ITEM_NAMES = {
    **{_key(item.code): item.code for item in ITEMS.values()},
    **{_key(item.name): item.code for item in ITEMS.values()},
    **{_key(item.name_en): item.code for item in ITEMS.values()},
    **{_key(alias): code for alias, code in ALIASES.items()},
}


def _item_column(index: int, header: str, label: str) -> ItemColumn | LabError:
    match = HEADER_RE.match(header)
    name, unit_text = (match.group(1), match.group(2)) if match else (header, None)
    code = _ITEM_NAMES.get(_key(name))
    if code is None:
        return LabError(
            1,
            label,
            "unknown_column",
            gettext_noop("Unknown column “%(header)s”: not an item or a known field."),
            {"header": header[:60]},
        )
    item_unit = ITEMS[code].unit
    if unit_text is None:
        unit = item_unit  # no unit written: the item's own (stated in the template)
    else:
        spelled = UNIT_SPELLINGS.get(_key(unit_text))
        if spelled is None or (item_unit, spelled) not in DIVISORS:
            return LabError(
                1,
                label,
                "unknown_unit",
                gettext_noop(
                    "Unit “%(unit)s” cannot be used for %(code)s: give it in %(expected)s."
                ),
                {"unit": unit_text[:20], "code": code, "expected": item_unit or "无量纲"},
            )
        unit = spelled
    return ItemColumn(index, code, unit, DIVISORS[(item_unit, unit)], label)


def read_header(cells: Sequence[Any]) -> tuple[dict[str, int], list[ItemColumn], list[LabError]]:
    """Column roles and item columns of the header row; errors name row 1."""
    meta: dict[str, int] = {}
    items: list[ItemColumn] = []
    errors: list[LabError] = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(cells):
        header = "" if cell is None else str(cell).strip()
        if not header:
            continue
        label = f"{letter(index)} {header}"
        role = _META.get(_key(header)) or _META.get(_key(HEADER_RE.sub(r"\1", header)))
        if role is not None:
            meta.setdefault(role, index)
            continue
        column = _item_column(index, header, label)
        if isinstance(column, LabError):
            errors.append(column)
            continue
        if column.code in seen:
            errors.append(
                LabError(
                    1,
                    label,
                    "duplicate_column",
                    gettext_noop("%(code)s appears twice (also in %(other)s)."),
                    {"code": column.code, "other": seen[column.code]},
                )
            )
            continue
        seen[column.code] = label
        items.append(column)
    if "section" not in meta and "section_name" not in meta:
        errors.append(
            LabError(
                1,
                "",
                "missing_column",
                gettext_noop("The column %(header)s is missing."),
                {"header": "断面编码"},
            )
        )
    if "sampled_at" not in meta:
        errors.append(
            LabError(
                1,
                "",
                "missing_column",
                gettext_noop("The column %(header)s is missing."),
                {"header": "采样时间"},
            )
        )
    if not items and not errors:
        errors.append(
            LabError(1, "", "no_items", gettext_noop("The file has no item columns."), {})
        )
    return meta, items, errors


_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M")
_DATE_FORMATS = ("%Y-%m-%d",)


_PLAIN_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$")


def parse_time(value: Any) -> tuple[datetime, bool]:
    """A cell → (aware datetime, zone assumed). Raises ValueError."""
    if isinstance(value, str):
        plain = _PLAIN_TIME.match(value.strip())
        if plain:  # the common "2026-10-08 09:30" without strptime
            y, mo, d, h, mi, sec = (int(part or 0) for part in plain.groups())
            return datetime(y, mo, d, h, mi, sec, tzinfo=SHANGHAI), True
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=SHANGHAI), True
        return value, False
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=SHANGHAI), True
    if not isinstance(value, str) or not value.strip():
        raise ValueError("no time")
    text = value.strip().replace("/", "-").replace("年", "-").replace("月", "-")
    text = text.replace("日", " ").replace("时", ":").replace("分", "").strip()
    text = re.sub(r"(?<=\d)-(\d)(?!\d)", r"-0\1", text)  # 2026-1-8 → 2026-01-08
    text = re.sub(r"(?<=-\d\d) (\d):", r" 0\1:", text)  # 9:30 → 09:30
    if text.endswith(("Z", "z")) or re.search(r"[+-]\d\d:?\d\d$", text):
        parsed = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
        return parsed, False
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=SHANGHAI), True
        except ValueError:
            pass
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=SHANGHAI), True
        except ValueError:
            pass
    raise ValueError(f"not a time: {value!r}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _converted(code: str, raw: Any, divisor: Decimal, limit: Decimal | None, where: str) -> Reading:
    """The reading of one cell, converted into the item's unit; InputError otherwise."""
    if divisor == 1:
        return parse_reading(code, raw, limit, where)
    if isinstance(raw, str):
        text = raw.strip()
        if not text or len(text) > MAX_TEXT or text.lower() in NOT_DETECTED:
            return parse_reading(code, text, limit, where)
        less = text.startswith(LESS_THAN)
        if less or (text[-1:] in ("L", "l") and len(text) > 1):
            bare = text[1:] if less else text[:-1]
            try:
                number = to_decimal(bare.strip())
            except ValueError:
                return parse_reading(code, text, limit, where)  # the not-a-number error
            return parse_reading(code, f"<{number / divisor}", limit, where)
        try:
            raw = to_decimal(text)
        except ValueError:
            return parse_reading(code, text, limit, where)
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return parse_reading(code, raw, limit, where)
    try:
        number = to_decimal(raw)
    except ValueError:
        return parse_reading(code, raw, limit, where)
    return parse_reading(code, number / divisor, limit, where)


@dataclass
class _Plan:
    """How to read one item column. The common cell, a plain number in range and detected,
    takes the float path; any other text is read once by `readings` and remembered, since labs
    repeat "ND" and "<0.01" down a column."""

    index: int
    code: str
    header: str
    label: str
    divisor: Decimal
    limit: Decimal | None
    fast: tuple[float, float, float] | None  # low, high, detection limit (0: none)
    seen: dict[str, Value | LabError] = field(default_factory=dict)

    def read(self, text: str, cell: Any) -> Value | LabError:
        fast = self.fast
        if fast is not None:
            try:
                number = float(cell if cell.__class__ is float else text)
            except (TypeError, ValueError):
                number = None
            if number is not None and fast[0] <= number <= fast[1] and number >= fast[2]:
                return Value(number, False, None, text)
        found = self.seen.get(text)
        if found is None:
            try:
                found = Value.of(
                    _converted(self.code, cell, self.divisor, self.limit, self.label), text
                )
            except InputError as error:
                found = LabError(None, self.label, error.code, error.message, dict(error.params))
            if len(self.seen) < 10_000:
                self.seen[text] = found
        return found


def _plans(
    columns: list[ItemColumn], headers: dict[int, str], limits: Mapping[str, Decimal | None]
) -> list[_Plan]:
    plans = []
    for column in columns:
        spec = ITEMS[column.code]
        limit = limits.get(column.code)
        fast = None
        if column.divisor == 1 and spec.censorable:
            fast = (
                float(spec.low) if spec.low > 0 else 0.0,
                float(spec.high),
                float(limit) if limit is not None else 0.0,
            )
        plans.append(
            _Plan(
                column.index,
                column.code,
                headers[column.index],
                column.label,
                column.divisor,
                limit,
                fast,
            )
        )
    return plans


def read_table(
    header: Sequence[Any],
    rows: Iterable[tuple[int, Sequence[Any]]],
    detection_limits: Mapping[str, Decimal | None] | None = None,
) -> LabTable:
    """Check every row; `detection_limits` (item unit) serve "ND" and "未检出"."""
    limits = dict(detection_limits or {})
    meta, columns, errors = read_header(header)
    table = LabTable(errors=errors, items=tuple(column.code for column in columns))
    if any(error.code in ("missing_column", "no_items") for error in errors):
        return table  # without a section, a time or any item no row can be read
    headers = {index: _text(cell) for index, cell in enumerate(header)}
    plans = _plans(columns, headers, limits)
    times: dict[Any, tuple[datetime, bool] | None] = {}
    seen: dict[tuple[str, datetime], int] = {}
    for number, cells in rows:
        if not any(_text(cell) for cell in cells):
            continue
        table.rows += 1
        if table.rows > MAX_ROWS:
            table.errors.append(
                LabError(
                    number,
                    "",
                    "too_many_rows",
                    gettext_noop("At most %(max)s rows in one file."),
                    {"max": str(MAX_ROWS)},
                )
            )
            break
        sample = _read_row(number, cells, meta, plans, times, headers, table.errors)
        if sample is None:
            continue
        key = (sample.section, sample.sampled_at)
        if key in seen:
            time_column = meta["sampled_at"]
            table.errors.append(
                LabError(
                    number,
                    f"{letter(time_column)} {headers.get(time_column, '')}",
                    "duplicate_sample",
                    gettext_noop(
                        "The same section and time as row %(row)s: one sample per section and time."
                    ),
                    {"row": str(seen[key])},
                )
            )
            continue
        seen[key] = number
        table.zone_assumed += sample.zone_assumed
        table.samples.append(sample)
    if table.rows == 0 and not table.errors:
        table.errors.append(
            LabError(None, "", "no_rows", gettext_noop("The file has no data rows."), {})
        )
    return table


def _cell(cells: Sequence[Any], index: int | None) -> Any:
    if index is None or index >= len(cells):
        return None
    return cells[index]


def _time(
    cell: Any, cache: dict[Any, tuple[datetime, bool] | None]
) -> tuple[datetime, bool] | None:
    key = cell if isinstance(cell, str | datetime | date) else repr(cell)
    if key not in cache:
        try:
            cache[key] = parse_time(cell)
        except (ValueError, OverflowError):
            cache[key] = None
    return cache[key]


def _read_row(
    number: int,
    cells: Sequence[Any],
    meta: dict[str, int],
    plans: list[_Plan],
    times: dict[Any, tuple[datetime, bool] | None],
    headers: dict[int, str],
    errors: list[LabError],
) -> LabSample | None:
    before = len(errors)

    def where(role: str) -> str:
        index = meta[role]
        return f"{letter(index)} {headers.get(index, '')}"

    by_name = "section" not in meta
    section = _text(_cell(cells, meta.get("section", meta.get("section_name"))))
    if not section:
        errors.append(
            LabError(
                number,
                where("section_name" if by_name else "section"),
                "required",
                gettext_noop("Give the section code."),
            )
        )
    when = _time(_cell(cells, meta["sampled_at"]), times)
    if when is None:
        errors.append(
            LabError(
                number,
                where("sampled_at"),
                "bad_time",
                gettext_noop(
                    "Give the sampling time as 2026-10-08 09:30 (Asia/Shanghai unless a zone "
                    "such as +08:00 is written)."
                ),
                {},
            )
        )
    saturation = None
    if "do_saturation" in meta:
        raw_saturation = _cell(cells, meta["do_saturation"])
        if _text(raw_saturation):
            try:
                saturation = parse_saturation(raw_saturation, where("do_saturation"))
            except InputError as error:
                errors.append(_error(number, where("do_saturation"), error))
    values: dict[str, Value] = {}
    raw: dict[str, str] = {}
    width = len(cells)
    new = tuple.__new__  # a Value without NamedTuple's Python-level __new__: the hot path
    for plan in plans:
        index = plan.index
        cell = cells[index] if index < width else None
        if cell is None:
            continue
        if cell.__class__ is str:
            text = cell.strip()
            if not text:
                continue
        else:
            text = _text(cell)
        if len(text) > 60:
            text = text[:60]
        raw[plan.header] = text
        fast = plan.fast
        if fast is not None:
            try:
                amount = float(cell if cell.__class__ is float else text)
            except (TypeError, ValueError):
                amount = -1.0
            if fast[0] <= amount <= fast[1] and amount >= fast[2]:
                values[plan.code] = new(Value, (amount, False, None, text))
                continue
        found = plan.read(text, cell)
        if isinstance(found, Value):
            values[plan.code] = found
        else:
            errors.append(LabError(number, *found[1:]))
    if len(errors) > before or when is None:
        return None
    if not values:
        errors.append(
            LabError(number, "", "no_values", gettext_noop("Give at least one value."), {})
        )
        return None
    sampled_at, assumed = when
    return LabSample(
        row=number,
        section=section,
        by_name=by_name,
        sampled_at=sampled_at,
        zone_assumed=assumed,
        lab=_text(_cell(cells, meta.get("lab")))[:100],
        method=_text(_cell(cells, meta.get("method")))[:200],
        do_saturation_pct=saturation,
        values=values,
        raw=raw,
    )


def _error(row: int, column: str, error: InputError) -> LabError:
    return LabError(row, column, error.code, error.message, dict(error.params))
