"""The registry workbook: one sheet per kind, Chinese headers, written with openpyxl.

Layout (the template is the same workbook without rows, plus the 说明 sheet):

    说明          one line per column of every sheet: header, key, required, type, allowed values
    行政区划      divisions, by 12-digit statistical code
    部门          member departments
    河湖          water bodies
    河段          reaches
    水库 淤地坝 水闸 入河排污口 取水口 监测断面 河长公示牌
                  one sheet per facility kind; the kind's own fields follow the common columns
    河湖长        chief assignments (history included)

Row 1 holds the headers; a header may be the Chinese name shown here (with or without its unit),
or the record key (`code`, `division_code`, ...), so files written by scripts import too. Rows
are upserted by code (assignments by person, role, level, reach or water body, and start date).
Choices are written as Chinese labels and read as labels or codes. Geometry is GeoJSON text
(WKT is read too); one too long for a cell (32,767 characters) continues in 几何(续1), 几何(续2)...
A column left out of a sheet keeps the stored values; an empty cell clears the value (except
geometry, which an empty cell keeps, as the services do).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from riverchief.core import divcodes
from riverchief.registry import facility_kinds

CELL_LIMIT = 32_000  # characters of geometry per cell (Excel's limit is 32,767)
GEOMETRY_MORE = "几何(续{n})"
INSTRUCTIONS = "说明"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    type: str = "text"  # text | division | int | number | bool | date | choice | geometry
    required: bool = False
    unit: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (code, Chinese label)
    max_length: int = 200
    minimum: float | None = 0
    note: str = ""

    @property
    def header(self) -> str:
        return f"{self.zh}({self.unit})" if self.unit else self.zh

    def label(self, code: Any) -> Any:
        for value, label in self.choices:
            if value == code:
                return label
        return code


@dataclass(frozen=True)
class Sheet:
    key: str  # divisions | departments | waterbodies | reaches | <facility kind> | assignments
    zh: str
    en: str
    columns: tuple[Column, ...]
    facility_kind: str | None = None

    def column(self, key: str) -> Column | None:
        return next((column for column in self.columns if column.key == key), None)


WATER_BODY_KINDS = (
    ("river", "河流"),
    ("lake", "湖泊"),
    ("reservoir", "水库"),
    ("canal", "渠道"),
    ("pond", "塘坝"),
)
MANAGEMENT_LEVELS = (("province", "省管"), ("city", "市管"), ("county", "县管"))
CHIEF_LEVELS = (
    ("province", "省级"),
    ("city", "市级"),
    ("county", "县级"),
    ("township", "乡级"),
    ("village", "村级"),
)
ROLES = tuple(
    (role, role)
    for role in (
        "总河长",
        "副总河长",
        "河长",
        "湖长",
        "河段长",
        "河长助理",
        "巡河员",
        "保洁员",
        "民间河长",
    )
)

DEMO = Column("is_demo", "演示数据", "bool", note="是/否；演示数据在界面上有标记")
GEOMETRY = Column("geometry", "几何", "geometry", unit="GeoJSON", max_length=10**9)

DIVISIONS = Sheet(
    "divisions",
    "行政区划",
    "divisions",
    (
        Column(
            "code", "区划代码", "division", True, note="12 位统计用区划代码，也可写简码如 140826"
        ),
        Column("name", "名称", required=True, max_length=60),
        DEMO,
        Column(
            "geometry", "几何", "geometry", unit="GeoJSON", max_length=10**9, note="边界面，可空"
        ),
    ),
)

DEPARTMENTS = Sheet(
    "departments",
    "部门",
    "departments",
    (
        Column("code", "部门编码", required=True, max_length=40),
        Column("name", "部门名称", required=True, max_length=80),
        Column("short_name", "简称", max_length=30),
        Column("division_code", "所属区划代码", "division", True),
        Column("duties", "职责", max_length=5000),
        Column("liaison_name", "联络人", max_length=60),
        Column("liaison_phone", "联络人电话", max_length=20),
        DEMO,
    ),
)

WATER_BODIES = Sheet(
    "waterbodies",
    "河湖",
    "water bodies",
    (
        Column("code", "河湖编码", required=True, max_length=40),
        Column("name", "名称", required=True, max_length=80),
        Column("kind", "类型", "choice", True, choices=WATER_BODY_KINDS),
        Column("parent_code", "上级河湖编码", max_length=40, note="干流的编码（支流填写）"),
        Column("basin", "流域", max_length=120),
        Column("management_level", "管理级别", "choice", choices=MANAGEMENT_LEVELS),
        Column("division_code", "所属区划代码", "division", True, note="包含整个河湖的最小区划"),
        Column("length_m", "长度", "number", unit="m", note="空则按几何计算"),
        Column("area_km2", "面积", "number", unit="km²", note="空则按几何计算"),
        Column("description", "简介", max_length=5000),
        DEMO,
        Column(
            "geometry",
            "几何",
            "geometry",
            unit="GeoJSON",
            max_length=10**9,
            note="河流、渠道为线；湖泊、水库、塘坝可为线或面",
        ),
    ),
)

REACHES = Sheet(
    "reaches",
    "河段",
    "reaches",
    (
        Column("code", "河段编码", required=True, max_length=40),
        Column("name", "名称", required=True, max_length=80),
        Column("water_body_code", "所属河湖编码", required=True, max_length=40),
        Column("division_code", "所属区划代码", "division", True),
        Column("level", "河长级别", "choice", choices=CHIEF_LEVELS, note="空则按区划级别"),
        Column("start_description", "起点", max_length=120),
        Column("end_description", "终点", max_length=120),
        Column("length_m", "长度", "number", unit="m", note="有几何时按几何计算"),
        Column("start_chainage_m", "起点里程", "number", unit="m"),
        Column("is_dry", "干涸河道", "bool"),
        DEMO,
        Column(
            "geometry",
            "几何",
            "geometry",
            unit="GeoJSON",
            max_length=10**9,
            note="线（LineString 或 MultiLineString），坐标为 [经度, 纬度]",
        ),
    ),
)

FACILITY_COMMON = (
    Column("code", "编码", required=True, max_length=40),
    Column("name", "名称", required=True, max_length=80),
    Column("division_code", "所在区划代码", "division", note="填写河段时可空，取河段所在区划"),
    Column("water_body_code", "所属河湖编码", max_length=40),
    Column("reach_code", "所属河段编码", max_length=40),
    Column("lon", "经度", "number", minimum=None, note="WGS84/CGCS2000"),
    Column("lat", "纬度", "number", minimum=None),
    Column("address", "地址", max_length=200),
    DEMO,
)


def _facility_sheet(kind: facility_kinds.Kind) -> Sheet:
    columns = list(FACILITY_COMMON)
    if kind.code == "signboard":
        columns[4] = Column("reach_code", "所属河段编码", required=True, max_length=40)
    for field in kind.fields:
        columns.append(
            Column(
                field.name,
                field.zh,
                {"choice": "choice"}.get(field.type, field.type),
                field.required,
                unit=field.unit,
                choices=field.choices,
                minimum=field.minimum,
            )
        )
    return Sheet(kind.code, kind.zh, kind.en, tuple(columns), facility_kind=kind.code)


FACILITIES = tuple(_facility_sheet(kind) for kind in facility_kinds.KINDS.values())

ASSIGNMENTS = Sheet(
    "assignments",
    "河湖长",
    "chief assignments",
    (
        Column("person_name", "姓名", required=True, max_length=60),
        Column("person_phone", "电话", max_length=20),
        Column("position", "职务", max_length=80),
        Column("username", "账号", max_length=150, note="平台用户名，可空"),
        Column("role", "角色", "choice", True, choices=ROLES),
        Column("level", "级别", "choice", True, choices=CHIEF_LEVELS),
        Column("reach_code", "河段编码", max_length=40, note="河段与河湖至少填一个"),
        Column("water_body_code", "河湖编码", max_length=40),
        Column("division_code", "所属区划代码", "division", note="空则取河段或河湖所在区划"),
        Column("contact_department_code", "联系部门编码", max_length=40),
        Column("start_date", "起始日期", "date", True),
        Column("end_date", "终止日期", "date", note="在任者为空"),
        DEMO,
    ),
)

SHEETS: tuple[Sheet, ...] = (
    DIVISIONS,
    DEPARTMENTS,
    WATER_BODIES,
    REACHES,
    *FACILITIES,
    ASSIGNMENTS,
)
SHEETS_BY_KEY = {sheet.key: sheet for sheet in SHEETS}


def _normal(text: str) -> str:
    return (
        str(text)
        .strip()
        .replace("（", "(")
        .replace("）", ")")
        .replace(" ", "")
        .replace("\u3000", "")
        .rstrip("*")
        .lower()
    )


def find_sheet(name: str) -> Sheet | None:
    wanted = _normal(name)
    for sheet in SHEETS:
        if wanted in (_normal(sheet.zh), sheet.key, _normal(sheet.en)):
            return sheet
    return None


def match_header(sheet: Sheet, header: Any) -> tuple[Column | None, int]:
    """The column a header names, and which geometry part (0, or n for 几何(续n))."""
    text = _normal(header)
    for column in sheet.columns:
        if text in (_normal(column.header), _normal(column.zh), column.key.lower()):
            return column, 0
    if sheet.column("geometry") is not None:
        for n in range(1, 100):
            if text in (_normal(GEOMETRY_MORE.format(n=n)), f"geometry_{n}"):
                return sheet.column("geometry"), n
    return None, 0


# --- writing ------------------------------------------------------------------------------


def cell_value(column: Column, value: Any) -> Any:
    """A record value as written into the workbook."""
    if value is None or value == "":
        return None
    if column.type == "bool":
        return "是" if value else "否"
    if column.type == "choice":
        return column.label(value)
    if column.type == "division":
        return divcodes.short(value) if column.key != "code" else divcodes.normalize(value)
    if column.type == "date":
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        return value
    if column.type == "geometry":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def geometry_parts(text: str | None) -> list[str]:
    if not text:
        return []
    return [text[start : start + CELL_LIMIT] for start in range(0, len(text), CELL_LIMIT)]


class Writer:
    """A write-only workbook: headers styled, choice columns with drop-down lists."""

    def __init__(self, *, instructions: bool = False):
        from openpyxl import Workbook

        self.book = Workbook(write_only=True)
        if instructions:
            self._instructions()

    def _header_cells(self, ws, headers: list[tuple[str, bool]]):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font, PatternFill

        cells = []
        for text, required in headers:
            cell = WriteOnlyCell(ws, value=text)
            cell.font = Font(bold=True, color="C00000" if required else "000000")
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
            cells.append(cell)
        return cells

    def _instructions(self) -> None:
        ws = self.book.create_sheet(INSTRUCTIONS)
        for letter, width in zip("ABCDEF", (14, 22, 22, 8, 14, 60), strict=True):
            ws.column_dimensions[letter].width = width
        ws.append(["河湖长制名录导入模板：每个工作表一类数据，第 1 行为列名，第 2 行起为数据。"])
        ws.append(
            [
                "按编码新增或更新（河湖长按姓名、角色、级别、河段/河湖、起始日期）；"
                "重复导入同一文件不会改变任何数据。红色列名为必填。不得合并单元格，不得使用公式。"
            ]
        )
        ws.append([])
        ws.append(
            self._header_cells(
                ws,
                [(t, False) for t in ("工作表", "列名", "英文键", "必填", "类型", "说明与可选值")],
            )
        )
        types = {
            "text": "文本",
            "division": "区划代码",
            "int": "整数",
            "number": "数字",
            "bool": "是/否",
            "date": "日期",
            "choice": "选项",
            "geometry": "GeoJSON",
        }
        for sheet in SHEETS:
            for column in sheet.columns:
                allowed = "、".join(label for _code, label in column.choices)
                note = "；".join(part for part in (column.note, allowed) if part)
                ws.append(
                    [
                        sheet.zh,
                        column.header,
                        column.key,
                        "是" if column.required else "",
                        types.get(column.type, column.type),
                        note,
                    ]
                )

    def sheet(self, sheet: Sheet, records, *, geometry_columns: int = 1) -> int:
        """Write one sheet from an iterable of flat records; returns the number of rows."""
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.worksheet.datavalidation import DataValidation

        ws = self.book.create_sheet(sheet.zh)
        ws.freeze_panes = "A2"
        headers = [(column.header, column.required) for column in sheet.columns]
        geometry_index = next(
            (i for i, column in enumerate(sheet.columns) if column.type == "geometry"), None
        )
        extra = max(0, geometry_columns - 1) if geometry_index is not None else 0
        headers += [(GEOMETRY_MORE.format(n=n), False) for n in range(1, extra + 1)]
        for index, column in enumerate(sheet.columns):
            width = (
                40 if column.type == "geometry" else max(10, min(30, len(column.header) * 2 + 2))
            )
            ws.column_dimensions[_letter(index)].width = width
            if column.choices and len(",".join(label for _c, label in column.choices)) < 250:
                validation = DataValidation(
                    type="list",
                    formula1='"' + ",".join(label for _c, label in column.choices) + '"',
                    allow_blank=True,
                    showErrorMessage=False,
                )
                validation.add(f"{_letter(index)}2:{_letter(index)}1048576")
                ws.data_validations.append(validation)
        ws.append(self._header_cells(ws, headers))
        count = 0
        for record in records:
            row: list[Any] = []
            for column in sheet.columns:
                value = cell_value(column, record.get(column.key))
                if isinstance(value, str):
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        value = ILLEGAL_CHARACTERS_RE.sub("", value)
                    if value.startswith("="):  # text, not a formula
                        cell = WriteOnlyCell(ws, value=value)
                        cell.data_type = "s"
                        value = cell
                elif isinstance(value, date):
                    cell = WriteOnlyCell(ws, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    value = cell
                row.append(value)
            if geometry_index is not None and isinstance(row[geometry_index], str):
                parts = geometry_parts(row[geometry_index])
                if len(parts) > 1 + extra:
                    raise ValueError("geometry longer than the columns reserved for it")
                row[geometry_index] = parts[0]
                row += [None] * extra
                for n, part in enumerate(parts[1:], start=1):
                    row[len(sheet.columns) + n - 1] = part
            ws.append(row)
            count += 1
        return count

    def save(self, target) -> None:
        self.book.save(target)


def _letter(index: int) -> str:
    from riverchief.registry.xlsx import column_letter

    return column_letter(index)


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None
