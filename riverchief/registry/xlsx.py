"""A small streaming reader for .xlsx workbooks: values, formulas and merged cells.

openpyxl's read-only mode needs about 45 s for a sheet of 150,000 reaches; this reader scans the
SpreadsheetML with regular expressions, row by row, in a tenth of that, in bounded memory. It
reads what Excel, WPS, LibreOffice and openpyxl write: shared and inline strings, numbers, dates
(by the cell's number format), booleans, error values. It also reports what the import refuses:
formula cells and merged ranges (which openpyxl's read-only mode does not expose).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

CHUNK = 4 * 1024 * 1024
# Total uncompressed size of the parts we read; a guard against zip bombs.
MAX_UNCOMPRESSED = 4 * 1024 * 1024 * 1024

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
ROW_RE = re.compile(rb"<" + _P + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"row>)", re.S)
CELL_RE = re.compile(rb"<" + _P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _P + rb"c>)", re.S)
ATTR_R_CELL = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
ATTR_R_ROW = re.compile(rb'\br="(\d+)"')
ATTR_T = re.compile(rb'\bt="(\w+)"')
ATTR_S = re.compile(rb'\bs="(\d+)"')
VALUE_RE = re.compile(rb"<" + _P + rb"v>(.*?)</" + _P + rb"v>", re.S)
FORMULA_RE = re.compile(rb"<" + _P + rb"f[\s/>]")
FORMULA_TEXT_RE = re.compile(rb"<" + _P + rb"f\b[^>]*>(.*?)</" + _P + rb"f>", re.S)
TEXT_RE = re.compile(rb"<" + _P + rb"t(?:\s[^>]*)?>(.*?)</" + _P + rb"t>", re.S)
PHONETIC_RE = re.compile(rb"<" + _P + rb"rPh\b.*?</" + _P + rb"rPh>", re.S)
SI_RE = re.compile(rb"<" + _P + rb"si>(.*?)</" + _P + rb"si>|<" + _P + rb"si/>", re.S)
MERGE_RE = re.compile(rb"<" + _P + rb'mergeCell\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
DIMENSION_RE = re.compile(rb"<" + _P + rb'dimension\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
ROW_CLOSE_RE = re.compile(rb"</" + _P + rb"row>")
ENTITY_RE = re.compile(r"&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);")
ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
INT_RE = re.compile(rb"-?\d{1,15}")
FAST_CELL_RE = re.compile(
    rb'<c r="([A-Z]{1,3})(\d+)"(?: s="(\d+)")?(?: t="(s|n|b|str|inlineStr)")?(?: s="(\d+)")?>'
    rb"(?:<v>([^<]*)</v>|<is><t(?: [^>]*)?>([^<]*)</t></is>)</c>"
    rb"|(<" + _P + rb"c\b[^>]*?(?:/>|>.*?</" + _P + rb"c>))",
    re.S,
)


class _NoReference(Exception):
    """A cell without an r attribute: the chunk is read with the row-by-row parser."""


# Built-in number formats that show dates (Excel's, with the CJK ones 27–36 and 50–58).
DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | {45, 46, 47} | set(range(50, 59))


def _xml(data: bytes):
    """Parse a small part (workbook, relationships, styles). A DOCTYPE is refused: no part of
    a workbook has one, and without it no entity can expand (the sheets themselves are read
    with regular expressions, which expand only the five XML entities and character codes)."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise XlsxError(
            "工作簿含有不允许的 XML 声明", "the workbook holds a forbidden XML declaration"
        )
    return ElementTree.fromstring(data)  # noqa: S314  (no DOCTYPE, see above)


class XlsxError(ValueError):
    """A file that is no readable .xlsx workbook; the reason in Chinese and English."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Formula:
    """A formula cell; the import refuses them (the value would be whatever Excel last saw)."""

    text: str


@dataclass(frozen=True)
class ErrorValue:
    """A cell holding an Excel error such as #N/A or #REF!."""

    text: str


@dataclass
class SheetInfo:
    name: str
    path: str
    merged: list[str] = field(default_factory=list)  # filled once the sheet has been read
    rows_hint: int | None = None  # from the <dimension> element, for progress bars


def _unescape(text: str) -> str:
    if "&" not in text:
        return text

    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return ENTITIES[name]

    return ENTITY_RE.sub(replace, text)


def _rich_text(body: bytes) -> str:
    if b"rPh" in body:
        body = PHONETIC_RE.sub(b"", body)
    parts = TEXT_RE.findall(body)
    if len(parts) == 1:
        return _unescape(parts[0].decode("utf-8"))
    return _unescape(b"".join(parts).decode("utf-8"))


@lru_cache(maxsize=4096)
def column_index(letters: bytes | str) -> int:
    """0-based index of a column: A -> 0, Z -> 25, AA -> 26."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index - 1


def column_letter(index: int) -> str:
    """0-based index -> letters."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class Workbook:
    """An open .xlsx file. `sheets` lists the worksheets in order; `rows(sheet)` streams one."""

    def __init__(self, source):
        try:
            self.zip = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise XlsxError(
                "文件不是有效的 .xlsx 工作簿", "the file is not a valid .xlsx workbook"
            ) from error
        names = set(self.zip.namelist())
        if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
            raise XlsxError(
                "压缩包里没有 Excel 工作簿（xl/workbook.xml）",
                "the archive holds no Excel workbook (xl/workbook.xml)",
            )
        total = sum(info.file_size for info in self.zip.infolist())
        if total > MAX_UNCOMPRESSED:
            raise XlsxError("工作簿解压后过大", "the workbook is too large once uncompressed")
        try:
            self._read_workbook()
            self.strings = self._read_shared_strings()
            self.date_styles = self._read_date_styles()
        except (ElementTree.ParseError, KeyError, UnicodeDecodeError) as error:
            raise XlsxError(
                "工作簿结构损坏，无法读取", "the workbook's structure is damaged"
            ) from error

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the parts around the sheets ------------------------------------------------------

    def _part(self, name: str) -> bytes | None:
        try:
            return self.zip.read(name)
        except KeyError:
            return None

    def _read_workbook(self) -> None:
        workbook_path = "xl/workbook.xml"
        root = _xml(self.zip.read(workbook_path))
        properties = root.find(f"{{{MAIN_NS}}}workbookPr")
        self.date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        rels_data = self._part("xl/_rels/workbook.xml.rels")
        targets: dict[str, str] = {}
        if rels_data:
            for rel in _xml(rels_data).iter(f"{{{PKG_REL_NS}}}Relationship"):
                target = rel.get("Target", "")
                if target.startswith("/"):
                    target = target.lstrip("/")
                elif not target.startswith("xl/"):
                    target = "xl/" + target
                targets[rel.get("Id", "")] = target
        self.sheets: list[SheetInfo] = []
        sheets = root.find(f"{{{MAIN_NS}}}sheets")
        for sheet in sheets if sheets is not None else []:
            rel_id = sheet.get(f"{{{REL_NS}}}id", "")
            path = targets.get(rel_id)
            if path and path in self.zip.namelist():
                self.sheets.append(SheetInfo(sheet.get("name", ""), path))

    def _read_shared_strings(self) -> list[str]:
        data = self._part("xl/sharedStrings.xml")
        if not data:
            return []
        return [
            _rich_text(match.group(1)) if match.group(1) else "" for match in SI_RE.finditer(data)
        ]

    def _read_date_styles(self) -> set[int]:
        """Indexes of the cell styles whose number format shows a date."""
        from openpyxl.styles.numbers import is_date_format

        data = self._part("xl/styles.xml")
        if not data:
            return set()
        root = _xml(data)
        custom = {}
        formats = root.find(f"{{{MAIN_NS}}}numFmts")
        for number_format in formats if formats is not None else []:
            custom[int(number_format.get("numFmtId", "0"))] = number_format.get("formatCode", "")
        styles = set()
        cell_xfs = root.find(f"{{{MAIN_NS}}}cellXfs")
        for index, xf in enumerate(cell_xfs if cell_xfs is not None else []):
            format_id = int(xf.get("numFmtId", "0"))
            if format_id in custom:
                if is_date_format(custom[format_id]):
                    styles.add(index)
            elif format_id in DATE_FORMAT_IDS:
                styles.add(index)
        return styles

    # --- a sheet -------------------------------------------------------------------------

    def sheet(self, name: str) -> SheetInfo:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)

    def rows(self, sheet: SheetInfo) -> Iterator[tuple[int, dict[int, Any]]]:
        """(row number, {0-based column: value}) for each row that has a cell; after the last
        row, `sheet.merged` holds the sheet's merged ranges."""
        buffer = b""
        started = False
        state = [0]  # the last row number, for rows without an r attribute
        with self.zip.open(sheet.path) as stream:
            while True:
                chunk = stream.read(CHUNK)
                buffer += chunk
                if not started:
                    data_start = buffer.find(b"sheetData")
                    if data_start < 0 and chunk:
                        continue
                    dimension = DIMENSION_RE.search(buffer, 0, max(data_start, 0) or len(buffer))
                    if dimension:
                        last = dimension.group(1).split(b":")[-1]
                        digits = re.sub(rb"[A-Z]", b"", last)
                        sheet.rows_hint = int(digits) if digits else None
                    started = True
                if chunk:
                    last_close = None
                    for last_close in ROW_CLOSE_RE.finditer(  # noqa: B007  (the last one)
                        buffer, max(0, len(buffer) - 2 * CHUNK)
                    ):
                        pass
                    if last_close is None:
                        continue
                    cut = last_close.end()
                    yield from self._parse_rows(buffer[:cut], state)
                    buffer = buffer[cut:]
                else:
                    end = buffer.find(b"sheetData>")
                    yield from self._parse_rows(buffer if end < 0 else buffer[:end], state)
                    sheet.merged = [ref.decode("ascii") for ref in MERGE_RE.findall(buffer)]
                    return

    def _parse_rows(self, data: bytes, state: list[int]) -> Iterator[tuple[int, dict[int, Any]]]:
        """The fast path: one regular expression for the common cell forms (attributes r, s, t
        in the usual order, a plain value or inline string), the general one for the rest."""
        try:
            rows = self._parse_fast(data)
        except _NoReference:
            rows = list(self._parse_general(data, state))
        if rows:
            state[0] = rows[-1][0]
        yield from rows

    def _parse_fast(self, data: bytes) -> list[tuple[int, dict[int, Any]]]:
        rows: list[tuple[int, dict[int, Any]]] = []
        current_key = b""
        values: dict[int, Any] = {}
        strings, date_styles = self.strings, self.date_styles
        for letters, number, style1, kind, style2, raw, inline, other in FAST_CELL_RE.findall(data):
            if other:
                reference = ATTR_R_CELL.search(other)
                if reference is None:
                    raise _NoReference
                letters, number = reference.group(1), reference.group(2)
            if number != current_key:
                if values:
                    rows.append((int(current_key), values))
                values = {}
                current_key = number
            if other:
                match = CELL_RE.match(other)
                if match and match.group(2):
                    value = self._value(match.group(1), match.group(2))
                    if value is not None:
                        values[column_index(letters)] = value
                continue
            if inline:
                text = inline.decode("utf-8")
                values[column_index(letters)] = _unescape(text) if "&" in text else text
            elif not raw:
                continue
            elif kind == b"s":
                values[column_index(letters)] = strings[int(raw)]
            elif not kind or kind == b"n":
                style = style1 or style2
                if style and int(style) in date_styles:
                    values[column_index(letters)] = self._value(
                        b' s="' + style + b'"', b"<v>" + raw + b"</v>"
                    )
                else:
                    values[column_index(letters)] = (
                        int(raw) if INT_RE.fullmatch(raw) else float(raw)
                    )
            elif kind == b"b":
                values[column_index(letters)] = raw.strip() in (b"1", b"true")
            else:
                text = raw.decode("utf-8")
                values[column_index(letters)] = _unescape(text) if "&" in text else text
        if values:
            rows.append((int(current_key), values))
        return rows

    def _parse_general(self, data: bytes, state: list[int]) -> Iterator[tuple[int, dict[int, Any]]]:
        number = state[0]
        for row in ROW_RE.finditer(data):
            attrs, body = row.group(1), row.group(2)
            found = ATTR_R_ROW.search(attrs)
            number = int(found.group(1)) if found else number + 1
            if not body:
                continue
            values: dict[int, Any] = {}
            column = -1
            for cell in CELL_RE.finditer(body):
                cell_attrs, content = cell.group(1), cell.group(2)
                reference = ATTR_R_CELL.search(cell_attrs)
                column = column_index(reference.group(1)) if reference else column + 1
                if not content:
                    continue
                value = self._value(cell_attrs, content)
                if value is not None:
                    values[column] = value
            if values:
                yield number, values

    def _value(self, attrs: bytes, content: bytes) -> Any:
        kind_match = ATTR_T.search(attrs)
        kind = kind_match.group(1) if kind_match else b"n"
        if FORMULA_RE.search(content):
            found = FORMULA_TEXT_RE.search(content)
            return Formula(
                "=" + _unescape(found.group(1).decode("utf-8", "replace")) if found else "="
            )
        if kind == b"inlineStr":
            return _rich_text(content)
        found = VALUE_RE.search(content)
        if found is None:
            return None
        raw = found.group(1)
        if kind == b"s":
            return self.strings[int(raw)]
        if kind == b"n":
            if not raw:
                return None
            number: int | float = int(raw) if INT_RE.fullmatch(raw) else float(raw)
            style = ATTR_S.search(attrs)
            if style and int(style.group(1)) in self.date_styles:
                from openpyxl.utils.datetime import (
                    CALENDAR_MAC_1904,
                    CALENDAR_WINDOWS_1900,
                    from_excel,
                )

                epoch = CALENDAR_MAC_1904 if self.date1904 else CALENDAR_WINDOWS_1900
                return from_excel(number, epoch)
            return number
        if kind == b"b":
            return raw.strip() in (b"1", b"true")
        if kind == b"e":
            return ErrorValue(raw.decode("utf-8", "replace"))
        if kind == b"d":
            text = raw.decode("ascii", "replace")
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                return text
        return _unescape(raw.decode("utf-8"))  # "str": a formula's text result
