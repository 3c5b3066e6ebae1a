"""Import the registry: read every row, validate them all, then write (or write nothing).

Sources (`registry.workbook` for the Excel layout; `registry.geofiles` for GeoJSON and zipped
shapefiles) become `SheetRows`: a sheet's rows as {record key: raw value}. `validate` checks
every row with the services' rules, resolving codes against the database and the rows before
it in the same file (divisions, departments, water bodies, reaches, facilities, assignments, in
that order), and collects a `RowError` (sheet, row, column, reason in Chinese and English) for
every problem. `run` writes nothing when there is an error, unless `partial`: then the valid
rows are written and the errors reported. Writing goes through `services.bulk`.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from riverchief.core import divcodes
from riverchief.core.scoping import scope_of
from riverchief.geo import shapes
from riverchief.registry import facility_kinds, geometry_batch, workbook, xlsx
from riverchief.registry.models import SINGLE_HOLDER_ROLES
from riverchief.registry.services import bulk
from riverchief.registry.workbook import Column, Sheet

_level_of = functools.lru_cache(maxsize=65536)(divcodes.level_of)

MAX_BYTES = 100 * 1024 * 1024  # an upload or file larger than this is refused
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class ImportRefused(Exception):
    """The file as a whole cannot be imported (type, size, damage); nothing was read."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass
class RowError:
    sheet: str  # the sheet (or file) as named in the source
    row: int | None  # the row number in the source (Excel's, header = 1); None: the whole sheet
    column: str  # e.g. "D 所属区划代码"; "" for the whole row
    zh: str
    en: str

    def __str__(self) -> str:
        where = f"[{self.sheet}]"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.zh} / {self.en}"


@dataclass
class SheetRows:
    sheet: Sheet
    label: str  # the sheet's name in the file
    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)  # key -> column letter
    present: set[str] = field(default_factory=set)
    bad_rows: set[int] = field(default_factory=set)
    failed: bool = False  # a sheet-level error (missing required column): no row is usable


@dataclass
class Report:
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, bulk.Counts] = field(default_factory=dict)
    rows: int = 0
    skipped: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        return [str(error) for error in self.errors]

    def summary(self) -> str:
        parts = []
        for key, counts in self.counts.items():
            if counts.created or counts.updated or counts.unchanged or counts.ended:
                parts.append(
                    f"{key}: {counts.created} created, {counts.updated} updated, "
                    f"{counts.unchanged} unchanged"
                    + (f", {counts.ended} ended" if counts.ended else "")
                )
        state = "written" if self.written else "nothing written"
        return (
            f"{self.rows} rows read, {len(self.errors)} errors, "
            f"{self.skipped} rows skipped, {state}" + ("; " + "; ".join(parts) if parts else "")
        )


Progress = Callable[[str, int | None], contextlib.AbstractContextManager]


@contextlib.contextmanager
def _no_progress(_description: str, _total: int | None) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


# --- the file -------------------------------------------------------------------------------


def check_file(path: Path, suffixes: tuple[str, ...], magic: bytes | None) -> None:
    """Size and type, before anything is parsed."""
    if not path.is_file():
        raise ImportRefused(f"文件不存在：{path.name}", f"no such file: {path.name}")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ImportRefused(
            f"文件大于 {MAX_BYTES // (1024 * 1024)} MB",
            f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB",
        )
    if size == 0:
        raise ImportRefused("文件为空", "the file is empty")
    with path.open("rb") as handle:
        head = handle.read(8)
    if path.suffix.lower() not in suffixes:
        raise ImportRefused(
            f"文件类型不对：需要 {'、'.join(suffixes)} 文件",
            f"wrong file type: a {' or '.join(suffixes)} file is expected",
        )
    if head.startswith(OLE_MAGIC):
        raise ImportRefused(
            "这是旧版 .xls 文件，请在 Excel 中另存为 .xlsx",
            "this is an old .xls file; save it as .xlsx in Excel",
        )
    if magic is not None and not head.startswith(magic):
        raise ImportRefused(
            f"文件内容不是 {suffixes[0]} 格式", f"the file's content is not {suffixes[0]}"
        )


def read_workbook(
    path: Path, progress: Progress = _no_progress
) -> tuple[list[SheetRows], list[RowError]]:
    """Every sheet of the workbook as SheetRows, with the errors found while reading."""
    check_file(path, (".xlsx", ".xlsm"), ZIP_MAGIC)
    errors: list[RowError] = []
    try:
        book = xlsx.Workbook(path)
    except xlsx.XlsxError as error:
        raise ImportRefused(error.zh, error.en) from error
    result: list[SheetRows] = []
    seen: dict[str, str] = {}
    with book:
        for info in book.sheets:
            if info.name.strip() == workbook.INSTRUCTIONS:
                continue
            sheet = workbook.find_sheet(info.name)
            if sheet is None:
                errors.append(
                    RowError(
                        info.name,
                        None,
                        "",
                        f"未知的工作表「{info.name}」"
                        f"（可用：{'、'.join(s.zh for s in workbook.SHEETS)}）",
                        f"unknown sheet {info.name!r} (known: "
                        + ", ".join(s.zh for s in workbook.SHEETS)
                        + ")",
                    )
                )
                continue
            if sheet.key in seen:
                errors.append(
                    RowError(
                        info.name,
                        None,
                        "",
                        f"与工作表「{seen[sheet.key]}」重复",
                        f"the same kind as sheet {seen[sheet.key]!r}",
                    )
                )
                continue
            seen[sheet.key] = info.name
            try:
                result.append(_read_sheet(book, info, sheet, errors, progress))
            except (ValueError, IndexError, KeyError, UnicodeDecodeError) as error:
                raise ImportRefused(
                    f"工作表「{info.name}」无法读取（文件损坏？）",
                    f"sheet {info.name!r} cannot be read (damaged file?)",
                ) from error
    result.sort(key=lambda rows: workbook.SHEETS.index(rows.sheet))
    return result, errors


def _read_sheet(book, info, sheet: Sheet, errors: list[RowError], progress: Progress) -> SheetRows:
    rows = SheetRows(sheet, info.name)
    columns: dict[int, tuple[Column, int]] = {}
    header_seen = False
    with progress(f"{sheet.zh}", None) as advance:
        for number, values in book.rows(info):
            advance(1)
            if not header_seen:
                header_seen = True
                if number != 1:
                    errors.append(
                        RowError(info.name, 1, "", "第 1 行应为列名", "row 1 must hold the headers")
                    )
                    rows.failed = True
                columns = _headers(rows, values, errors)
                continue
            record: dict[str, Any] = {}
            parts: dict[int, str] = {}
            for index, value in values.items():
                column_part = columns.get(index)
                if column_part is None:
                    continue
                column, part = column_part
                if isinstance(value, xlsx.Formula):
                    errors.append(
                        _error(
                            rows,
                            number,
                            column.key,
                            "单元格含公式，请粘贴为数值",
                            "the cell holds a formula; paste it as a value",
                        )
                    )
                    rows.bad_rows.add(number)
                    continue
                if isinstance(value, xlsx.ErrorValue):
                    errors.append(
                        _error(
                            rows,
                            number,
                            column.key,
                            f"单元格为错误值 {value.text}",
                            f"the cell holds the error value {value.text}",
                        )
                    )
                    rows.bad_rows.add(number)
                    continue
                if isinstance(value, str) and not value.strip():
                    continue
                if column.type == "geometry":
                    parts[part] = value if isinstance(value, str) else str(value)
                else:
                    record[column.key] = value
            if parts:
                record["geometry"] = "".join(parts[k] for k in sorted(parts))
            if record or number in rows.bad_rows:
                rows.rows.append((number, record))
    if not header_seen:
        rows.failed = True
        errors.append(RowError(info.name, 1, "", "工作表没有列名", "the sheet has no header row"))
    for ref in info.merged:
        first = ref.split(":")[0]
        letters = "".join(ch for ch in first if ch.isalpha())
        row = int("".join(ch for ch in first if ch.isdigit()))
        last_row = int("".join(ch for ch in ref.split(":")[-1] if ch.isdigit()))
        errors.append(
            RowError(
                info.name,
                row,
                letters,
                f"合并单元格 {ref}，请取消合并",
                f"merged cells {ref}; unmerge them",
            )
        )
        if row == 1:
            rows.failed = True
        rows.bad_rows.update(range(row, last_row + 1))
    return rows


def _headers(rows: SheetRows, values: dict[int, Any], errors: list[RowError]):
    sheet = rows.sheet
    columns: dict[int, tuple[Column, int]] = {}
    for index, header in sorted(values.items()):
        letter = xlsx.column_letter(index)
        if header is None or (isinstance(header, str) and not header.strip()):
            continue
        column, part = workbook.match_header(sheet, header)
        if column is None:
            errors.append(
                RowError(
                    rows.label,
                    1,
                    letter,
                    f"未知的列名「{header}」（见“说明”表）",
                    f"unknown column header {header!r} (see the 说明 sheet)",
                )
            )
            continue
        if column.key in rows.present and part == 0:
            errors.append(
                RowError(
                    rows.label, 1, letter, f"列「{header}」重复", f"column {header!r} appears twice"
                )
            )
            rows.failed = True
            continue
        columns[index] = (column, part)
        if part == 0:
            rows.present.add(column.key)
            rows.letters[column.key] = letter
    for column in sheet.columns:
        if column.required and column.key not in rows.present:
            errors.append(
                RowError(
                    rows.label,
                    1,
                    "",
                    f"缺少必填列「{column.header}」",
                    f"the required column {column.header!r} ({column.key}) is missing",
                )
            )
            rows.failed = True
    return columns


def _error(rows: SheetRows, number: int, key: str, zh: str, en: str) -> RowError:
    letter = rows.letters.get(key, "")
    column = rows.sheet.column(key)
    # A workbook's column by letter and header; a GeoJSON or shapefile property by its key.
    name = column.header if column is not None and rows.letters else key
    where = f"{letter} {name}".strip() if letter else name
    return RowError(rows.label, number, where, zh, en)


# --- values ---------------------------------------------------------------------------------


class Bad(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value).strip()


@functools.lru_cache(maxsize=65536)
def _division_code(text: str) -> str:
    try:
        return divcodes.normalize(text)
    except divcodes.InvalidCode:
        raise Bad(f"区划代码无效：{text}", f"invalid division code: {text}") from None


@functools.lru_cache(maxsize=256)
def _choices(column: Column) -> dict[str, str]:
    found = {code.lower(): code for code, _label in column.choices}
    found.update({label: code for code, label in column.choices})
    return found


def convert(column: Column, value: Any) -> Any:
    """A cell's value as the record wants it, or Bad with the reason."""
    kind = column.type
    if type(value) is str:  # the common cases first: an import reads millions of cells
        text = value.strip()
        if text and len(text) <= column.max_length:
            if kind == "text":
                return text
            if kind == "division":
                return _division_code(text)
            if kind == "choice":
                code = _choices(column).get(text) or _choices(column).get(text.lower())
                if code is not None:
                    return code
    elif (
        kind == "number"
        and type(value) in (int, float)
        and value == value
        and (column.minimum is None or value >= column.minimum)
    ):
        return float(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if column.required:
            raise Bad(f"{column.zh}为必填项", f"{column.key} is required")
        if kind == "bool":
            return False if column.key in ("is_demo", "is_dry") else None
        return None if kind in ("int", "number", "date") else ""
    if kind in ("text", "choice", "division"):
        text = _text(value)
        if len(text) > column.max_length:
            raise Bad(
                f"{column.zh}不能超过{column.max_length}个字",
                f"at most {column.max_length} characters",
            )
        if kind == "division":
            return _division_code(text)
        if kind == "choice":
            for code, label in column.choices:
                if text == label or text.lower() == code.lower():
                    return code
            allowed = "、".join(label for _code, label in column.choices)
            raise Bad(f"{column.zh}应为：{allowed}", f"{column.key} must be one of: {allowed}")
        return text
    if kind in ("int", "number"):
        if isinstance(value, bool | date):
            raise Bad(f"{column.zh}应为数字", f"{column.key} must be a number")
        try:
            number = float(value) if not isinstance(value, int | float) else value
        except (TypeError, ValueError):
            raise Bad(
                f"{column.zh}应为数字，而不是「{value}」",
                f"{column.key} must be a number, not {value!r}",
            ) from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Bad(f"{column.zh}应为数字", f"{column.key} must be a number")
        if column.minimum is not None and number < column.minimum:
            raise Bad(
                f"{column.zh}不能小于{column.minimum:g}",
                f"{column.key} must be ≥ {column.minimum:g}",
            )
        if kind == "int":
            if number != int(number):
                raise Bad(f"{column.zh}应为整数", f"{column.key} must be a whole number")
            return int(number)
        return float(number)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        word = _text(value).lower()
        if word in facility_kinds.TRUE_WORDS:
            return True
        if word in facility_kinds.FALSE_WORDS:
            return False
        raise Bad(f"{column.zh}应为“是”或“否”", f"{column.key} must be yes or no")
    if kind == "date":
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = _text(value).replace("/", "-").replace(".", "-")
        try:
            parts = [int(part) for part in text[:10].split("-")]
            return date(*parts)
        except (TypeError, ValueError):
            raise Bad(
                f"{column.zh}应为日期（YYYY-MM-DD），而不是「{value}」",
                f"{column.key} must be a date (YYYY-MM-DD), not {value!r}",
            ) from None
    return value  # geometry: parsed later, many at once


# --- the state the rows are checked against --------------------------------------------------


class Known:
    """Codes in the database, loaded once, and the valid rows of this import added as it goes."""

    def __init__(self):
        from riverchief.registry.models import Division, WaterBody

        self.divisions: dict[str, str] = dict(
            Division.objects.order_by().values_list("code", "name")
        )
        self.division_outlines: dict[str, Any] = {}
        self.water_bodies: dict[str, tuple[str, str]] = {
            code: (division, parent or "")
            for code, division, parent in WaterBody.objects.order_by().values_list(
                "code", "division__code", "parent__code"
            )
        }
        self._reaches: dict[str, tuple[str, str]] | None = None
        self.new_reaches: dict[str, tuple[str, str]] = {}
        self.departments: set[str] = set()
        self.new_departments: set[str] = set()

    def reaches(self) -> dict[str, tuple[str, str]]:
        from riverchief.registry.models import Reach

        if self._reaches is None:
            self._reaches = {
                code: (division, water_body)
                for code, division, water_body in Reach.objects.order_by()
                .values_list("code", "division__code", "water_body__code")
                .iterator(chunk_size=10000)
            }
        return self._reaches

    def reach(self, code: str) -> tuple[str, str] | None:
        return self.new_reaches.get(code) or self.reaches().get(code)

    def outline(self, code: str):
        from riverchief.registry.models import Division

        if code not in self.division_outlines:
            geometry = Division.objects.filter(code=code).values_list("geometry", flat=True).first()
            self.division_outlines[code] = (
                shapes.parse(geometry, geometry_batch.AREAS) if geometry else None
            )
        return self.division_outlines[code]


@dataclass
class Context:
    actor: Any
    errors: list[RowError]
    known: Known
    scope: Any = None

    def in_scope(self, division_code: str) -> bool:
        return self.actor is None or self.scope.covers_division(division_code)


def _scope_error(rows: SheetRows, number: int, key: str) -> RowError:
    return _error(rows, number, key, "不在您的管辖范围内", "outside your scope")


def _typed_rows(rows: SheetRows, ctx: Context) -> list[tuple[int, dict[str, Any]]]:
    """Rows converted column by column; a row with any bad cell is reported and left out."""
    good = []
    columns = [column for column in rows.sheet.columns if column.key in rows.present]
    for number, raw in rows.rows:
        if number in rows.bad_rows or rows.failed:
            continue
        record: dict[str, Any] = {}
        bad = False
        for column in columns:
            try:
                record[column.key] = convert(column, raw.get(column.key))
            except Bad as reason:
                ctx.errors.append(_error(rows, number, column.key, reason.zh, reason.en))
                bad = True
        if bad:
            rows.bad_rows.add(number)
            continue
        good.append((number, record))
    return good


def _unique(rows: SheetRows, typed, ctx: Context, key, seen: dict | None = None, column="code"):
    """Leave out rows whose key repeats an earlier row of the file."""
    seen = {} if seen is None else seen
    result = []
    for number, record in typed:
        value = key(record)
        if value in seen:
            label, first = seen[value]
            where = f"第{first}行" if label == rows.label else f"工作表「{label}」第{first}行"
            ctx.errors.append(
                _error(
                    rows,
                    number,
                    column,
                    f"编码重复：与{where}相同",
                    f"duplicate code: the same as row {first}"
                    + ("" if label == rows.label else f" of sheet {label!r}"),
                )
            )
            rows.bad_rows.add(number)
            continue
        seen[value] = (rows.label, number)
        result.append((number, record))
    return result


def _fail(rows: SheetRows, number: int, key: str, zh: str, en: str, ctx: Context) -> None:
    ctx.errors.append(_error(rows, number, key, zh, en))
    rows.bad_rows.add(number)


# --- the kinds --------------------------------------------------------------------------------


def _divisions(rows: SheetRows, ctx: Context) -> list[dict[str, Any]]:
    from riverchief.registry.services.divisions import OUTLINE_MIN_SHARE, _area_share_within

    typed = _unique(rows, _typed_rows(rows, ctx), ctx, lambda r: r["code"])
    in_file = {record["code"]: number for number, record in typed}
    known = ctx.known
    result: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, record in sorted(typed, key=lambda item: item[1]["code"]):
        code = record["code"]
        parent = divcodes.parent(code)
        if parent is not None and parent not in known.divisions and parent not in result:
            why = "（该行有错误）" if parent in in_file else ""
            _fail(
                rows,
                number,
                "code",
                f"上级区划 {divcodes.short(parent)} 不存在{why}",
                f"the parent division {divcodes.short(parent)} does not exist",
                ctx,
            )
            continue
        if not ctx.in_scope(code):
            if not _unchanged_division(record):
                ctx.errors.append(_scope_error(rows, number, "code"))
                rows.bad_rows.add(number)
            continue  # unchanged rows outside the scope are left alone
        values = {"code": code, "name": record["name"]}
        if "is_demo" in record:
            values["is_demo"] = record["is_demo"]
        if record.get("geometry"):
            try:
                parsed = geometry_batch.parse_one(record["geometry"], geometry_batch.AREAS)
            except shapes.GeometryError as error:
                _fail(rows, number, "geometry", error.zh, error.en, ctx)
                continue
            parent_outline = None
            if parent in result and result[parent][1].get("geometry"):
                parent_outline = shapes.parse(result[parent][1]["geometry"], geometry_batch.AREAS)
            elif parent is not None and parent not in result:
                parent_outline = known.outline(parent)
            if parent_outline is not None:
                share = _area_share_within(parsed.geometry, parent_outline)
                if share < OUTLINE_MIN_SHARE:
                    name = known.divisions.get(parent, divcodes.short(parent))
                    _fail(
                        rows,
                        number,
                        "geometry",
                        f"轮廓只有{round(share * 100)}%位于{name}境内",
                        f"only {round(share * 100)}% of the outline lies inside {name}",
                        ctx,
                    )
                    continue
            values["geometry"] = parsed.geojson
            values["min_lon"], values["min_lat"], values["max_lon"], values["max_lat"] = (
                parsed.bounds
            )
            known.division_outlines[code] = parsed.geometry
        result[code] = (number, values)
    for code, (_number, values) in result.items():
        known.divisions[code] = values["name"]
    return [values for _number, values in result.values()]


def _unchanged_division(record: dict[str, Any]) -> bool:
    from riverchief.registry.models import Division

    row = Division.objects.filter(code=record["code"]).first()
    if row is None or row.name != record["name"]:
        return False
    if "is_demo" in record and record["is_demo"] != row.is_demo:
        return False
    if record.get("geometry"):
        try:
            parsed = geometry_batch.parse_one(record["geometry"], geometry_batch.AREAS)
        except shapes.GeometryError:
            return False
        return parsed.geojson == row.geometry
    return True


def _departments(rows: SheetRows, ctx: Context) -> list[dict[str, Any]]:
    from riverchief.registry.models import Department

    typed = _unique(rows, _typed_rows(rows, ctx), ctx, lambda r: r["code"])
    stored = (
        dict(
            Department.objects.filter(
                code__in=[r["code"] for _n, r in typed][: bulk.LOAD_ALL_ABOVE]
            ).values_list("code", "division__code")
        )
        if len(typed) <= bulk.LOAD_ALL_ABOVE
        else dict(Department.objects.values_list("code", "division__code"))
    )
    result = []
    for number, record in typed:
        division = record.get("division_code")
        if division and division not in ctx.known.divisions:
            _fail(
                rows,
                number,
                "division_code",
                f"区划代码不存在：{divcodes.short(division)}",
                f"unknown division code: {divcodes.short(division)}",
                ctx,
            )
            continue
        old = stored.get(record["code"])
        outside = not ctx.in_scope(division) or (old and not ctx.in_scope(old))
        if outside and not _unchanged_department(record):
            ctx.errors.append(_scope_error(rows, number, "division_code"))
            rows.bad_rows.add(number)
            continue
        ctx.known.new_departments.add(record["code"])
        result.append(record)
    return result


def _unchanged_department(record) -> bool:
    from riverchief.registry import records
    from riverchief.registry.models import Department

    row = Department.objects.select_related("division").filter(code=record["code"]).first()
    if row is None:
        return False
    stored = records.department(row)
    stored["division_code"] = divcodes.normalize(stored["division_code"])
    return all(stored.get(key) == value for key, value in record.items())


def _water_bodies(rows: SheetRows, ctx: Context) -> list[dict[str, Any]]:
    from riverchief.registry.services.waters import AREA_TYPES, LINE_TYPES

    typed = _unique(rows, _typed_rows(rows, ctx), ctx, lambda r: r["code"])
    known = ctx.known
    in_file = {record["code"]: (number, record) for number, record in typed}
    candidates: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, record in typed:
        code = record["code"]
        division = record["division_code"]
        if division not in known.divisions:
            _fail(
                rows,
                number,
                "division_code",
                f"区划代码不存在：{divcodes.short(division)}",
                f"unknown division code: {divcodes.short(division)}",
                ctx,
            )
            continue
        parent = record.get("parent_code") or ""
        if parent == code:
            _fail(
                rows,
                number,
                "parent_code",
                "河湖不能以自己为上级",
                "a water body cannot flow into itself",
                ctx,
            )
            continue
        if parent and parent not in known.water_bodies and parent not in in_file:
            _fail(
                rows,
                number,
                "parent_code",
                f"上级河湖编码不存在：{parent}",
                f"unknown water body code: {parent}",
                ctx,
            )
            continue
        values = dict(record)
        if record.get("geometry"):
            allowed = (
                LINE_TYPES if record["kind"] in ("river", "canal") else LINE_TYPES + AREA_TYPES
            )
            try:
                parsed = geometry_batch.parse_one(record["geometry"], allowed)
            except shapes.GeometryError as error:
                _fail(rows, number, "geometry", error.zh, error.en, ctx)
                continue
            values["geometry"] = parsed.geojson
            values["min_lon"], values["min_lat"], values["max_lon"], values["max_lat"] = (
                parsed.bounds
            )
            if values.get("length_m") is None and parsed.geometry.geom_type in LINE_TYPES:
                values["length_m"] = round(shapes.length_m(parsed.geometry), 1)
            if values.get("area_km2") is None and parsed.geometry.geom_type in AREA_TYPES:
                values["area_km2"] = round(shapes.area_km2(parsed.geometry), 4)
        else:
            values.pop("geometry", None)
        old = known.water_bodies.get(code)
        outside = not ctx.in_scope(division) or (old and not ctx.in_scope(old[0]))
        if outside and not _unchanged(values, "waterbodies"):
            ctx.errors.append(_scope_error(rows, number, "division_code"))
            rows.bad_rows.add(number)
            continue
        candidates[code] = (number, values)
    # Parents in the file must be valid rows; no loops through the file and the database.
    changed = True
    while changed:
        changed = False
        for code, (number, values) in list(candidates.items()):
            parent = values.get("parent_code") or ""
            if parent and parent in in_file and parent not in candidates:
                _fail(
                    rows,
                    number,
                    "parent_code",
                    f"上级河湖 {parent} 所在行有错误",
                    f"the row of the parent water body {parent} has errors",
                    ctx,
                )
                del candidates[code]
                changed = True
    parents = {code: parent for code, (_division, parent) in known.water_bodies.items()}
    parents.update(
        {
            code: v.get("parent_code", parents.get(code, "")) or ""
            for code, (_n, v) in candidates.items()
        }
    )
    for code, (number, _values) in list(candidates.items()):
        seen, current = {code}, parents.get(code, "")
        while current:
            if current in seen:
                _fail(
                    rows,
                    number,
                    "parent_code",
                    "上级河湖形成了循环",
                    "this would make a loop of tributaries",
                    ctx,
                )
                del candidates[code]
                break
            seen.add(current)
            current = parents.get(current, "")
    for code, (_number, values) in candidates.items():
        known.water_bodies[code] = (values["division_code"], values.get("parent_code") or "")
    return [values for _number, values in candidates.values()]


def _unchanged(values: dict[str, Any], kind: str) -> bool:
    """True when the stored row equals these values (a row outside the scope may be given
    unchanged, as an export of what the user sees gives it back)."""
    from riverchief.registry import records
    from riverchief.registry.models import Facility, Reach, WaterBody

    model, to_record = {
        "waterbodies": (WaterBody, records.water_body),
        "reaches": (Reach, records.reach),
        "facilities": (Facility, records.facility),
    }[kind]
    row = model.objects.filter(code=values["code"]).first()
    if row is None:
        return False
    stored = to_record(row)
    if kind == "facilities":
        stored.update(stored.pop("details"))
        stored["details"] = row.details
        stored["geometry"] = row.geometry
    stored["division_code"] = divcodes.normalize(stored["division_code"])
    for name in ("min_lon", "min_lat", "max_lon", "max_lat"):
        stored[name] = getattr(row, name)
    return all(stored.get(key, None) == value for key, value in values.items() if key in stored)


def _reaches(rows: SheetRows, ctx: Context, progress: Progress) -> list[dict[str, Any]]:
    from riverchief.registry.services.waters import (
        LEVEL_OF_DIVISION,
        OUTLINE_MIN_SHARE,
        OUTLINE_TOLERANCE_M,
    )

    typed = _unique(rows, _typed_rows(rows, ctx), ctx, lambda r: r["code"])
    known = ctx.known
    stored = known.reaches() if typed else {}
    candidates: list[tuple[int, dict[str, Any]]] = []
    for number, record in typed:
        division = record["division_code"]
        if division not in known.divisions:
            _fail(
                rows,
                number,
                "division_code",
                f"区划代码不存在：{divcodes.short(division)}",
                f"unknown division code: {divcodes.short(division)}",
                ctx,
            )
            continue
        if record["water_body_code"] not in known.water_bodies:
            _fail(
                rows,
                number,
                "water_body_code",
                f"河湖编码不存在：{record['water_body_code']}",
                f"unknown water body code: {record['water_body_code']}",
                ctx,
            )
            continue
        expected = LEVEL_OF_DIVISION[_level_of(division)]
        if not record.get("level"):
            record["level"] = expected
        elif record["level"] != expected:
            label = dict(workbook.CHIEF_LEVELS)[expected]
            _fail(
                rows,
                number,
                "level",
                f"该区划的河段应为{label}",
                f"a reach in this division is a {expected}-level reach",
                ctx,
            )
            continue
        candidates.append((number, record))
    with_geometry = [(number, record) for number, record in candidates if record.get("geometry")]
    parsed = geometry_batch.parse_many(
        [record["geometry"] for _n, record in with_geometry], geometry_batch.LINES, length=True
    )
    failed: set[int] = set()
    for (number, record), result in zip(with_geometry, parsed, strict=True):
        if isinstance(result, shapes.GeometryError):
            _fail(rows, number, "geometry", result.zh, result.en, ctx)
            failed.add(number)
            continue
        record["geometry"] = result.geojson
        record["length_m"] = round(result.length_m or 0.0, 1)
        record["min_lon"], record["min_lat"], record["max_lon"], record["max_lat"] = result.bounds
        record["_shape"] = result.geometry
    _outline_checks(
        rows,
        [c for c in candidates if c[0] not in failed],
        ctx,
        failed,
        OUTLINE_TOLERANCE_M,
        OUTLINE_MIN_SHARE,
    )
    result_rows = []
    for number, record in candidates:
        if number in failed:
            continue
        record.pop("_shape", None)
        if not record.get("geometry"):
            record.pop("geometry", None)
        old = stored.get(record["code"])
        outside = not ctx.in_scope(record["division_code"]) or (old and not ctx.in_scope(old[0]))
        if outside and not _unchanged(record, "reaches"):
            ctx.errors.append(_scope_error(rows, number, "division_code"))
            rows.bad_rows.add(number)
            continue
        known.new_reaches[record["code"]] = (record["division_code"], record["water_body_code"])
        result_rows.append(record)
    return result_rows


def _outline_checks(rows, candidates, ctx, failed, tolerance, minimum) -> None:
    """Each reach with a geometry must lie (mostly) inside its division's outline."""
    import numpy as np
    import shapely

    from riverchief.geo.projection import _transformer, to_metric

    by_division: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for number, record in candidates:
        if record.get("_shape") is not None:
            by_division.setdefault(record["division_code"], []).append((number, record))
    for code, items in by_division.items():
        outline = ctx.known.outline(code)
        if outline is None:
            continue
        lines = np.array([record["_shape"] for _n, record in items], dtype=object)
        zones = ((shapely.get_x(shapely.centroid(lines)) + 180) // 6).astype(int) + 1
        shares = np.ones(len(lines))
        # As shapes.share_within: the outline projected in its own zone, each reach in its own.
        target = to_metric(outline).buffer(tolerance)
        shapely.prepare(target)
        for zone in sorted(set(zones.tolist())):
            pick = zones == zone
            transformer = _transformer(zone)

            def project(coordinates, transformer=transformer):
                x, y = transformer.transform(coordinates[:, 0], coordinates[:, 1])
                return np.column_stack([x, y])

            projected = shapely.transform(lines[pick], project)
            inside = shapely.contains(target, projected)
            lengths = shapely.length(projected)
            values = np.ones(len(projected))
            partial = ~inside & (lengths > 0)
            if partial.any():
                values[partial] = (
                    shapely.length(shapely.intersection(projected[partial], target))
                    / lengths[partial]
                )
            values[~inside & (lengths == 0)] = 0.0
            shares[pick] = values
        name = ctx.known.divisions.get(code, code)
        for (number, _record), share in zip(items, shares, strict=True):
            if share < minimum:
                _fail(
                    rows,
                    number,
                    "geometry",
                    f"河段只有{round(share * 100)}%位于{name}境内",
                    f"only {round(share * 100)}% of the reach lies inside {name}",
                    ctx,
                )
                failed.add(number)


def _facilities(all_rows: list[SheetRows], ctx: Context) -> list[dict[str, Any]]:
    from riverchief.registry.models import Facility

    seen: dict = {}
    typed_by_sheet = [
        (rows, _unique(rows, _typed_rows(rows, ctx), ctx, lambda r: r["code"], seen))
        for rows in all_rows
    ]
    codes = [record["code"] for _rows, typed in typed_by_sheet for _n, record in typed]
    stored: dict[str, tuple[str, str, dict]] = {}
    if codes:
        query = Facility.objects.order_by().values_list("code", "kind", "division__code", "details")
        if len(codes) <= bulk.IN_CHUNK:
            query = query.filter(code__in=codes)
        wanted = set(codes)
        stored = {
            code: (kind, division, details)
            for code, kind, division, details in query
            if code in wanted
        }
    result = []
    for rows, typed in typed_by_sheet:
        kind = facility_kinds.KINDS[rows.sheet.facility_kind or ""]
        detail_names = [f.name for f in kind.fields]
        for number, record in typed:
            values, ok = _facility(rows, number, record, kind, detail_names, stored, ctx)
            if ok:
                result.append(values)
    return result


def _facility(rows, number, record, kind, detail_names, stored, ctx):
    known = ctx.known
    code = record["code"]
    old = stored.get(code)
    if old is not None and old[0] != kind.code:
        _fail(
            rows,
            number,
            "code",
            "该编码属于另一类设施",
            "this code belongs to another kind of facility",
            ctx,
        )
        return None, False
    reach_code = record.get("reach_code") or ""
    reach = None
    if reach_code:
        reach = known.reach(reach_code)
        if reach is None:
            _fail(
                rows,
                number,
                "reach_code",
                f"河段编码不存在：{reach_code}",
                f"unknown reach code: {reach_code}",
                ctx,
            )
            return None, False
    division = record.get("division_code") or (reach[0] if reach else "")
    if not division:
        _fail(
            rows,
            number,
            "division_code",
            "所在区划代码为必填项（或填写所属河段）",
            "division_code is required (or give a reach)",
            ctx,
        )
        return None, False
    if division not in known.divisions:
        _fail(
            rows,
            number,
            "division_code",
            f"区划代码不存在：{divcodes.short(division)}",
            f"unknown division code: {divcodes.short(division)}",
            ctx,
        )
        return None, False
    water_body = record.get("water_body_code") or ""
    if water_body and water_body not in known.water_bodies:
        _fail(
            rows,
            number,
            "water_body_code",
            f"河湖编码不存在：{water_body}",
            f"unknown water body code: {water_body}",
            ctx,
        )
        return None, False
    if not water_body and reach is not None:
        water_body = reach[1]
    values: dict[str, Any] = {
        "kind": kind.code,
        "code": code,
        "division_code": division,
        "water_body_code": water_body,
        "reach_code": reach_code,
    }
    for key in ("name", "address", "is_demo"):
        if key in record:
            values[key] = record[key]
    if "lon" in record or "lat" in record:
        lon, lat = record.get("lon"), record.get("lat")
        if lon is None and lat is None:
            values.update(
                lon=None,
                lat=None,
                geometry=None,
                min_lon=None,
                min_lat=None,
                max_lon=None,
                max_lat=None,
            )
        else:
            try:
                lon, lat = shapes.check_point(lon, lat)
            except shapes.GeometryError as error:
                _fail(
                    rows, number, "lon" if "lon" in rows.letters else "lat", error.zh, error.en, ctx
                )
                return None, False
            values.update(
                lon=lon,
                lat=lat,
                geometry={"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                min_lon=lon,
                min_lat=lat,
                max_lon=lon,
                max_lat=lat,
            )
    raw = {name: record[name] for name in detail_names if name in record}
    if len(raw) < len(detail_names) and old is not None:
        raw = {**{k: v for k, v in old[2].items() if k in detail_names}, **raw}
    details: dict[str, Any] = {}
    bad = False
    for field_spec in kind.fields:
        value = raw.get(field_spec.name)
        if isinstance(value, datetime):
            value = value.date()
        if value is None or (isinstance(value, str) and not value.strip()):
            if field_spec.required:
                _fail(
                    rows,
                    number,
                    field_spec.name,
                    f"{field_spec.zh}为必填项",
                    f"{field_spec.en} is required",
                    ctx,
                )
                bad = True
            continue
        try:
            details[field_spec.name] = facility_kinds._clean_value(field_spec, value)
        except facility_kinds.DetailError as error:
            _fail(rows, number, field_spec.name, error.zh, error.en, ctx)
            bad = True
    if bad:
        return None, False
    if kind.code == "reservoir":
        try:
            facility_kinds.check_reservoir_levels(details)
        except facility_kinds.DetailError as error:
            _fail(rows, number, error.field, error.zh, error.en, ctx)
            return None, False
    values["details"] = details
    if not ctx.in_scope(division) or (old is not None and not ctx.in_scope(old[1])):
        check = dict(values)
        if not _unchanged(check, "facilities"):
            ctx.errors.append(_scope_error(rows, number, "division_code"))
            rows.bad_rows.add(number)
            return None, False
    return values, True


def _assignments(
    rows: SheetRows, ctx: Context
) -> tuple[list[dict[str, Any]], list[tuple[int, date]]]:
    from riverchief.accounts.models import User
    from riverchief.registry.models import ChiefAssignment, Department

    known = ctx.known
    typed = _typed_rows(rows, ctx)
    usernames = {r.get("username") for _n, r in typed if r.get("username")}
    users = (
        set(User.objects.filter(username__in=sorted(usernames)).values_list("username", flat=True))
        if usernames
        else set()
    )
    departments = {
        r.get("contact_department_code") for _n, r in typed if r.get("contact_department_code")
    }
    departments_known = (
        set(Department.objects.filter(code__in=sorted(departments)).values_list("code", flat=True))
        | known.new_departments
        if departments
        else set()
    )
    candidates = []
    for number, record in typed:
        reach_code = record.get("reach_code") or ""
        wb_code = record.get("water_body_code") or ""
        division = record.get("division_code") or ""
        if reach_code:
            reach = known.reach(reach_code)
            if reach is None:
                _fail(
                    rows,
                    number,
                    "reach_code",
                    f"河段编码不存在：{reach_code}",
                    f"unknown reach code: {reach_code}",
                    ctx,
                )
                continue
            if division and division != reach[0]:
                _fail(
                    rows,
                    number,
                    "division_code",
                    "区划与河段所在区划不一致",
                    "the division differs from the reach's division",
                    ctx,
                )
                continue
            division = reach[0]
            wb_code = ""
        elif wb_code:
            if wb_code not in known.water_bodies:
                _fail(
                    rows,
                    number,
                    "water_body_code",
                    f"河湖编码不存在：{wb_code}",
                    f"unknown water body code: {wb_code}",
                    ctx,
                )
                continue
            if division and division not in known.divisions:
                _fail(
                    rows,
                    number,
                    "division_code",
                    f"区划代码不存在：{divcodes.short(division)}",
                    f"unknown division code: {divcodes.short(division)}",
                    ctx,
                )
                continue
            division = division or known.water_bodies[wb_code][0]
        else:
            _fail(
                rows,
                number,
                "reach_code",
                "请填写河段编码或河湖编码",
                "name a reach or a water body",
                ctx,
            )
            continue
        if record.get("username") and record["username"] not in users:
            _fail(
                rows,
                number,
                "username",
                f"账号不存在：{record['username']}",
                f"no such user: {record['username']}",
                ctx,
            )
            continue
        department = record.get("contact_department_code")
        if department and department not in departments_known:
            _fail(
                rows,
                number,
                "contact_department_code",
                f"部门编码不存在：{department}",
                f"unknown department code: {department}",
                ctx,
            )
            continue
        if record.get("end_date") and record["end_date"] < record["start_date"]:
            _fail(
                rows,
                number,
                "end_date",
                "终止日期早于起始日期",
                "the end date is before the start date",
                ctx,
            )
            continue
        values = dict(record)
        if not ctx.in_scope(division):
            values["_outside"] = True
        values.update(reach_code=reach_code, water_body_code=wb_code, division_code=division)
        candidates.append((number, values))
    candidates = _unique(rows, candidates, ctx, bulk.assignment_key, column="person_name")
    # One active 河长/湖长 per reach (or water body and division) and level.
    stored = (
        bulk.stored_assignments({bulk.assignment_key(v) for _n, v in candidates})
        if candidates
        else {}
    )
    # A row outside the scope may come back unchanged (an export shows the chiefs above).
    inside = []
    for number, values in candidates:
        if values.pop("_outside", False):
            old = stored.get(bulk.assignment_key(values))
            if old is None or not _unchanged_assignment(values, old["id"]):
                ctx.errors.append(_scope_error(rows, number, "division_code"))
                rows.bad_rows.add(number)
            continue  # unchanged: nothing to write
        inside.append((number, values))
    candidates = inside
    slots: dict[tuple, int] = {}
    in_file_keys = {bulk.assignment_key(v): v for _n, v in candidates}
    active_stored: dict[tuple, list[dict[str, Any]]] = {}
    if any(v["role"] in SINGLE_HOLDER_ROLES for _n, v in candidates):
        for row in (
            ChiefAssignment.objects.order_by()
            .filter(end_date__isnull=True, role__in=SINGLE_HOLDER_ROLES)
            .values(
                "id",
                "reach__code",
                "water_body__code",
                "division__code",
                "role",
                "level",
                "person_name",
                "start_date",
            )
        ):
            reach = row["reach__code"] or ""
            slot = (
                reach,
                "" if reach else row["water_body__code"],
                "" if reach else row["division__code"],
                row["level"],
                row["role"],
            )
            key = (
                reach,
                "" if reach else (row["water_body__code"] or ""),
                row["division__code"],
                row["role"],
                row["level"],
                row["person_name"],
                row["start_date"],
            )
            row["key"] = key
            active_stored.setdefault(slot, []).append(row)
    result, ends = [], []
    for number, values in candidates:
        if values["role"] in SINGLE_HOLDER_ROLES and not values.get("end_date"):
            slot = (
                values["reach_code"],
                values["water_body_code"],
                "" if values["reach_code"] else values["division_code"],
                values["level"],
                values["role"],
            )
            if slot in slots:
                _fail(
                    rows,
                    number,
                    "person_name",
                    f"同一对象同一级别只能有一名在任{values['role']}（与第{slots[slot]}行冲突）",
                    f"only one active {values['role']} per reach and level (see row {slots[slot]})",
                    ctx,
                )
                continue
            pending = []
            conflict = False
            for current in active_stored.get(slot, []):
                if current["key"] == bulk.assignment_key(values):
                    continue
                in_file = in_file_keys.get(current["key"])
                if in_file is not None and in_file.get("end_date"):
                    continue  # this file ends the current holder itself
                if current["start_date"] >= values["start_date"]:
                    _fail(
                        rows,
                        number,
                        "start_date",
                        f"新任者应晚于现任者的起始日期 {current['start_date'].isoformat()}",
                        f"the new holder must start after {current['start_date'].isoformat()}, "
                        "when the current one started",
                        ctx,
                    )
                    conflict = True
                    break
                pending.append((current["id"], bulk.end_date_before(values["start_date"])))
            if conflict:
                continue
            slots[slot] = number
            ends.extend(pending)
        if "end_date" not in rows.present and bulk.assignment_key(values) in stored:
            values.pop("end_date", None)
        result.append(values)
    return result, ends


def _unchanged_assignment(values: dict[str, Any], pk: int) -> bool:
    from riverchief.registry import records
    from riverchief.registry.models import ChiefAssignment

    row = ChiefAssignment.objects.select_related("user", "contact_department", "division").get(
        pk=pk
    )
    stored = records.assignment(row)
    keys = ("person_phone", "position", "username", "contact_department_code", "end_date")
    return all(stored.get(key) == values[key] for key in keys if key in values) and (
        "is_demo" not in values or stored["is_demo"] == values["is_demo"]
    )


# --- the whole import ---------------------------------------------------------------------


def validate(
    sheets: list[SheetRows], actor=None, progress: Progress = _no_progress
) -> tuple[bulk.Plan, list[RowError]]:
    errors: list[RowError] = []
    ctx = Context(actor, errors, Known(), scope_of(actor) if actor is not None else None)
    if actor is not None and not ctx.scope.can("registry.change"):
        errors.append(
            RowError("-", None, "", "您的角色不能修改名录", "your role may not change the registry")
        )
        return bulk.Plan([], [], [], [], [], [], []), errors
    by_key = {rows.sheet.key: rows for rows in sheets}
    plan = bulk.Plan([], [], [], [], [], [], [])
    with progress("校验 validating", 6) as advance:
        if "divisions" in by_key:
            plan.divisions = _divisions(by_key["divisions"], ctx)
        advance(1)
        if "departments" in by_key:
            plan.departments = _departments(by_key["departments"], ctx)
        advance(1)
        if "waterbodies" in by_key:
            plan.water_bodies = _water_bodies(by_key["waterbodies"], ctx)
        advance(1)
        if "reaches" in by_key:
            plan.reaches = _reaches(by_key["reaches"], ctx, progress)
        advance(1)
        facility_sheets = [rows for rows in sheets if rows.sheet.facility_kind]
        if facility_sheets:
            plan.facilities = _facilities(facility_sheets, ctx)
        advance(1)
        if "assignments" in by_key:
            plan.assignments, plan.assignment_ends = _assignments(by_key["assignments"], ctx)
        advance(1)
    return plan, errors


def run(
    sheets: list[SheetRows],
    read_errors: list[RowError],
    *,
    actor=None,
    partial=False,
    progress: Progress = _no_progress,
) -> Report:
    """Validate, then write unless there are errors (or write the valid rows when partial)."""
    plan, errors = validate(sheets, actor, progress)
    report = Report(errors=read_errors + errors)
    report.rows = sum(len(rows.rows) for rows in sheets)
    report.skipped = sum(
        len(rows.rows) if rows.failed else len({n for n, _r in rows.rows} & rows.bad_rows)
        for rows in sheets
    )
    if report.errors and not partial:
        return report
    with progress("写入 writing", None) as advance:
        report.counts = bulk.apply(actor, plan)
        advance(1)
    report.written = True
    return report


def import_workbook(
    path: Path, *, actor=None, partial=False, progress: Progress = _no_progress
) -> Report:
    sheets, errors = read_workbook(Path(path), progress)
    return run(sheets, errors, actor=actor, partial=partial, progress=progress)
